/**
 * The matcher: per segment, the documents a query plan matches (query/plan.ts), after the
 * filters (deletions, dates, sources, categories), with BM25F scores when a collector needs
 * them. Every consumer of a query — the total, pages by relevance or by date, facets, trends,
 * exports, alerts — goes through here (search.ts `execute`), which is what makes them agree.
 *
 * Keyword queries: the match tree is evaluated as sets (rarest list first, the others only
 * checked for the survivors, block by block), then the ranking lists score exactly those
 * documents. Long queries (questions): term at a time into an accumulator with one bit per
 * optional word, a document matching when it holds `minShould` of them; when only the top k by
 * score is wanted, MaxScore may stop scoring documents that cannot reach it (the count is then
 * a lower bound and says so).
 */
import type { Segment } from './segment.ts';
import type { Plan } from './query/plan.ts';
import { segmentContext } from './query/node.ts';
import { decodeDocs, difference, type DocSet } from './query/docset.ts';
import { accumulate, accumulateDecoded, accState, scoreCandidates, scoreCandidatesDecoded, listBound, type ScoreParams } from './scoring.ts';
import type { DecodedList } from './list-cache.ts';
import { NO_DAY } from './fields.ts';
import { TopK } from './topk.ts';
import type { SegmentMatches } from './collect/collector.ts';

export interface Filters {
  fromDay?: number;
  toDay?: number;
  sources?: Set<string>;
  categories?: Set<string>;
}

/** What the executor prepared for all segments: list ordinals per segment and idfs. */
export interface Prepared {
  plan: Plan;
  /** Per list: the idf it scores with (0: not scored). */
  idfs: number[];
  params: ScoreParams;
  avgLen: number[];
  /** Long queries: how many optional words a match holds (search.ts `execute` decides). */
  minShould: number;
}

export interface SegmentInput {
  seg: Segment;
  /** Per list: its ordinal in this segment (−1 absent). */
  ords: Int32Array;
  norms?: Float32Array;
  /** A list decoded for scoring, from the list cache when it has it (may decode and keep it). */
  decoded?(ord: number): DecodedList | undefined;
  /** A cached decoded list, if any (no side effects). */
  peek?(ord: number): DecodedList | undefined;
}

export interface MatchOptions {
  scores: boolean;
  /** Only the top k by score is wanted: pruning allowed. */
  topK?: number;
}

// Scratch arrays shared by all queries of the process (queries run one at a time: search is
// synchronous). The accumulator is kept all-zero between queries: each query clears what it
// touched.
function scratch<T extends { length: number }>(make: (n: number) => T): (n: number) => T {
  let arr = make(0);
  return (n) => {
    if (arr.length < n) arr = make(Math.max(n, 1024));
    return arr;
  };
}
/** The accumulator (kept all-zero between queries), the documents it touched, and word bits. */
const acc = scratch((n) => new Float32Array(n));
const touchedArr = scratch((n) => new Int32Array(n));
const maskArr = scratch((n) => new Uint32Array(n));
/** MaxScore's surviving candidates. */
const candArr = scratch((n) => new Int32Array(n));
/** Matches of a long query handed to the collectors (read before the next segment is matched). */
const pickedArr = scratch((n) => new Int32Array(n));
const pickedScoresArr = scratch((n) => new Float32Array(n));

/** Allowed ordinals of a column under a name filter (undefined: no filter). */
function allowed(names: string[], filter: Set<string> | undefined): Uint8Array | undefined {
  if (!filter) return undefined;
  const a = new Uint8Array(names.length + 1);
  for (let i = 0; i < names.length; i++) if (filter.has(names[i])) a[i + 1] = 1;
  return a;
}

