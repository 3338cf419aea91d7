/**
 * Attention over time: how many documents match a query per day, week (Monday first) or month,
 * in Asia/Ho_Chi_Minh days. The documents are exactly those `search` matches for the same query
 * and filters (the same plan, matcher and match set: search.ts `execute`), counted by a day
 * histogram collector; no document is loaded.
 *
 * The axis is bounded: it runs over the buckets between the first and last day that hold a
 * match, or between `from` and `to`; a range longer than MAX_AXIS_DAYS is clamped to the span
 * of days the index holds (its earliest and latest dated document) and to MAX_AXIS_DAYS. Days
 * come only from plausible publication dates (src/ingest/plausible.ts).
 */
import type { Segment } from './segment.ts';
import type { Plan } from './query/plan.ts';
import type { ScoreParams } from './scoring.ts';
import { NO_DAY, dayOfDate, dayToIso } from './fields.ts';
import { execute, filtersOf } from './search.ts';
import { DayHistogramCollector } from './collect/day-histogram.ts';

export type Interval = 'day' | 'week' | 'month';

export interface TrendsRequest {
  query: string;
  interval?: Interval;
  from?: string;
  to?: string;
  sources?: string[];
  categories?: string[];
}

export interface TrendsResponse {
  query: string;
  interval: Interval;
  total: number;
  buckets: { start: string; count: number }[];
  /** Matching documents without a (plausible) publication day: in `total`, in no bucket. */
  undated?: number;
}

/** The first day of the bucket holding `day` (weeks start on Monday). */
export function bucketOf(day: number, interval: Interval): number {
  if (interval === 'day') return day;
  if (interval === 'week') return day - ((((day + 3) % 7) + 7) % 7); // 1970-01-01 was a Thursday
  const d = new Date(day * 86400000);
  return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 86400000);
}

export function nextBucket(b: number, interval: Interval): number {
  if (interval === 'day') return b + 1;
  if (interval === 'week') return b + 7;
  const d = new Date(b * 86400000);
  return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 86400000);
}

const spanCache = new WeakMap<Segment, [number, number]>();

/** The earliest and latest day of the segments' dated documents ([Infinity, -Infinity] if none). */
export function dataSpan(segments: Segment[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const seg of segments) {
    let s = spanCache.get(seg);
    if (!s) {
      let a = Infinity;
      let b = -Infinity;
      const day = seg.day;
      for (let d = 0; d < seg.docCount; d++) {
        const x = day[d];
        if (x === NO_DAY) continue;
        if (x < a) a = x;
        if (x > b) b = x;
      }
      s = [a, b];
      spanCache.set(seg, s);
    }
    if (s[0] < lo) lo = s[0];
    if (s[1] > hi) hi = s[1];
  }
  return [lo, hi];
}

/**
 * Longest axis drawn as asked (ten years of days); a longer asked range is clamped to the span
 * of the data, and never longer than this.
 */
export const MAX_AXIS_DAYS = 3660;

export function trends(segments: Segment[], plan: Plan, params: ScoreParams, req: TrendsRequest): TrendsResponse {
  const hist = new DayHistogramCollector();
  execute(segments, plan, params, filtersOf(req), [hist]);
  return trendsOfHistogram(hist, dataSpan(segments), req);
}

/**
 * The answer from a day histogram of the matches and the span of days the index holds (cluster
 * mode: the coordinator sums the shards' histograms and takes the widest span).
 */
export function trendsOfHistogram(hist: { days: Map<number, number>; undated: number }, span: [number, number], req: TrendsRequest): TrendsResponse {
  const interval: Interval = req.interval ?? 'day';
  let total = hist.undated;
  for (const c of hist.days.values()) total += c;
  const counts = new Map<number, number>();
  for (const [day, c] of hist.days) {
    const b = bucketOf(day, interval);
    counts.set(b, (counts.get(b) ?? 0) + c);
  }
  // The axis: asked bounds clamped to the data's span; else the first and last match.
  const [spanLo, spanHi] = span;
  let first = Infinity;
  let last = -Infinity;
  for (const b of counts.keys()) {
    if (b < first) first = b;
    if (b > last) last = b;
  }
  const fromDay = req.from ? dayOfDate(req.from) : NaN;
  const toDay = req.to ? dayOfDate(req.to) : NaN;
  if (Number.isFinite(fromDay)) first = bucketOf(fromDay, interval);
  if (Number.isFinite(toDay)) last = bucketOf(toDay, interval);
  // An asked range longer than MAX_AXIS_DAYS is cut to the days the index holds.
  if (Number.isFinite(first) && Number.isFinite(last) && last - first > MAX_AXIS_DAYS) {
    if (Number.isFinite(spanLo) && first < spanLo) first = bucketOf(Math.min(spanLo, last), interval);
    if (Number.isFinite(spanHi) && last > spanHi) last = bucketOf(Math.max(spanHi, first), interval);
    if (last - first > MAX_AXIS_DAYS) last = first + MAX_AXIS_DAYS;
  }
  const buckets: { start: string; count: number }[] = [];
  if (Number.isFinite(first) && Number.isFinite(last)) {
    for (let b = first; b <= last; b = nextBucket(b, interval)) buckets.push({ start: dayToIso(b), count: counts.get(b) ?? 0 });
  }
  const out: TrendsResponse = { query: req.query, interval, total, buckets };
  if (hist.undated) out.undated = hist.undated;
  return out;
}
