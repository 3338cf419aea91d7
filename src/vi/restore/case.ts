/**
 * Carrying the typed capitalisation over to a restored syllable: "Ha" → "Hà", "HA" → "HÀ",
 * "hA" → "hÀ". A syllable typed without marks has one letter per letter of its NFC restored
 * form (every Vietnamese letter is one precomposed code unit), so the pattern is copied letter
 * by letter; when the lengths differ (invisible characters inside the typed token, say), the
 * whole-word pattern is used instead: all capitals, first capital, or lower case.
 */
export function applyCase(typed: string, restored: string): string {
  if (typed.length === restored.length) {
    let out = '';
    for (let i = 0; i < restored.length; i++) {
      const t = typed[i];
      out += t !== t.toLowerCase() ? restored[i].toUpperCase() : restored[i];
    }
    return out;
  }
  const letters = typed.replace(/[^\p{L}]/gu, '');
  if (letters.length > 1 && letters === letters.toUpperCase()) return restored.toUpperCase();
  if (letters.length > 0 && letters[0] !== letters[0].toLowerCase()) return restored[0].toUpperCase() + restored.slice(1);
  return restored;
}
