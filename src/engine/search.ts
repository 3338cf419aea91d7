/**
 * Query execution: a query string becomes a plan (query/plan.ts: the match tree and the
 * ranking lists), the matcher (matcher.ts) finds each segment's matches, and collectors
 * (collect/) turn them into what was asked: pages by relevance or by date, the total, facets,
 * a day histogram. Every consumer goes through `execute`, so they all see the same documents.
 *
 * Ranking lists (docs/ENGINE.md, "Ranking"):
 * - a syllable typed with marks scores through its exact form;
 * - a syllable typed without marks through its folded form (every reading), plus the accent
 *   restorer's reading as a smaller boost, so the likely reading ranks first;
 * - adjacent syllables add their folded pair: word-level (multi-syllable) matches and proximity.
 */
import type { Segment } from './segment.ts';
import { idf, findTfs, type ScoreParams } from './scoring.ts';
import { cachedList, peekList } from './list-cache.ts';
import { decodeList } from './scoring.ts';
import { dayOfDate } from './fields.ts';
import type { Plan } from './query/plan.ts';
import { matchSegment, scoreSome, type Filters, type Prepared, type SegmentInput } from './matcher.ts';
import type { Collector } from './collect/collector.ts';

export { DEFAULT_WEIGHTS, type QueryWeights } from './query/plan.ts';
export type { Filters } from './matcher.ts';

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
  /** Count matches per source and category over the whole match set. */
  facets?: boolean;
}

export function filtersOf(req: { from?: string; to?: string; sources?: string[]; categories?: string[] }): Filters {
  const f: Filters = {};
  if (req.from) f.fromDay = dayOfDate(req.from);
  if (req.to) f.toDay = dayOfDate(req.to);
  if (req.sources && req.sources.length) f.sources = new Set(req.sources);
  if (req.categories && req.categories.length) f.categories = new Set(req.categories);
  return f;
}

export interface GlobalStats {
  N: number;
  avgLen: number[];
}

export function globalStats(segments: Segment[]): GlobalStats {
  let docs = 0;
  const sum = [0, 0, 0];
  for (const s of segments) {
    docs += s.docCount;
    for (let f = 0; f < 3; f++) sum[f] += s.sumLen(f);
  }
  // N counts deleted documents too, like df does (both until a merge drops them; Lucene's
  // maxDoc): with N = live documents, a word in every document would get df > N and a negative idf.
  return { N: Math.max(1, docs), avgLen: sum.map((x) => (docs ? x / docs : 1)) };
}

/**
 * Most postings of a common word's folded list are usually those of its one dominant accented
 * form (nguoi: người; cua: của): reading both lists costs twice the decoding for nearly the same
 * evidence. When the exact (or restored) list of a word holds at least `plan.dominant` of the
 * documents of its folded list, and that list is long (`dominantMinDf`, 1% of the index), the
 * folded list is not read (idf 0) and the exact list scores with both weights:
 * w_e·idf_e + w_f·idf_f. When the folded list was what counted the word as present (a long query
 * typed without marks), the exact list takes that role. `idfs` is changed in place.
 */
function mergeDominant(plan: Plan, dfs: number[], idfs: number[], N: number): void {
  if (!(plan.dominant <= 1)) return;
  const minDf = Math.max(plan.dominantMinDf, N / 100);
  const uses = new Map<number, number>();
  for (const [, fi] of plan.pairs) uses.set(fi, (uses.get(fi) ?? 0) + 1);
  for (const [ei, fi] of plan.pairs) {
    if (ei === fi || uses.get(fi) !== 1 || idfs[ei] <= 0 || idfs[fi] <= 0) continue;
    const le = plan.lists[ei];
    const lf = plan.lists[fi];
    if (dfs[fi] < minDf || dfs[ei] < plan.dominant * dfs[fi]) continue;
    idfs[ei] = (le.weight * idfs[ei] + lf.weight * idfs[fi]) / le.weight;
    idfs[fi] = 0;
    if (lf.counts) le.counts = true;
  }
}

