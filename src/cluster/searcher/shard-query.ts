/**
 * One shard's answers, computed over the segments a searcher holds for it (the engine's segment
 * reader, matcher and collectors; nothing re-implemented): its statistics for planning and
 * scoring, and its partial results — top k with scores, count, facets, day histogram — computed
 * with the global statistics the coordinator sends.
 */
import type { Segment } from '../../engine/segment.ts';
import { execute, filtersOf, scorePage } from '../../engine/search.ts';
import { DEFAULT_PARAMS } from '../../engine/scoring.ts';
import { TermNode } from '../../engine/query/term.ts';
import { segmentContext } from '../../engine/query/node.ts';
import { decodeDocs } from '../../engine/query/docset.ts';
import { CountCollector } from '../../engine/collect/count.ts';
import { TopScoreCollector } from '../../engine/collect/top-score.ts';
import { TopDateCollector } from '../../engine/collect/top-date.ts';
import { FacetCollector } from '../../engine/collect/facets.ts';
import { DayHistogramCollector } from '../../engine/collect/day-histogram.ts';
import type { Collector } from '../../engine/collect/collector.ts';
import { dataSpan } from '../../engine/trends.ts';
import { planFromMemo, type ShardSearchRequest, type ShardSearchResponse, type StatsRequest, type StatsResponse } from './protocol.ts';

/** As the engine's `adjacency` (src/engine/index.ts): per segment, at most this many documents of the rarer syllable. */
const ADJACENCY_SAMPLE = 4096;
/** As the engine's `expand`: terms scanned per segment for one prefix. */
const EXPAND_SCAN = 5000;

export function shardStats(segments: Segment[], generation: number, req: StatsRequest): StatsResponse {
  let docs = 0;
  const sumLen = [0, 0, 0];
  for (const s of segments) {
    docs += s.docCount;
    for (let f = 0; f < 3; f++) sumLen[f] += s.sumLen(f);
  }
  const df = req.df.map((key) => {
    let n = 0;
    for (const seg of segments) {
      const o = seg.lookup(key);
      if (o >= 0) n += seg.df(o);
    }
    return n;
  });
  const expand = req.expand.map((prefixKey) => {
    const found = new Map<string, number>();
    for (const seg of segments) {
      let i = seg.lowerBound(prefixKey);
      let scanned = 0;
      while (i < seg.nTerms && scanned < EXPAND_SCAN) {
        const t = seg.term(i);
        if (!t.startsWith(prefixKey)) break;
        found.set(t, (found.get(t) ?? 0) + seg.df(i));
        i++;
        scanned++;
      }
    }
    return [...found.entries()];
  });
  const adjacency = req.adjacency.map(([a, b, pair]): [number, number] => {
    let both = 0;
    let side = 0;
    const [ta, tb, tp] = [new TermNode(a), new TermNode(b), new TermNode(pair)];
    for (const seg of segments) {
      const ctx = segmentContext(seg, (ord) => decodeDocs(seg, ord));
      const [rarer, other] = ta.cost(ctx) <= tb.cost(ctx) ? [ta, tb] : [tb, ta];
      let d = rarer.docs(ctx);
      if (d.length === 0) continue;
      if (d.length > ADJACENCY_SAMPLE) {
        const step = d.length / ADJACENCY_SAMPLE;
        const src = d;
        d = Int32Array.from({ length: ADJACENCY_SAMPLE }, (_, i) => src[Math.floor(i * step)]);
      }
      d = other.docs(ctx, d);
      both += d.length;
      if (d.length) side += tp.docs(ctx, d).length;
    }
    return [both, side];
  });
  const [lo, hi] = dataSpan(segments);
  return { shard: req.shard, generation, docs, sumLen, span: Number.isFinite(lo) ? [lo, hi] : null, df, expand, adjacency };
}

export function shardSearch(segments: Segment[], generation: number, req: ShardSearchRequest): ShardSearchResponse {
  // Trends count matches and score nothing: the coordinator leaves out the dfs of a keyword
  // query's lists (planFromMemo); they are then 0 here, which changes no match (only ranking).
  const { plan, misses } = planFromMemo(req.query, req.memo, { scores: req.mode !== 'trends' });
  if (misses) throw new Error(`the plan memo misses ${JSON.stringify(misses).slice(0, 200)}`);
  const out: ShardSearchResponse = { shard: req.shard, generation, total: 0, exact: true, hits: [] };
  if (!plan.must && plan.should === 0) return out;
  const filters = filtersOf(req.filters);
  const given = { stats: { N: req.N, avgLen: req.avgLen }, dfs: plan.lists.map((l) => req.memo.df[l.key] ?? 0) };
  const params = DEFAULT_PARAMS;
  if (req.mode === 'trends') {
    const hist = new DayHistogramCollector();
    execute(segments, plan, params, filters, [hist], given);
    let total = hist.undated;
    for (const c of hist.days.values()) total += c;
    return { ...out, total, days: [...hist.days.entries()], undated: hist.undated };
  }
  const count = new CountCollector();
  const byDate = req.mode === 'date';
  const topScore = byDate ? undefined : new TopScoreCollector(req.k);
  const topDate = byDate ? new TopDateCollector(req.k) : undefined;
  const facets = req.facets ? new FacetCollector() : undefined;
  const collectors: Collector[] = [(topScore ?? topDate)!, count];
  if (facets) collectors.push(facets);
  const ex = execute(segments, plan, params, filters, collectors, given);
  out.total = count.total;
  out.exact = ex.exact;
  if (topDate) {
    // Every kept entry (ties on time are ordered by id at the coordinator), with its relevance score.
    const ranked = topDate.results(() => '');
    const scores = scorePage(segments, plan, params, ex, ranked);
    out.hits = ranked.map((r, i) => ({ seq: segments[r.seg].seq[r.doc], score: scores[i], time: Number.isNaN(r.time) || r.time <= -8e15 ? null : r.time }));
  } else {
    out.hits = topScore!.results().map((r) => {
      const t = segments[r.seg].time[r.doc];
      return { seq: segments[r.seg].seq[r.doc], score: r.score, time: Number.isNaN(t) ? null : t };
    });
  }
  if (facets) out.facets = { sources: [...facets.sources.entries()], categories: [...facets.categories.entries()] };
  return out;
}