/** A predicate for deletions and filters (undefined when nothing is filtered). */
function validity(seg: Segment, filters: Filters): ((d: number) => boolean) | undefined {
  const del = seg.deleted;
  const hasDate = filters.fromDay !== undefined || filters.toDay !== undefined;
  const fromDay = filters.fromDay ?? -Infinity;
  const toDay = filters.toDay ?? Infinity;
  const srcOk = allowed(seg.header.sources, filters.sources);
  const catOk = allowed(seg.header.categories, filters.categories);
  if (!del && !hasDate && !srcOk && !catOk) return undefined;
  const day = seg.day;
  return (d) => {
    if (del !== undefined && (del[d >> 3] & (1 << (d & 7))) !== 0) return false;
    if (hasDate) {
      const dd = day[d];
      if (dd === NO_DAY || dd < fromDay || dd > toDay) return false;
    }
    if (srcOk !== undefined && !srcOk[seg.src[d]]) return false;
    if (catOk !== undefined && !catOk[seg.cat[d]]) return false;
    return true;
  };
}

function filterDocs(docs: DocSet, ok: ((d: number) => boolean) | undefined): DocSet {
  if (!ok) return docs;
  const out = new Int32Array(docs.length);
  let n = 0;
  for (let i = 0; i < docs.length; i++) if (ok(docs[i])) out[n++] = docs[i];
  return out.subarray(0, n);
}

/** The documents of one segment matching the plan; `exact` false when pruning skipped some. */
/** Scores of a few documents of one segment (a page of hits ordered otherwise). */
export function scoreSome(p: Prepared, input: SegmentInput, docs: DocSet): Float32Array {
  return scoreDocs(p, input, docs);
}

export function matchSegment(p: Prepared, input: SegmentInput, filters: Filters, opts: MatchOptions): SegmentMatches & { exact: boolean } {
  const { plan } = p;
  const { seg } = input;
  const ctx = segmentContext(seg, (ord) => input.peek?.(ord)?.docs ?? decodeDocs(seg, ord));
  const ok = validity(seg, filters);
  if (!plan.long) {
    if (!plan.must) return { docs: new Int32Array(0), exact: true };
    let docs = plan.must.docs(ctx);
    for (const x of plan.exclude) if (docs.length) docs = difference(docs, x.docs(ctx, docs));
    docs = filterDocs(docs, ok);
    if (!opts.scores || docs.length === 0) return { docs, exact: true };
    return { docs, scores: scoreDocs(p, input, docs, opts.topK), exact: true };
  }
  return matchLong(p, input, ctx, ok, opts);
}

/**
 * BM25F scores of `docs` (ascending) over the plan's ranking lists. With `topK`, lists are taken
 * in decreasing order of their score bound and, once the lists left cannot lift a document to
 * the k-th best partial score, such documents are no longer scored (MaxScore on a conjunctive
 * set): their scores stay partial, below the final k-th best, so the top k is exact while
 * every document still counts as a match.
 */
