/**
 * Query execution: a parsed query becomes weighted term lists (exact words, folded words,
 * folded bigrams, restored accents), scored term-at-a-time with BM25F into a per-segment
 * accumulator, then filtered and collected into a top-k heap.
 *
 * Why these lists (see docs/ENGINE.md, "Ranking"):
 * - every word matches through its folded form, so `duong` finds đường and dương;
 * - a word typed with marks adds its exact form, so đường outranks dương for `đường`;
 * - adjacent words add their folded bigram: word-level (multi-syllable) matches and proximity;
 * - a query typed without any marks gets the restorer's most likely accented reading as exact
 *   lists with a smaller weight: a boost, never a filter, since the restoration may be wrong.
 */
import type { Segment } from './segment.ts';
import { parseQuery, type ParsedQuery, type QueryToken } from './query.ts';
import { accumulate, accumulateDecoded, accState, decodeList, findTfs, idf, listBound, markDocs, scoreCandidates, scoreCandidatesDecoded, type ScoreParams } from './scoring.ts';
import { cachedList } from './list-cache.ts';
import { TopK } from './topk.ts';
import { NO_DAY, dayOfDate } from './fields.ts';

export interface QueryWeights {
  exact: number;
  /** Folded lists when the query has marks somewhere (the exact lists carry the rest). */
  folded: number;
  /** Folded lists of a query typed entirely without marks: they are its main evidence. */
  foldedBare: number;
  bigram: number;
  /** Exact lists from accent restoration of an accentless query. */
  restored: number;
  /** Expansions of a prefix (each). */
  prefix: number;
  /** Most terms a prefix expands to. */
  prefixExpansions: number;
  /**
   * When a word's exact (or restored) form holds at least this share of the documents of its
   * folded form, the folded list is not read: its weight moves onto the exact list (see
   * `execute`). Above 1: never. Tuned on vinewsqa-dev with distractors: 0.5 costs 0.001 nDCG@10.
   */
  dominant: number;
  /** The same for the restored reading of a query typed without marks (which may be wrong). */
  dominantRestored: number;
  /**
   * Only for common words: a folded list shorter than this many documents (or than 1% of the
   * index) is always read, so a rare word typed with marks still finds its other accented forms
   * (below the exact matches).
   */
  dominantMinDf: number;
  /**
   * Most optional lists a query is scored with: a pasted paragraph (hundreds of words) keeps the
   * lists that can weigh most (largest weight · idf); required lists always stay. 48, tuned on
   * the dev sets: vicov19qa-dev (questions up to 200 words) nDCG@10 0.328 → 0.338, vinewsqa-dev
   * with distractors 0.7106 → 0.7110 (32 lists: 0.7088).
   */
  maxLists: number;
}

export const DEFAULT_WEIGHTS: QueryWeights = { exact: 1.0, folded: 0.6, foldedBare: 0.9, bigram: 1.0, restored: 0.5, prefix: 0.5, prefixExpansions: 32, dominant: 0.5, dominantRestored: 0.9, dominantMinDf: 1000, maxLists: 48 };

export interface SearchRequest {
  query: string;
  limit?: number;
  offset?: number;
  from?: string;
  to?: string;
  sources?: string[];
  categories?: string[];
  sort?: 'relevance' | 'date';
  explain?: boolean;
  snippets?: boolean;
  /** Count matches per source and category over the whole result set. */
  facets?: boolean;
}

export interface TermList {
  key: string;
  weight: number;
  /** Bit of the required clause this list satisfies (0: optional). */
  req: number;
  /** What the user typed, for explanations. */
  label: string;
}

