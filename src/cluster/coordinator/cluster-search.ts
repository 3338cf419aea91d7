/**
 * The coordinator's search: `search` and `trends` answering exactly as one machine's engine
 * does (src/engine/index.ts), over shards served by searchers. docs/SCALE.md ("Searching a
 * sharded index") describes the protocol:
 *
 * 1. Plan with global statistics. The query is planned from a memo of answers (searcher/
 *    protocol.ts `planFromMemo`); what the plan asks and the memo lacks — document frequencies,
 *    prefix expansions, side-by-side shares — is asked of every shard at once and summed, and the
 *    query is planned again, until nothing is missing (a few rounds at most). Accent restoration
 *    is answered here, by a restorer trained on the counts of every shard. Every shard is asked,
 *    even those the date filter prunes: N and df are the whole collection's, as on one machine.
 *    Each shard's generation is pinned by its first answer.
 * 2. Search the shards the date filter keeps, sending the memo and the global N and average
 *    lengths: each plans the same plan and scores with the same idfs, so a document's score does
 *    not depend on which shard holds it. Top k, totals, facets and day histograms merge exactly.
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
import { callShard, type Replica } from './fanout.ts';

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
  log?: (line: string) => void;
}

export type ClusterSearchResponse = SearchResponse & { partial?: boolean; missing_shards?: string[] };
export type ClusterTrendsResponse = TrendsResponse & { partial?: boolean; missing_shards?: string[] };

interface Topology {
  shards: string[];
  replicas: Map<string, Replica[]>;
  /** Documents in live segments (deleted included): when the restorer is rebuilt. */
  docs: number;
  at: number;
}

const MAX_ROUNDS = 6;
const UNDATED_KEY = -8.64e15;

export class ClusterSearch {
  private readonly o: ClusterSearchOptions;
  private topo: Topology | undefined;
  private refreshing: Promise<Topology> | undefined;
  private restorer: { model: AccentRestorer | undefined; docs: number } | undefined;
  private restoring: Promise<void> | undefined;
  private rr = 0;

  constructor(o: ClusterSearchOptions) {
    this.o = o;
  }

  async topology(): Promise<Topology> {
    const t = this.topo;
    if (t && Date.now() - t.at < (this.o.refreshMs ?? 1_000)) return t;
    this.refreshing ??= this.loadTopology().finally(() => (this.refreshing = undefined));
    return t && Date.now() - t.at < 30_000 ? this.refreshing.catch(() => t) : this.refreshing;
  }

