/**
 * The observatory's answers over a cluster: the pure functions of src/observe (emerging.ts,
 * attention.ts, forecast.ts through observatory.ts, clusters.ts) run on the local mirror of the
 * cluster's counts (./mirror.ts), with the documents of a day read from PostgreSQL (./day-docs.ts)
 * and the engine's trends and best hits asked of the coordinator (./coordinator-client.ts).
 *
 * Those functions are synchronous and the data they need is remote. Decision: **fetch first, then
 * compute; retry when something was missing.** Each answer is computed in rounds: a round runs the
 * synchronous code against what has been fetched; an engine call it makes that was not fetched
 * yet is recorded and answered with an empty placeholder (no trend, no hit, no document), and a
 * day whose documents are not held stops the round (`NeedDay`). If anything was missing, it is
 * all fetched at once (in parallel, bounded) and the round runs again; the answer is that of the
 * first round that missed nothing, so a placeholder never reaches an answer. Why:
 * - the documents a day's answer needs are known before computing (emerging reads its day;
 *   clusters read their window), so they are fetched *before* the first round, and an emerging
 *   day — whose scoring takes most of its second on 150,000 documents — is scored once, not
 *   scored, interrupted and scored again; the NeedDay signal only covers what was not foreseen
 *   (the counts were re-copied between fetching and computing, or a future version reads more);
 * - engine calls cannot be known before computing (attention's per-source series follow the
 *   sources of the counts; key terms need the hits' ids), but recording them all in one round
 *   instead of stopping at the first makes attention by source two rounds (the series, then
 *   nothing missing), however many sources there are, with one request per series in parallel;
 *   re-running attention, forecasts or key terms costs milliseconds.
 * A round limit (MAX_ROUNDS) bounds an answer whose inputs keep changing.
 */
import { clustersOn, type Observatory, type ClustersResult, type QueryForecast, type KeyTermSource } from '../../observe/observatory.ts';
import { emergingOn, type EmergingResult } from '../../observe/emerging.ts';
import { parseDay } from '../../observe/bounds.ts';
import type { TrendsSource } from '../../observe/attention.ts';
import type { DayDoc } from '../../observe/day-docs.ts';
import type { TextDoc } from '../../observe/terms.ts';
import type { AttentionAnswer, AttentionCall } from '../../server/observe-worker.ts';
import type { Pool } from '../pg/connect.ts';
import { DayDocCache, textsById } from './day-docs.ts';
import type { CoordinatorClient, SearchCall, TrendsAnswer, TrendsCall } from './coordinator-client.ts';

/** Rounds of fetch-and-compute one answer may take. */
export const MAX_ROUNDS = 8;
/** Requests to the coordinator in flight at once for one answer. */
const PARALLEL = 4;
/** A source no document has: a coordinator that filters trends by source answers it with 0. */
const PROBE_SOURCE = '\u0001tra: nguồn thử';
/** A coordinator found not to filter trends by source is asked again after this long. */
const PROBE_AGAIN_MS = 5 * 60_000;

/** A day's documents are needed and not held (thrown by `docsOn`, caught by the driver). */
class NeedDay extends Error {
  readonly day: number;
  constructor(day: number) {
    super(`need day ${day}`);
    this.day = day;
  }
}

const EMPTY_TRENDS: TrendsAnswer = { total: 0, buckets: [] };

interface Memo {
  trends: Map<string, TrendsAnswer>;
  searches: Map<string, string[]>;
  texts: Map<string, TextDoc | null>;
  /** The coordinator does not filter trends by source: attention is answered without `sources`. */
  noSources: boolean;
}
interface Misses {
  trends: Map<string, TrendsCall>;
  searches: Map<string, SearchCall>;
  ids: Set<string>;
  days: Set<number>;
}

/** What one round of computing sees. */
export interface Round {
  obs: Observatory;
  docsOn(day: number): DayDoc[];
  trends: TrendsSource;
  keys: KeyTermSource;
  /** Per-source series cannot be had from this coordinator (see `honoursSource`). */
  noSources: boolean;
}

