/** Sizes of text as the wire counts them: UTF-8 bytes, never UTF-16 string length. */

/** UTF-8 length of a string, without TextEncoder (not every runtime types it). A lone surrogate counts 3 bytes (U+FFFD). */
export function utf8Length(text: string): number {
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
