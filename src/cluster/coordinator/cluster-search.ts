/**
 * The coordinator's search: `search` and `trends` answering exactly as one machine's engine
 * does (src/engine/index.ts), over shards served by searchers. docs/SCALE.md ("Searching a
 * sharded index") describes the protocol:
 *
 * 1. Plan with global statistics. The query is planned from a memo of answers (searcher/
 *    protocol.ts `planFromMemo`); what the plan asks and the memo lacks — document frequencies,
 *    prefix expansions, side-by-side shares — is summed over every shard, and the query is
 *    planned again, until nothing is missing. Accent restoration is answered here, by a restorer
 *    trained on the counts of every shard. Every shard counts, even those the date filter
 *    prunes: N and df are the whole collection's, as on one machine.
 *    A shard's statistics are fixed by its generation (the live segments and deletions it was
 *    published with), so they are kept here (`StatsCache`, keyed by shard and generation, LRU
 *    within a byte budget) and a shard is asked (`POST /shard/stats`, one call carrying
 *    everything it lacks) only for what the cache does not hold at the generation its replicas
 *    advertise. A publish or merge gives that shard a new generation, hence new keys: only it is
 *    asked again; old shards, which no longer change, stay answered from memory.
 * 2. Search the shards the date filter keeps, sending the memo and the global N and average
 *    lengths: each plans the same plan and scores with the same idfs, so a document's score does
 *    not depend on which shard holds it. Top k, totals, facets and day histograms merge exactly.
 *    Trends score nothing: a keyword query's list dfs are not gathered for them.
 * 3. Load the page's documents from PostgreSQL (their versions, by seq) and make snippets and
 *    highlights from the plan, as the engine does.
 * A shard no replica answered is listed in `missing_shards` with `partial: true`.
 */
import type { Pool } from '../pg/connect.ts';
import { AccentRestorer } from '../../vi/restore.ts';
import type { Hit, SearchRequest, SearchResponse, TrendsRequest, TrendsResponse } from '../../engine/index.ts';
import { trendsOfHistogram } from '../../engine/trends.ts';
import { dayOfDate } from '../../engine/fields.ts';
import { TIE_ROOM } from '../../engine/collect/top-date.ts';
import { makeSnippet, matcherFor, highlightsIn } from '../../engine/highlight.ts';
import { isImplausiblePublished } from '../../ingest/plausible.ts';
import { DEFAULT_WEIGHTS, type Plan } from '../../engine/query/plan.ts';
import { shardMayMatch } from '../indexer/shard-key.ts';
import { adjacencyKey, emptyMemo, planFromMemo, type PlanMemo, type ShardSearchRequest, type ShardSearchResponse, type StatsRequest, type StatsResponse } from '../searcher/protocol.ts';
import { callShard, type CallResult, type Replica } from './fanout.ts';

export interface ClusterSearchOptions {
  pool: Pool;
  /** Per shard call (default 10 s). */
  timeoutMs?: number;
  /** Ask another replica when the first has not answered after this (default 300 ms). */
  hedgeMs?: number;
  /** Searchers whose heartbeat is older are not used (default 10 s). */
  staleMs?: number;
  /** Topology refresh (default 1 s). */
  refreshMs?: number;
  onShardCall?: (outcome: string) => void;
  /** Called once per shard request (hedged copies not counted): which endpoint, which shard. */
  onShardRequest?: (kind: 'stats' | 'search', shard: string) => void;
  /** Statistics cache: per shard and key needed by a query, answered from memory (hit) or asked (miss). */
  onStatsCache?: (outcome: 'hit' | 'miss', n: number) => void;
  /** Byte budget of the statistics cache (default 32 MiB; 0: no cache, every query asks). */
  statsCacheBytes?: number;
  log?: (line: string) => void;
}

export type ClusterSearchResponse = SearchResponse & { partial?: boolean; missing_shards?: string[] };
export type ClusterTrendsResponse = TrendsResponse & { partial?: boolean; missing_shards?: string[] };

interface Topology {
  shards: string[];
  /** Published generation of each shard (its checkpoint). */
  published: Map<string, number>;
  replicas: Map<string, Replica[]>;
  /** Documents in live segments (deleted included): when the restorer is rebuilt. */
  docs: number;
  at: number;
}

