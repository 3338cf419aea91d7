/**
 * HTML character references for the bytes 0xA0..0xFF ("&ecirc;", "&#234;", "&#xEA;").
 *
 * Pages made for the .VnTime and VNI-Times fonts often reach us with their high bytes written
 * as references by the HTML editor that saved them ("Vi&ecirc;&auml;t Nam" is VNI for "Việt
 * Nam"). A browser turned each reference into a latin-1 code point and the font drew its own
 * glyph at that position, so for these pages a reference stands for a byte of the font encoding,
 * and must become that byte before the page is converted.
 *
 * Names: the HTML 4 latin-1 entity set (ISO 8859-1 characters 160–255, in code-point order).
 */
const UPPER = [
  'Agrave', 'Aacute', 'Acirc', 'Atilde', 'Auml', 'Aring', 'AElig', 'Ccedil', 'Egrave', 'Eacute',
  'Ecirc', 'Euml', 'Igrave', 'Iacute', 'Icirc', 'Iuml', 'ETH', 'Ntilde', 'Ograve', 'Oacute',
  'Ocirc', 'Otilde', 'Ouml', 'times', 'Oslash', 'Ugrave', 'Uacute', 'Ucirc', 'Uuml', 'Yacute',
  'THORN', 'szlig',
];
const NAMES: string[] = [
  'nbsp', 'iexcl', 'cent', 'pound', 'curren', 'yen', 'brvbar', 'sect', 'uml', 'copy', 'ordf',
  'laquo', 'not', 'shy', 'reg', 'macr', 'deg', 'plusmn', 'sup2', 'sup3', 'acute', 'micro', 'para',
  'middot', 'cedil', 'sup1', 'ordm', 'raquo', 'frac14', 'frac12', 'frac34', 'iquest',
  ...UPPER,
  // 0xE0..0xFF: the lower-case letters, same order; ÷ and ÿ take the places of × and ß.
  ...UPPER.map((n) => (n === 'times' ? 'divide' : n === 'szlig' ? 'yuml' : n.toLowerCase())),
];

const BYTE_OF = new Map<string, number>(NAMES.map((n, i) => [n, 0xa0 + i]));

const REFERENCE = /&(#[0-9]{1,5}|#[xX][0-9a-fA-F]{1,4}|[A-Za-z][A-Za-z0-9]{1,7});/g;

/** The byte (0xA0..0xFF) a character reference stands for, or undefined. */
function byteOf(ref: string): number | undefined {
  if (ref[0] !== '#') return BYTE_OF.get(ref);
  const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
  return code >= 0xa0 && code <= 0xff ? code : undefined;
}

/** Replace references to 0xA0..0xFF by those bytes in a byte string; others are left as they are. */
export function expandLatin1References(bs: string): string {
  if (!bs.includes('&')) return bs;
  return bs.replace(REFERENCE, (m, ref: string) => {
    const b = byteOf(ref);
    return b === undefined ? m : String.fromCharCode(b);
  });
}

/** Whether a byte string holds at least one reference to 0xA1..0xFF (a letter in a legacy font). */
export function hasLatin1References(bs: string): boolean {
  REFERENCE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = REFERENCE.exec(bs)) !== null) {
    const b = byteOf(m[1]);
    if (b !== undefined && b > 0xa0) return true;
  }
  return false;
}
