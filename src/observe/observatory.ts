/**
 * One handle on a data directory's observatory, for the CLI and the HTTP API alike: catches the
 * daily counts up with the store, then answers emerging issues, attention, forecasts and story
 * clusters with plain typed results. The commands in src/cli/commands and the server's routes are
 * thin layers over these calls.
 */
import { ObserveCounts, dayOfIso, isoOfDay, observedTime } from './counts.ts';
import { syncFromStore, type OnProgress, type SyncResult } from './sync.ts';
import { openDayDocs, type DayDoc, type DayDocs } from './day-docs.ts';
import { emergingOn, type EmergingOptions, type EmergingResult } from './emerging.ts';
import { attention, keyTerms, type AttentionRequest, type AttentionResult, type KeyTerm, type TrendsSource } from './attention.ts';
import { forecastSeries } from './forecast.ts';
import { clusterStories, type Cluster, type ClusterDoc } from './clusters.ts';
import type { TextDoc } from './terms.ts';
import { parseDay } from './bounds.ts';
import { outletOf } from './outlets.ts';

export interface QueryForecast {
  query: string;
  /** The last day of data; the forecast starts the day after. */
  last_day: string;
  /** `gap`: no collection that day (the count is unknown, shown as 0). */
  history: { date: string; count: number; gap?: boolean }[];
  forecast: { date: string; mean: number; lo80: number; hi80: number; lo95: number; hi95: number }[];
  /**
   * The model the series' own backtest chose (src/observe/forecast.ts): Holt-Winters with a weekly
   * season, or the seasonal naive forecast (last week again); intervals from its backtest errors.
   */
  model: { method: 'holt-winters-weekly' | 'seasonal-naive-weekly'; alpha: number; gamma: number; intervals: 'empirical' };
}

export interface ClustersResult {
  date: string;
  days: number;
  documents: number;
  clusters: Cluster[];
}