const MAX_ROUNDS = 6;
/** Plannings of one query (each either learns a statistic or follows a round of calls): a guard. */
const MAX_STEPS = 64;
const UNDATED_KEY = -8.64e15;

/** A shard's collection-wide numbers at one generation. */
export interface ShardBase {
  docs: number;
  sumLen: number[];
  span: [number, number] | null;
}

/** What one shard is asked in one statistics call. */
interface StatsAsk {
  df: string[];
  expand: string[];
  adjacency: [string, string, string][];
}

/** Kinds of cached statistics: base numbers, document frequency, prefix expansion, side-by-side counts. */
type StatKind = 'b' | 'd' | 'x' | 'a';

/**
 * Statistics of shards at given generations, least recently used first out, within a byte budget.
 * A generation fixes a shard's live segments and deletions, so its statistics never change and
 * an entry is never stale: a new generation simply has other keys, and entries of generations no
 * longer served are not read again and are the first to go. The only way a (shard, generation)
 * could name other statistics is a database replaced under a running coordinator (generations
 * start again); the coordinator clears the cache when a shard's published generation goes back,
 * and forgets a shard whose base numbers disagree with the cache at the same generation.
 */
export class StatsCache {
  private readonly max: number;
  private readonly map = new Map<string, { v: unknown; bytes: number }>();
  private readonly epochs = new Map<string, number>();
  private epoch = 0;
  bytes = 0;

  constructor(maxBytes: number) {
    this.max = Math.max(0, maxBytes);
  }

  get size(): number {
    return this.map.size;
  }

  private key(shard: string, gen: number, kind: StatKind, key: string): string {
    return `${shard}\u0001${this.epochs.get(shard) ?? 0}\u0001${gen}\u0001${kind}${key}`;
  }

  get<T>(shard: string, gen: number, kind: StatKind, key: string): T | undefined {
    const k = this.key(shard, gen, kind, key);
    const e = this.map.get(k);
    if (!e) return undefined;
    this.map.delete(k);
    this.map.set(k, e);
    return e.v as T;
  }

  set(shard: string, gen: number, kind: StatKind, key: string, v: unknown): void {
    if (this.max === 0) return;
    if (kind === 'b') {
      const had = this.get<ShardBase>(shard, gen, 'b', '');
      const b = v as ShardBase;
      if (had && (had.docs !== b.docs || had.sumLen.some((x, f) => x !== b.sumLen[f]))) this.forget(shard);
    }
    const k = this.key(shard, gen, kind, key);
    const bytes = 2 * k.length + 64 + sizeOf(v);
    if (bytes > this.max) return;
    const old = this.map.get(k);
    if (old) {
      this.bytes -= old.bytes;
      this.map.delete(k);
    }
    this.map.set(k, { v, bytes });
    this.bytes += bytes;
    for (const [ok, e] of this.map) {
      if (this.bytes <= this.max) break;
      this.map.delete(ok);
      this.bytes -= e.bytes;
    }
  }

  /** Make every entry of `shard` unreachable (they age out). */
  forget(shard: string): void {
    this.epochs.set(shard, ++this.epoch);
  }

  clear(): void {
    this.map.clear();
    this.epochs.clear();
    this.bytes = 0;
  }
}

/** Rough bytes held by a cached value (V8 strings and arrays). */
function sizeOf(v: unknown): number {
  if (typeof v === 'number') return 16;
  if (Array.isArray(v)) {
    let n = 32;
    for (const x of v) n += Array.isArray(x) ? 48 + (typeof x[0] === 'string' ? 2 * x[0].length : 0) : 16;
    return n;
  }
  const b = v as ShardBase;
  return 96 + (b.span ? 48 : 0);
}

/** The global expansions of a prefix from each shard's [term, df] found: most frequent first, ties by term, cut to the plan's limit. */
function mergeExpansions(perShard: [string, number][][]): string[] {
  const found = new Map<string, number>();
  for (const l of perShard) for (const [term, n] of l) found.set(term, (found.get(term) ?? 0) + n);
  return [...found.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).slice(0, DEFAULT_WEIGHTS.prefixExpansions).map((e) => e[0]);
}

