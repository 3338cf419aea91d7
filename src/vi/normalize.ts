/**
 * Unicode clean-up and the canonical matching form of Vietnamese text.
 *
 * Three forms exist and each has one job:
 * - the original text, exactly as the publisher wrote it: stored and displayed;
 * - `cleanText`: NFC with invisible characters removed and odd spaces and quotes made plain
 *   (safe for display, used where text is compared or shown to people);
 * - `normalizeForMatch`: `cleanText`, lower case, and one tone-mark placement per syllable
 *   (see syllable.ts) — the form the index and queries meet in;
 * - `fold` (fold.ts): the matching form with every diacritic removed and đ→d — lossy, for
 *   people who type without marks.
 */
import { canonicalSyllable } from './syllable.ts';

/** Zero-width characters, BOM, soft hyphen, Mongolian vowel separator: removed. */
const INVISIBLE = /[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]/g;
/** Every space-like character other than a plain space and newline. */
const ODD_SPACE = /[\t\v\f\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g;
const SINGLE_QUOTES = /[\u2018\u2019\u201a\u201b\u2032\u02bc]/g;
const DOUBLE_QUOTES = /[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]/g;
/** Icelandic eth (Ð/ð) is a common mis-encoding of Vietnamese Đ/đ. */
const ETH = /[\u00d0\u00f0]/g;

/**
 * NFC, invisible characters removed, odd spaces → space, curly quotes → straight quotes,
 * CRLF → LF, eth → đ. Does not change case or tone marks.
 */
export function cleanText(text: string): string {
  let s = text;
  // Pure ASCII text is already NFC and has no invisible characters or curly quotes.
  if (!/^[\x00-\x7f]*$/.test(s)) s = s.normalize('NFC');
  s = s.replace(INVISIBLE, '').replace(ODD_SPACE, ' ').replace(SINGLE_QUOTES, "'").replace(DOUBLE_QUOTES, '"');
  s = s.replace(ETH, (c) => (c === '\u00d0' ? 'Đ' : 'đ'));
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  return s;
}

/** Letter runs, including the combining marks that belong to them. */
const WORD = /[\p{L}\p{M}]+/gu;

/** The canonical matching form of a text: clean, lower case, one tone-mark placement. */
export function normalizeForMatch(text: string): string {
  return cleanText(text).toLowerCase().replace(WORD, canonicalWord);
}

/** Canonical tone placement for a lower-case NFC word (non-syllables are unchanged). */
export function canonicalWord(word: string): string {
  if (word.length > 8) return word;
  let c = canonical.get(word);
  if (c === undefined) {
    c = canonicalSyllable(word);
    if (canonical.size >= 100_000) canonical.clear();
    canonical.set(word, c);
  }
  return c;
}
/** Syllables repeat endlessly in running text: parse each distinct one once. */
const canonical = new Map<string, string>();
