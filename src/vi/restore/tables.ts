/**
 * The count tables behind accent restoration, and their binary file format.
 *
 * Only Vietnamese syllables (a norm that `parseSyllable` accepts) are candidates for
 * restoration, but the words around them are evidence too ("Vinamilk cũng", "năm 2020"): all
 * numbers share one entry `<num>`, frequent non-syllable words (Covid, Trump) keep their own, and
 * rare ones share `<unk>`. URLs, e-mail addresses and the like carry no context and are dropped.
 * Ids are assigned by descending count, so the most frequent syllables have the smallest ids;
 * the phrase boundary `<s>` is the last id. Bigrams are a compressed sparse row table over left
 * ids, trigrams (optional) one over bigram positions (see csr.ts).
 *
 * File format (integers are LEB128 varints, see varint.ts, except inside the tables):
 *   "TRAR" magic, format version (1 byte), V
 *   the V norms joined by "\n" (length-prefixed UTF-8), then V counts, V continuation counts
 *   G folded groups: their folded forms joined by "\n", then per group n and n ids
 *   the bigram table (V rows, see csr.ts)
 *   1 byte: 1 when a trigram table follows (one row per bigram), else 0
 * Everything a load needs is stored ready to use, so loading does no per-entry work.
 */
import { parseSyllable } from '../syllable.ts';
import { ByteReader, ByteWriter } from './varint.ts';
import { csrFind, csrFromCounts, decodeCsr, encodeCsr, thresholdForBudget, type Csr } from './csr.ts';

export interface PruneOptions {
  /**
   * Bigrams seen fewer times than this are dropped (rare bigrams are most of the model's size).
   * 'auto' picks the smallest threshold that keeps at most `maxBigrams` bigram types: a small
   * collection keeps every observation it has, a large one drops its rarest pairs first.
   */
  minBigramCount: number | 'auto';
  /** Syllables seen fewer times than this are dropped. */
  minUnigramCount: number;
  /**
   * A spelling whose count is below this share of its folded group's total is dropped: at that
   * rate it is almost always a typo ("nguời" beside "người"), and keeping it as a candidate
   * only lets a few noisy bigrams pick it.
   */
  minShareOfFolded: number;
  /** Words that are not Vietnamese syllables (Covid, Trump, iPhone) get their own entry from this count; rarer ones share `<unk>`. */
  minOtherCount: number;
  /** Size budget for 'auto' pruning (4 bytes each on disk, 10 in memory). */
  maxBigrams: number;
  /** As `minBigramCount`, for trigrams (when trigram counts are given). */
  minTrigramCount: number | 'auto';
  maxTrigrams: number;
}

export const DEFAULT_PRUNE: PruneOptions = { minBigramCount: 'auto', minUnigramCount: 1, minShareOfFolded: 0.0002, minOtherCount: 20, maxBigrams: 1_000_000, minTrigramCount: 'auto', maxTrigrams: 1_000_000 };

/** Context classes: every number is one token, every rare non-syllable word another. */
export const NUM = '<num>';
export const UNK = '<unk>';
/** Start or end of a phrase (the last id of every table). */
export const BOUNDARY = '<s>';

/** Syllable unigram and bigram counts, pruned, in compact arrays. */
export interface CountTables {
  /** The `norm` form of each id: a syllable, a frequent non-syllable word, `<num>` or `<unk>`. */
  norms: string[];
  /** Collection frequency of each id. */
  counts: Float64Array;
  /** Number of distinct left neighbours of each id in the bigram table (Kneser–Ney continuation). */
  continuation: Float64Array;
  /** Folded form → its syllable ids, most frequent first: the restoration candidates. */
  groups: Map<string, Int32Array>;
  /** Row = left id, column = right id. */
  bigrams: Csr;
  /** Row = position of the bigram (a, b) in `bigrams`, column = the third id; null without trigram counts. */
  trigrams: Csr | null;
}

const syllableCache = new Map<string, boolean>();

/** True when `norm` (lower case, canonical) is a well-formed Vietnamese syllable. */
export function isSyllable(norm: string): boolean {
  let ok = syllableCache.get(norm);
  if (ok === undefined) {
    ok = parseSyllable(norm) !== null;
    if (syllableCache.size > 100_000) syllableCache.clear();
    syllableCache.set(norm, ok);
  }
  return ok;
}

const NUMBER = /^\d[\d.,/:-]*$/;
const WORD = /^\p{L}[\p{L}\p{N}]*$/u;

/**
 * What a token norm stands for as context: itself (a syllable or another word), `<num>` for
 * any number (so "năm 2020" and "năm 1975" teach the same thing), or null for tokens that carry
 * no useful context (URLs, e-mail addresses, hashtags, abbreviations) and end a phrase.
 */
export function contextKey(norm: string): string | null {
  if (isSyllable(norm)) return norm;
  if (NUMBER.test(norm)) return NUM;
  if (WORD.test(norm)) return norm;
  return null;
}