/** A search had to use a generation no replica holds any more (the topology was behind): redo it. */
class StalePin extends Error {}

/** A shard answered at the pinned generation but serves a newer one now: redo the query on it. */
class NewerGeneration extends Error {}

/** How a query pins generations: from the topology, or (`fresh`) by asking; `last`: no retry left. */
interface Attempt {
  fresh: boolean;
  last: boolean;
}

/** What planning gives the search phase. */
interface Global {
  plan: Plan;
  memo: PlanMemo;
  N: number;
  avgLen: number[];
  gens: Map<string, number>;
  spans: [number, number][];
  missing: Set<string>;
  attempt: Attempt;
}

export class ClusterSearch {
  private readonly o: ClusterSearchOptions;
  private topo: Topology | undefined;
  private refreshing: Promise<Topology> | undefined;
  private restorer: { model: AccentRestorer | undefined; docs: number } | undefined;
  private restoring: Promise<void> | undefined;
  private rr = 0;
  readonly cache: StatsCache;

  constructor(o: ClusterSearchOptions) {
    this.o = o;
    this.cache = new StatsCache(o.statsCacheBytes ?? 32 << 20);
  }

  async topology(): Promise<Topology> {
    const t = this.topo;
    if (t && Date.now() - t.at < (this.o.refreshMs ?? 1_000)) return t;
    this.refreshing ??= this.loadTopology().finally(() => (this.refreshing = undefined));
    return t && Date.now() - t.at < 30_000 ? this.refreshing.catch(() => t) : this.refreshing;
  }

  private async loadTopology(): Promise<Topology> {
    const { pool } = this.o;
    const cps = (await pool.query<{ shard: string; generation: string }>('SELECT shard, generation FROM shard_checkpoints WHERE generation > 0 ORDER BY shard')).rows;
    const shards = cps.map((r) => r.shard);
    const published = new Map(cps.map((r) => [r.shard, Number(r.generation)]));
    // Generations only grow in one database: one that went back means another database (or a
    // rebuilt one), whose generations name other statistics.
    const before = this.topo?.published;
    if (before && [...before].some(([sh, g]) => (published.get(sh) ?? g) < g)) this.cache.clear();
    const { rows } = await pool.query<{ id: string; url: string; generations: Record<string, number> }>(
      'SELECT id, url, generations FROM searchers WHERE heartbeat_at > now() - $1 * interval \'1 millisecond\' ORDER BY id',
      [this.o.staleMs ?? 10_000],
    );
    const docs = Number((await pool.query<{ n: string | null }>("SELECT sum(doc_count) AS n FROM segments WHERE state = 'live'")).rows[0].n ?? 0);
    const replicas = new Map<string, Replica[]>();
    for (const s of shards) replicas.set(s, []);
    // A generation learnt from an answer (`learn`) may be newer than the replica's last heartbeat.
    const known = new Map<string, Replica>();
    for (const l of this.topo?.replicas.values() ?? []) for (const r of l) known.set(r.id, r);
    for (const r of rows) {
      const gens = { ...r.generations };
      for (const [sh, g] of Object.entries(known.get(r.id)?.generations ?? {})) if (sh in gens && g > gens[sh]) gens[sh] = g;
      const rep: Replica = { id: r.id, url: r.url, generations: gens };
      for (const s of Object.keys(gens)) replicas.get(s)?.push(rep);
    }
    this.topo = { shards, published, replicas, docs, at: Date.now() };
    return this.topo;
  }

  /** An answer says `replica` serves `current` of `shard`: queries from now on pin it. */
  private learn(replica: Replica, shard: string, current: number | undefined): void {
    if (current !== undefined && current > (replica.generations[shard] ?? -1)) replica.generations[shard] = current;
  }