/** Keep the `plan.maxLists` optional ranking lists of largest weight · idf; the others get idf 0. */
function capLists(plan: Plan, idfs: number[]): void {
  const optional: number[] = [];
  for (let i = 0; i < idfs.length; i++) if (idfs[i] > 0) optional.push(i);
  if (optional.length <= plan.maxLists) return;
  optional.sort((a, b) => plan.lists[b].weight * idfs[b] - plan.lists[a].weight * idfs[a] || a - b);
  for (let x = Math.max(0, plan.maxLists); x < optional.length; x++) idfs[optional[x]] = 0;
}

export interface Execution {
  /** False when pruning skipped documents (a top-k-only collection of a long query). */
  exact: boolean;
  idfs: number[];
  stats: GlobalStats;
  /** Long queries: how many optional words a match holds (0 for keyword queries). */
  minShould: number;
}

/**
 * Run a plan over the segments, feeding every collector the same matches.
 * `plan.lists` may be adjusted (which list counts a word as present): plan once per execution.
 */
/**
 * Collection statistics given from outside (cluster mode: the coordinator sums them over every
 * shard), used instead of those of `segments`, so a shard scores as the whole collection would.
 */
export interface GivenStats {
  stats: GlobalStats;
  /** Document frequency of each of `plan.lists`, in order. */
  dfs: number[];
}

export function execute(segments: Segment[], plan: Plan, params: ScoreParams, filters: Filters, collectors: Collector[], given?: GivenStats): Execution {
  const stats = given ? given.stats : globalStats(segments);
  const lists = plan.lists;
  const ords: Int32Array[] = segments.map((s) => {
    const o = new Int32Array(lists.length);
    for (let i = 0; i < lists.length; i++) o[i] = s.lookup(lists[i].key);
    return o;
  });
  const dfs = given
    ? given.dfs.slice()
    : lists.map((_, i) => {
        let df = 0;
        for (let s = 0; s < segments.length; s++) if (ords[s][i] >= 0) df += segments[s].df(ords[s][i]);
        return df;
      });
  const idfs = dfs.map((df) => (df > 0 ? idf(stats.N, df) : 0));
  mergeDominant(plan, dfs, idfs, stats.N);
  let minShould = 0;
  if (plan.long) {
    capLists(plan, idfs);
    // The share of optional words to hold is taken of those that can count: words absent from
    // the index, or whose lists were left out (capLists), cannot be asked for.
    const live = new Set<number>();
    plan.lists.forEach((l, i) => l.counts && l.unit >= 0 && l.unit < 31 && idfs[i] > 0 && live.add(l.unit));
    if (plan.should > 0) minShould = Math.max(1, Math.min(plan.minShouldMax, Math.ceil(plan.minShouldShare * live.size)));
  }
  const scores = collectors.some((c) => c.needsScores);
  // Pruning only for a top k by score, with at most a count beside it (which then counts a
  // lower bound, and `exact` says so); facets, dates and histograms need every match.
  const top = collectors.find((c) => c.prunable);
  const topK = top && collectors.every((c) => c === top || c.countOnly) ? top.k : undefined;
  const prepared: Prepared = { plan, idfs, params, avgLen: stats.avgLen, minShould };
  const normsKey = `${stats.avgLen.join(',')}|${params.b.join(',')}|${params.lenExp}|${params.fieldWeight.join(',')}`;
  let exact = true;
  for (let si = 0; si < segments.length; si++) {
    const seg = segments[si];
    const input: SegmentInput = { seg, ords: ords[si] };
    // Long queries are matched term at a time through their scored lists: they need norms.
    if (scores || plan.long) {
      const norms = seg.packedNorms(stats.avgLen, params.b, params.lenExp);
      input.norms = norms;
      input.decoded = (ord) => cachedList(seg, ord, seg.df(ord), normsKey, () => decodeList(seg, ord, norms, params));
      input.peek = (ord) => peekList(seg, ord, normsKey);
    }
    const m = matchSegment(prepared, input, filters, { scores, topK });
    if (!m.exact) exact = false;
    if (m.docs.length) for (const c of collectors) c.collect(si, seg, m);
  }
  return { exact, idfs, stats, minShould };
}