/**
 * Build pruned tables from raw counts (keys are tokenizer `norm` forms; a bigram key is "a b",
 * a trigram key "a b c").
 */
export function buildTables(
  unigrams: Iterable<[string, number]>,
  bigrams: Iterable<[string, number]>,
  fold: (s: string) => string,
  opts: PruneOptions = DEFAULT_PRUNE,
  trigrams?: Iterable<[string, number]>,
): CountTables {
  // Unigrams by context key, duplicates summed.
  const uni = new Map<string, number>();
  for (const [norm, c] of unigrams) {
    if (!(c > 0)) continue;
    const k = contextKey(norm);
    if (k !== null) uni.set(k, (uni.get(k) ?? 0) + c);
  }
  // Prune syllables by absolute count and by share of the folded group; rare other words and
  // pruned syllables become <unk>.
  const groupTotal = new Map<string, number>();
  for (const [k, c] of uni) {
    if (!isSyllable(k)) continue;
    const f = fold(k);
    groupTotal.set(f, (groupTotal.get(f) ?? 0) + c);
  }
  const kept = new Map<string, number>();
  let unk = 0;
  for (const [k, c] of uni) {
    let keep: boolean;
    if (k === NUM) keep = true;
    else if (isSyllable(k)) keep = c >= opts.minUnigramCount && c >= opts.minShareOfFolded * (groupTotal.get(fold(k)) ?? 0);
    else keep = c >= opts.minOtherCount;
    if (keep) kept.set(k, c);
    else unk += c;
  }
  if (unk > 0) kept.set(UNK, unk);
  const sorted = [...kept].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // The phrase boundary comes last; its count (the number of phrases) is known only below.
  const norms = [...sorted.map((k) => k[0]), BOUNDARY];
  const counts = Float64Array.from(norms, (_, i) => (i < sorted.length ? sorted[i][1] : 0));
  const id = new Map<string, number>();
  norms.forEach((n, i) => id.set(n, i));
  const unkId = id.get(UNK) ?? -1;
  const idOfNorm = (norm: string): number => {
    const k = contextKey(norm);
    if (k === null) return -1;
    return id.get(k) ?? unkId;
  };

  // Bigrams by id pair, summed over the norms a class stands for, then pruned.
  const pairCounts = new Map<number, number>();
  const V = norms.length;
  for (const [key, c] of bigrams) {
    if (!(c > 0)) continue;
    const sp = key.indexOf(' ');
    if (sp <= 0) continue;
    const l = idOfNorm(key.slice(0, sp));
    if (l < 0) continue;
    const r = idOfNorm(key.slice(sp + 1));
    if (r < 0) continue;
    const k = l * V + r;
    pairCounts.set(k, (pairCounts.get(k) ?? 0) + c);
  }
  addBoundaries(counts, pairCounts);
  const minBigram = opts.minBigramCount === 'auto' ? thresholdForBudget(pairCounts, opts.maxBigrams) : Math.max(1, opts.minBigramCount);
  const bigramTable = csrFromCounts(V, V, pairCounts, minBigram);
  const trigramTable = trigrams ? buildTrigrams(trigrams, bigramTable, counts.length, idOfNorm, opts) : null;
  const continuation = new Float64Array(V);
  for (let i = 0; i < bigramTable.ids.length; i++) continuation[bigramTable.ids[i]]++;
  return { norms, counts, continuation, groups: foldedGroups(norms, fold), bigrams: bigramTable, trigrams: trigramTable };
}

/** Syllable ids by folded form; ids are in descending count order, so groups come out that way. */
function foldedGroups(norms: string[], fold: (s: string) => string): Map<string, Int32Array> {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < norms.length; i++) {
    if (!isSyllable(norms[i])) continue;
    const f = fold(norms[i]);
    const g = groups.get(f);
    if (g) g.push(i);
    else groups.set(f, [i]);
  }
  return new Map([...groups].map(([f, g]) => [f, Int32Array.from(g)]));
}

/**
 * Trigram counts keyed by the position of their first two ids in the bigram table (a trigram
 * whose bigram was pruned could never be used). Phrase starts and ends come from the margins as
 * for bigrams (see addBoundaries): (<s> a b) = c(a b) − Σ_x c(x a b), (a b <s>) = c(a b) − Σ_y c(a b y).
 */
