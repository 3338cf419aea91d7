/**
 * Character tables for Vietnamese, built once at start-up from Unicode itself (no hand-typed
 * tables to get wrong): which vowel and tone a precomposed letter carries, how to fold it to ASCII,
 * and a class for every BMP code unit used by the tokeniser.
 */

/** Tone marks as combining characters, in index order 1..5: huyền, sắc, hỏi, ngã, nặng. */
export const TONE_MARKS = ['\u0300', '\u0301', '\u0309', '\u0303', '\u0323'] as const;
/** The twelve vowel letters with their quality marks (breve, circumflex, horn). */
export const VOWELS = ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y'] as const;

/** Lower-case letter (NFC, one code unit) → toneless vowel and tone index (0 = level tone). */
export const VOWEL_OF = new Map<string, { vowel: string; tone: number }>();
/** `${vowel}${tone}` → the precomposed lower-case letter. */
export const WITH_TONE = new Map<string, string>();

for (const v of VOWELS) {
  VOWEL_OF.set(v, { vowel: v, tone: 0 });
  WITH_TONE.set(v + '0', v);
  TONE_MARKS.forEach((mark, i) => {
    const c = (v + mark).normalize('NFC');
    VOWEL_OF.set(c, { vowel: v, tone: i + 1 });
    WITH_TONE.set(v + String(i + 1), c);
  });
}

/** Put tone `tone` (0..5) on toneless vowel letter `vowel`. */
export function withTone(vowel: string, tone: number): string {
  return WITH_TONE.get(vowel + String(tone)) ?? vowel;
}

/** Character classes used by the tokeniser. */
export const CharClass = {
  Other: 0,
  Letter: 1,
  Digit: 2,
  /** Combining mark: belongs to the character before it. */
  Mark: 3,
  /** Invisible inside a word (zero-width space/joiners, soft hyphen, BOM): skipped, never splits. */
  Ignorable: 4,
  Space: 5,
} as const;

/** Class of every UTF-16 code unit. */
export const CHAR_CLASS = new Uint8Array(65536);
{
  const letter = /\p{L}/u;
  const digit = /\p{Nd}/u;
  const mark = /\p{M}/u;
  const space = /\s/u;
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue; // astral characters (emoji, rare CJK): not word characters
    const ch = String.fromCharCode(c);
    if (c < 128) {
      if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) CHAR_CLASS[c] = CharClass.Letter;
      else if (c >= 48 && c <= 57) CHAR_CLASS[c] = CharClass.Digit;
      else if (space.test(ch)) CHAR_CLASS[c] = CharClass.Space;
      continue;
    }
    if (letter.test(ch)) CHAR_CLASS[c] = CharClass.Letter;
    else if (digit.test(ch)) CHAR_CLASS[c] = CharClass.Digit;
    else if (mark.test(ch)) CHAR_CLASS[c] = CharClass.Mark;
    else if (space.test(ch)) CHAR_CLASS[c] = CharClass.Space;
  }
  for (const c of [0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x180e]) CHAR_CLASS[c] = CharClass.Ignorable;
}

/** Folding of one lower-case character to ASCII: every mark removed, đ→d. Built lazily. */
const FOLD_CACHE = new Map<string, string>();
export function foldChar(ch: string): string {
  let f = FOLD_CACHE.get(ch);
  if (f === undefined) {
    if (ch === 'đ' || ch === 'ð') f = 'd';
    else if (ch === 'Đ' || ch === 'Ð') f = 'D';
    else f = ch.normalize('NFD').replace(/\p{M}/gu, '');
    FOLD_CACHE.set(ch, f);
  }
  return f;
}