  /** Replicas of a shard, freshest generation first, the starting one rotated (load spread). */
  private replicasOf(t: Topology, shard: string, generation?: number): Replica[] {
    // A replica's advertised generation is as old as its last heartbeat: one that advertises less
    // than the pinned generation may hold it already (it answers 409 otherwise, and the next is
    // tried at once), so it is tried last rather than left out.
    const all = t.replicas.get(shard) ?? [];
    const start = this.rr++ % Math.max(1, all.length);
    const rotated = [...all.slice(start), ...all.slice(0, start)];
    const rank = (r: Replica) => (r.generations[shard] === generation ? 0 : r.generations[shard] > generation! ? 1 : 2);
    return rotated.sort((a, b) => (generation === undefined ? b.generations[shard] - a.generations[shard] : rank(a) - rank(b)));
  }

  /** The accent restorer of the whole collection (summed counts of every shard), rebuilt when it grew or shrank by a fifth. */
  private async restorerFor(t: Topology): Promise<AccentRestorer | undefined> {
    const fresh = (r: { docs: number }) => Math.abs(t.docs - r.docs) <= 0.2 * Math.max(r.docs, t.docs);
    if (this.restorer && fresh(this.restorer)) return this.restorer.model;
    this.restoring ??= this.buildRestorer(t).finally(() => (this.restoring = undefined));
    await this.restoring;
    return this.restorer?.model;
  }

  private async buildRestorer(t: Topology): Promise<void> {
    if (t.docs === 0) {
      this.restorer = { model: undefined, docs: 0 };
      return;
    }
    const unigrams = new Map<string, number>();
    const bigrams = new Map<string, number>();
    for (const shard of t.shards) {
      let got = false;
      for (const r of this.replicasOf(t, shard)) {
        try {
          const res = await fetch(`${r.url}/shard/restore-counts?shard=${encodeURIComponent(shard)}`, { signal: AbortSignal.timeout(60_000) });
          if (res.status !== 200) continue;
          const c = (await res.json()) as { unigrams: [string, number][]; bigrams: [string, number][] };
          for (const [k, v] of c.unigrams) unigrams.set(k, (unigrams.get(k) ?? 0) + v);
          for (const [k, v] of c.bigrams) bigrams.set(k, (bigrams.get(k) ?? 0) + v);
          got = true;
          break;
        } catch {
          // next replica
        }
      }
      // Without every shard the model would be another collection's: keep the old one, retry later.
      if (!got) return;
    }
    this.restorer = { model: AccentRestorer.fromCounts(unigrams, bigrams), docs: t.docs };
  }

