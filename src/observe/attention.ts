/**
 * Attention over time for any query: documents matching it per day, week or month, absolute and
 * as a share of everything published in the same bucket (as Media Cloud and Google Trends
 * normalise), overall and per source; and the words and phrases that characterise a result set.
 *
 * Matching is the engine's (`Engine.trends`, src/engine/trends.ts); the bucket totals come from
 * the observatory's day table (./counts.ts). The two count the same documents, except that the
 * observatory counts an article once across its URL forms (canonicalArticleKey), so shares can
 * be a fraction of a percent high for outlets that list articles twice.
 */
import type { ObserveCounts } from './counts.ts';
import { dayOfIso, isoOfDay } from './counts.ts';
import { observedText, termsOf, type TextDoc } from './terms.ts';
import { boundRange, bucketCount, checkBuckets } from './bounds.ts';
import { bucketOf } from '../engine/trends.ts';

export type Interval = 'day' | 'week' | 'month';

/** What attention needs from the engine (src/engine `Engine` satisfies it). */
export interface TrendsSource {
  trends(req: { query: string; interval?: Interval; from?: string; to?: string; sources?: string[] }): {
    total: number;
    buckets: { start: string; count: number }[];
  };
}

export interface AttentionRequest {
  query: string;
  interval?: Interval;
  from?: string;
  to?: string;
  /** Also give one series per source. */
  bySource?: boolean;
}

export interface AttentionBucket {
  start: string;
  /** Documents matching the query. */
  count: number;
  /** All documents in the bucket (of this source, for a per-source series). */
  total: number;
  /** count / total (0 when the bucket is empty). */
  share: number;
  /** Days of the bucket without collection (absent when none): a gap, not a lack of attention. */
  gap_days?: number;
}

export interface AttentionSeries {
  total: number;
  buckets: AttentionBucket[];
}

export interface AttentionResult extends AttentionSeries {
  query: string;
  interval: Interval;
  sources?: (AttentionSeries & { source: string })[];
}

/** The first day of the bucket holding `day` (weeks start on Monday): the engine's buckets. */
export const bucketStart = bucketOf;

function bucketEnd(start: number, interval: Interval): number {
  if (interval === 'day') return start;
  if (interval === 'week') return start + 6;
  const d = new Date(start * 86_400_000);
  return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 86_400_000) - 1;
}

function withShares(buckets: { start: string; count: number }[], interval: Interval, totalsOf: (from: number, to: number) => Float64Array, coverageOf?: (from: number, to: number) => Uint8Array): AttentionBucket[] {
  if (buckets.length === 0) return [];
  const first = dayOfIso(buckets[0].start);
  const last = bucketEnd(dayOfIso(buckets[buckets.length - 1].start), interval);
  // The day totals are one array over the whole axis: never longer than the bounded axis allows.
  if (!(last >= first)) return buckets.map((b) => ({ start: b.start, count: b.count, total: 0, share: 0 }));
  checkBuckets(bucketCount(first, last, interval), interval);
  const days = totalsOf(first, last);
  const covered = coverageOf?.(first, last);
  return buckets.map((b) => {
    const s = dayOfIso(b.start);
    const e = bucketEnd(s, interval);
    let total = 0;
    let gaps = 0;
    for (let d = Math.max(s, first); d <= Math.min(e, last); d++) {
      total += days[d - first];
      if (covered && !covered[d - first]) gaps++;
    }
    const out: AttentionBucket = { start: b.start, count: b.count, total, share: total > 0 ? b.count / total : 0 };
    // Days without collection in the bucket: its count is not "no attention" (a gap, not a zero).
    if (gaps) out.gap_days = gaps;
    return out;
  });
}

/**
 * Attention for `req.query`: the engine's matching counts with each bucket's total volume. The
 * range is bounded first (./bounds.ts: real dates, clamped into the plausible window, at most
 * MAX_BUCKETS buckets), and so is every axis the engine answers with.
 */