  private async loadTopology(): Promise<Topology> {
    const { pool } = this.o;
    const shards = (await pool.query<{ shard: string }>('SELECT shard FROM shard_checkpoints WHERE generation > 0 ORDER BY shard')).rows.map((r) => r.shard);
    const { rows } = await pool.query<{ id: string; url: string; generations: Record<string, number> }>(
      'SELECT id, url, generations FROM searchers WHERE heartbeat_at > now() - $1 * interval \'1 millisecond\' ORDER BY id',
      [this.o.staleMs ?? 10_000],
    );
    const docs = Number((await pool.query<{ n: string | null }>("SELECT sum(doc_count) AS n FROM segments WHERE state = 'live'")).rows[0].n ?? 0);
    const replicas = new Map<string, Replica[]>();
    for (const s of shards) replicas.set(s, []);
    for (const r of rows) for (const s of Object.keys(r.generations)) replicas.get(s)?.push({ id: r.id, url: r.url, generations: r.generations });
    this.topo = { shards, replicas, docs, at: Date.now() };
    return this.topo;
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

  /** Phase 1: the plan of the whole collection and the statistics it scores with. */
  private async planGlobally(query: string, t: Topology): Promise<{ plan: Plan; memo: PlanMemo; N: number; avgLen: number[]; gens: Map<string, number>; spans: [number, number][]; missing: Set<string> }> {
    const memo = emptyMemo();
    const gens = new Map<string, number>();
    const missing = new Set<string>();
    let base: StatsResponse[] | undefined;
    for (let round = 0; ; round++) {
      let { plan, misses } = planFromMemo(query, memo);
      if (misses?.restore.length) {
        const model = await this.restorerFor(t);
        for (const text of misses.restore) memo.restore[text] = model ? model.restore(text) : null;
        ({ plan, misses } = planFromMemo(query, memo));
      }
      if (base && !misses) {
        let docs = 0;
        const sum = [0, 0, 0];
        for (const s of base) {
          docs += s.docs;
          for (let f = 0; f < 3; f++) sum[f] += s.sumLen[f];
        }
        const spans = base.flatMap((s) => (s.span ? [s.span] : []));
        return { plan, memo, N: Math.max(1, docs), avgLen: sum.map((x) => (docs ? x / docs : 1)), gens, spans, missing };
      }
      if (round >= MAX_ROUNDS) throw new Error(`query planning did not settle after ${MAX_ROUNDS} rounds`);
      const ask = misses ?? { restore: [], expand: [], adjacency: [], df: [] };
      const df = [...new Set(ask.df)];
      const expand = [...new Set(ask.expand)];
      const adjacency = ask.adjacency;
      const answers = await Promise.all(t.shards.map(async (shard) => {
        if (missing.has(shard)) return undefined;
        const req: StatsRequest = { shard, generation: gens.get(shard), df, expand, adjacency };
        const got = await callShard<StatsResponse>(this.replicasOf(t, shard, gens.get(shard)), '/shard/stats', req, this.callOpts());
        if (!got) {
          missing.add(shard);
          return undefined;
        }
        gens.set(shard, got.answer.generation);
        return got.answer;
      }));
      const ok = answers.filter((a): a is StatsResponse => a !== undefined);
      if (!base) base = ok;
      else base = base.filter((b) => !missing.has(b.shard));
      df.forEach((key, i) => (memo.df[key] = ok.reduce((n, a) => n + a.df[i], 0)));
      expand.forEach((p, i) => {
        const found = new Map<string, number>();
        for (const a of ok) for (const [term, n] of a.expand[i]) found.set(term, (found.get(term) ?? 0) + n);
        memo.expand[p] = [...found.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).slice(0, DEFAULT_WEIGHTS.prefixExpansions).map((e) => e[0]);
      });
      adjacency.forEach(([a, b, pair], i) => {
        let both = 0;
        let side = 0;
        for (const x of ok) {
          both += x.adjacency[i][0];
          side += x.adjacency[i][1];
        }
        memo.adjacency[adjacencyKey(a, b, pair)] = both === 0 ? 1 : side / both;
      });
    }
  }

  private callOpts() {
    return { timeoutMs: this.o.timeoutMs ?? 10_000, hedgeMs: this.o.hedgeMs ?? 300, onOutcome: this.o.onShardCall };
  }

  /** Phase 2 on the shards the date filter keeps. */
  private async searchShards(t: Topology, g: Awaited<ReturnType<ClusterSearch['planGlobally']>>, query: string, req: { from?: string; to?: string; sources?: string[]; categories?: string[] }, mode: ShardSearchRequest['mode'], k: number, facets: boolean): Promise<ShardSearchResponse[]> {
    const fromDay = req.from ? dayOfDate(req.from) : undefined;
    const toDay = req.to ? dayOfDate(req.to) : undefined;
    const kept = t.shards.filter((s) => !g.missing.has(s) && shardMayMatch(s, fromDay, toDay));
    const answers = await Promise.all(kept.map(async (shard) => {
      const generation = g.gens.get(shard)!;
      const body: ShardSearchRequest = { shard, generation, query, memo: g.memo, N: g.N, avgLen: g.avgLen, filters: { from: req.from, to: req.to, sources: req.sources, categories: req.categories }, mode, k, facets };
      const got = await callShard<ShardSearchResponse>(this.replicasOf(t, shard, generation), '/shard/search', body, this.callOpts());
      if (!got) g.missing.add(shard);
      return got?.answer;
    }));
    return answers.filter((a): a is ShardSearchResponse => a !== undefined);
  }

  async search(req: SearchRequest & { stored?: boolean }): Promise<ClusterSearchResponse> {
    const t0 = performance.now();
    const t = await this.topology();
    const g = await this.planGlobally(req.query, t);
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
    const t = await this.topology();
    const g = await this.planGlobally(req.query, t);
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
      "SELECT (SELECT coalesce(sum(doc_count), 0) FROM segments WHERE state = 'live') - (SELECT count(*) FROM document_versions v JOIN segments g ON g.id = v.segment_id WHERE v.deleted_generation IS NOT NULL AND g.state = 'live') AS n",
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
