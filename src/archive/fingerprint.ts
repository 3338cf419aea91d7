/**
 * Near-duplicate fingerprints (SimHash, Charikar 2002, as used for web pages by Manku et al. 2007):
 * 64 bits per article from its word 3-shingles, so a wire story reprinted by several outlets with a
 * different headline, a line of byline and a changed paragraph still lands within a few bits.
 *
 * Shingles are taken on the folded, matching form of the text (src/vi), so tone-mark placement,
 * case and NFC/NFD differences between outlets do not count as differences. Lookup uses the
 * pigeonhole trick: with the 64 bits cut in eight 8-bit bands, two fingerprints within Hamming
 * distance 7 share at least one band exactly, so eight indexed columns find every candidate.
 *
 * Threshold: Manku et al. use 3 bits for whole web pages; news articles are short (150–800 words)
 * and a syndicated copy usually differs by a byline, a trimmed sentence and a new headline, which
 * moves a 150-word text by 4–5 bits on our fixtures. 6 bits links those while two unrelated texts
 * land near 32 (the chance of ≤ 6 for independent fingerprints is about 10^-11).
 */
import { createHash } from 'node:crypto';
import { fold, normalizeForMatch } from '../vi/index.ts';

export const NEAR_DUPLICATE_BITS = 6;
/** Texts shorter than this many words get no fingerprint: boilerplate-sized texts collide. */
export const MIN_WORDS = 40;

export interface Fingerprint {
  /** 16 hex digits. */
  hex: string;
  /** The eight bytes, for the band columns. */
  bands: number[];
}

export function words(text: string): string[] {
  return fold(normalizeForMatch(text)).match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function simhash(text: string): Fingerprint | undefined {
  const w = words(text);
  if (w.length < MIN_WORDS) return undefined;
  const acc = new Int32Array(64);
  for (let i = 0; i + 3 <= w.length; i++) {
    const h = createHash('md5').update(`${w[i]} ${w[i + 1]} ${w[i + 2]}`).digest();
    for (let byte = 0; byte < 8; byte++) {
      const b = h[byte];
      for (let bit = 0; bit < 8; bit++) acc[byte * 8 + bit] += (b >> bit) & 1 ? 1 : -1;
    }
  }
  const bytes = Buffer.alloc(8);
  for (let i = 0; i < 64; i++) if (acc[i] > 0) bytes[i >> 3] |= 1 << (i & 7);
  const hex = bytes.toString('hex');
  return { hex, bands: [...bytes] };
}

export function hamming(a: string, b: string): number {
  let x = BigInt('0x' + a) ^ BigInt('0x' + b);
  let n = 0;
  while (x) {
    x &= x - 1n;
    n++;
  }
  return n;
}