export interface CompiledQuery {
  parsed: ParsedQuery;
  lists: TermList[];
  /** Excluded units: each is a set of keys that must all match for the doc to be excluded. */
  excluded: string[][];
  requiredMask: number;
  /** The accented reading used for an accentless query (for explanations). */
  restored?: string;
  /** (exact list, folded list of the same word) index pairs, for `dominant`. */
  pairs: [number, number][];
  /** QueryWeights.dominant (or dominantRestored for a query without marks) at compile time. */
  dominant: number;
  dominantMinDf: number;
  /** QueryWeights.maxLists at compile time. */
  maxLists: number;
}

export type Restore = (text: string) => string | undefined;

function wordKeys(t: QueryToken): { e: string; f: string } {
  return { e: 'e' + t.norm, f: 'f' + t.folded };
}

/** Turn a query string into weighted term lists. */
export function compileQuery(q: string, w: QueryWeights, restore: Restore | undefined, expand: (prefixKey: string) => string[]): CompiledQuery {
  const parsed = parseQuery(q);
  const lists: TermList[] = [];
  /** Index in `lists` by key and required bit. */
  const byKey = new Map<string, number>();
  /** Add a list (or weight to the same one already there); returns its index. */
  const add = (key: string, weight: number, req: number, label: string): number => {
    const k = key + '\u0000' + req;
    const at = byKey.get(k);
    if (at !== undefined) {
      lists[at].weight += weight;
      return at;
    }
    byKey.set(k, lists.length);
    lists.push({ key, weight, req, label });
    return lists.length - 1;
  };
  const pairs: [number, number][] = [];
  // Accent restoration for queries typed entirely without marks.
  let restoredNorms: (string | undefined)[] | undefined;
  let restoredText: string | undefined;
  if (!parsed.accented && restore && parsed.words.length > 0) {
    const words = parsed.words.map((t) => t.text);
    const r = restore(words.join(' '));
    if (r !== undefined) {
      const toks = parseQuery(r).words;
      if (toks.length === words.length) {
        restoredNorms = toks.map((t, i) => (t.norm !== parsed.words[i].norm ? t.norm : undefined));
        restoredText = r;
      }
    }
  }
  const words = parsed.words;
  for (let i = 0; i < words.length; i++) {
    const t = words[i];
    const { e, f } = wordKeys(t);
    if (t.prefix) {
      const ns = t.accented ? e : f;
      const terms = expand(ns);
      for (const term of terms) add(term, w.prefix, 0, t.text + '*');
      const prev = i > 0 && !t.gap ? words[i - 1] : undefined;
      if (prev) for (const term of expand('b' + prev.folded + ' ' + t.folded)) add(term, w.bigram, 0, prev.text + ' ' + t.text + '*');
      continue;
    }
    const fi = add(f, parsed.accented ? w.folded : w.foldedBare, 0, t.text);
    if (t.accented || parsed.accented) pairs.push([add(e, w.exact, 0, t.text), fi]);
    else if (restoredNorms?.[i]) pairs.push([add('e' + restoredNorms[i], w.restored, 0, t.text + '→' + restoredNorms[i]), fi]);
    if (i > 0 && !t.gap && !words[i - 1].prefix) add('b' + words[i - 1].folded + ' ' + t.folded, w.bigram, 0, words[i - 1].text + ' ' + t.text);
  }
  let bit = 1;
  let requiredMask = 0;
  const nextBit = (): number => {
    if (bit === 0 || bit > 0x40000000) return 0; // more than 31 required clauses: the rest only score
    const b = bit;
    requiredMask |= b;
    bit = bit * 2;
    return b;
  };
  for (const phrase of parsed.phrases) {
    for (let i = 0; i < phrase.length; i++) {
      const t = phrase[i];
      const { e, f } = wordKeys(t);
      // A quoted word must match as written: exact form when it has marks, else folded.
      add(t.accented ? e : f, w.exact + w.folded, nextBit(), t.text);
      if (i > 0) add('b' + phrase[i - 1].folded + ' ' + t.folded, w.bigram, nextBit(), phrase[i - 1].text + ' ' + t.text);
    }
  }
  const excluded: string[][] = [];
  for (const unit of parsed.excluded) {
    const keys: string[] = [];
    for (let i = 0; i < unit.length; i++) {
      const t = unit[i];
      keys.push(t.accented ? 'e' + t.norm : 'f' + t.folded);
      if (i > 0) keys.push('b' + unit[i - 1].folded + ' ' + t.folded);
    }
    excluded.push(keys);
  }
  return { parsed, lists, excluded, requiredMask, restored: restoredText, pairs, dominant: parsed.accented ? w.dominant : w.dominantRestored, dominantMinDf: w.dominantMinDf, maxLists: w.maxLists };
}

