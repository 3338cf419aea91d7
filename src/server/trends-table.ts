/**
 * Several attention series side by side: one shared column of bucket starts (from the earliest
 * to the latest bucket of any series, zeros filled in) and one count column per query. Used by
 * the chart, the table, and the CSV and JSON downloads.
 */
import type { Interval, TrendsResponse } from './backend.ts';
import { MAX_BUCKETS, bucketCount, checkBuckets, type Audience } from '../observe/bounds.ts';
import { dayOfIso } from '../observe/counts.ts';

export interface TrendsTable {
  interval: Interval;
  queries: string[];
  totals: number[];
  starts: string[];
  /** counts[i][j]: matches of query i in bucket j. */
  counts: number[][];
}

function addStep(day: string, interval: Interval): string {
  const d = new Date(day + 'T00:00:00Z');
  if (interval === 'day') d.setUTCDate(d.getUTCDate() + 1);
  else if (interval === 'week') d.setUTCDate(d.getUTCDate() + 7);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
}

const DAY = /^\d{4}-\d{2}-\d{2}/;

/**
 * Line the series up on one calendar. The shared axis may hold at most MAX_BUCKETS buckets (one
 * more is a 400 that suggests a coarser interval), so neither the table nor the page built from
 * it can grow past that, whatever the series span.
 */
export function alignSeries(series: TrendsResponse[], interval: Interval, who: Audience = 'api'): TrendsTable {
  const starts = new Set<string>();
  for (const s of series) {
    checkBuckets(s.buckets.length, interval, who);
    for (const b of s.buckets) starts.add(b.start.slice(0, 10));
  }
  const sorted = [...starts].filter((s) => DAY.test(s)).sort();
  const all: string[] = [];
  if (sorted.length > 0) {
    const last = sorted[sorted.length - 1];
    checkBuckets(bucketCount(dayOfIso(sorted[0]), dayOfIso(last), interval), interval, who);
    // Walk the calendar so buckets no series has are still there (as zeros). If a series uses
    // bucket starts our step does not reach, keep them too (the sort below merges them in).
    let cur = sorted[0];
    while (cur <= last && all.length < MAX_BUCKETS) {
      all.push(cur);
      cur = addStep(cur, interval);
    }
    const seen = new Set(all);
    for (const s of sorted) if (!seen.has(s)) all.push(s);
    all.sort();
  }
  const index = new Map(all.map((s, i) => [s, i]));
  const counts = series.map((s) => {
    const row = new Array<number>(all.length).fill(0);
    for (const b of s.buckets) {
      const i = index.get(b.start.slice(0, 10));
      if (i !== undefined) row[i] += b.count;
    }
    return row;
  });
  return { interval, queries: series.map((s) => s.query), totals: series.map((s) => s.total), starts: all, counts };
}

function csvCell(s: string): string {
  // Quote when needed; a leading = + - @ is neutralised so spreadsheets never run it as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) ? "'" + s : s;
  return /[",\n\r]/.test(safe) ? '"' + safe.replace(/"/g, '""') + '"' : safe;
}

/** What the numbers of a table are: articles, or percent of all articles in the bucket. */
export type TrendsUnit = 'count' | 'percent';

/**
 * CSV with a Vietnamese header row ("ngày bắt đầu", then one column per query, marked "(%)" when
 * the numbers are shares); dates stay ISO (YYYY-MM-DD) and numbers use a dot, as files should.
 */
export function toCsv(t: TrendsTable, unit: TrendsUnit = 'count'): string {
  const lines = [['ngày bắt đầu', ...t.queries.map((q) => (unit === 'percent' ? `${q} (%)` : q))].map(csvCell).join(',')];
  for (let j = 0; j < t.starts.length; j++) lines.push([t.starts[j], ...t.counts.map((c) => String(c[j]))].join(','));
  return lines.join('\r\n') + '\r\n';
}