export interface Observatory {
  readonly counts: ObserveCounts;
  /** What the catch-up with the store did when the handle was opened. */
  readonly sync: SyncResult;
  /** First and last day with documents (YYYY-MM-DD), if any. */
  range(): { first: string; last: string } | undefined;
  emerging(date: string, opts?: Omit<EmergingOptions, 'dayDocs'>): EmergingResult;
  attention(engine: TrendsSource, req: AttentionRequest): AttentionResult;
  keyTerms(docs: TextDoc[], opts?: { limit?: number; minCount?: number }): KeyTerm[];
  /**
   * The key terms of a query's best-matching documents over [from, to] (at most KEY_TERM_DOCS of
   * them: the terms that characterise a subject show in its best few hundred articles, and reading
   * more only costs time) — what `tra attention --top` and /quan-sat?q= show.
   */
  keyTermsOf(engine: KeyTermSource, req: { query: string; from?: string; to?: string; limit: number }): KeyTerm[];
  forecast(engine: TrendsSource, query: string, days?: number): QueryForecast | undefined;
  clusters(date: string, opts?: { days?: number; minSources?: number; limit?: number }): ClustersResult;
  close(): void;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** How many of a query's best-matching documents its key terms are drawn from. */
export const KEY_TERM_DOCS = 300;

/** What key terms need of the engine: its best hits for a query, and their documents. */
export interface KeyTermSource {
  search(req: { query: string; limit: number; from?: string; to?: string; snippets: false }): { hits: { id: string }[] };
  get(id: string): Record<string, unknown> | undefined;
}

export { outletOf } from './outlets.ts';

/**
 * Stories told by several outlets on `date` and the days before it (at most two weeks: a story is
 * told within days, and the loop stays short), from the documents `docsOn` gives for a day — a
 * data directory's store here, the cluster's PostgreSQL in src/cluster/observe/answers.ts.
 */
export function clustersOn(
  counts: Pick<ObserveCounts, 'documentFrequency' | 'documents'>,
  date: string,
  docsOn: (day: number) => DayDoc[],
  o: { days?: number; minSources?: number; limit?: number } = {},
): ClustersResult {
  const days = Math.min(14, Math.max(1, Math.floor(o.days ?? 1)));
  const day = parseDay(date, 'date');
  const docs: ClusterDoc[] = [];
  for (let d = day - days + 1; d <= day; d++) {
    for (const x of docsOn(d)) {
      const url = typeof x.url === 'string' ? x.url : typeof x.link === 'string' ? x.link : undefined;
      // Counted documents have a plausible time; one that is not (counted by an older rule) is left out.
      const time = observedTime(x);
      if (time !== undefined) docs.push({ id: x.id, title: x.title, summary: x.summary, source: x.source, url, time });
    }
  }
  const dfCache = new Map<string, number>();
  const df = (t: string) => dfCache.get(t) ?? dfCache.set(t, counts.documentFrequency(t)).get(t)!;
  const clusters = clusterStories(docs, { df, documents: counts.documents() })
    .filter((c) => new Set(c.sources.map(outletOf)).size >= (o.minSources ?? 2))
    .slice(0, o.limit ?? 20);
  return { date, days, documents: docs.length, clusters };
}

/** Open `dir`'s observatory, counting whatever the store holds that was not counted yet. */
export function openObservatory(dir: string, opts: { onProgress?: OnProgress } = {}): Observatory {
  const sync = syncFromStore(dir, opts.onProgress);
  const counts = new ObserveCounts(dir, { readOnly: true });
  let dayDocs: DayDocs | undefined | null = null;
  const docsOf = () => (dayDocs === null ? (dayDocs = openDayDocs(dir, counts)) : dayDocs);
  return {
    counts,
    sync,
    range() {
      const r = counts.normalRange();
      return r ? { first: isoOfDay(r.first), last: isoOfDay(r.last) } : undefined;
    },
    emerging(date, o = {}) {
      const day = parseDay(date, 'date');
      const dd = docsOf();
      return emergingOn(counts, date, day, { ...o, dayDocs: dd ? (d) => dd.docsOn(d) : undefined });
    },
    attention(engine, req) {
      return attention(engine, counts, req);
    },
    keyTerms(docs, o) {
      return keyTerms(docs, counts, o);
    },
    keyTermsOf(engine, req) {
      const hits = engine.search({ query: req.query, limit: KEY_TERM_DOCS, from: req.from, to: req.to, snippets: false }).hits;
      const docs: TextDoc[] = [];
      for (const h of hits) {
        const d = engine.get(h.id);
        if (d) docs.push({ title: d.title, summary: d.summary, text: d.text });
      }
      return keyTerms(docs, counts, { limit: req.limit });
    },
    forecast(engine, query, days = 7) {
      const r = counts.normalRange();
      if (!r) return undefined;
      const first = Math.max(r.first, r.last - 364);
      const tr = engine.trends({ query, interval: 'day', from: isoOfDay(first), to: isoOfDay(r.last) });
      const y = new Float64Array(r.last - first + 1);
      for (const b of tr.buckets) {
        const i = dayOfIso(b.start) - first;
        if (i >= 0 && i < y.length) y[i] = b.count;
      }
      // Days without collection are unknown, not days without news.
      const covered = counts.coverage(first, r.last);
      for (let i = 0; i < y.length; i++) if (!covered[i]) y[i] = NaN;
      const f = forecastSeries(y, { horizon: days });
      const h = Math.min(28, y.length);
      return {
        query,
        last_day: isoOfDay(r.last),
        history: Array.from(y.subarray(y.length - h), (count, i) => (Number.isNaN(count) ? { date: isoOfDay(r.last - h + 1 + i), count: 0, gap: true } : { date: isoOfDay(r.last - h + 1 + i), count })),
        forecast: f.points.map((p) => ({
          date: isoOfDay(r.last + p.h),
          mean: round1(p.mean),
          lo80: round1(p.intervals[0].lo),
          hi80: round1(p.intervals[0].hi),
          lo95: round1(p.intervals[1].lo),
          hi95: round1(p.intervals[1].hi),
        })),
        model: { method: f.method === 'seasonal-naive' ? 'seasonal-naive-weekly' : 'holt-winters-weekly', alpha: f.alpha, gamma: f.gamma, intervals: 'empirical' },
      };
    },
    clusters(date, o = {}) {
      const dd = docsOf();
      return clustersOn(counts, date, (d) => dd?.docsOn(d) ?? [], o);
    },
    close() {
      if (dayDocs) dayDocs.close();
      counts.close();
    },
  };
}
