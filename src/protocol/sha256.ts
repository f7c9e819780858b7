/**
 * SHA-256 (FIPS 180-4) of a string's UTF-8 bytes, as lowercase hex. Small and
 * synchronous, for op content hashes (op-hash.ts) on both sides: WebCrypto's
 * digest is asynchronous and missing outside secure contexts (an app served
 * over plain http on a LAN), and a library for it weighed more than all of
 * this in every app's bundle. Not for secrets: no constant-time guarantees.
 * Checked against node:crypto on random inputs (test/property).
 */

import { utf8Bytes } from './utf8.js';

/** The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
export const K = new Uint32Array(64);
/** The same of the square roots of the first 8 primes: the initial hash value. */
export const H0 = new Uint32Array(8);

function fractionBits(x: number): number {
  return ((x - Math.floor(x)) * 2 ** 32) >>> 0;
}

// Derived, not tabled: the primes below 312 give both constants (the standard's own definition); a test
// checks every one against exact integer roots, so a last-bit difference of an engine's cbrt would show.
for (let n = 2, found = 0; found < 64; n++) {
  let prime = true;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) prime = false;
  if (!prime) continue;
  if (found < 8) H0[found] = fractionBits(Math.sqrt(n));
  K[found++] = fractionBits(Math.cbrt(n));
}

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/** Pads `bytes` as the standard says: a 1 bit, zeros, the bit length in 64 bits; a multiple of 64 bytes. */
function pad(bytes: Uint8Array): Uint8Array {
  const length = Math.ceil((bytes.length + 9) / 64) * 64;
  const out = new Uint8Array(length);
  out.set(bytes);
  out[bytes.length] = 0x80;
  const view = new DataView(out.buffer);
  const bits = bytes.length * 8;
  view.setUint32(length - 8, Math.floor(bits / 2 ** 32));
  view.setUint32(length - 4, bits >>> 0);
  return out;
}

export function sha256Hex(text: string): string {
  const data = pad(utf8Bytes(text));
  const view = new DataView(data.buffer);
  const h = H0.slice();
  const w = new Uint32Array(64);
  for (let block = 0; block < data.length; block += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(block + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15] as number;
      const b = w[i - 2] as number;
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[i] = (w[i - 16] as number) + s0 + (w[i - 7] as number) + s1;
    }
    compress(h, w);
  }
  return [...h].map((x) => x.toString(16).padStart(8, '0')).join('');
}

/** One block's 64 rounds on the state `h` (the schedule `w` is ready). */
function compress(h: Uint32Array, w: Uint32Array): void {
  let [a, b, c, d, e, f, g, hh] = h as unknown as [number, number, number, number, number, number, number, number];
  for (let i = 0; i < 64; i++) {
    const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + (K[i] as number) + (w[i] as number)) >>> 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) >>> 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) >>> 0;
  }
  const next = [a, b, c, d, e, f, g, hh];
  for (let i = 0; i < 8; i++) h[i] = ((h[i] as number) + (next[i] as number)) >>> 0;
}