export function attention(engine: TrendsSource, counts: ObserveCounts, req: AttentionRequest): AttentionResult {
  const interval = req.interval ?? 'day';
  const range = boundRange({ from: req.from, to: req.to, interval });
  req = { ...req, from: range.from, to: range.to };
  const base = engine.trends({ query: req.query, interval, from: req.from, to: req.to });
  const out: AttentionResult = {
    query: req.query,
    interval,
    total: base.total,
    buckets: withShares(base.buckets, interval, (a, b) => counts.totals(a, b), (a, b) => counts.coverage(a, b)),
  };
  if (req.bySource) {
    // Same buckets for every source, so the series line up.
    const from = req.from ?? base.buckets[0]?.start;
    const to = req.to ?? (base.buckets.length ? isoOfDay(bucketEnd(dayOfIso(base.buckets[base.buckets.length - 1].start), interval)) : undefined);
    out.sources = counts.sources().map(({ source }) => {
      const r = engine.trends({ query: req.query, interval, from, to, sources: [source] });
      return { source, total: r.total, buckets: withShares(r.buckets, interval, (a, b) => counts.sourceTotals(source, a, b)) };
    });
    out.sources.sort((a, b) => b.total - a.total);
  }
  return out;
}

export interface KeyTerm {
  term: string;
  /** Documents of the set mentioning it. */
  count: number;
  /** Share of the set mentioning it / share of all documents mentioning it. */
  lift: number;
  /** Dunning's log-likelihood ratio G² against all documents: how surprising the count is. */
  score: number;
}

function xlogx(x: number): number {
  return x > 0 ? x * Math.log(x) : 0;
}

/**
 * G² of a 2×2 table (Dunning, "Accurate methods for the statistics of surprise and coincidence",
 * 1993): term in / not in, set / rest.
 */
export function logLikelihood(a: number, b: number, c: number, d: number): number {
  const n = a + b + c + d;
  return 2 * (xlogx(a) + xlogx(b) + xlogx(c) + xlogx(d) - xlogx(a + b) - xlogx(c + d) - xlogx(a + c) - xlogx(b + d) + xlogx(n));
}

/**
 * The words and phrases that characterise a set of documents against everything counted:
 * terms over-represented in the set (lift > 1), ranked by G², at least `minCount` documents.
 * A syllable mostly seen inside one listed pair is left to the pair.
 */
export function keyTerms(docs: TextDoc[], counts: ObserveCounts, opts: { limit?: number; minCount?: number } = {}): KeyTerm[] {
  const limit = opts.limit ?? 20;
  const minCount = opts.minCount ?? 2;
  const inSet = new Map<string, number>();
  for (const d of docs) for (const t of termsOf(observedText(d))) inSet.set(t, (inSet.get(t) ?? 0) + 1);
  const nSet = docs.length;
  const nAll = Math.max(nSet, counts.documents());
  const scored: KeyTerm[] = [];
  for (const [term, a] of inSet) {
    if (a < minCount) continue;
    // The set is part of all documents; the rest is everything else.
    const df = Math.max(a, counts.documentFrequency(term));
    const c = df - a;
    const rest = Math.max(1, nAll - nSet);
    const lift = a / nSet / (df / nAll);
    if (lift <= 1) continue;
    scored.push({ term, count: a, lift, score: logLikelihood(a, nSet - a, c, rest - c) });
  }
  scored.sort((x, y) => y.score - x.score);
  const out: KeyTerm[] = [];
  const pairs = new Map<string, number>();
  for (const s of scored) if (s.term.includes(' ')) for (const w of s.term.split(' ')) pairs.set(w, Math.max(pairs.get(w) ?? 0, s.count));
  for (const s of scored) {
    if (out.length >= limit) break;
    if (!s.term.includes(' ') && (pairs.get(s.term) ?? 0) >= 0.5 * s.count) continue;
    out.push({ term: s.term, count: s.count, lift: Math.round(s.lift * 100) / 100, score: Math.round(s.score * 10) / 10 });
  }
  return out;
}