/**
 * Most postings of a common word's folded list are usually those of its one dominant accented
 * form (nguoi: người; cua: của): reading both lists costs twice the decoding for nearly the same
 * evidence. When the exact (or restored) list of a word holds at least `cq.dominant` of the
 * documents of its folded list, and that list is long (`dominantMinDf`, 1% of the index), the
 * folded list is skipped (idf 0) and the exact list scores with both weights:
 * w_e·idf_e + w_f·idf_f. Documents with only another accented form of such a common word (for
 * a query with marks, a different word: tâm, not tấm) no longer match it; the ones with the
 * dominant form score as before up to the difference between their exact and folded term
 * frequencies. `idfs` is changed in place (explanations read the same numbers, so they add up
 * to the ranked score).
 */
function mergeDominant(cq: CompiledQuery, dfs: number[], idfs: number[], N: number): void {
  if (!(cq.dominant <= 1)) return;
  const minDf = Math.max(cq.dominantMinDf, N / 100);
  const uses = new Map<number, number>();
  for (const [, fi] of cq.pairs) uses.set(fi, (uses.get(fi) ?? 0) + 1);
  for (const [ei, fi] of cq.pairs) {
    if (ei === fi || uses.get(fi) !== 1 || idfs[ei] <= 0 || idfs[fi] <= 0) continue;
    const le = cq.lists[ei];
    const lf = cq.lists[fi];
    if (le.req || lf.req || dfs[fi] < minDf || dfs[ei] < cq.dominant * dfs[fi]) continue;
    idfs[ei] = (le.weight * idfs[ei] + lf.weight * idfs[fi]) / le.weight;
    idfs[fi] = 0;
  }
}

/** Keep the `cq.maxLists` optional lists of largest weight · idf; the others get idf 0. */
function capLists(cq: CompiledQuery, idfs: number[]): void {
  const optional: number[] = [];
  for (let i = 0; i < idfs.length; i++) if (idfs[i] > 0 && !cq.lists[i].req) optional.push(i);
  if (optional.length <= cq.maxLists) return;
  optional.sort((a, b) => cq.lists[b].weight * idfs[b] - cq.lists[a].weight * idfs[a] || a - b);
  for (let x = Math.max(0, cq.maxLists); x < optional.length; x++) idfs[optional[x]] = 0;
}

export interface Candidate {
  seg: number;
  doc: number;
  score: number;
}

export interface ExecResult {
  total: number;
  /** False when pruning skipped documents: `total` is then a lower bound. */
  totalExact: boolean;
  top: Candidate[];
  facets?: { sources: Map<string, number>; categories: Map<string, number> };
  /** Per list: idf used (for explanations). */
  idfs: number[];
}

export interface Filters {
  fromDay?: number;
  toDay?: number;
  sources?: Set<string>;
  categories?: Set<string>;
}

export function filtersOf(req: SearchRequest): Filters {
  const f: Filters = {};
  if (req.from) f.fromDay = dayOfDate(req.from);
  if (req.to) f.toDay = dayOfDate(req.to);
  if (req.sources && req.sources.length) f.sources = new Set(req.sources);
  if (req.categories && req.categories.length) f.categories = new Set(req.categories);
  return f;
}

