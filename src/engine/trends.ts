/**
 * Attention over time: how many documents match a query per day, week (Monday first) or month,
 * counted straight from the postings and the per-document day column (Asia/Ho_Chi_Minh).
 *
 * Matching is stricter than ranked search: every word must occur (its exact form when typed
 * with marks, else any accent variant) and adjacent words must be adjacent (their bigram), so
 * `Hà Nội` counts documents that mention Hà Nội, not those with "hà" somewhere and "nội"
 * elsewhere. Deleted documents are not counted.
 */
import type { Segment } from './segment.ts';
import { parseQuery } from './query.ts';
import { markDocs } from './scoring.ts';
import { NO_DAY, dayOfDate, dayToIso } from './fields.ts';

export type Interval = 'day' | 'week' | 'month';

export interface TrendsRequest {
  query: string;
  interval?: Interval;
  from?: string;
  to?: string;
  sources?: string[];
}

export interface TrendsResponse {
  query: string;
  interval: Interval;
  total: number;
  buckets: { start: string; count: number }[];
}

/** Keys a document must all contain to count. */
export function trendKeys(query: string): string[] {
  const p = parseQuery(query);
  const keys: string[] = [];
  const groups = [p.words, ...p.phrases];
  for (const g of groups) {
    for (let i = 0; i < g.length; i++) {
      const t = g[i];
      keys.push(t.accented ? 'e' + t.norm : 'f' + t.folded);
      if (i > 0 && !t.gap) keys.push('b' + g[i - 1].folded + ' ' + t.folded);
    }
  }
  return [...new Set(keys)].slice(0, 31);
}

function bucketOf(day: number, interval: Interval): number {
  if (interval === 'day') return day;
  if (interval === 'week') return day - ((day + 3) % 7); // 1970-01-01 was a Thursday
  const d = new Date(day * 86400000);
  return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 86400000);
}

function nextBucket(b: number, interval: Interval): number {
  if (interval === 'day') return b + 1;
  if (interval === 'week') return b + 7;
  const d = new Date(b * 86400000);
  return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 86400000);
}

export function trends(segments: Segment[], req: TrendsRequest): TrendsResponse {
  const interval: Interval = req.interval ?? 'day';
  const keys = trendKeys(req.query);
  const fromDay = req.from ? dayOfDate(req.from) : -Infinity;
  const toDay = req.to ? dayOfDate(req.to) : Infinity;
  const srcFilter = req.sources && req.sources.length ? new Set(req.sources) : undefined;
  const counts = new Map<number, number>();
  let total = 0;
  if (keys.length) {
    for (const seg of segments) {
      const ords = keys.map((k) => seg.lookup(k));
      if (ords.some((o) => o < 0)) continue;
      const n = seg.docCount;
      const full = (2 ** keys.length - 1) | 0;
      const marks = new Uint32Array(n);
      // Rarest list first would allow skipping; marking is already linear and cheap here.
      ords.forEach((o, j) => markDocs(seg, o, marks, 1 << j));
      const srcOk = srcFilter ? seg.header.sources.map((s) => srcFilter.has(s)) : undefined;
      for (let d = 0; d < n; d++) {
        if ((marks[d] | 0) !== full) continue;
        if (seg.isDeleted(d)) continue;
        const day = seg.day[d];
        if (day === NO_DAY || day < fromDay || day > toDay) continue;
        if (srcOk && !(seg.src[d] > 0 && srcOk[seg.src[d] - 1])) continue;
        const b = bucketOf(day, interval);
        counts.set(b, (counts.get(b) ?? 0) + 1);
        total++;
      }
    }
  }
  const buckets: { start: string; count: number }[] = [];
  let first = Number.isFinite(fromDay) ? bucketOf(fromDay, interval) : Infinity;
  let last = Number.isFinite(toDay) ? bucketOf(toDay, interval) : -Infinity;
  for (const b of counts.keys()) {
    if (!Number.isFinite(fromDay)) first = Math.min(first, b);
    if (!Number.isFinite(toDay)) last = Math.max(last, b);
  }
  if (Number.isFinite(first) && Number.isFinite(last)) {
    for (let b = first; b <= last; b = nextBucket(b, interval)) buckets.push({ start: dayToIso(b), count: counts.get(b) ?? 0 });
  }
  return { query: req.query, interval, total, buckets };
}
