/**
 * Diacritic folding: every mark removed and đ→d, after lower-casing. Lossy on purpose: it is the
 * form shared by "chuyển đổi số" and "chuyen doi so", used to match text typed without marks.
 * Works on any input (NFC or NFD) because marks are removed after decomposition.
 */
import { foldChar } from './chars.ts';

/** Fold a string: lower case, every diacritic removed, đ→d. */
export function fold(text: string): string {
  const lower = text.toLowerCase();
  let out = '';
  let plain = true;
  for (let i = 0; i < lower.length; i++) {
    if (lower.charCodeAt(i) >= 128) {
      plain = false;
      break;
    }
  }
  if (plain) return lower;
  for (const ch of lower.normalize('NFC')) {
    out += ch.charCodeAt(0) < 128 ? ch : foldChar(ch);
  }
  return out;
}

/** True when the text carries at least one Vietnamese diacritic (or đ). */
export function hasDiacritics(text: string): boolean {
  return fold(text) !== text.toLowerCase().normalize('NFC');
}
