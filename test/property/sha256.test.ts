/**
 * protocol/sha256.ts against node:crypto: any string (lone surrogates
 * included, as UTF-8 encoding turns them into U+FFFD on both sides), and
 * every length around the padding's edges (55, 56, 63, 64, 119, 120 bytes).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { H0, K, sha256Hex } from '../../src/protocol/sha256.js';

const reference = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** floor(root(p) * 2^32) mod 2^32, exactly: the integer `degree`-th root of p * 2^(32 * degree). */
function exactFractionBits(p: number, degree: 2 | 3): number {
  const target = BigInt(p) << BigInt(32 * degree);
  let lo = 0n;
  let hi = 1n << 40n;
  while (lo < hi) {
    const mid = (lo + hi + 1n) / 2n;
    if (mid ** BigInt(degree) <= target) lo = mid;
    else hi = mid - 1n;
  }
  return Number(lo & 0xffffffffn);
}

describe('sha256Hex', () => {
  it('derives the 64 round constants and the initial hash exactly as the standard defines them', () => {
    const primes: number[] = [];
    for (let n = 2; primes.length < 64; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
    expect([...K]).toEqual(primes.map((p) => exactFractionBits(p, 3)));
    expect([...H0]).toEqual(primes.slice(0, 8).map((p) => exactFractionBits(p, 2)));
    expect([K[0], K[63], H0[0]]).toEqual([0x428a2f98, 0xc67178f2, 0x6a09e667]);
  });

  it('matches node:crypto on the standard vectors and at every padding edge', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    for (let n = 0; n <= 200; n++) expect(sha256Hex('a'.repeat(n))).toBe(reference('a'.repeat(n)));
    expect(sha256Hex('é'.repeat(28))).toBe(reference('é'.repeat(28)));
  });

  it('matches node:crypto on any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ maxLength: 2000 })), (text) => {
        expect(sha256Hex(text)).toBe(reference(text));
      }),
      { numRuns: 500 },
    );
  });
});