function scoreDocs(p: Prepared, input: SegmentInput, docs: DocSet, topK?: number): Float32Array {
  const { seg, ords, norms } = input;
  const a = acc(seg.docCount);
  const touched = touchedArr(seg.docCount);
  const lists = p.plan.lists;
  const order: number[] = [];
  for (let i = 0; i < lists.length; i++) if (ords[i] >= 0 && p.idfs[i] > 0) order.push(i);
  const bounds = new Float64Array(lists.length);
  let rem = 0;
  if (topK !== undefined) {
    for (const i of order) rem += bounds[i] = lists[i].weight * p.idfs[i] * listBound(seg, ords[i], p.params, p.avgLen) * (1 + 1e-5);
    order.sort((x, y) => bounds[y] - bounds[x]);
  }
  let cur = docs;
  let checks = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    const ord = ords[i];
    const w = lists[i].weight * p.idfs[i];
    const df = seg.df(ord);
    const dl = input.decoded?.(ord);
    if (dl) {
      // A decoded list: a merge of two ascending sequences touches only the candidates.
      scoreCandidatesDecoded(dl, w, p.params, a, cur, cur.length);
    } else if (cur.length * 16 < df) {
      // Few documents next to a long list: score only them, jumping over blocks.
      scoreCandidates(seg, ord, w, norms!, p.params, a, cur, cur.length);
    } else {
      const nt = dl ? accumulateDecoded(dl, w, p.params, a, undefined, 0, touched, 0) : accumulate(seg, ord, w, norms!, p.params, a, undefined, 0, touched, 0);
      // Keep the candidates' scores; clear the others this list touched.
      const keep = new Float32Array(cur.length);
      for (let x = 0; x < cur.length; x++) keep[x] = a[cur[x]];
      for (let x = 0; x < nt; x++) a[touched[x]] = 0;
      for (let x = 0; x < cur.length; x++) a[cur[x]] = keep[x];
    }
    rem -= bounds[i];
    if (topK !== undefined && checks < 2 && j + 1 < order.length && cur.length > 4 * topK) {
      checks++;
      const top = new TopK(topK);
      for (let x = 0; x < cur.length; x++) {
        const sc = a[cur[x]];
        if (sc > top.threshold) top.push(sc, 0, 0);
      }
      const theta = top.size < topK ? 0 : top.threshold;
      if (theta > 0) {
        const next = new Int32Array(cur.length);
        let n = 0;
        for (let x = 0; x < cur.length; x++) if (a[cur[x]] + rem >= theta) next[n++] = cur[x];
        cur = next.subarray(0, n);
      }
    }
  }
  const scores = new Float32Array(docs.length);
  for (let x = 0; x < docs.length; x++) {
    scores[x] = a[docs[x]];
    a[docs[x]] = 0;
  }
  return scores;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Long queries: term at a time with one bit per optional word (see the file comment). */