// Scratch arrays shared by all queries of the process (queries run one at a time: search is
// synchronous). The accumulator is kept all-zero between queries: each query clears what it
// touched, which for a selective query is far less than the whole array.
let scratchAcc = new Float32Array(0);
let scratchTouchedArr = new Int32Array(0);
let scratchCandArr = new Int32Array(0);
let scratchMask = new Uint32Array(0);
let scratchExcl = new Uint32Array(0);

function scratchAccumulator(n: number): Float32Array {
  if (scratchAcc.length < n) scratchAcc = new Float32Array(n);
  return scratchAcc.subarray(0, n);
}

function scratchTouched(n: number): Int32Array {
  if (scratchTouchedArr.length < n) scratchTouchedArr = new Int32Array(n);
  return scratchTouchedArr;
}

function scratchCands(n: number): Int32Array {
  if (scratchCandArr.length < n) scratchCandArr = new Int32Array(Math.max(n, 1024));
  return scratchCandArr;
}

/** The k-th best accumulated score among touched valid documents (0 if fewer than k). */
function kthBest(acc: Float32Array, touched: Int32Array, nt: number, k: number, valid: (d: number) => boolean): number {
  if (nt < k) return 0;
  const top = new TopK(k);
  for (let x = 0; x < nt; x++) {
    const d = touched[x];
    const s = acc[d];
    if (s > top.threshold && valid(d)) top.push(s, 0, 0);
  }
  return top.size < k ? 0 : top.threshold;
}

export interface GlobalStats {
  N: number;
  avgLen: number[];
}

export function globalStats(segments: Segment[]): GlobalStats {
  let docs = 0;
  let live = 0;
  const sum = [0, 0, 0];
  for (const s of segments) {
    docs += s.docCount;
    live += s.liveCount;
    for (let f = 0; f < 3; f++) sum[f] += s.sumLen(f);
  }
  // N counts deleted documents too, like df does (both until a merge drops them; Lucene's
  // maxDoc): with N = live documents, a word in every document would get df > N and a negative idf.
  void live;
  return { N: Math.max(1, docs), avgLen: sum.map((x) => (docs ? x / docs : 1)) };
}

/** Allowed ordinals of a column under a name filter (undefined: no filter). */
function allowed(names: string[], filter: Set<string> | undefined): Uint8Array | undefined {
  if (!filter) return undefined;
  const a = new Uint8Array(names.length + 1);
  for (let i = 0; i < names.length; i++) if (filter.has(names[i])) a[i + 1] = 1;
  return a;
}

