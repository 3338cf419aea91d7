/**
 * Converters between Unicode and the legacy Vietnamese encodings (tables in tables.ts).
 *
 * Every decoder works on a "byte string": one code unit per byte. Bytes become one with
 * `bytesToByteString`; a string that was already (mis-)decoded as latin-1 or windows-1252 —
 * "ViÖt Nam", "Vieät Nam" — becomes one with `stringToByteString`, which undoes the
 * windows-1252 reading. Code units above 0xFF cannot come from a one-byte reading, so decoders
 * pass them through unchanged: a half-converted text loses nothing. Decoders return NFC.
 *
 * The encoders exist for tests (round trips) and for anyone who must write legacy files; they
 * write '?' for what the target cannot represent, as Windows does.
 */
import { VOWEL_OF, withTone } from '../chars.ts';
import {
  COMBINING_TONES, TCVN3, TCVN3_VN2_ONLY, VNI_BREVE, VNI_CIRCUMFLEX, VNI_SINGLE, VNI_TONE,
  WINDOWS_1252, WINDOWS_1258,
} from './tables.ts';
import { restoreTcvn3Capitals } from './tcvn3-capitals.ts';

/** The legacy encodings this module converts (utf-8 and windows-1252 are handled by detect.ts). */
export type LegacyEncoding = 'tcvn3' | 'vni' | 'windows-1258';

/** Bytes → byte string (each byte becomes the code unit of the same value). */
export function bytesToByteString(bytes: Uint8Array): string {
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + CHUNK)));
  }
  return out;
}

/** windows-1252 characters outside latin-1 (€ ‚ ƒ „ … “ ” …) → the byte they were read from. */
const CP1252_BYTE = new Map<string, number>();
for (let b = 0x80; b < 0xa0; b++) {
  const ch = WINDOWS_1252[b];
  if (ch.charCodeAt(0) > 0xff) CP1252_BYTE.set(ch, b);
}

/**
 * A string read from legacy bytes as latin-1 or windows-1252 → the byte string of those bytes.
 * Both readings are undone: U+0080..U+009F (latin-1) and € “ ” … (windows-1252) give 0x80..0x9F.
 */
export function stringToByteString(s: string): string {
  // Fast path: nothing above 0xFF, the string already is its byte string.
  if (!/[^\u0000-\u00ff]/.test(s)) return s;
  let out = '';
  for (const ch of s) {
    const b = CP1252_BYTE.get(ch);
    out += b === undefined ? ch : String.fromCharCode(b);
  }
  return out;
}

/** How a windows-1252 reader shows these bytes (the mis-decoded form legacy text often arrives in). */
export function windows1252View(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += WINDOWS_1252[b];
  return out;
}

/**
 * Output buffer of UTF-16 code units. Every letter the tables produce is one BMP code unit, so
 * decoding writes at most one unit per input unit; building the string in chunks at the end is
 * several times faster than appending character by character.
 */
function unitsToString(units: Uint16Array, n: number): string {
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < n; i += CHUNK) out += String.fromCharCode.apply(null, Array.from(units.subarray(i, Math.min(n, i + CHUNK))));
  return out;
}

/** A 256-entry table of single characters as code units. */
function codeUnits(table: string[]): Uint16Array {
  return Uint16Array.from(table, (ch) => ch.charCodeAt(0));
}

/** Byte string → Unicode through a 256-entry table; code units above 0xFF pass through. */
function mapTable(bs: string, table: Uint16Array): string {
  const n = bs.length;
  const units = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const c = bs.charCodeAt(i);
    units[i] = c < 256 ? table[c] : c;
  }
  return unitsToString(units, n).normalize('NFC');
}

const TCVN3_UNITS = codeUnits(TCVN3);
const WINDOWS_1258_UNITS = codeUnits(WINDOWS_1258);
const WINDOWS_1252_UNITS = codeUnits(WINDOWS_1252);

/** TCVN3 → Unicode, with the capitals of all-capitals-font words restored (tcvn3-capitals.ts). */
export function decodeTcvn3(bs: string): string {
  return restoreTcvn3Capitals(mapTable(bs, TCVN3_UNITS));
}

