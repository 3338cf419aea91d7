/**
 * Code tables of the three legacy Vietnamese encodings Tra reads: TCVN3 (ABC), VNI and
 * windows-1258. Every table here is indexed by byte value (0..255); "byte string" in this module
 * means a JS string whose every code unit is one byte value (what a latin-1 reading gives).
 *
 * Sources, cross-checked against each other:
 * - TCVN 5712:1993, as published in the X11 TCVN-to-UCS2 table (X-TrueType, TCVNtoUCS2.c,
 *   Shiozaki & Saratxaga 1998) and the TCVN3 column of the "Bảng đối chiếu encoding các bộ chữ
 *   hiện hành với Unicode" chart (scribd 23311958); the VN3/VN2/VN1 split is described in
 *   Wikipedia's "VSCII" article.
 * - VNI Windows: the VNI column of the same chart, the VNI table of duydev/vietnamese-conversion
 *   (src/charsets.ts) and the VNI_WINDOWS_TABLE of khiemdoan/VBKey (mdlCodeTable.bas); the three
 *   agree on every letter, upper and lower case.
 * - windows-1258: the WHATWG Encoding Standard, through Node's own TextDecoder, so there is no
 *   hand-typed copy of it to get wrong.
 */

/** Tone order used throughout: 0 level, 1 huyền, 2 sắc, 3 hỏi, 4 ngã, 5 nặng (as in chars.ts). */
export const COMBINING_TONES = ['', '\u0300', '\u0301', '\u0309', '\u0303', '\u0323'] as const;

/** windows-1252 reading of 0x80..0x9F (the C1 block), so bytes ↔ mis-decoded strings round-trip. */
const CP1252_C1 = new TextDecoder('windows-1252');
export const WINDOWS_1252: string[] = Array.from({ length: 256 }, (_, b) => CP1252_C1.decode(new Uint8Array([b])));

/** windows-1258, byte → string (single characters; 0xCC 0xD2 0xDE 0xEC 0xF2 are combining tones). */
const CP1258 = new TextDecoder('windows-1258');
export const WINDOWS_1258: string[] = Array.from({ length: 256 }, (_, b) => CP1258.decode(new Uint8Array([b])));

/**
 * TCVN3 (TCVN 5712:1993), bytes 0xA0..0xFF.
 *
 * Decision: we decode the VN2 level of the standard. VN3 (the ABC font layout) places the 67
 * lower-case letters and the 7 toneless capitals Ă Â Ê Ô Ơ Ư Đ; VN2 fills the remaining slots of
 * 0xA0..0xFF with 22 toned capitals and the five combining tone marks (0xB0..0xB4). VN3 text never
 * uses those slots for anything else, so reading them as VN2 costs nothing and recovers the
 * capitals of files that used them. VN1's extra capitals in the C0 and C1 control blocks are NOT
 * decoded: in ABC documents typed on Windows the bytes 0x80..0x9F are the windows-1252 curly
 * quotes and dashes the font shows, and 0x01..0x17 are control characters.
 * Capitals with tone marks in pure VN3 text were written with the lower-case byte in an
 * all-capitals font (.VnTimeH); the font is lost in plain text, so they decode to lower case
 * unless the word and its neighbours show it was set in capitals (tcvn3-capitals.ts).
 */
