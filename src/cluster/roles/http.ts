/**
 * Health and metrics over HTTP for the roles that have no HTTP server of their own (`tra fetcher`,
 * `tra indexer`, with `--port`): `GET /healthz` (JSON; 200 when healthy, 503 otherwise) and
 * `GET /metrics` (Prometheus text, src/server/metrics.ts), nothing else.
 *
 * Bounded, so that no request can hang it or grow it: only GET and HEAD; the request line and
 * headers must arrive within 5 s and the whole request within 10 s; a request with a body is
 * answered and its connection closed; at most 64 connections; answers are small (the role keeps
 * its lists short). A health check never waits more than `timeoutMs` for PostgreSQL: the probe has
 * its own pool of one connection (so it neither waits behind the role's work nor takes its
 * connections), concurrent requests share one probe, and a probe's answer is reused for a second.
 */
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry } from '../../server/metrics.ts';
import { openPool, type Pool } from '../pg/connect.ts';
import type { FetcherCounters, HeldLease } from '../fetcher/fetcher.ts';

export interface Health {
  ok: boolean;
  [field: string]: unknown;
}

export interface RoleHttpOptions {
  host: string;
  port: number;
  registry: Registry;
  /** The /healthz answer: 200 when `ok`, else 503. */
  health: () => Promise<Health>;
  /** Run before /metrics is rendered (to refresh gauges); its failure leaves them as they were. */
  beforeMetrics?: () => Promise<void>;
  /** Longest wait for `health` or `beforeMetrics`, ms (default 3000). */
  timeoutMs?: number;
}

export interface RoleHttp {
  url: string;
  close(): Promise<void>;
}

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/** Resolve with `p`, or with `fallback()` after `ms`. */
function within<T>(p: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(fallback()), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Start the server; its URL (`http://host:port`, the port chosen when `port` is 0). */
export async function startRoleHttp(o: RoleHttpOptions): Promise<RoleHttp> {
  const timeoutMs = o.timeoutMs ?? 3_000;
  // Timeouts are checked every second (Node's default: every 30 s).
  const server = http.createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    const send = (status: number, type: string, body: string, extra: Record<string, string> = {}) => {
      const headers: Record<string, string | number> = { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...extra };
      // A request with a body is not read: its connection is closed after the answer.
      const withBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      if (withBody) headers.connection = 'close';
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const json = (status: number, body: unknown, extra?: Record<string, string>) => send(status, 'application/json; charset=utf-8', JSON.stringify(body), extra);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(405, { error: `chỉ nhận GET (nhận được ${String(req.method).slice(0, 16)}) — dùng GET /healthz hoặc GET /metrics` }, { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/healthz') {
      const answer = o.health().catch((e: unknown): Health => ({ ok: false, status: 'error', message: `không kiểm tra được: ${(e as Error).message}` }));
      void within(answer, timeoutMs, (): Health => ({ ok: false, status: 'error', message: `kiểm tra sức khoẻ không xong sau ${timeoutMs} ms` })).then((h) =>
        json(h.ok ? 200 : 503, { status: h.ok ? 'ok' : 'error', ...h }),
      );
      return;
    }
    if (path === '/metrics') {
      const refresh = (o.beforeMetrics?.() ?? Promise.resolve()).catch(() => undefined);
      void within(refresh, timeoutMs, () => undefined).then(() => send(200, TEXT, o.registry.render()));
      return;
    }
    json(404, { error: `không có ${path.slice(0, 100)} — chỉ có GET /healthz và GET /metrics` });
  });
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 50;
  server.maxConnections = 64;
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      server.on('error', () => undefined); // after listening (an accept failing): nothing to do
      resolve();
    });
  });
  const addr = server.address() as { port: number };
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What a probe of PostgreSQL found. */
export interface ProbeResult<T> {
  reachable: boolean;
  /** Round trip of `SELECT 1`, ms. */
  ms?: number;
  /** One line when unreachable. */
  error?: string;
  /** The role's own query, when it answered. */
  extra?: T;
  extraError?: string;
}