  /**
   * Phase 1: the plan of the whole collection and the statistics it scores with.
   *
   * Each shard is pinned to the newest generation its live replicas advertise (`fresh`: to the
   * generation of its first answer, as after a stale pin). The query is planned from the memo;
   * every statistic the plan lacks is looked up for each shard at its generation, in this query's
   * answers and then in the cache, and summed into the memo when every shard has it. Planning
   * again (answers can change what the plan asks) costs no call; only when the plan still lacks
   * something does each shard that misses part of it get one statistics call carrying all of it.
   * A shard that answers at another generation than pinned is re-pinned and the memo rebuilt
   * (a generation's statistics are never mixed with another's). `scores: false` (trends): a
   * keyword query's list dfs are not needed.
   */
  private async planGlobally(query: string, t: Topology, o: { scores: boolean; attempt: Attempt }): Promise<Global> {
    const gens = new Map<string, number>();
    const missing = new Set<string>();
    for (const sh of t.shards) {
      const reps = t.replicas.get(sh) ?? [];
      if (reps.length === 0) missing.add(sh);
      else if (!o.attempt.fresh) gens.set(sh, Math.max(...reps.map((r) => r.generations[sh])));
    }
    /** This query's answers (the cache may be off or evict them). */
    const local = new Map<string, unknown>();
    const seen = new Set<string>();
    const lookup = <T>(sh: string, kind: StatKind, key: string): T | undefined => {
      const g = gens.get(sh);
      if (g === undefined) return undefined;
      const lk = `${sh}\u0001${g}\u0001${kind}${key}`;
      if (local.has(lk)) return local.get(lk) as T;
      const v = this.cache.get<T>(sh, g, kind, key);
      if (!seen.has(lk)) {
        seen.add(lk);
        if (v !== undefined) this.o.onStatsCache?.('hit', 1);
      }
      return v;
    };
    const keep = (sh: string, g: number, kind: StatKind, key: string, v: unknown) => {
      local.set(`${sh}\u0001${g}\u0001${kind}${key}`, v);
      this.cache.set(sh, g, kind, key, v);
    };
    const restore: Record<string, string | null> = {};
    const newMemo = (): PlanMemo => ({ ...emptyMemo(), restore });
    let memo = newMemo();
    let rounds = 0;
    /** Shards re-pinned to a newer generation already (once each: a query racing publishes settles). */
    const repinned = new Set<string>();
    for (let step = 0; step < MAX_STEPS; step++) {
      let { plan, misses } = planFromMemo(query, memo, { scores: o.scores });
      if (misses?.restore.length) {
        const model = await this.restorerFor(t);
        for (const text of misses.restore) restore[text] = model ? model.restore(text) : null;
        ({ plan, misses } = planFromMemo(query, memo, { scores: o.scores }));
      }
      const live = t.shards.filter((sh) => !missing.has(sh));
      const asks = new Map<string, StatsAsk>();
      const ask = (sh: string): StatsAsk => {
        let a = asks.get(sh);
        if (!a) asks.set(sh, (a = { df: [], expand: [], adjacency: [] }));
        return a;
      };
      for (const sh of live) if (lookup<ShardBase>(sh, 'b', '') === undefined) ask(sh);
      let learned = false;
      if (misses) {
        for (const key of new Set(misses.df)) {
          const got = live.map((sh) => lookup<number>(sh, 'd', key));
          if (got.every((v) => v !== undefined)) {
            memo.df[key] = got.reduce((n: number, v) => n + v!, 0);
            learned = true;
          } else live.forEach((sh, i) => got[i] === undefined && ask(sh).df.push(key));
        }
        for (const p of new Set(misses.expand)) {
          const got = live.map((sh) => lookup<[string, number][]>(sh, 'x', p));
          if (got.every((v) => v !== undefined)) {
            memo.expand[p] = mergeExpansions(got as [string, number][][]);
            learned = true;
          } else live.forEach((sh, i) => got[i] === undefined && ask(sh).expand.push(p));
        }
        const pairs = new Map(misses.adjacency.map((x) => [adjacencyKey(...x), x]));
        for (const [k, x] of pairs) {
          const got = live.map((sh) => lookup<[number, number]>(sh, 'a', k));
          if (got.every((v) => v !== undefined)) {
            let both = 0;
            let side = 0;
            for (const v of got) {
              both += v![0];
              side += v![1];
            }
            memo.adjacency[k] = both === 0 ? 1 : side / both;
            learned = true;
          } else live.forEach((sh, i) => got[i] === undefined && ask(sh).adjacency.push(x));
        }
      }
      if (!misses && asks.size === 0) {
        let docs = 0;
        const sum = [0, 0, 0];
        const spans: [number, number][] = [];
        for (const sh of live) {
          const b = lookup<ShardBase>(sh, 'b', '')!;
          docs += b.docs;
          for (let f = 0; f < 3; f++) sum[f] += b.sumLen[f];
          if (b.span) spans.push(b.span);
        }
        return { plan, memo, N: Math.max(1, docs), avgLen: sum.map((x) => (docs ? x / docs : 1)), gens, spans, missing, attempt: o.attempt };
      }
      // What was just learnt may change what the plan asks: plan again before calling anyone.
      if (learned) continue;
      if (asks.size === 0) throw new Error('query planning found questions no shard can answer');
      if (++rounds > MAX_ROUNDS) throw new Error(`query planning did not settle after ${MAX_ROUNDS} rounds`);
      let reset = false;
      await Promise.all([...asks].map(async ([sh, a]) => {
        this.o.onStatsCache?.('miss', a.df.length + a.expand.length + a.adjacency.length);
        const pinned = gens.get(sh);
        const call = (generation: number | undefined) => {
          this.o.onShardRequest?.('stats', sh);
          const req: StatsRequest = { shard: sh, generation, ...a };
          return callShard<StatsResponse>(this.replicasOf(t, sh, generation), '/shard/stats', req, this.callOpts());
        };
        let got: CallResult<StatsResponse> = await call(pinned);
        // The advertised generation is no longer held (its replicas moved on, or restarted with
        // a newer one): take whatever generation a replica serves now.
        if (got.answer === undefined && got.notHeld && pinned !== undefined) got = await call(undefined);
        if (got.answer === undefined) {
          missing.add(sh);
          reset = true;
          return;
        }
        const r = got.answer;
        const g = r.generation;
        // The replica has moved on since the topology was read: plan on what it serves now (as
        // fresh as asking without a generation), learnt for the next queries too.
        this.learn(got.replica, sh, r.current);
        const now = r.current !== undefined && r.current > g && !repinned.has(sh) ? r.current : g;
        if (now !== g) repinned.add(sh);
        if (now !== pinned) {
          gens.set(sh, now);
          reset = true;
        }
        keep(sh, g, 'b', '', { docs: r.docs, sumLen: r.sumLen, span: r.span } satisfies ShardBase);
        a.df.forEach((key, i) => keep(sh, g, 'd', key, r.df[i]));
        a.expand.forEach((p, i) => keep(sh, g, 'x', p, r.expand[i]));
        a.adjacency.forEach((x, i) => keep(sh, g, 'a', adjacencyKey(...x), r.adjacency[i]));
      }));
      // A shard lost or at another generation: every sum in the memo may hold its old part.
      if (reset) memo = newMemo();
    }
    throw new Error(`query planning did not settle after ${MAX_STEPS} steps`);
  }