const trendsKey = (c: TrendsCall) => JSON.stringify([c.query, c.interval ?? 'day', c.from ?? null, c.to ?? null, c.sources ?? null]);
const searchKey = (c: SearchCall) => JSON.stringify([c.query, c.limit, c.from ?? null, c.to ?? null]);

/** Run `fns` with at most `n` in flight. */
async function bounded(fns: (() => Promise<void>)[], n: number): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(n, fns.length) }, async () => {
    while (next < fns.length) await fns[next++]();
  });
  await Promise.all(lanes);
}

export interface AnswersOptions {
  /** The observatory over the mirror as it is now (the handle changes when the mirror is re-copied). */
  current: () => Observatory;
  pool: Pool;
  coordinator: CoordinatorClient;
  docs?: DayDocCache;
  log?: (line: string) => void;
}

export class ClusterAnswers {
  private readonly o: AnswersOptions;
  readonly docs: DayDocCache;
  private sourceFilter: { ok: boolean; until: number } | undefined;

  constructor(o: AnswersOptions) {
    this.o = o;
    this.docs = o.docs ?? new DayDocCache(o.pool);
  }

  range(): { first: string; last: string } | undefined {
    return this.o.current().range();
  }

  /** Emerging issues of `date`, as `tra emerging --json` (src/observe/observatory.ts `emerging`). */
  emerging(date: string, limit: number): Promise<EmergingResult> {
    const day = parseDay(date, 'date');
    return this.run((r) => emergingOn(r.obs.counts, date, day, { limit, dayDocs: (d) => r.docsOn(d) }), [day]);
  }

  /** Stories told by several outlets on `date` and the days before it (src/observe/observatory.ts `clustersOn`). */
  clusters(date: string, opts: { days?: number; minSources?: number; limit?: number } = {}): Promise<ClustersResult> {
    const days = Math.min(14, Math.max(1, Math.floor(opts.days ?? 1)));
    const day = parseDay(date, 'date');
    const window = Array.from({ length: days }, (_, i) => day - days + 1 + i);
    return this.run((r) => clustersOn(r.obs.counts, date, (d) => r.docsOn(d), opts), window);
  }

  /** `tra attention --json` (as src/server/observe-worker.ts computes it on one machine). */
  async attention(c: AttentionCall): Promise<AttentionAnswer> {
    const res = await this.run((r) => r.obs.attention(r.trends, { query: c.query, interval: c.interval, from: c.from, to: c.to, bySource: c.bySource && !r.noSources }));
    if (!(c.top > 0 && res.total > 0)) return res;
    const top_terms = await this.run((r) => r.obs.keyTermsOf(r.keys, { query: c.query, from: c.from, to: c.to, limit: c.top }));
    return { ...res, top_terms };
  }

  /** `tra forecast --json`; null when no document has a date. */
  forecast(query: string, days: number): Promise<QueryForecast | null> {
    return this.run((r) => r.obs.forecast(r.trends, query, days) ?? null);
  }

  /** Compute in rounds until one misses nothing (see the file's comment). */
  async run<T>(compute: (r: Round) => T, days: number[] = []): Promise<T> {
    const memo: Memo = { trends: new Map(), searches: new Map(), texts: new Map(), noSources: false };
    const keep = new Set(days);
    if (days.length) await this.fetchDays(days, keep);
    for (let i = 0; i < MAX_ROUNDS; i++) {
      const obs = this.o.current();
      const misses: Misses = { trends: new Map(), searches: new Map(), ids: new Set(), days: new Set() };
      let out: T | undefined;
      let complete = false;
      try {
        out = compute(this.round(obs, memo, misses));
        complete = true;
      } catch (e) {
        if (!(e instanceof NeedDay)) throw e;
        misses.days.add(e.day);
      }
      if (complete && misses.trends.size === 0 && misses.searches.size === 0 && misses.ids.size === 0) return out as T;
      for (const d of misses.days) keep.add(d);
      await this.fetch(memo, misses, keep);
    }
    throw new Error(`Đài quan sát chưa gom đủ dữ liệu cho câu trả lời này sau ${MAX_ROUNDS} vòng (số đếm của cụm đang thay đổi nhanh); hãy thử lại sau ít giây.`);
  }