/**
 * Checks that PostgreSQL answers, on a pool of its own (one connection, closed when idle), with
 * every wait bounded by `timeoutMs`; then runs the role's own query (`extra`), whose failure does
 * not make PostgreSQL unreachable. One probe at a time; an answer is reused for `reuseMs`.
 */
export class PgProbe<T = unknown> {
  private readonly pool: Pool;
  private pending: Promise<ProbeResult<T>> | undefined;
  private last: { at: number; result: ProbeResult<T> } | undefined;
  private readonly extra?: (pool: Pool) => Promise<T>;
  private readonly reuseMs: number;

  constructor(url: string, name: string, o: { timeoutMs?: number; reuseMs?: number; extra?: (pool: Pool) => Promise<T> } = {}) {
    const timeoutMs = o.timeoutMs ?? 2_000;
    this.pool = openPool(url, { max: 1, application: `tra ${name} health`, statementTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs });
    this.extra = o.extra;
    this.reuseMs = o.reuseMs ?? 1_000;
  }

  run(): Promise<ProbeResult<T>> {
    if (this.last && Date.now() - this.last.at < this.reuseMs) return Promise.resolve(this.last.result);
    this.pending ??= this.probe().then((result) => {
      this.last = { at: Date.now(), result };
      this.pending = undefined;
      return result;
    });
    return this.pending;
  }

