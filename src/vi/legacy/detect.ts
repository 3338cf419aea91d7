/**
 * Which encoding is this text in, and what does it say in Unicode?
 *
 * Order of evidence, strongest first:
 * 1. a byte-order mark;
 * 2. a declared charset: the caller's (a label or a whole Content-Type header), then the page's
 *    own `<meta charset>`, `<meta http-equiv="Content-Type" content="…; charset=…">` or
 *    `<?xml encoding="…"?>`. Declarations of latin-1 / windows-1252 / ASCII / x-user-defined are
 *    not trusted: the Vietnamese web of the 1990s and 2000s declared exactly those while writing
 *    TCVN3 or VNI bytes for .VnTime and VNI-Times fonts. A declared utf-8 that is not valid UTF-8
 *    is not trusted either;
 * 3. the text itself: valid UTF-8 with Vietnamese letters is UTF-8; pure ASCII is UTF-8 (nothing
 *    to convert); otherwise every candidate decoding is scored by the share of its words that are
 *    well-formed Vietnamese syllables (parseSyllable), and the best one wins. Only words holding a
 *    byte ≥ 0xA1 are scored, since all candidates read ASCII alike. In HTML, tags, scripts and
 *    styles are left out of the count, character references to latin-1 letters (&ecirc;) count
 *    as the bytes they name, and font names (.VnTime, VNI-Times) add a small bonus.
 *
 * A string input is taken to be text that may have been mis-decoded as latin-1/windows-1252
 * ("ViÖt Nam", "Vieät Nam"); it is left as it is unless a legacy reading is clearly better.
 */
import { parseSyllable } from '../syllable.ts';
import {
  bytesToByteString, decodeLegacy, decodeWindows1252, stringToByteString, type LegacyEncoding,
} from './convert.ts';
import { expandLatin1References, hasLatin1References } from './entities.ts';

/** Encodings reported: 'utf-8', the three legacy ones, 'windows-1252', or another WHATWG name. */
export type EncodingName = 'utf-8' | LegacyEncoding | 'windows-1252' | (string & {});

export interface Detection {
  encoding: EncodingName;
  /** 0..1: 1 for a BOM, a trusted declaration or pure ASCII; otherwise from the syllable scores. */
  confidence: number;
  /** What decided: 'bom' | 'declared' | 'ascii' | 'evidence'. */
  by: 'bom' | 'declared' | 'ascii' | 'evidence';
}

export interface Decoded {
  text: string;
  encoding: EncodingName;
  confidence: number;
}

/** Labels outside the WHATWG list that name the Vietnamese font encodings. */
const TCVN3_LABEL = /^(x-viet-)?(tcvn|tcvn3|tcvn-3|tcvn5712|tcvn-5712|tcvn5712-[123]|vscii|vscii-[123]|vn3|abc|\.?vntime)$/;
const VNI_LABEL = /^(x-viet-)?(vni|vni-windows|vni-win|vnitimes|vni-times)$/;

/**
 * Canonical name for an encoding label, or null when unknown. Knows the WHATWG labels (through
 * TextDecoder: 'latin1' → 'windows-1252', 'cp1258' → 'windows-1258', …) and the TCVN3/VNI
 * names used in the wild.
 */
export function normalizeEncodingLabel(label: string): EncodingName | null {
  const l = label.trim().toLowerCase().replace(/_/g, '-');
  if (!l) return null;
  if (TCVN3_LABEL.test(l)) return 'tcvn3';
  if (VNI_LABEL.test(l)) return 'vni';
  try {
    return new TextDecoder(l).encoding;
  } catch {
    return null;
  }
}

/** Declarations that say nothing about Vietnamese text (see the module comment). */
const WEAK = new Set(['windows-1252', 'x-user-defined']);

