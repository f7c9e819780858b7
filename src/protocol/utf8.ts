/** Sizes of text as the wire counts them: UTF-8 bytes, never UTF-16 string length. */

const NOT_ASCII = /[^\x00-\x7f]/;

/** UTF-8 length of a string, without TextEncoder (not every runtime types it). A lone surrogate counts 3 bytes (U+FFFD). */
export function utf8Length(text: string): number {
  // Most frames and rows are ASCII: a native scan says so at once, and then each unit is one byte.
  if (!NOT_ASCII.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Whether `text` is over `limit` UTF-8 bytes. Counts only when it matters:
 * UTF-8 takes 1 to 3 bytes per UTF-16 unit (an astral pair: 4 for 2 units).
 */
export function utf8Exceeds(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  return text.length * 3 > limit && utf8Length(text) > limit;
}

/** The UTF-8 bytes of a string, without TextEncoder (as utf8Length); a lone surrogate becomes U+FFFD, as TextEncoder does. */
export function utf8Bytes(text: string): Uint8Array {
  const out = new Uint8Array(utf8Length(text));
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      const paired = code <= 0xdbff && (next & 0xfc00) === 0xdc00;
      code = paired ? 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00) : 0xfffd;
      if (paired) i++;
    }
    if (code < 0x80) out[at++] = code;
    else if (code < 0x800) (out[at++] = 0xc0 | (code >> 6)), (out[at++] = 0x80 | (code & 63));
    else if (code < 0x10000) (out[at++] = 0xe0 | (code >> 12)), (out[at++] = 0x80 | ((code >> 6) & 63)), (out[at++] = 0x80 | (code & 63));
    else (out[at++] = 0xf0 | (code >> 18)), (out[at++] = 0x80 | ((code >> 12) & 63)), (out[at++] = 0x80 | ((code >> 6) & 63)), (out[at++] = 0x80 | (code & 63));
  }
  return out;
}