/** Relevance scores of some documents (a page ordered by date), from an execution's idfs. */
export function scorePage(segments: Segment[], plan: Plan, params: ScoreParams, ex: Execution, refs: { seg: number; doc: number }[]): number[] {
  const out = new Array<number>(refs.length).fill(0);
  const bySeg = new Map<number, number[]>();
  refs.forEach((r, i) => {
    const l = bySeg.get(r.seg) ?? [];
    l.push(i);
    bySeg.set(r.seg, l);
  });
  for (const [si, idx] of bySeg) {
    const seg = segments[si];
    idx.sort((x, y) => refs[x].doc - refs[y].doc);
    const docs = Int32Array.from(idx.map((x) => refs[x].doc));
    const ords = new Int32Array(plan.lists.length);
    for (let i = 0; i < plan.lists.length; i++) ords[i] = seg.lookup(plan.lists[i].key);
    const norms = seg.packedNorms(ex.stats.avgLen, params.b, params.lenExp);
    const scores = scoreSome({ plan, idfs: ex.idfs, params, avgLen: ex.stats.avgLen, minShould: ex.minShould }, { seg, ords, norms }, docs);
    idx.forEach((x, k) => (out[x] = scores[k]));
  }
  return out;
}

export interface Explanation {
  score: number;
  restored?: string;
  /** The match rule applied, in words (what every word had to satisfy). */
  match?: string;
  terms: { term: string; query: string; weight: number; idf: number; tf: { title: number; summary: number; text: number }; score: number }[];
}

/** How the score of one document was made, list by list. */
export function explainDoc(seg: Segment, doc: number, plan: Plan, params: ScoreParams, ex: Execution): Explanation {
  const { idfs, stats } = ex;
  const norms = seg.norms(stats.avgLen, params.b, params.lenExp);
  const terms: Explanation['terms'] = [];
  let total = 0;
  for (let i = 0; i < plan.lists.length; i++) {
    const ord = seg.lookup(plan.lists[i].key);
    if (ord < 0 || !(idfs[i] > 0)) continue;
    const tfs = findTfs(seg, ord, doc);
    if (!tfs) continue;
    const l = plan.lists[i];
    const tf = params.fieldWeight[0] * tfs[0] * norms[0][doc] + params.fieldWeight[1] * tfs[1] * norms[1][doc] + params.fieldWeight[2] * tfs[2] * norms[2][doc];
    const s = Math.fround((l.weight * idfs[i] * (params.k1 + 1) * tf) / (params.k1 + tf));
    total += s;
    const kind = l.key[0] === 'e' ? 'exact' : l.key[0] === 'f' ? 'folded' : 'bigram';
    terms.push({ term: `${kind}:${l.key.slice(1)}`, query: l.label, weight: l.weight, idf: idfs[i], tf: { title: tfs[0], summary: tfs[1], text: tfs[2] }, score: s });
  }
  const out: Explanation = { score: total, terms, match: describeMatch(plan, ex.minShould) };
  if (plan.restored) out.restored = plan.restored;
  return out;
}

/** The match rule of a plan, for explanations: "exact:bão AND exact:số AND pair:bao so …". */
export function describeMatch(plan: Plan, minShould: number): string {
  const parts: string[] = [];
  if (plan.must) parts.push(String(plan.must));
  if (plan.long && plan.should) parts.push(`≥ ${minShould} of ${plan.should} words`);
  for (const x of plan.exclude) parts.push(String(x));
  return parts.join(' AND ');
}