  private callOpts() {
    return { timeoutMs: this.o.timeoutMs ?? 10_000, hedgeMs: this.o.hedgeMs ?? 300, onOutcome: this.o.onShardCall };
  }

  /**
   * Phase 2 on the shards the date filter keeps (pruned shards get no call). A shard whose
   * replicas all refuse the pinned generation (it came from the topology, and they no longer
   * hold it) makes the whole query start again with generations pinned by asking (`StalePin`):
   * global statistics must be those of the generations searched.
   */
  private async searchShards(t: Topology, g: Global, query: string, req: { from?: string; to?: string; sources?: string[]; categories?: string[] }, mode: ShardSearchRequest['mode'], k: number, facets: boolean): Promise<ShardSearchResponse[]> {
    const fromDay = req.from ? dayOfDate(req.from) : undefined;
    const toDay = req.to ? dayOfDate(req.to) : undefined;
    const kept = t.shards.filter((s) => !g.missing.has(s) && shardMayMatch(s, fromDay, toDay));
    let stale = false;
    let newer = false;
    const answers = await Promise.all(kept.map(async (shard) => {
      const generation = g.gens.get(shard)!;
      const body: ShardSearchRequest = { shard, generation, query, memo: g.memo, N: g.N, avgLen: g.avgLen, filters: { from: req.from, to: req.to, sources: req.sources, categories: req.categories }, mode, k, facets };
      this.o.onShardRequest?.('search', shard);
      const got = await callShard<ShardSearchResponse>(this.replicasOf(t, shard, generation), '/shard/search', body, this.callOpts());
      if (got.answer === undefined) {
        if (got.notHeld) stale = true;
        g.missing.add(shard);
      } else {
        this.learn(got.replica, shard, got.answer.current);
        if (got.answer.current !== undefined && got.answer.current > generation) newer = true;
      }
      return got.answer;
    }));
    if (!g.attempt.last) {
      if (stale) throw new StalePin();
      // Asking without a generation would have seen the newer one (as one machine sees a commit
      // at once): answer from it rather than from the generation the topology still advertised.
      if (newer) throw new NewerGeneration();
    }
    return answers.filter((a): a is ShardSearchResponse => a !== undefined);
  }