export function execute(
  segments: Segment[],
  cq: CompiledQuery,
  params: ScoreParams,
  filters: Filters,
  k: number,
  sortByDate: boolean,
  wantFacets: boolean,
): ExecResult {
  const stats = globalStats(segments);
  const lists = cq.lists;
  // What a decoded list's tf~ depends on (list-cache.ts).
  const normsKey = `${stats.avgLen.join(',')}|${params.b.join(',')}|${params.lenExp}|${params.fieldWeight.join(',')}`;
  // Global document frequencies (summed over segments) and idf per list.
  const ords: Int32Array[] = segments.map((s) => {
    const o = new Int32Array(lists.length);
    for (let i = 0; i < lists.length; i++) o[i] = s.lookup(lists[i].key);
    return o;
  });
  const dfs = lists.map((_, i) => {
    let df = 0;
    for (let s = 0; s < segments.length; s++) if (ords[s][i] >= 0) df += segments[s].df(ords[s][i]);
    return df;
  });
  const idfs = dfs.map((df) => (df > 0 ? idf(stats.N, df) : 0));
  mergeDominant(cq, dfs, idfs, stats.N);
  capLists(cq, idfs);
  const top = new TopK(k);
  let total = 0;
  let pruned = false;
  const facetSrc = new Map<string, number>();
  const facetCat = new Map<string, number>();
  const fromDay = filters.fromDay ?? -Infinity;
  const toDay = filters.toDay ?? Infinity;
  const hasDate = filters.fromDay !== undefined || filters.toDay !== undefined;
  for (let si = 0; si < segments.length; si++) {
    const seg = segments[si];
    const n = seg.docCount;
    const o = ords[si];
    let any = false;
    for (let i = 0; i < lists.length; i++) if (o[i] >= 0 && idfs[i] > 0) any = true;
    if (!any) continue;
    const norms = seg.packedNorms(stats.avgLen, params.b, params.lenExp);
    /** The list at `ord` decoded, when the list cache has it (or takes it now). */
    const decoded = (ord: number) => cachedList(seg, ord, seg.df(ord), normsKey, () => decodeList(seg, ord, norms, params));
    const acc = scratchAccumulator(n);
    const touched = scratchTouched(n);
    let nt = 0;
    let mask: Uint32Array | undefined;
    if (cq.requiredMask) {
      if (scratchMask.length < n) scratchMask = new Uint32Array(n);
      mask = scratchMask.subarray(0, n);
      mask.fill(0);
    }
    const srcOk = allowed(seg.header.sources, filters.sources);
    const catOk = allowed(seg.header.categories, filters.categories);
    const day = seg.day;
    const del = seg.deleted;
    const valid = (d: number): boolean => {
      if (del !== undefined && (del[d >> 3] & (1 << (d & 7))) !== 0) return false;
      if (hasDate) {
        const dd = day[d];
        if (dd === NO_DAY || dd < fromDay || dd > toDay) return false;
      }
      if (srcOk !== undefined && !srcOk[seg.src[d]]) return false;
      if (catOk !== undefined && !catOk[seg.cat[d]]) return false;
      return true;
    };
    // MaxScore, term at a time: lists in decreasing order of their score bound; once the bounds
    // of the lists left cannot lift a document that matched none so far into the top k, those
    // lists only score the surviving candidates (with block skipping). Exact results; `total`
    // becomes a lower bound. Off when every match must be seen (required clauses, exclusions,
    // date sort, facets).
    const order: number[] = [];
    for (let i = 0; i < lists.length; i++) if (o[i] >= 0 && idfs[i] > 0) order.push(i);
    // Bounds from the block maxima of each list (tight for common words, whose real maximum is
    // far below the saturation limit k1 + 1).
    const bounds = new Float64Array(lists.length);
    // (1 + 1e-5): slack for the float32 rounding of accumulated scores and norms.
    for (const i of order) bounds[i] = lists[i].weight * idfs[i] * listBound(seg, o[i], params, stats.avgLen) * (1 + 1e-5);
    const ub = (i: number) => bounds[i];
    order.sort((a, b) => ub(b) - ub(a));
    let rem = 0;
    for (const i of order) rem += ub(i);
    const canPrune = !cq.requiredMask && cq.excluded.length === 0 && !sortByDate && !wantFacets && process.env.TRA_NOPRUNE !== '1';
    accState.max = 0;
    // The threshold costs a pass over the touched documents: computed at most a few times, when
    // the remaining bound has shrunk enough since the last try. An old threshold is still a
    // valid lower bound (scores only grow), so it is reused for free.
    let theta = 0;
    let checks = 0;
    let remAtCheck = Infinity;
    let j = 0;
    for (; j < order.length; j++) {
      const i = order[j];
      if (canPrune && theta !== Infinity && j > 0 && rem < accState.max && (rem < theta || (checks < 3 && rem <= 0.7 * remAtCheck))) {
        if (rem >= theta) {
          theta = kthBest(acc, touched, nt, k, valid);
          checks++;
          remAtCheck = rem;
        }
        if (rem < theta) {
          // Candidates that could still reach the top k, ascending.
          let nc = 0;
          const cands = scratchCands(nt);
          for (let x = 0; x < nt; x++) {
            const d = touched[x];
            if (acc[d] + rem >= theta && valid(d)) cands[nc++] = d;
          }
          // Worth it only when the candidates are few next to the postings left to read:
          // otherwise nearly every block gets decoded anyway, at a higher cost per posting.
          let remDf = 0;
          for (let x = j; x < order.length; x++) remDf += seg.df(o[order[x]]);
          if (nc * 16 < remDf) {
            cands.subarray(0, nc).sort();
            for (; j < order.length; j++) {
              const ord = o[order[j]];
              const w = lists[order[j]].weight * idfs[order[j]];
              const dl = decoded(ord);
              if (dl) scoreCandidatesDecoded(dl, w, params, acc, cands, nc);
              else scoreCandidates(seg, ord, w, norms, params, acc, cands, nc);
            }
            pruned = true;
            break;
          }
          checks = 3;
          theta = Infinity; // stop trying for this segment
        }
      }
      const dl = decoded(o[i]);
      const w = lists[i].weight * idfs[i];
      const m = lists[i].req ? mask : undefined;
      nt = dl ? accumulateDecoded(dl, w, params, acc, m, lists[i].req, touched, nt) : accumulate(seg, o[i], w, norms, params, acc, m, lists[i].req, touched, nt);
      rem -= ub(i);
    }
    // Exclusions: a doc is excluded when it matches every key of some excluded unit.
    let excl: Uint32Array | undefined;
    if (cq.excluded.length) {
      if (scratchExcl.length < n) scratchExcl = new Uint32Array(n);
      excl = scratchExcl.subarray(0, n);
      excl.fill(0);
      const marks = new Uint32Array(n);
      for (const unit of cq.excluded) {
        marks.fill(0);
        let allPresent = true;
        const keyOrds = unit.map((key) => seg.lookup(key));
        if (keyOrds.some((x) => x < 0)) allPresent = false;
        if (!allPresent) continue;
        keyOrds.forEach((ord, j) => markDocs(seg, ord, marks, 1 << j));
        const full = unit.length >= 31 ? 0x7fffffff : (1 << unit.length) - 1;
        for (let d = 0; d < n; d++) if ((marks[d] & full) === full) excl[d] = 1;
      }
    }
    const req = cq.requiredMask;
    const srcCounts = wantFacets ? new Uint32Array(seg.header.sources.length + 1) : undefined;
    const catCounts = wantFacets ? new Uint32Array(seg.header.categories.length + 1) : undefined;
    const seqs = seg.seq;
    const plain = mask === undefined && excl === undefined && !hasDate && srcOk === undefined && catOk === undefined && !wantFacets && !sortByDate;
    if (plain) {
      // The common case, kept tight: walk the touched documents only (every one has a score:
      // no unpredictable branch on empty accumulator slots, as a scan of the whole segment has),
      // clearing the accumulator on the way; most fall below the heap's weakest entry.
      let thr = top.threshold;
      const base = si * 4294967296;
      for (let x = 0; x < nt; x++) {
        const d = touched[x];
        const s = acc[d];
        acc[d] = 0;
        if (del !== undefined && (del[d >> 3] & (1 << (d & 7))) !== 0) continue;
        total++;
        if (s >= thr) {
          top.push(s, seqs[d], base + d);
          thr = top.threshold;
        }
      }
    } else {
      // Filters, required clauses, facets or date order: every check. Few touched documents:
      // walk them; many: a linear scan is friendlier to the cache.
      const sparse = nt < n >> 3;
      const limit = sparse ? nt : n;
      for (let x = 0; x < limit; x++) {
        const d = sparse ? touched[x] : x;
        const s = acc[d];
        if (s <= 0) continue;
        if (del !== undefined && (del[d >> 3] & (1 << (d & 7))) !== 0) continue;
        if (mask !== undefined && (mask[d] & req) !== req) continue;
        if (excl !== undefined && excl[d]) continue;
        if (hasDate) {
          const dd = day[d];
          if (dd === NO_DAY || dd < fromDay || dd > toDay) continue;
        }
        if (srcOk !== undefined && !srcOk[seg.src[d]]) continue;
        if (catOk !== undefined && !catOk[seg.cat[d]]) continue;
        total++;
        if (srcCounts) srcCounts[seg.src[d]]++;
        if (catCounts) catCounts[seg.cat[d]]++;
        if (sortByDate) {
          const dd = day[d];
          top.push(dd === NO_DAY ? -1e9 : dd + s / (1 + s), seqs[d], si * 4294967296 + d);
        } else top.push(s, seqs[d], si * 4294967296 + d);
      }
      if (sparse) for (let x = 0; x < nt; x++) acc[touched[x]] = 0;
      else acc.fill(0);
    }
    if (srcCounts) for (let i = 1; i < srcCounts.length; i++) if (srcCounts[i]) facetSrc.set(seg.header.sources[i - 1], (facetSrc.get(seg.header.sources[i - 1]) ?? 0) + srcCounts[i]);
    if (catCounts) for (let i = 1; i < catCounts.length; i++) if (catCounts[i]) facetCat.set(seg.header.categories[i - 1], (facetCat.get(seg.header.categories[i - 1]) ?? 0) + catCounts[i]);
  }
  const out: Candidate[] = top.sorted().map((e) => {
    const si = Math.floor(e.ref / 4294967296);
    const doc = e.ref - si * 4294967296;
    const score = sortByDate ? scoreOf(segments[si], doc, cq, ords[si], idfs, params, stats) : e.key;
    return { seg: si, doc, score };
  });
  return { total, totalExact: !pruned, top: out, idfs, facets: wantFacets ? { sources: facetSrc, categories: facetCat } : undefined };
}