  private round(obs: Observatory, memo: Memo, misses: Misses): Round {
    const docs = this.docs;
    return {
      obs,
      noSources: memo.noSources,
      docsOn(day) {
        const got = docs.get(day, obs.counts.seqsOn(day));
        if (!got) throw new NeedDay(day);
        return got;
      },
      trends: {
        trends(req) {
          const c: TrendsCall = { query: req.query, interval: req.interval, from: req.from, to: req.to, sources: req.sources };
          const k = trendsKey(c);
          const got = memo.trends.get(k);
          if (got) return got;
          misses.trends.set(k, c);
          return EMPTY_TRENDS;
        },
      },
      keys: {
        search(req) {
          const c: SearchCall = { query: req.query, limit: req.limit, from: req.from, to: req.to };
          const k = searchKey(c);
          const got = memo.searches.get(k);
          if (got) return { hits: got.map((id) => ({ id })) };
          misses.searches.set(k, c);
          return { hits: [] };
        },
        get(id) {
          const got = memo.texts.get(id);
          if (got !== undefined) return got === null ? undefined : (got as Record<string, unknown>);
          misses.ids.add(id);
          return undefined;
        },
      },
    };
  }

  /** Hold the documents of `days` as the current counts name them. */
  private async fetchDays(days: Iterable<number>, keep: ReadonlySet<number>): Promise<void> {
    for (const d of days) {
      // The handle may be replaced while a day is fetched: ask the current one each time.
      const seqs = this.o.current().counts.seqsOn(d);
      if (!this.docs.get(d, seqs)) await this.docs.fetch(d, seqs, keep);
    }
  }

  private async fetch(memo: Memo, misses: Misses, keep: ReadonlySet<number>): Promise<void> {
    const client = this.o.coordinator;
    const jobs: (() => Promise<void>)[] = [];
    const bySource = [...misses.trends].filter(([, c]) => c.sources?.length);
    if (bySource.length && !(await this.honoursSource(bySource[0][1]))) {
      // Answer without per-source series rather than with the overall one under each source's name.
      memo.noSources = true;
      for (const [k] of bySource) misses.trends.delete(k);
    }
    for (const [k, c] of misses.trends) jobs.push(async () => void memo.trends.set(k, await client.trends(c)));
    for (const [k, c] of misses.searches) jobs.push(async () => void memo.searches.set(k, await client.searchIds(c)));
    if (misses.ids.size) {
      const ids = [...misses.ids];
      jobs.push(async () => {
        const got = await textsById(this.o.pool, ids);
        for (const id of ids) memo.texts.set(id, got.get(id) ?? null);
      });
    }
    if (misses.days.size) jobs.push(() => this.fetchDays(misses.days, keep));
    await bounded(jobs, PARALLEL);
  }

  /**
   * Whether the coordinator's /api/trends filters by `source` (a coordinator that does not know
   * the parameter ignores it and answers for every source). Asked with a source no document has:
   * a filtering coordinator answers 0. A 0 also comes when nothing matches the query at all, and
   * then every per-source series is 0 whether filtered or not, so the answer is right either way.
   */
  private async honoursSource(sample: TrendsCall): Promise<boolean> {
    const now = Date.now();
    if (this.sourceFilter && (this.sourceFilter.ok || now < this.sourceFilter.until)) return this.sourceFilter.ok;
    const probe = await this.o.coordinator.trends({ ...sample, sources: [PROBE_SOURCE] });
    if (probe.total > 0) {
      if (!this.sourceFilter) this.o.log?.('máy điều phối không lọc /api/trends theo nguồn (source=): mức độ quan tâm theo từng nguồn bị bỏ qua; hãy nâng cấp tra coordinator');
      this.sourceFilter = { ok: false, until: now + PROBE_AGAIN_MS };
      return false;
    }
    const all = await this.o.coordinator.trends({ ...sample, sources: undefined });
    if (all.total > 0) this.sourceFilter = { ok: true, until: Infinity };
    return true;
  }
}