function buildTrigrams(trigrams: Iterable<[string, number]>, big: Csr, V: number, idOfNorm: (norm: string) => number, opts: PruneOptions): Csr {
  const B = big.ids.length;
  const bnd = V - 1;
  const tri = new Map<number, number>();
  const outSum = new Float64Array(B);
  const inSum = new Float64Array(B);
  for (const [key, c] of trigrams) {
    if (!(c > 0)) continue;
    const s1 = key.indexOf(' ');
    const s2 = key.indexOf(' ', s1 + 1);
    if (s1 <= 0 || s2 <= s1 + 1) continue;
    const a = idOfNorm(key.slice(0, s1));
    const b = idOfNorm(key.slice(s1 + 1, s2));
    const d = idOfNorm(key.slice(s2 + 1));
    if (a < 0 || b < 0 || d < 0) continue;
    const bd = csrFind(big, b, d);
    if (bd >= 0) inSum[bd] += c;
    const ab = csrFind(big, a, b);
    if (ab < 0) continue;
    outSum[ab] += c;
    const k = ab * V + d;
    tri.set(k, (tri.get(k) ?? 0) + c);
  }
  for (let a = 0; a < bnd; a++) {
    const startRow = csrFind(big, bnd, a);
    for (let p = big.offsets[a]; p < big.offsets[a + 1]; p++) {
      const b = big.ids[p];
      if (b === bnd) continue;
      const end = big.counts[p] - outSum[p];
      if (end > 0) tri.set(p * V + bnd, end);
      const start = big.counts[p] - inSum[p];
      if (start > 0 && startRow >= 0) tri.set(startRow * V + b, start);
    }
  }
  const min = opts.minTrigramCount === 'auto' ? thresholdForBudget(tri, opts.maxTrigrams) : Math.max(1, opts.minTrigramCount);
  return csrFromCounts(B, V, tri, min);
}

/**
 * Phrase starts and ends, recovered from the margins. The counts have no bigrams across
 * punctuation, so every occurrence of w that is not the left side of a bigram ended a phrase,
 * and every one that is not the right side started one:
 *   end(w) = c(w) − Σ_v c(w v),   start(w) = c(w) − Σ_h c(h w).
 * They become bigrams with the boundary token (the last id), which the model then treats like
 * any other context: "bán được giá." ends well, "bán được gia." does not ("gia" is nearly
 * always followed by hạn, đình, tăng…). This needs the bigram counts before pruning, as given.
 */
function addBoundaries(counts: Float64Array, pairCounts: Map<number, number>): void {
  const V = counts.length;
  const b = V - 1;
  const out = new Float64Array(V);
  const inc = new Float64Array(V);
  for (const [k, c] of pairCounts) {
    const l = Math.floor(k / V);
    out[l] += c;
    inc[k - l * V] += c;
  }
  let phrases = 0;
  for (let w = 0; w < b; w++) {
    const start = Math.max(0, counts[w] - inc[w]);
    const end = Math.max(0, counts[w] - out[w]);
    if (start > 0) pairCounts.set(b * V + w, start);
    if (end > 0) pairCounts.set(w * V + b, end);
    phrases += start;
  }
  counts[b] = Math.max(phrases, 1);
}

const MAGIC = [0x54, 0x52, 0x41, 0x52]; // "TRAR"
const VERSION = 2;

export function encodeTables(t: CountTables): Uint8Array {
  const w = new ByteWriter();
  for (const b of MAGIC) w.byte(b);
  w.byte(VERSION);
  const V = t.norms.length;
  w.uint(V);
  // All norms in one newline-separated string: one UTF-8 decode at load instead of thousands.
  w.string(t.norms.join('\n'));
  for (let i = 0; i < V; i++) w.uint(t.counts[i]);
  for (let i = 0; i < V; i++) w.uint(t.continuation[i]);
  w.uint(t.groups.size);
  w.string([...t.groups.keys()].join('\n'));
  for (const g of t.groups.values()) {
    w.uint(g.length);
    for (const id of g) w.uint(id);
  }
  encodeCsr(w, t.bigrams, V);
  w.byte(t.trigrams ? 1 : 0);
  if (t.trigrams) encodeCsr(w, t.trigrams, V);
  return w.finish();
}

export function decodeTables(buf: Uint8Array): CountTables {
  const r = new ByteReader(buf);
  for (const b of MAGIC) if (r.byte() !== b) throw new Error('not an accent model (bad magic)');
  const version = r.byte();
  if (version !== VERSION) throw new Error(`unsupported accent model version ${version}`);
  const V = r.uint();
  const blob = r.string();
  const norms = V === 0 ? [] : blob.split('\n');
  if (norms.length !== V) throw new Error('accent model: vocabulary size mismatch');
  const counts = new Float64Array(V);
  for (let i = 0; i < V; i++) counts[i] = r.uint();
  const continuation = new Float64Array(V);
  for (let i = 0; i < V; i++) continuation[i] = r.uint();
  const G = r.uint();
  const foldedBlob = r.string();
  const folded = G === 0 ? [] : foldedBlob.split('\n');
  if (folded.length !== G) throw new Error('accent model: group count mismatch');
  const groups = new Map<string, Int32Array>();
  for (const f of folded) {
    const g = new Int32Array(r.uint());
    for (let k = 0; k < g.length; k++) {
      g[k] = r.uint();
      if (g[k] >= V) throw new Error('accent model: id out of range');
    }
    groups.set(f, g);
  }
  const bigrams = decodeCsr(r, V);
  const trigrams = r.byte() === 1 ? decodeCsr(r, bigrams.ids.length) : null;
  return { norms, counts, continuation, groups, bigrams, trigrams };
}