function scoreOf(seg: Segment, doc: number, cq: CompiledQuery, ords: Int32Array, idfs: number[], params: ScoreParams, stats: GlobalStats): number {
  return explainDoc(seg, doc, cq, ords, idfs, params, stats).score;
}

export interface Explanation {
  score: number;
  restored?: string;
  terms: { term: string; query: string; weight: number; idf: number; tf: { title: number; summary: number; text: number }; score: number; required: boolean }[];
}

/** How the score of one document was made, list by list. */
export function explainDoc(seg: Segment, doc: number, cq: CompiledQuery, ords: Int32Array, idfs: number[], params: ScoreParams, stats: GlobalStats): Explanation {
  const norms = seg.norms(stats.avgLen, params.b, params.lenExp);
  const terms: Explanation['terms'] = [];
  let total = 0;
  for (let i = 0; i < cq.lists.length; i++) {
    if (ords[i] < 0 || !(idfs[i] > 0)) continue;
    const tfs = findTfs(seg, ords[i], doc);
    if (!tfs) continue;
    const l = cq.lists[i];
    const tf = params.fieldWeight[0] * tfs[0] * norms[0][doc] + params.fieldWeight[1] * tfs[1] * norms[1][doc] + params.fieldWeight[2] * tfs[2] * norms[2][doc];
    const s = Math.fround((l.weight * idfs[i] * (params.k1 + 1) * tf) / (params.k1 + tf));
    total += s;
    const kind = l.key[0] === 'e' ? 'exact' : l.key[0] === 'f' ? 'folded' : 'bigram';
    terms.push({ term: `${kind}:${l.key.slice(1)}`, query: l.label, weight: l.weight, idf: idfs[i], tf: { title: tfs[0], summary: tfs[1], text: tfs[2] }, score: s, required: l.req !== 0 });
  }
  return { score: total, restored: cq.restored, terms };
}

/** Keys for the lists of a compiled query, by segment: used by explanations. */
export function ordsFor(seg: Segment, cq: CompiledQuery): Int32Array {
  const o = new Int32Array(cq.lists.length);
  for (let i = 0; i < cq.lists.length; i++) o[i] = seg.lookup(cq.lists[i].key);
  return o;
}