export function decodeWindows1258(bs: string): string {
  return mapTable(bs, WINDOWS_1258_UNITS);
}

export function decodeWindows1252(bs: string): string {
  return mapTable(bs, WINDOWS_1252_UNITS);
}

/** Base letters that take a following VNI mark byte, by byte value → lower-case vowel. */
const VNI_BASE: Record<number, string> = {
  0x61: 'a', 0x65: 'e', 0x6f: 'o', 0x75: 'u', 0x79: 'y', 0xf4: 'ơ', 0xf6: 'ư',
  0x41: 'a', 0x45: 'e', 0x4f: 'o', 0x55: 'u', 0x59: 'y', 0xd4: 'ơ', 0xd6: 'ư',
};
const CIRCUMFLEX_OF: Record<string, string> = { a: 'â', e: 'ê', o: 'ô' };

/** The letter a VNI base byte and mark byte make together, or undefined when they do not pair. */
function vniPair(base: number, mark: number): string | undefined {
  const v = VNI_BASE[base];
  if (v === undefined || mark < 0xc0) return undefined;
  // Capital marks are the lower-case byte minus 0x20. Case comes from the base letter: a capital
  // base with a lower-case mark (or the reverse) happens in hand-edited text and still means one
  // letter.
  const m = mark < 0xe0 ? mark + 0x20 : mark;
  let letter: string | undefined;
  if (VNI_TONE[m] !== undefined) letter = withTone(v, VNI_TONE[m]);
  else if (VNI_CIRCUMFLEX[m] !== undefined && CIRCUMFLEX_OF[v]) letter = withTone(CIRCUMFLEX_OF[v], VNI_CIRCUMFLEX[m]);
  else if (VNI_BREVE[m] !== undefined && v === 'a') letter = withTone('ă', VNI_BREVE[m]);
  if (letter === undefined) return undefined;
  const upper = base < 0x60 || (base >= 0xc0 && base < 0xe0);
  return upper ? letter.toUpperCase() : letter;
}

/** Every VNI base + mark pair, precomputed: (base << 8 | mark) → code unit, 0 when no pair. */
const VNI_PAIRS = new Uint16Array(65536);
for (const base of Object.keys(VNI_BASE).map(Number)) {
  for (let mark = 0xc0; mark < 0x100; mark++) {
    const letter = vniPair(base, mark);
    if (letter !== undefined) VNI_PAIRS[(base << 8) | mark] = letter.charCodeAt(0);
  }
}
/** Single-byte VNI letters (đ ơ ư, toned i, ỵ and their capitals) → code unit, 0 when none. */
const VNI_SINGLES = new Uint16Array(256);
for (let c = 0xc0; c < 0x100; c++) {
  const single = VNI_SINGLE[c < 0xe0 ? c + 0x20 : c];
  if (single !== undefined) VNI_SINGLES[c] = (c < 0xe0 ? single.toUpperCase() : single).charCodeAt(0);
}

export function decodeVni(bs: string): string {
  const n = bs.length;
  const units = new Uint16Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const c = bs.charCodeAt(i);
    if (c > 0xff) {
      units[k++] = c;
      continue;
    }
    if (i + 1 < n) {
      const next = bs.charCodeAt(i + 1);
      const pair = next < 256 ? VNI_PAIRS[(c << 8) | next] : 0;
      if (pair) {
        units[k++] = pair;
        i++;
        continue;
      }
    }
    if (VNI_SINGLES[c]) {
      units[k++] = VNI_SINGLES[c];
      continue;
    }
    units[k++] = WINDOWS_1252_UNITS[c];
  }
  return unitsToString(units, k).normalize('NFC');
}

/** Decode a byte string from one legacy encoding to NFC Unicode. */
export function decodeLegacy(bs: string, encoding: LegacyEncoding): string {
  if (encoding === 'tcvn3') return decodeTcvn3(bs);
  if (encoding === 'vni') return decodeVni(bs);
  return decodeWindows1258(bs);
}

// ---------------------------------------------------------------------------------------------
// Encoders

const QUESTION = 0x3f;

function invert(table: string[], skip?: Set<number>): Map<string, number> {
  const m = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    if (skip?.has(b) || m.has(table[b])) continue;
    m.set(table[b], b);
  }
  return m;
}