/** The charset in a Content-Type value ("text/html; charset=…"), or the value itself if it is a bare label. */
export function charsetFromContentType(value: string): string | undefined {
  const m = /charset\s*=\s*["']?\s*([-\w.:]+)/i.exec(value);
  if (m) return m[1];
  return /[/;=]/.test(value) ? undefined : value.trim() || undefined;
}

/** The charset a document declares in its first 4 KiB: `<meta charset>`, http-equiv, or an XML declaration. */
export function declaredCharset(head: string): string | undefined {
  const s = head.slice(0, 4096);
  const meta = /<meta\b[^>]*?charset\s*=\s*["']?\s*([-\w.:]+)/i.exec(s);
  if (meta) return meta[1];
  const xml = /^\s*<\?xml\b[^>]*?encoding\s*=\s*["']([-\w.:]+)/i.exec(s);
  return xml ? xml[1] : undefined;
}

/**
 * Letters only Vietnamese Unicode text has (ă đ ĩ ũ ơ ư, the Latin Extended Additional block,
 * combining tone marks): none of them can come out of a latin-1 reading of legacy bytes.
 */
const VIET_SPECIFIC = /[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9\u0300\u0301\u0303\u0309\u0323]/;

// ---------------------------------------------------------------------------------------------
// Scoring

/** Punctuation a decoded word may carry at its ends (curly quotes, brackets, dashes, ellipsis). */
const EDGE_PUNCT = /^[\p{Pi}\p{Pf}\p{Ps}\p{Pe}\p{Pd}\u2026]+|[\p{Pi}\p{Pf}\p{Ps}\p{Pe}\p{Pd}\u2026]+$/gu;
const MAX_WORDS = 2000;
/**
 * A word of a byte string: a run of anything but controls, space, ASCII punctuation and NBSP,
 * which every candidate reads alike.
 */
const WORD = /[^\u0000-\u0020\u0021-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f\u00a0]+/g;

/**
 * The words that decide, from a byte string. Words with a byte ≥ 0xA1 ("discriminating") read
 * differently in each candidate and are kept for scoring. Plain ASCII words read alike in all of
 * them, so they are only counted, once: they tell Vietnamese text (where most of them are
 * syllables too: "cho", "thanh", "nay") from English or French text (where most are not), which
 * keeps a page in another language with a stray "©" or "é" from being "converted".
 */
interface Words {
  discriminating: string[];
  ascii: number;
  asciiValid: number;
}

function collectWords(bs: string): Words {
  const out: Words = { discriminating: [], ascii: 0, asciiValid: 0 };
  WORD.lastIndex = 0;
  let m: RegExpExecArray | null;
  let seen = 0;
  while (seen < MAX_WORDS && (m = WORD.exec(bs)) !== null) {
    const w = m[0];
    if (/[0-9]/.test(w)) continue;
    if (/^[A-Za-z]+$/.test(w)) {
      // Capitalised ASCII words are mostly names (Man Utd, Chelsea, Australia), in Vietnamese
      // text as in any other: they say nothing about the language and are left out.
      if (w.charCodeAt(0) < 0x61) continue;
      seen++;
      out.ascii++;
      if (parseSyllable(w.toLowerCase()) !== null) out.asciiValid++;
    } else if (/^[\u0000-\u00ff]+$/.test(w) && /[\u00a1-\u00ff]/.test(w)) {
      seen++;
      out.discriminating.push(w);
    }
  }
  return out;
}

function isVietnameseWord(decoded: string): boolean {
  const w = decoded.replace(EDGE_PUNCT, '');
  // A capital after a small letter ("cuôÌng", "nhoÒ": windows-1258 tone bytes read as
  // windows-1252) is mojibake, even when its lower-case form happens to parse.
  if (/\p{Ll}\p{Lu}/u.test(w)) return false;
  const lower = w.toLowerCase();
  return lower.length > 0 && parseSyllable(lower) !== null;
}

type Candidate = 'as-is' | LegacyEncoding | 'windows-1252';

function decodeCandidate(bs: string, c: Candidate): string {
  return c === 'as-is' || c === 'windows-1252' ? decodeWindows1252(bs) : decodeLegacy(bs, c);
}

/** Text of an HTML byte string for scoring: scripts, styles, comments and tags removed. */
function htmlText(bs: string): string {
  return bs
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ');
}

const LOOKS_LIKE_HTML = /<(!doctype|html|head|body|meta|p|div|font|br|span|table|title)\b/i;
const TCVN3_FONT = /(face\s*=\s*["']?|font-family\s*:\s*["']?)\s*\.?vn(time|arial|helvetica|avant|courier|univers|bodoni|book|linh|3d)/i;
const VNI_FONT = /(face\s*=\s*["']?|font-family\s*:\s*["']?)\s*vni[- ]/i;
const FONT_BONUS = 0.15;

interface Pick {
  winner: Candidate;
  /** The winner's share of good syllables among discriminating words (font bonus included). */
  score: number;
  /** The winner's share of good syllables among all words, ASCII ones included. */
  overall: number;
  confidence: number;
}

/**
 * Pick the best candidate by its share of discriminating words that read as Vietnamese
 * syllables. Ties go to the earlier candidate in the list; the first candidate is the "leave it"
 * choice and a challenger must beat it by `margin`.
 */
function pick(bs: string, candidates: Candidate[], margin: number): Pick | null {
  const html = LOOKS_LIKE_HTML.test(bs.slice(0, 4096));
  // In HTML, "&ecirc;" and "&#234;" count as the byte they name (see entities.ts).
  let words = collectWords(html ? expandLatin1References(htmlText(bs)) : bs);
  if (words.discriminating.length === 0 && html) words = collectWords(bs);
  const n = words.discriminating.length;
  if (n === 0) return null;
  const scores = new Map<Candidate, number>();
  const valid = new Map<Candidate, number>();
  for (const c of candidates) {
    let v = 0;
    for (const w of words.discriminating) if (isVietnameseWord(decodeCandidate(w, c))) v++;
    valid.set(c, v);
    scores.set(c, v / n);
  }
  if (html) {
    if (TCVN3_FONT.test(bs) && scores.has('tcvn3')) scores.set('tcvn3', scores.get('tcvn3')! + FONT_BONUS);
    if (VNI_FONT.test(bs) && scores.has('vni')) scores.set('vni', scores.get('vni')! + FONT_BONUS);
  }
  let winner = candidates[0];
  let best = scores.get(winner)!;
  for (const c of candidates.slice(1)) {
    const s = scores.get(c)!;
    if (s > best + (winner === candidates[0] ? margin : 0)) {
      winner = c;
      best = s;
    }
  }
  let second = 0;
  for (const c of candidates) if (c !== winner) second = Math.max(second, scores.get(c)!);
  // Confidence: the winner's share of good syllables, less half the runner-up's — high when one
  // reading is clearly Vietnamese and the others are not, about 0.5 when two read equally well —
  // scaled down when fewer than four words gave evidence.
  const confidence = Math.max(0, Math.min(1, best - second / 2)) * Math.min(1, (n + 1) / 5);
  const overall = (words.asciiValid + valid.get(winner)!) / (words.ascii + n);
  return { winner, score: best, overall, confidence: Math.round(confidence * 100) / 100 };
}

/**
 * A legacy reading is believed only when most of its discriminating words and most of all its
 * words are Vietnamese syllables. Checked against 295 Dân Trí articles (../shared/data/news-dantri,
 * every 9th) encoded in each legacy encoding — all detected, whole articles and their first lines,
 * as bytes, as windows-1252 strings and inside HTML — and the 178 English pages of
 * ../shared/data/extraction, none of which is converted.
 */
const MIN_LEGACY_SCORE = 0.5;
const MIN_OVERALL = 0.6;

function believable(p: Pick): boolean {
  return p.score >= MIN_LEGACY_SCORE && p.overall >= MIN_OVERALL;
}

/**
 * Detection on text that is already Unicode. `unicodeConfidence` is how sure we are that it is
 * right as it is when no legacy reading wins: high for bytes that were valid multi-byte UTF-8
 * (rarely an accident), middling for a string of unknown history.
 */
function detectFromString(s: string, unicodeConfidence: number): Detection {
  if (!/[^\u0000-\u007f]/.test(s)) return { encoding: 'utf-8', confidence: 1, by: 'ascii' };
  if (VIET_SPECIFIC.test(s.normalize('NFC'))) return { encoding: 'utf-8', confidence: 0.99, by: 'evidence' };
  // Leaving the text as it is must lose clearly before a legacy reading is applied.
  const p = pick(stringToByteString(s), ['as-is', 'windows-1258', 'tcvn3', 'vni'], 0.2);
  if (!p || p.winner === 'as-is' || !believable(p)) {
    return { encoding: 'utf-8', confidence: Math.max(unicodeConfidence, p && p.winner === 'as-is' ? p.confidence : 0), by: 'evidence' };
  }
  return { encoding: p.winner, confidence: p.confidence, by: 'evidence' };
}

const UTF8_FATAL = new TextDecoder('utf-8', { fatal: true });

function validUtf8(bytes: Uint8Array): string | null {
  try {
    return UTF8_FATAL.decode(bytes);
  } catch {
    return null;
  }
}

function bom(bytes: Uint8Array): EncodingName | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

const UTF8_LENIENT = new TextDecoder('utf-8');

/**
 * Vietnamese UTF-8 with a few broken sequences (a page cut off mid-character, one stray byte).
 * Legacy bytes read as UTF-8 are nearly all broken sequences, so a handful among many good ones
 * does not make a page legacy: reading it as windows-1258 would garble every letter.
 */
function mostlyUtf8(bytes: Uint8Array): boolean {
  const text = UTF8_LENIENT.decode(bytes);
  let bad = 0;
  let good = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd) bad++;
    else if (c > 0x7f) good++;
  }
  return bad <= good / 20 && VIET_SPECIFIC.test(text);
}

/** A trusted declaration, or null. */
function trustedDeclaration(label: string | undefined, bytes: Uint8Array | null, inDocument = false): EncodingName | null {
  if (!label) return null;
  const enc = normalizeEncodingLabel(label);
  if (!enc || WEAK.has(enc)) return null;
  if (enc === 'utf-8' && bytes && validUtf8(bytes) === null) return null;
  // WHATWG: a page cannot declare UTF-16 in a meta tag written in ASCII bytes; such pages are not
  // UTF-16 (an HTTP header can say so, though).
  if (enc.startsWith('utf-16') && inDocument) return null;
  return enc;
}

/**
 * Detect the encoding of bytes or of a possibly mis-decoded string. `declared` is a charset label
 * or a whole Content-Type header value; for bytes, a charset declared inside the document is
 * looked at too.
 */
export function detectEncoding(input: Uint8Array | string, declared?: string): Detection {
  if (typeof input === 'string') {
    const d = trustedDeclaration(declared ? charsetFromContentType(declared) : undefined, null);
    if (d) return { encoding: d, confidence: 1, by: 'declared' };
    return detectFromString(input, 0.5);
  }
  const b = bom(input);
  if (b) return { encoding: b, confidence: 1, by: 'bom' };
  const bs = bytesToByteString(input.subarray(0, 4096));
  const fromCaller = trustedDeclaration(declared ? charsetFromContentType(declared) : undefined, input);
  if (fromCaller) return { encoding: fromCaller, confidence: 1, by: 'declared' };
  const fromDoc = trustedDeclaration(declaredCharset(bs), input, true);
  if (fromDoc) {
    // A document that says utf-8 may still carry mis-decoded legacy text saved as UTF-8.
    if (fromDoc !== 'utf-8') return { encoding: fromDoc, confidence: 1, by: 'declared' };
    const d = detectFromString(validUtf8(input)!, 1);
    return d.encoding === 'utf-8' ? { encoding: 'utf-8', confidence: 1, by: 'declared' } : d;
  }
  const hasHigh = input.some((x) => x >= 0x80);
  if (!hasHigh) {
    // Pure ASCII, unless it is a font-encoded page written with character references.
    const all = bytesToByteString(input);
    if (LOOKS_LIKE_HTML.test(bs) && hasLatin1References(all)) {
      const p = pick(all, ['as-is', 'tcvn3', 'vni'], 0.2);
      if (p && p.winner !== 'as-is' && believable(p)) return { encoding: p.winner, confidence: p.confidence, by: 'evidence' };
    }
    return { encoding: 'utf-8', confidence: 1, by: 'ascii' };
  }
  const utf8 = validUtf8(input);
  if (utf8 !== null) return detectFromString(utf8, 0.9);
  if (mostlyUtf8(input)) return { encoding: 'utf-8', confidence: 0.9, by: 'evidence' };
  const p = pick(bytesToByteString(input), ['windows-1258', 'tcvn3', 'vni', 'windows-1252'], 0);
  // Nothing reads as Vietnamese (a French or English page, say): the web's default, windows-1252.
  if (!p || !believable(p)) return { encoding: 'windows-1252', confidence: 0.3, by: 'evidence' };
  return { encoding: p.winner, confidence: p.confidence, by: 'evidence' };
}

// ---------------------------------------------------------------------------------------------
// Decoding

const LEGACY = new Set<string>(['tcvn3', 'vni', 'windows-1258']);

/**
 * Byte string → Unicode in a legacy encoding. In HTML for the font encodings (TCVN3, VNI), a
 * character reference to 0xA0..0xFF stands for a byte of the font encoding (entities.ts);
 * windows-1258 pages are real code pages and their references mean what they say.
 */
function decodeLegacyDocument(bs: string, enc: LegacyEncoding): string {
  const fontPage = enc !== 'windows-1258' && LOOKS_LIKE_HTML.test(bs.slice(0, 4096));
  return decodeLegacy(fontPage ? expandLatin1References(bs) : bs, enc);
}

/** Decode with a known (canonical) encoding. */
function decodeWith(input: Uint8Array | string, enc: EncodingName): string {
  if (typeof input === 'string') {
    // A string is already Unicode: only a legacy reading changes it.
    if (LEGACY.has(enc)) return decodeLegacyDocument(stringToByteString(input), enc as LegacyEncoding);
    return input.normalize('NFC');
  }
  if (LEGACY.has(enc)) return decodeLegacyDocument(bytesToByteString(input), enc as LegacyEncoding);
  // TextDecoder drops a matching byte-order mark itself.
  return new TextDecoder(enc).decode(input).normalize('NFC');
}

/**
 * Convert text to NFC Unicode. With `encoding` ('auto' or absent: detect; 'utf-8', 'tcvn3',
 * 'vni', 'windows-1258', 'windows-1252' or any WHATWG label), the input is read as that encoding;
 * a string input is then taken as that encoding's bytes read as latin-1/windows-1252.
 * Throws a RangeError for an unknown encoding label.
 */
export function decodeText(input: Uint8Array | string, encoding?: string): Decoded {
  if (encoding && encoding.toLowerCase() !== 'auto') {
    const enc = normalizeEncodingLabel(encoding);
    if (!enc) throw new RangeError(`unknown encoding: ${encoding}`);
    return { text: decodeWith(input, enc), encoding: enc, confidence: 1 };
  }
  const d = detectEncoding(input);
  return { text: decodeUtf8Aware(input, d), encoding: d.encoding, confidence: d.confidence };
}

/**
 * Decode after detection. Bytes that are valid UTF-8 but were found to hold legacy text
 * (mis-decoded once, then saved as UTF-8) are read as UTF-8 first, then converted.
 */
function decodeUtf8Aware(input: Uint8Array | string, d: Detection): string {
  if (typeof input !== 'string' && LEGACY.has(d.encoding) && d.by === 'evidence') {
    const utf8 = validUtf8(input);
    if (utf8 !== null) return decodeWith(utf8, d.encoding);
  }
  return decodeWith(input, d.encoding);
}

/**
 * Decode a fetched HTML page to NFC Unicode. `contentType` is the HTTP Content-Type header, if
 * any; the page's own meta/XML declaration and its text are looked at as `detectEncoding` says.
 * The markup is returned whole (only the characters change).
 */
export function decodeHtml(bytes: Uint8Array, contentType?: string): { text: string; encoding: string } {
  const d = detectEncoding(bytes, contentType);
  return { text: decodeUtf8Aware(bytes, d), encoding: d.encoding };
}
