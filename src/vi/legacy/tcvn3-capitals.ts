/**
 * Capitals of TCVN3 text typed in an all-capitals font.
 *
 * TCVN3 (VN3) has no bytes for toned capitals: ABC users set headlines in the capitals font
 * (.VnTimeH), which draws the lower-case bytes as capitals. Without the font, "HÀ NỘI" comes back
 * as bytes that read "Hà NộI": the ASCII capitals survive, the Vietnamese letters fall to lower
 * case. We restore them from the word and its neighbours:
 * - a word with no ASCII small letter, a Vietnamese small letter, and a capital after its first
 *   letter ("NộI", "ĐảNG", "ấY") was certainly set in capitals: it is upper-cased;
 * - a word that could be either ("Hà", "Mỹ", "ở": capital first letter or none, no ASCII small
 *   letter) is upper-cased only when the nearest telling word on the same line, to its left or
 *   right, is a certain one. Words of ASCII capitals alone ("TP", "UBND") tell nothing and are
 *   looked past; a word with an ASCII small letter ends the search.
 * So "Tổng thống Mỹ" and "TP Hà Nội" stay as they are and "HÀ NỘI", "NGƯỜI Ở LẠI" are repaired.
 */

const WORD = /[\p{L}\p{M}]+|\n/gu;

const Kind = { Lower: 0, Certain: 1, Ambiguous: 2, Neutral: 3, Line: 4 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

function kindOf(w: string): Kind {
  if (w === '\n') return Kind.Line;
  if (/[a-z]/.test(w)) return Kind.Lower;
  // A Vietnamese small letter: any small letter outside ASCII.
  if (!/[^\u0000-\u007f]/.test(w) || !/\p{Ll}/u.test(w)) return Kind.Neutral;
  return /\p{Lu}/u.test(w.slice(1)) ? Kind.Certain : Kind.Ambiguous;
}

/** Whether the nearest telling word from `i` in direction `step` is a certain capital word. */
function capsAround(kinds: Kind[], i: number, step: number): boolean {
  for (let j = i + step; j >= 0 && j < kinds.length; j += step) {
    const k = kinds[j];
    if (k === Kind.Certain) return true;
    if (k === Kind.Lower || k === Kind.Line) return false;
  }
  return false;
}

export function restoreTcvn3Capitals(text: string): string {
  // Fast exit: without both an ASCII capital and a non-ASCII small letter there is nothing to do.
  if (!/[A-Z\u0102\u00c2\u00ca\u00d4\u01a0\u01af\u0110]/.test(text) || !/[^\u0000-\u007f]/.test(text)) return text;
  const matches = [...text.matchAll(WORD)];
  const kinds = matches.map((m) => kindOf(m[0]));
  let out = '';
  let last = 0;
  for (let i = 0; i < matches.length; i++) {
    const k = kinds[i];
    const upper = k === Kind.Certain || (k === Kind.Ambiguous && (capsAround(kinds, i, -1) || capsAround(kinds, i, 1)));
    if (!upper) continue;
    const m = matches[i];
    out += text.slice(last, m.index) + m[0].toUpperCase();
    last = m.index + m[0].length;
  }
  return last === 0 ? text : out + text.slice(last);
}
