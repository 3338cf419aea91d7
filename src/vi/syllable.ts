/**
 * Vietnamese syllable structure and tone-mark placement.
 *
 * A written syllable is (initial consonant) + vowel group + (final consonant), with at most one
 * tone mark placed on one vowel of the group. Publishers disagree on where the mark goes in open
 * syllables ending in oa/oe/uy: the "old" style writes hòa, khỏe, thủy; the "new" style writes
 * hoà, khoẻ, thuỷ. Both are correct Vietnamese, so matching needs one canonical form.
 *
 * Decision: the canonical matching form uses the old style (hòa, thủy, khỏe). It is the form
 * most Vietnamese news sites print (counted on ../shared/data/news-rss: thủy 2,278 vs thuỷ 23,
 * khỏe 4,106 vs khoẻ 13) and the one most people type. Displayed text is never changed: only
 * the matching form is canonical.
 *
 * The same parse repairs misplaced marks ("tòan" → "toàn", "vịêt" → "việt") whenever the
 * syllable parses unambiguously as Vietnamese; anything else (foreign words, names, typos that
 * do not parse) is returned unchanged.
 */
import { VOWEL_OF, withTone } from './chars.ts';

const INITIALS = new Set([
  '', 'b', 'c', 'ch', 'd', 'đ', 'g', 'gh', 'gi', 'h', 'k', 'kh', 'l', 'm', 'n', 'ng', 'ngh', 'nh',
  'p', 'ph', 'q', 'qu', 'r', 's', 't', 'th', 'tr', 'v', 'x',
]);
const FINALS = new Set(['', 'c', 'ch', 'm', 'n', 'ng', 'nh', 'p', 't']);
/** Vowels carrying a quality mark take the tone mark themselves. */
const QUALITY = new Set(['ă', 'â', 'ê', 'ô', 'ơ', 'ư']);
/** Valid vowel groups (toneless). Used to refuse strings that only look like syllables. */
const GROUPS = new Set([
  'a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y',
  'ai', 'ao', 'au', 'ay', 'âu', 'ây', 'eo', 'êu', 'ia', 'iê', 'iu', 'oa', 'oă', 'oe', 'oi', 'oo',
  'ôi', 'ơi', 'ua', 'uâ', 'uê', 'ui', 'uô', 'uơ', 'uy', 'ưa', 'ưi', 'ươ', 'ưu', 'yê',
  'iêu', 'oai', 'oay', 'oeo', 'uây', 'uôi', 'uya', 'uyê', 'uyu', 'ươi', 'ươu', 'yêu',
]);

export interface SyllableParts {
  initial: string;
  /** Vowel group without tone marks, e.g. "oa", "ươ", "uyê". */
  vowels: string;
  final: string;
  /** 0 = level (ngang), 1 huyền, 2 sắc, 3 hỏi, 4 ngã, 5 nặng. */
  tone: number;
}

/**
 * Parse a lower-case NFC syllable. Returns null when it is not a well-formed Vietnamese syllable
 * (more than one tone mark, unknown consonants, impossible vowel group).
 */
export function parseSyllable(s: string): SyllableParts | null {
  const n = s.length;
  if (n === 0 || n > 8) return null;
  let tone = 0;
  let plain = '';
  for (let i = 0; i < n; i++) {
    const ch = s[i];
    const v = VOWEL_OF.get(ch);
    if (v) {
      if (v.tone) {
        if (tone) return null;
        tone = v.tone;
      }
      plain += v.vowel;
    } else {
      const c = ch.charCodeAt(0);
      if (!((c >= 97 && c <= 122) || ch === 'đ')) return null;
      plain += ch;
    }
  }
  // Initial consonant: the longest leading run of consonants.
  let i = 0;
  while (i < plain.length && !VOWEL_OF.has(plain[i])) i++;
  let initial = plain.slice(0, i);
  let rest = plain.slice(i);
  // "qu" and "gi" are initials when a vowel follows the u / i.
  if (initial === 'q' && rest[0] === 'u' && rest.length > 1 && VOWEL_OF.has(rest[1])) {
    initial = 'qu';
    rest = rest.slice(1);
  } else if (initial === 'g' && rest[0] === 'i' && rest.length > 1 && VOWEL_OF.has(rest[1])) {
    initial = 'gi';
    rest = rest.slice(1);
  }
  if (!INITIALS.has(initial)) return null;
  let j = 0;
  while (j < rest.length && VOWEL_OF.has(rest[j])) j++;
  const vowels = rest.slice(0, j);
  const final = rest.slice(j);
  if (!vowels || !FINALS.has(final) || !GROUPS.has(vowels)) return null;
  return { initial, vowels, final, tone };
}

/** Index, inside the vowel group, of the vowel that carries the tone mark (old style). */
export function toneIndex(vowels: string, final: string): number {
  const n = vowels.length;
  if (n === 1) return 0;
  const uo = vowels.indexOf('ươ');
  if (uo >= 0) return uo + 1;
  for (let k = n - 1; k >= 0; k--) if (QUALITY.has(vowels[k])) return k;
  if (final) return n - 1;
  if (n === 3) return 1;
  // Open two-vowel groups: the first vowel (old style: hòa, khỏe, thủy, mía, múa, tài).
  return 0;
}

/** Write a parsed syllable back with its tone mark on the canonical vowel. */
export function composeSyllable(p: SyllableParts): string {
  if (p.tone === 0) return p.initial + p.vowels + p.final;
  const k = toneIndex(p.vowels, p.final);
  return p.initial + p.vowels.slice(0, k) + withTone(p.vowels[k], p.tone) + p.vowels.slice(k + 1) + p.final;
}

/**
 * Canonical tone placement of one lower-case NFC syllable; unchanged when it does not parse.
 */
export function canonicalSyllable(s: string): string {
  const p = parseSyllable(s);
  return p ? composeSyllable(p) : s;
}