// prettier-ignore
const TCVN3_HIGH = [
  // 0xA0: NBSP Ă Â Ê Ô Ơ Ư Đ ă â ê ô ơ ư đ Ằ
  0x00a0, 0x0102, 0x00c2, 0x00ca, 0x00d4, 0x01a0, 0x01af, 0x0110,
  0x0103, 0x00e2, 0x00ea, 0x00f4, 0x01a1, 0x01b0, 0x0111, 0x1eb0,
  // 0xB0: five combining tones, à ả ã á ạ Ẳ ằ ẳ ẵ ắ Ẵ
  0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00e0, 0x1ea3, 0x00e3,
  0x00e1, 0x1ea1, 0x1eb2, 0x1eb1, 0x1eb3, 0x1eb5, 0x1eaf, 0x1eb4,
  // 0xC0: Ắ Ầ Ẩ Ẫ Ấ Ề ặ ầ ẩ ẫ ấ ậ è Ể ẻ ẽ
  0x1eae, 0x1ea6, 0x1ea8, 0x1eaa, 0x1ea4, 0x1ec0, 0x1eb7, 0x1ea7,
  0x1ea9, 0x1eab, 0x1ea5, 0x1ead, 0x00e8, 0x1ec2, 0x1ebb, 0x1ebd,
  // 0xD0: é ẹ ề ể ễ ế ệ ì ỉ Ễ Ế Ồ ĩ í ị ò
  0x00e9, 0x1eb9, 0x1ec1, 0x1ec3, 0x1ec5, 0x1ebf, 0x1ec7, 0x00ec,
  0x1ec9, 0x1ec4, 0x1ebe, 0x1ed2, 0x0129, 0x00ed, 0x1ecb, 0x00f2,
  // 0xE0: Ổ ỏ õ ó ọ ồ ổ ỗ ố ộ ờ ở ỡ ớ ợ ù
  0x1ed4, 0x1ecf, 0x00f5, 0x00f3, 0x1ecd, 0x1ed3, 0x1ed5, 0x1ed7,
  0x1ed1, 0x1ed9, 0x1edd, 0x1edf, 0x1ee1, 0x1edb, 0x1ee3, 0x00f9,
  // 0xF0: Ỗ ủ ũ ú ụ ừ ử ữ ứ ự ỳ ỷ ỹ ý ỵ Ố
  0x1ed6, 0x1ee7, 0x0169, 0x00fa, 0x1ee5, 0x1eeb, 0x1eed, 0x1eef,
  0x1ee9, 0x1ef1, 0x1ef3, 0x1ef7, 0x1ef9, 0x00fd, 0x1ef5, 0x1ed0,
];

/** TCVN3 byte → string: ASCII below 0x80, windows-1252 punctuation in 0x80..0x9F, VN2 above. */
export const TCVN3: string[] = WINDOWS_1252.map((ch, b) => (b >= 0xa0 ? String.fromCharCode(TCVN3_HIGH[b - 0xa0]) : ch));

/** The bytes only VN2 assigns (toned capitals and combining tones); a VN3 encoder never writes them. */
export const TCVN3_VN2_ONLY = new Set([
  0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xba, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xcd, 0xd9,
  0xda, 0xdb, 0xe0, 0xf0, 0xff,
]);

/**
 * VNI Windows. A letter is written as its base ASCII letter followed by one mark byte; lower-case
 * letters take the lower-case mark bytes below, capitals take the same byte minus 0x20 (the
 * latin-1 capital of the same glyph). ơ, ư, đ, the toned i's and ỵ have bytes of their own, and
 * ơ/ư take tone marks like any base letter.
 */
/** Mark byte (lower-case form) → tone 1..5 on a plain vowel: ø ù û õ ï. */
export const VNI_TONE: Record<number, number> = { 0xf8: 1, 0xf9: 2, 0xfb: 3, 0xf5: 4, 0xef: 5 };
/** Mark byte (lower-case form) → tone 0..5 with a circumflex (â ê ô): â à á å ã ä. */
export const VNI_CIRCUMFLEX: Record<number, number> = { 0xe2: 0, 0xe0: 1, 0xe1: 2, 0xe5: 3, 0xe3: 4, 0xe4: 5 };
/** Mark byte (lower-case form) → tone 0..5 with a breve (ă only): ê è é ú ü ë. */
export const VNI_BREVE: Record<number, number> = { 0xea: 0, 0xe8: 1, 0xe9: 2, 0xfa: 3, 0xfc: 4, 0xeb: 5 };
/** Bytes that are letters on their own (lower case; capitals are the byte minus 0x20). */
export const VNI_SINGLE: Record<number, string> = {
  0xf1: 'đ', 0xf4: 'ơ', 0xf6: 'ư',
  0xec: 'ì', 0xed: 'í', 0xe6: 'ỉ', 0xf3: 'ĩ', 0xf2: 'ị',
  0xee: 'ỵ',
};