function matchLong(p: Prepared, input: SegmentInput, ctx: ReturnType<typeof segmentContext>, ok: ((d: number) => boolean) | undefined, opts: MatchOptions): SegmentMatches & { exact: boolean } {
  const { plan, idfs, params } = p;
  const { seg, ords, norms } = input;
  const n = seg.docCount;
  const lists = plan.lists;
  // Required part and exclusions as membership bytes.
  let required: Uint8Array | undefined;
  if (plan.must) {
    required = new Uint8Array(n);
    for (const d of plan.must.docs(ctx)) required[d] = 1;
  }
  let excluded: Uint8Array | undefined;
  for (const x of plan.exclude) {
    excluded ??= new Uint8Array(n);
    for (const d of x.docs(ctx)) excluded[d] = 1;
  }
  const minShould = p.minShould;
  const valid = (d: number): boolean => (ok === undefined || ok(d)) && (required === undefined || required[d] === 1) && (excluded === undefined || excluded[d] === 0);
  const a = acc(n);
  const touched = touchedArr(n);
  const mask = maskArr(n);
  let nt = 0;
  const bitOf = (i: number): number => (lists[i].counts && lists[i].unit >= 0 && lists[i].unit < 31 ? 1 << lists[i].unit : 0);
  const order: number[] = [];
  for (let i = 0; i < lists.length; i++) if (ords[i] >= 0 && idfs[i] > 0) order.push(i);
  const bounds = new Float64Array(lists.length);
  for (const i of order) bounds[i] = lists[i].weight * idfs[i] * listBound(seg, ords[i], params, p.avgLen) * (1 + 1e-5);
  order.sort((x, y) => bounds[y] - bounds[x]);
  let rem = 0;
  for (const i of order) rem += bounds[i];
  const k = opts.topK;
  const canPrune = k !== undefined && process.env.TRA_NOPRUNE !== '1';
  accState.max = 0;
  let pruned = false;
  let prunedAt = 0;
  let theta = 0;
  let checks = 0;
  let remAtCheck = Infinity;
  /**
   * The k-th best partial score among the touched documents, whether or not they hold enough
   * words yet: optimistic (a document may still fail the minimum), so the result is checked
   * after collection — if fewer than k matches reach it, the segment is matched again without
   * pruning. Counting only documents that already hold enough words would be safe but far lower
   * early on (few documents have three words after the first lists), and would prune little.
   */
  const kthBest = (): number => {
    if (nt < k!) return 0;
    const top = new TopK(k!);
    for (let x = 0; x < nt; x++) {
      const d = touched[x];
      const s = a[d];
      if (s > top.threshold && valid(d)) top.push(s, 0, 0);
    }
    return top.size < k! ? 0 : top.threshold;
  };
  let j = 0;
  for (; j < order.length; j++) {
    const i = order[j];
    if (canPrune && theta !== Infinity && j > 0 && rem < accState.max && (rem < theta || (checks < 3 && rem <= 0.7 * remAtCheck))) {
      if (rem >= theta) {
        theta = kthBest();
        checks++;
        remAtCheck = rem;
      }
      if (rem < theta) {
        let nc = 0;
        const cands = candArr(nt);
        for (let x = 0; x < nt; x++) {
          const d = touched[x];
          if (a[d] + rem >= theta && valid(d)) cands[nc++] = d;
        }
        let remDf = 0;
        for (let x = j; x < order.length; x++) remDf += seg.df(ords[order[x]]);
        if (nc * 16 < remDf) {
          cands.subarray(0, nc).sort();
          for (; j < order.length; j++) {
            const li = order[j];
            const w = lists[li].weight * idfs[li];
            const dl = input.decoded?.(ords[li]);
            if (dl) scoreCandidatesDecoded(dl, w, params, a, cands, nc, mask, bitOf(li));
            else scoreCandidates(seg, ords[li], w, norms!, params, a, cands, nc, mask, bitOf(li));
          }
          pruned = true;
          prunedAt = theta;
          break;
        }
        checks = 3;
        theta = Infinity;
      }
    }
    const dl = input.decoded?.(ords[i]);
    const w = lists[i].weight * idfs[i];
    const bit = bitOf(i);
    nt = dl ? accumulateDecoded(dl, w, params, a, bit ? mask : undefined, bit, touched, nt) : accumulate(seg, ords[i], w, norms!, params, a, bit ? mask : undefined, bit, touched, nt);
    rem -= bounds[i];
  }
  // Collect (in the order first touched: no collector needs document order) into scratch
  // arrays the collectors read at once, clearing the accumulator and bits on the way.
  const picked = pickedArr(nt);
  const pickedScores = pickedScoresArr(nt);
  let np = 0;
  const plainCheck = ok === undefined && required === undefined && excluded === undefined;
  if (plainCheck && minShould >= 2) {
    // The usual question: only the words' bits to check.
    for (let x = 0; x < nt; x++) {
      const d = touched[x];
      const m = mask[d];
      const s = a[d];
      a[d] = 0;
      if (m === 0) continue;
      mask[d] = 0;
      if ((m & (m - 1)) !== 0 && popcount(m) >= minShould) {
        pickedScores[np] = s;
        picked[np++] = d;
      }
    }
  } else {
    for (let x = 0; x < nt; x++) {
      const d = touched[x];
      const m = mask[d];
      const s = a[d];
      a[d] = 0;
      mask[d] = 0;
      if ((minShould <= 1 ? m !== 0 || minShould === 0 : popcount(m) >= minShould) && (plainCheck || valid(d))) {
        pickedScores[np] = s;
        picked[np++] = d;
      }
    }
  }
  const docs = picked.subarray(0, np);
  const scores = opts.scores ? pickedScores.subarray(0, np) : undefined;
  if (pruned) {
    // Exact only if k matches reached the threshold the pruning assumed (see kthBest).
    let reached = 0;
    for (let x = 0; x < np && reached < k!; x++) if (pickedScores[x] >= prunedAt) reached++;
    if (reached < k!) return matchLong(p, input, ctx, ok, { scores: opts.scores });
  }
  return { docs, scores, exact: !pruned };
}