const TCVN3_BYTE = invert(TCVN3, TCVN3_VN2_ONLY);
const CP1258_BYTE = invert(WINDOWS_1258);

/**
 * Unicode → TCVN3 (VN3, the ABC font layout). Capitals with a tone mark do not exist in VN3:
 * they are written with the lower-case byte, exactly as ABC users did with an all-capitals font,
 * and come back in capitals only where decodeTcvn3 can tell (all-capitals words and their
 * neighbours), in lower case otherwise.
 */
export function encodeTcvn3(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text.normalize('NFC')) {
    const b = TCVN3_BYTE.get(ch) ?? TCVN3_BYTE.get(ch.toLowerCase());
    out.push(b ?? QUESTION);
  }
  return Uint8Array.from(out);
}

/** Unicode → windows-1258: precomposed where the code page has the letter, else base + tone mark. */
export function encodeWindows1258(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text.normalize('NFC')) {
    const direct = CP1258_BYTE.get(ch);
    if (direct !== undefined) {
      out.push(direct);
      continue;
    }
    const lower = ch.toLowerCase();
    const v = VOWEL_OF.get(lower);
    if (v && v.tone) {
      const base = lower === ch ? v.vowel : v.vowel.toUpperCase();
      const b = CP1258_BYTE.get(base);
      const t = CP1258_BYTE.get(COMBINING_TONES[v.tone]);
      if (b !== undefined && t !== undefined) {
        out.push(b, t);
        continue;
      }
    }
    out.push(QUESTION);
  }
  return Uint8Array.from(out);
}

function keyOf(table: Record<number, number>, tone: number): number {
  for (const [k, t] of Object.entries(table)) if (t === tone) return Number(k);
  throw new Error(`no VNI mark for tone ${tone}`);
}
const VNI_SINGLE_BYTE = new Map(Object.entries(VNI_SINGLE).map(([b, ch]) => [ch, Number(b)]));
/** Lower-case vowel → VNI base byte (lower case) and the mark table its marks come from. */
const VNI_BASE_OF: Record<string, { base: number; marks: Record<number, number> }> = {
  a: { base: 0x61, marks: VNI_TONE }, e: { base: 0x65, marks: VNI_TONE }, o: { base: 0x6f, marks: VNI_TONE },
  u: { base: 0x75, marks: VNI_TONE }, y: { base: 0x79, marks: VNI_TONE },
  ơ: { base: 0xf4, marks: VNI_TONE }, ư: { base: 0xf6, marks: VNI_TONE },
  â: { base: 0x61, marks: VNI_CIRCUMFLEX }, ê: { base: 0x65, marks: VNI_CIRCUMFLEX }, ô: { base: 0x6f, marks: VNI_CIRCUMFLEX },
  ă: { base: 0x61, marks: VNI_BREVE },
};

/** Unicode → VNI Windows. */
export function encodeVni(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text.normalize('NFC')) {
    const c = ch.charCodeAt(0);
    if (c < 0x80) {
      out.push(c);
      continue;
    }
    const lower = ch.toLowerCase();
    const up = lower !== ch ? -0x20 : 0;
    const single = VNI_SINGLE_BYTE.get(lower);
    if (single !== undefined) {
      out.push(single + up);
      continue;
    }
    const v = VOWEL_OF.get(lower);
    const spec = v ? VNI_BASE_OF[v.vowel] : undefined;
    if (!v || !spec) {
      out.push(QUESTION);
      continue;
    }
    // ASCII bases differ by 0x20 between cases; ơ/ư bases (0xF4/0xF6) by 0x20 too.
    out.push(spec.base + up);
    // Plain vowels with the level tone need no mark; ơ ư are their base byte alone.
    if (spec.marks !== VNI_TONE || v.tone > 0) out.push(keyOf(spec.marks, v.tone) + up);
  }
  return Uint8Array.from(out);
}

/** Encode NFC Unicode into one legacy encoding. */
export function encodeLegacy(text: string, encoding: LegacyEncoding): Uint8Array {
  if (encoding === 'tcvn3') return encodeTcvn3(text);
  if (encoding === 'vni') return encodeVni(text);
  return encodeWindows1258(text);
}
