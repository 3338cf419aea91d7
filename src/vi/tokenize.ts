/**
 * Tokenisation of Vietnamese text into syllables and other units, with exact UTF-16 offsets
 * into the text as given (so highlighting works on NFD input, invisible characters and all).
 *
 * Units:
 * - `word`: a syllable or any other letter/digit run ("Việt", "F0", "U23", "iPhone");
 * - `number`: digits with inner separators, which covers dates and amounts
 *   ("8-8", "12/2025", "1.000", "3,5", "2025-08-09", "10:30");
 * - `abbr`: dotted capitals ("TP.HCM", "U.S."); plain capitals like UBND are ordinary words;
 * - `email`, `url`, `hashtag` ("#chuyểnđổisố"), `mention` ("@tra").
 *
 * Each token carries `norm` (the canonical matching form: NFC, lower case, one tone-mark
 * placement) and `folded` (every mark removed, đ→d). `gap` is true when the token does not
 * directly follow the previous one inside a phrase (a sentence mark or other punctuation stood
 * between them), which the engine uses to avoid making word bigrams across punctuation.
 *
 * Speed matters (this runs on every indexed document): one pass over char codes with a class
 * table, and a cache from raw token text to its normalised and folded forms, since a language
 * has a few thousand syllables but a corpus has millions of occurrences.
 */
import { CHAR_CLASS, CharClass } from './chars.ts';
import { canonicalWord } from './normalize.ts';
import { fold } from './fold.ts';

export type TokenType = 'word' | 'number' | 'abbr' | 'email' | 'url' | 'hashtag' | 'mention';

export interface Token {
  /** The token exactly as written: `input.slice(start, end)`. */
  text: string;
  start: number;
  end: number;
  /** Canonical matching form. */
  norm: string;
  /** Diacritic-free form. */
  folded: string;
  type: TokenType;
  /** True when punctuation (not just space) separates this token from the previous one. */
  gap: boolean;
}

/**
 * Called for each token; `text` is `input.slice(start, end)`. `forms`, when given, is the cached
 * forms object of the token's raw text (the same object for every occurrence of that text).
 */
export type TokenSink = (norm: string, folded: string, start: number, end: number, type: TokenType, gap: boolean, forms?: Forms) => void;

const L = CharClass.Letter;
const D = CharClass.Digit;
const M = CharClass.Mark;
const I = CharClass.Ignorable;
const S = CharClass.Space;

/**
 * The normalised and folded forms of one raw token. The same object is handed out for every
 * occurrence of the same raw text (while it stays cached), so a consumer may memoise per-object:
 * `owner`/`id` are free for one consumer at a time to store its own id for these forms (the
 * indexer keeps its term id there; see src/engine/builder.ts). The cache is global and long-lived:
 * `owner` must be a small token (an empty object), never the consumer itself, or every consumer
 * that ever memoised a still-cached token stays in memory.
 */
export interface Forms {
  norm: string;
  folded: string;
  owner: unknown;
  id: number;
}

/**
 * The cache from raw token text to its forms: an open-addressing table keyed by a hash the scan
 * computes as it goes, comparing code units against the text in place, so a hit (nearly every
 * token) allocates nothing: no slice of the text, no string hashing.
 */