  private async probe(): Promise<ProbeResult<T>> {
    const t0 = performance.now();
    try {
      await this.pool.query('SELECT 1');
    } catch (e) {
      return { reachable: false, error: pgLine(e) };
    }
    const out: ProbeResult<T> = { reachable: true, ms: Math.round((performance.now() - t0) * 10) / 10 };
    if (this.extra) {
      try {
        out.extra = await this.extra(this.pool);
      } catch (e) {
        out.extraError = pgLine(e);
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

function pgLine(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const what = [err?.code, err?.message].filter(Boolean).join(': ').replace(/\s+/g, ' ').slice(0, 300);
  return `không kết nối được PostgreSQL (${what || 'lỗi không rõ'})`;
}

/** Process metrics, named as `tra serve` names them (src/server/plugins/ops.ts), plus CPU time. */
export function addProcessMetrics(registry: Registry): { refresh(): void } {
  const started = Date.now();
  const cpu = registry.add(new Counter('tra_process_cpu_seconds_total', 'CPU time used by the process (user and system), seconds.'));
  registry.add(new Gauge('tra_process_resident_memory_bytes', 'Resident set size of the process.', () => process.memoryUsage.rss()));
  registry.add(new Gauge('tra_process_heap_used_bytes', 'V8 heap in use.', () => process.memoryUsage().heapUsed));
  registry.add(new Gauge('tra_process_uptime_seconds', 'Seconds since the process started.', () => (Date.now() - started) / 1000));
  return {
    refresh() {
      const u = process.cpuUsage();
      setCounter(cpu, {}, (u.user + u.system) / 1e6);
    },
  };
}

/** Bring a counter up to a total counted elsewhere (never down). */
export function setCounter(c: Counter, labels: Record<string, string>, total: number): void {
  const d = total - c.get(labels);
  if (d > 0) c.inc(labels, d);
}

/** A gauge with labels, read when metrics are scraped. */
export class LabeledGauge {
  readonly name: string;
  readonly help: string;
  private readonly read: () => Array<[Record<string, string>, number]>;
  constructor(name: string, help: string, read: () => Array<[Record<string, string>, number]>) {
    this.name = name;
    this.help = help;
    this.read = read;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    for (const [labels, v] of this.read()) {
      if (!Number.isFinite(v)) continue;
      const l = Object.keys(labels)
        .sort()
        .map((k) => `${k}="${labels[k].replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`)
        .join(',');
      out += `${this.name}${l ? `{${l}}` : ''} ${v}\n`;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// `tra fetcher`: its counters and the host leases it holds.

/** What of a fetcher its health and metrics read (src/cluster/fetcher/fetcher.ts `Fetcher`). */
export interface FetcherView {
  readonly owner: string;
  readonly counters: FetcherCounters;
  readonly held: ReadonlyMap<string, HeldLease>;
}

/** Hosts listed by /healthz at most (the count is always given). */
const MAX_LISTED = 100;

export function fetcherEndpoints(f: FetcherView, probe: PgProbe, o: { slots: number }): Pick<RoleHttpOptions, 'registry' | 'health' | 'beforeMetrics'> {
  const registry = new Registry();
  const started = Date.now();
  const proc = addProcessMetrics(registry);
  const fetches = registry.add(new Counter('tra_fetcher_fetches_total', 'HTTP requests made, by kind (robots, feed, article) and outcome (status class 2xx…5xx, or blocked, timeout, too_big, error).'));
  const bytes = registry.add(new Counter('tra_fetcher_fetched_bytes_total', 'Bytes of response bodies received (content-encoding kept), by kind.'));
  const claims = registry.add(new Counter('tra_fetcher_host_claims_total', 'Host leases claimed.'));
  registry.add(new Gauge('tra_fetcher_host_leases', 'Host leases held now.', () => f.held.size));
  registry.add(new Gauge('tra_fetcher_host_slots', 'Hosts worked on at once at most (--hosts).', () => o.slots));
  const waits = registry.add(new Counter('tra_fetcher_politeness_waits_total', "Waits for a host's delay before a request."));
  const waited = registry.add(new Counter('tra_fetcher_politeness_wait_seconds_total', "Time spent waiting for hosts' delays, seconds."));
  const disallowed = registry.add(new Counter('tra_fetcher_disallowed_total', 'URLs robots.txt disallows, recorded without a request.'));
  const commits = registry.add(new Counter('tra_fetcher_commits_total', 'Fetch results committed to PostgreSQL.'));
  const versions = registry.add(new Counter('tra_fetcher_versions_total', 'New document versions written.'));
  const leaseLost = registry.add(new Counter('tra_fetcher_lease_lost_total', 'Hosts dropped because their lease was lost (the commit refused).'));
  const errors = registry.add(new Counter('tra_fetcher_errors_total', 'Hosts given back after an error.'));
  const sync = () => {
    const c = f.counters;
    proc.refresh();
    for (const [k, n] of Object.entries(c.requests)) {
      const [kind, outcome] = k.split(' ');
      setCounter(fetches, { kind, outcome }, n);
    }
    for (const [kind, n] of Object.entries(c.bytes)) setCounter(bytes, { kind }, n);
    setCounter(claims, {}, c.claims);
    setCounter(waits, {}, c.politenessWaits);
    setCounter(waited, {}, c.politenessWaitMs / 1000);
    setCounter(disallowed, {}, c.disallowed);
    setCounter(commits, {}, c.committed);
    setCounter(versions, {}, c.versions);
    setCounter(leaseLost, {}, c.leaseLost);
    setCounter(errors, {}, c.errors);
  };
  sync();
  return {
    registry,
    beforeMetrics: async () => sync(),
    async health() {
      const pg = await probe.run();
      const now = Date.now();
      const held = [...f.held.values()].sort((a, b) => (a.host < b.host ? -1 : 1));
      return {
        ok: pg.reachable,
        role: 'fetcher',
        owner: f.owner,
        pid: process.pid,
        uptime_s: Math.round((now - started) / 1000),
        postgres: pg.reachable ? { reachable: true, ms: pg.ms } : { reachable: false, error: pg.error },
        ...(pg.reachable ? {} : { message: `${pg.error} — fetcher không ghi được kết quả; nó tự thử lại khi PostgreSQL trở lại` }),
        slots: o.slots,
        hosts_held: held.length,
        hosts: held.slice(0, MAX_LISTED).map((h) => ({ host: h.host, epoch: h.epoch, held_s: Math.round((now - h.since) / 100) / 10, lease_expires_at: h.lease.leaseExpiresAt.toISOString() })),
        fetched: f.counters.fetched,
        committed: f.counters.committed,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// `tra indexer`: jobs seen from outside runIndexer (src/cluster/indexer/indexer.ts).

/** Job kinds and states counted at most (the queue has a handful of kinds). */
const MAX_KINDS = 20;

export type QueueCounts = Record<string, { ready: number; running: number }>;

/** Ready and running jobs by kind (done jobs are deleted; failed ones are not work). */
export async function queueCounts(q: Pick<Pool, 'query'>): Promise<QueueCounts> {
  const { rows } = await q.query<{ kind: string; state: 'ready' | 'running'; n: string }>(
    `SELECT kind, state, count(*) AS n FROM jobs WHERE state IN ('ready', 'running') GROUP BY kind, state ORDER BY kind LIMIT ${2 * MAX_KINDS}`,
  );
  const out: QueueCounts = {};
  for (const r of rows) (out[r.kind] ??= { ready: 0, running: 0 })[r.state] = Number(r.n);
  return out;
}

interface JobInHand {
  id: number;
  kind: string;
  epoch: number;
  attempt: number;
  since: number;
  failed?: boolean;
}

const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * Watches an indexer's jobs without changing it: `runIndexer` gets `wrap(pool)` as its pool and
 * `log(next)` as its log. The claim (an `UPDATE jobs` returning rows leased to `owner`) says which
 * job is in hand and of what kind; the one line the indexer logs per job says it ended — `(lease
 * lost)` in it: the lease was lost; a `fail` of that job (an `UPDATE jobs … last_error` for its id
 * and epoch), which the indexer issues right after that line: failed; otherwise done. A job that
 * ends with no line (none today) is counted `unknown` when the next one is claimed.
 */
export class IndexerWatch {
  readonly owner: string;
  readonly registry = new Registry();
  private readonly jobs: Counter;
  private readonly duration: Histogram;
  private readonly proc: { refresh(): void };
  private current: JobInHand | undefined;
  private ending: (JobInHand & { ms: number }) | undefined;
  private last: { id: number; kind: string; outcome: string; ms: number; at: number } | undefined;
  private queue: QueueCounts = {};
  private readonly started = Date.now();

  constructor(owner: string) {
    this.owner = owner;
    this.proc = addProcessMetrics(this.registry);
    this.jobs = this.registry.add(new Counter('tra_indexer_jobs_total', 'Jobs finished, by kind (index, merge, observe, …) and outcome (done, failed, lease_lost).'));
    this.duration = this.registry.add(new Histogram('tra_indexer_job_duration_seconds', 'Time from claim to end of a job, by kind and outcome.', JOB_BUCKETS));
    this.registry.add(new Gauge('tra_indexer_job_in_hand', 'Whether a job is being worked on (1) or not (0).', () => (this.current ? 1 : 0)));
    this.registry.add(new Gauge('tra_indexer_job_in_hand_seconds', 'Seconds since the job in hand was claimed.', () => (this.current ? (Date.now() - this.current.since) / 1000 : 0)));
    this.registry.add(
      new LabeledGauge('tra_indexer_queue_jobs', "Jobs in the cluster's queue by kind and state (ready, running), as of the last scrape.", () =>
        Object.entries(this.queue).flatMap(([kind, c]) => [[{ kind, state: 'ready' }, c.ready] as [Record<string, string>, number], [{ kind, state: 'running' }, c.running] as [Record<string, string>, number]]),
      ),
    );
  }

  /** `pool` with this indexer's claims and failures seen on the way (every call passed on as is). */
  wrap(pool: Pool): Pool {
    const query = (...args: unknown[]): unknown => {
      const r = (pool.query as (...a: unknown[]) => unknown).apply(pool, args);
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | undefined)?.text;
      if (typeof text !== 'string' || !/\bUPDATE jobs\b/.test(text)) return r;
      const params = (Array.isArray(args[1]) ? args[1] : (args[0] as { values?: unknown[] }).values) ?? [];
      if (/\blast_error\s*=\s*\$/.test(text)) this.failing(Number(params[0]), Number(params[1]));
      else if (r && typeof (r as Promise<unknown>).then === 'function') {
        (r as Promise<{ rows?: Record<string, unknown>[] }>).then((res) => this.claimed(res?.rows ?? []), () => undefined);
      }
      return r;
    };
    return new Proxy(pool, {
      get(target, prop) {
        if (prop === 'query') return query;
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  /** A log callback for runIndexer that watches its job lines and passes every line to `next`. */
  log(next?: (line: string) => void): (line: string) => void {
    return (line) => {
      try {
        this.line(line);
      } finally {
        next?.(line);
      }
    };
  }

  private claimed(rows: Record<string, unknown>[]): void {
    for (const r of rows) {
      if (r.lease_owner !== this.owner || typeof r.kind !== 'string' || r.lease_epoch === undefined) continue;
      if (this.current) this.finish(this.current, 'unknown', Date.now() - this.current.since);
      this.current = { id: Number(r.id), kind: r.kind, epoch: Number(r.lease_epoch), attempt: Number(r.attempts), since: Date.now() };
    }
  }

  private failing(id: number, epoch: number): void {
    if (this.ending && this.ending.id === id && this.ending.epoch === epoch) {
      const e = this.ending;
      this.ending = undefined;
      this.finish(e, 'failed', e.ms);
    } else if (this.current && this.current.id === id && this.current.epoch === epoch) this.current.failed = true;
  }

  private line(line: string): void {
    const cur = this.current;
    const m = /^job (\d+)\b/.exec(line);
    if (!cur || !m || Number(m[1]) !== cur.id) return;
    this.current = undefined;
    const ms = Date.now() - cur.since;
    if (/\(lease lost\)/.test(line)) return this.finish(cur, 'lease_lost', ms);
    if (cur.failed) return this.finish(cur, 'failed', ms);
    // A failure is given back (`fail`) right after its line, before anything else is awaited.
    const e = (this.ending = { ...cur, ms });
    setImmediate(() => {
      if (this.ending !== e) return;
      this.ending = undefined;
      this.finish(e, 'done', ms);
    });
  }

  private finish(j: JobInHand, outcome: string, ms: number): void {
    this.jobs.inc({ kind: j.kind, outcome });
    this.duration.observe({ kind: j.kind, outcome }, ms / 1000);
    this.last = { id: j.id, kind: j.kind, outcome, ms, at: Date.now() };
  }

  /** Health and metrics endpoints over `probe` (whose extra query is `queueCounts`). */
  endpoints(probe: PgProbe<QueueCounts>): Pick<RoleHttpOptions, 'registry' | 'health' | 'beforeMetrics'> {
    return {
      registry: this.registry,
      beforeMetrics: async () => {
        this.proc.refresh();
        const r = await probe.run();
        if (r.extra) this.queue = r.extra;
      },
      health: async () => {
        const pg = await probe.run();
        if (pg.extra) this.queue = pg.extra;
        const now = Date.now();
        const cur = this.current;
        return {
          ok: pg.reachable,
          role: 'indexer',
          owner: this.owner,
          pid: process.pid,
          uptime_s: Math.round((now - this.started) / 1000),
          postgres: pg.reachable ? { reachable: true, ms: pg.ms } : { reachable: false, error: pg.error },
          ...(pg.reachable ? {} : { message: `${pg.error} — indexer không nhận được việc; nó tự thử lại khi PostgreSQL trở lại` }),
          job: cur ? { id: cur.id, kind: cur.kind, attempt: cur.attempt, running_s: Math.round((now - cur.since) / 100) / 10 } : null,
          last_job: this.last ? { id: this.last.id, kind: this.last.kind, outcome: this.last.outcome, ms: this.last.ms, ago_s: Math.round((now - this.last.at) / 1000) } : null,
          queue: pg.extra ?? null,
          ...(pg.extraError ? { queue_error: pg.extraError } : {}),
        };
      },
    };
  }
}