  /**
   * Run `fn` on the topology; once more after a stale pin (with a reloaded topology and
   * generations pinned by asking) or after an answer showed a newer generation (pinned from the
   * topology, which has learnt it). Never more than twice: a query racing publishes answers from
   * the generations of its second attempt.
   */
  private async pinned<T>(fn: (t: Topology, attempt: Attempt) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.topology(), { fresh: false, last: false });
    } catch (e) {
      if (e instanceof StalePin) {
        if (this.topo) this.topo.at = 0;
        return fn(await this.topology(), { fresh: true, last: true });
      }
      if (e instanceof NewerGeneration) return fn(await this.topology(), { fresh: false, last: true });
      throw e;
    }
  }

  async search(req: SearchRequest & { stored?: boolean }): Promise<ClusterSearchResponse> {
    const t0 = performance.now();
    return this.pinned((t, attempt) => this.searchOn(t, attempt, req, t0));
  }

  private async searchOn(t: Topology, attempt: Attempt, req: SearchRequest & { stored?: boolean }, t0: number): Promise<ClusterSearchResponse> {
    const g = await this.planGlobally(req.query, t, { scores: true, attempt });
    const { plan } = g;
    const limit = Math.max(0, req.limit ?? 10);
    const offset = Math.max(0, req.offset ?? 0);
    const warnings = plan.warnings.length ? { warnings: plan.warnings } : {};
    const tookMs = () => Math.round((performance.now() - t0) * 1000) / 1000;
    if (!plan.must && plan.should === 0) return withPartial({ total: 0, took_ms: tookMs(), hits: [], ...warnings }, g.missing);
    const byDate = req.sort === 'date';
    const k = offset + limit;
    const parts = await this.searchShards(t, g, req.query, req, byDate ? 'date' : 'relevance', byDate ? k + TIE_ROOM : k, req.facets === true);
    let total = 0;
    let exact = true;
    const cands: { seq: number; score: number; time: number | null }[] = [];
    for (const p of parts) {
      total += p.total;
      if (!p.exact) exact = false;
      cands.push(...p.hits);
    }
    let page: typeof cands;
    if (byDate) {
      // As TopDateCollector: the k + TIE_ROOM newest (equal times: lower seq first), then equal
      // times in id order, then the first k.
      const key = (c: { time: number | null }) => (c.time === null ? UNDATED_KEY : c.time);
      cands.sort((a, b) => key(b) - key(a) || a.seq - b.seq);
      const kept = cands.slice(0, k + TIE_ROOM);
      const tied = kept.filter((c, i) => (i > 0 && key(kept[i - 1]) === key(c)) || (i + 1 < kept.length && key(kept[i + 1]) === key(c)));
      const ids = await this.idsOf(tied.map((c) => c.seq));
      const idOf = (c: { seq: number }) => ids.get(c.seq) ?? '';
      // Only entries of equal time reach the id comparison, and those all have their ids.
      kept.sort((a, b) => key(b) - key(a) || (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
      page = kept.slice(0, k).slice(offset);
    } else {
      // As TopScoreCollector: score, then the newer write first.
      cands.sort((a, b) => b.score - a.score || b.seq - a.seq);
      page = cands.slice(0, k).slice(offset);
    }
    const docs = await this.docsOf(page.map((c) => c.seq));
    const wantStored = req.stored ?? true;
    const wantSnippets = wantStored && (req.snippets ?? true);
    const matcher = wantSnippets ? matcherFor(plan.highlight) : undefined;
    const hits: Hit[] = [];
    for (const c of page) {
      const score = Math.round(c.score * 10000) / 10000;
      const d = docs.get(c.seq);
      if (!wantStored) {
        hits.push({ id: d?.id ?? '', score });
        continue;
      }
      if (!d || !d.body) continue;
      const body = d.body;
      const hit: Hit = { id: d.id, score };
      for (const f of ['title', 'url', 'published', 'source', 'category'] as const) if (typeof body[f] === 'string') hit[f] = body[f] as string;
      if (c.time === null && isImplausiblePublished(body.published)) hit.published_suspect = true;
      if (matcher) {
        const text = typeof body.summary === 'string' && body.summary ? body.summary : typeof body.text === 'string' ? body.text : '';
        const sn = makeSnippet(text, matcher);
        hit.snippet = sn.snippet;
        hit.highlights = sn.highlights;
        if (hit.title) hit.title_highlights = highlightsIn(hit.title, matcher);
      }
      hits.push(hit);
    }
    const out: ClusterSearchResponse = { total, took_ms: 0, hits, match: plan.long ? 'some' : 'all', ...warnings };
    if (!exact) out.total_exact = false;
    if (req.facets) {
      const sources = new Map<string, number>();
      const categories = new Map<string, number>();
      for (const p of parts) {
        for (const [v, n] of p.facets?.sources ?? []) sources.set(v, (sources.get(v) ?? 0) + n);
        for (const [v, n] of p.facets?.categories ?? []) categories.set(v, (categories.get(v) ?? 0) + n);
      }
      const list = (m: Map<string, number>) => [...m.entries()].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
      out.facets = { sources: list(sources), categories: list(categories) };
    }
    if (plan.restored) out.restored = plan.restored;
    out.took_ms = tookMs();
    return withPartial(out, g.missing);
  }

  async trends(req: TrendsRequest): Promise<ClusterTrendsResponse> {
    return this.pinned((t, attempt) => this.trendsOn(t, attempt, req));
  }

  private async trendsOn(t: Topology, attempt: Attempt, req: TrendsRequest): Promise<ClusterTrendsResponse> {
    const g = await this.planGlobally(req.query, t, { scores: false, attempt });
    const days = new Map<number, number>();
    let undated = 0;
    if (g.plan.must || g.plan.should > 0) {
      const parts = await this.searchShards(t, g, req.query, req, 'trends', 0, false);
      for (const p of parts) {
        undated += p.undated ?? 0;
        for (const [d, n] of p.days ?? []) days.set(d, (days.get(d) ?? 0) + n);
      }
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const [a, b] of g.spans) {
      if (a < lo) lo = a;
      if (b > hi) hi = b;
    }
    return withPartial(trendsOfHistogram({ days, undated }, [lo, hi], req), g.missing);
  }

  private async docsOf(seqs: number[]): Promise<Map<number, { id: string; body: Record<string, unknown> | null }>> {
    const out = new Map<number, { id: string; body: Record<string, unknown> | null }>();
    if (!seqs.length) return out;
    const { rows } = await this.o.pool.query<{ seq: string; doc_id: string; body: Record<string, unknown> | null }>('SELECT seq, doc_id, body FROM document_versions WHERE seq = ANY($1::bigint[])', [seqs]);
    for (const r of rows) out.set(Number(r.seq), { id: r.doc_id, body: r.body });
    return out;
  }

  private async idsOf(seqs: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    if (!seqs.length) return out;
    const { rows } = await this.o.pool.query<{ seq: string; doc_id: string }>('SELECT seq, doc_id FROM document_versions WHERE seq = ANY($1::bigint[])', [seqs]);
    for (const r of rows) out.set(Number(r.seq), r.doc_id);
    return out;
  }

  /** A document's current version, every field as given. */
  async get(id: string): Promise<Record<string, unknown> | undefined> {
    const { rows } = await this.o.pool.query<{ body: Record<string, unknown> | null }>(
      'SELECT v.body FROM documents d JOIN document_versions v ON v.seq = d.current_seq WHERE d.id = $1 AND NOT d.deleted',
      [id],
    );
    return rows[0]?.body ? { id, ...rows[0].body } : undefined;
  }

  /** Live published documents (current versions in live segments). */
  async stats(): Promise<{ documents: number }> {
    const t = await this.topology();
    const { rows } = await this.o.pool.query<{ n: string }>(
      "SELECT (SELECT coalesce(sum(doc_count), 0) FROM segments WHERE state = 'live') - (SELECT count(*) FROM version_segments v JOIN segments g ON g.id = v.segment_id WHERE v.deleted_generation IS NOT NULL AND g.state = 'live') AS n",
    );
    void t;
    return { documents: Number(rows[0].n) };
  }

  /** For /healthz: shards and how many replicas answer for each. */
  async health(): Promise<{ shards: Record<string, number> }> {
    const t = await this.topology();
    return { shards: Object.fromEntries(t.shards.map((s) => [s, t.replicas.get(s)?.length ?? 0])) };
  }
}

function withPartial<T extends object>(out: T, missing: Set<string>): T & { partial?: boolean; missing_shards?: string[] } {
  if (missing.size === 0) return out;
  return { ...out, partial: true, missing_shards: [...missing].sort() };
}