const CACHE_LIMIT = 200_000;
let cacheMask = (1 << 12) - 1;
let cacheKeys: (string | undefined)[] = new Array(cacheMask + 1);
let cacheHash = new Int32Array(cacheMask + 1);
let cacheForms: (Forms | undefined)[] = new Array(cacheMask + 1);
let cacheSize = 0;

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** Hash of `text[start, end)`: the same function the scan computes incrementally. */
function hashOf(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

function cacheGet(text: string, start: number, end: number, h: number): Forms | undefined {
  const len = end - start;
  let slot = mix(h) & cacheMask;
  for (;;) {
    const k = cacheKeys[slot];
    if (k === undefined) return undefined;
    if (cacheHash[slot] === h && k.length === len) {
      let i = 0;
      while (i < len && k.charCodeAt(i) === text.charCodeAt(start + i)) i++;
      if (i === len) return cacheForms[slot];
    }
    slot = (slot + 1) & cacheMask;
  }
}

function cachePut(raw: string, h: number, f: Forms): void {
  if (cacheSize >= CACHE_LIMIT) {
    cacheKeys = new Array(cacheMask + 1);
    cacheForms = new Array(cacheMask + 1);
    cacheSize = 0;
  } else if ((cacheSize + 1) * 2 > cacheMask) {
    const keys = cacheKeys;
    const hashes = cacheHash;
    const forms = cacheForms;
    cacheMask = cacheMask * 2 + 1;
    cacheKeys = new Array(cacheMask + 1);
    cacheHash = new Int32Array(cacheMask + 1);
    cacheForms = new Array(cacheMask + 1);
    for (let i = 0; i < keys.length; i++) if (keys[i] !== undefined) insert(keys[i]!, hashes[i], forms[i]!);
  }
  insert(raw, h, f);
  cacheSize++;
}

function insert(raw: string, h: number, f: Forms): void {
  let slot = mix(h) & cacheMask;
  while (cacheKeys[slot] !== undefined) slot = (slot + 1) & cacheMask;
  cacheKeys[slot] = raw;
  cacheHash[slot] = h;
  cacheForms[slot] = f;
}

function computeForms(raw: string): Forms {
  let ascii = true;
  for (let i = 0; i < raw.length; i++) {
    if (raw.charCodeAt(i) >= 128) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    const lower = raw.toLowerCase();
    return { norm: lower, folded: lower, owner: undefined, id: -1 };
  }
  let s = raw;
  if (/[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]/.test(s)) s = s.replace(/[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]/g, '');
  s = s.normalize('NFC').toLowerCase();
  if (s.includes('ð')) s = s.replace(/ð/g, 'đ');
  const norm = canonicalWord(s);
  return { norm, folded: fold(norm), owner: undefined, id: -1 };
}

/** Forms of `text[start, end)` whose hash (`hashOf`) is `h`: cached, or computed and cached. */
function formsAt(text: string, start: number, end: number, h: number): Forms {
  const f = cacheGet(text, start, end, h);
  if (f !== undefined) return f;
  const raw = text.slice(start, end);
  const g = computeForms(raw);
  cachePut(raw, h, g);
  return g;
}

/** Normalised and folded forms of a raw token (cached). */
export function formsOf(raw: string): Forms {
  return formsAt(raw, 0, raw.length, hashOf(raw, 0, raw.length));
}

function isWordChar(cls: number): boolean {
  return cls === L || cls === D || cls === M || cls === I;
}

const URL_START = /^(?:https?:\/\/|www\.)/i;
const URL_END = /[\s<>"'\u201c\u201d]/;
const EMAIL = /^[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/u;

/**
 * Stream the tokens of `text` to `sink`. This is the hot path of indexing; `tokenize` builds
 * objects on top of it.
 */
export function forEachToken(text: string, sink: TokenSink): void {
  const n = text.length;
  let i = 0;
  let gap = false;
  while (i < n) {
    const c = text.charCodeAt(i);
    const cls = CHAR_CLASS[c];
    if (cls === S) {
      i++;
      continue;
    }
    if (cls === I || cls === M) {
      i++;
      continue;
    }
    if (cls === CharClass.Other) {
      // '#' or '@' starting a hashtag / mention.
      if ((c === 35 || c === 64) && i + 1 < n && isWordChar(CHAR_CLASS[text.charCodeAt(i + 1)]) && (i === 0 || !isWordChar(CHAR_CLASS[text.charCodeAt(i - 1)]))) {
        let j = i + 1;
        while (j < n && (isWordChar(CHAR_CLASS[text.charCodeAt(j)]) || text.charCodeAt(j) === 95)) j++;
        const f = formsAt(text, i, j, hashOf(text, i, j));
        sink(f.norm, f.folded, i, j, c === 35 ? 'hashtag' : 'mention', gap, f);
        gap = false;
        i = j;
        continue;
      }
      gap = true;
      i++;
      continue;
    }
    // A letter or digit starts a token. URLs and e-mail addresses first.
    if ((c === 104 || c === 72 || c === 119 || c === 87) && URL_START.test(text.slice(i, i + 8))) {
      let j = i;
      while (j < n && !URL_END.test(text[j])) j++;
      while (j > i && /[.,;:!?)\]}]/.test(text[j - 1])) j--;
      const raw = text.slice(i, j);
      sink(raw.toLowerCase(), raw.toLowerCase(), i, j, 'url', gap);
      gap = false;
      i = j;
      continue;
    }
    // The run of word characters and inner connectors.
    let j = i;
    let hasConnector = false;
    let hasAt = false;
    let hasLetter = false;
    let h = 0x811c9dc5;
    while (j < n) {
      const cj = text.charCodeAt(j);
      const k = CHAR_CLASS[cj];
      if (k === L) {
        hasLetter = true;
        h = Math.imul(h ^ cj, 0x01000193);
        j++;
      } else if (k === D || k === M || k === I) {
        h = Math.imul(h ^ cj, 0x01000193);
        j++;
      } else if ((cj === 46 || cj === 44 || cj === 47 || cj === 45 || cj === 58 || cj === 64 || cj === 95 || cj === 43) && j + 1 < n && isWordChar(CHAR_CLASS[text.charCodeAt(j + 1)])) {
        // . , / - : @ _ + between word characters
        hasConnector = true;
        if (cj === 64) hasAt = true;
        j++;
      } else break;
    }
    if (!hasConnector) {
      const f = formsAt(text, i, j, h);
      sink(f.norm, f.folded, i, j, 'word', gap, f);
      gap = false;
      i = j;
      continue;
    }
    const run = text.slice(i, j);
    if (hasAt) {
      const m = EMAIL.exec(run);
      if (m) {
        const e = i + m[0].length;
        const raw = m[0].toLowerCase();
        sink(raw, fold(raw), i, e, 'email', gap);
        gap = false;
        i = e;
        continue;
      }
    }
    if (!hasLetter && /^[\d.,/:-]+$/.test(run)) {
      // Numbers, dates, times, amounts: one token, kept as written.
      sink(run, run, i, j, 'number', gap);
      gap = false;
      i = j;
      continue;
    }
    // Dotted abbreviations: every part 1-4 capitals (TP.HCM, U.S), possibly a trailing dot.
    if (/^(?:\p{Lu}{1,4}\.)+\p{Lu}{1,4}$/u.test(run)) {
      let e = j;
      if (text.charCodeAt(e) === 46 && (e + 1 >= n || !isWordChar(CHAR_CLASS[text.charCodeAt(e + 1)]))) e++;
      const f = formsAt(text, i, e, hashOf(text, i, e));
      sink(f.norm, f.folded, i, e, 'abbr', gap, f);
      gap = false;
      i = e;
      continue;
    }
    // Otherwise split the run at its connectors ("Covid-19" → covid, 19; "Hà-Nội" → hà, nội).
    let s = i;
    for (let p = i; p <= j; p++) {
      const k = p < j ? CHAR_CLASS[text.charCodeAt(p)] : CharClass.Other;
      if (p === j || !(k === L || k === D || k === M || k === I)) {
        if (p > s) {
          const f = formsAt(text, s, p, hashOf(text, s, p));
          sink(f.norm, f.folded, s, p, 'word', gap, f);
          gap = false;
        }
        s = p + 1;
      }
    }
    i = j;
  }
}

/** All tokens of a text as objects (see `forEachToken` for the streaming form). */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  forEachToken(text, (norm, folded, start, end, type, gap) => {
    out.push({ text: text.slice(start, end), start, end, norm, folded, type, gap });
  });
  return out;
}
