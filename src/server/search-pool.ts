/**
 * Worker threads that are watched over, and the pool of search workers built from them.
 *
 * A `SupervisedWorker` runs one worker script and keeps it answering:
 * - **Deadlines.** Every call has one (per method). A call that overruns is answered with a 503
 *   saying so, and the worker is terminated and replaced: a runaway query must not keep burning
 *   a core, and the only way to stop synchronous engine code is to stop its thread.
 * - **Memory limits.** The worker runs with `resourceLimits` (a V8 heap ceiling), so a request
 *   that allocates without bound kills that worker — its calls fail with a 503 — instead of the
 *   whole process running out of memory.
 * - **Replacement with back-off.** A worker that dies (crash, memory limit, deadline, failure to
 *   start) is started again after 250 ms, doubling after each death in a row up to 30 s, so a
 *   crash loop does not spin. Deaths stop counting as "in a row" once a worker has stayed ready
 *   for 10 s. Calls made while no worker is alive are refused at once with a 503.
 * - **Health.** `health()` says how many workers are ready, starting or down, and how many times
 *   they were replaced; /healthz reports it (plugins/ops.ts).
 *
 * Protocol: the worker posts `{id: 0, ok}` once it is ready (or could not start), then answers
 * each `{id, method, …}` with `{id, ok, value}` or `{id, ok: false, message, status?, field?}`;
 * a `status` below 500 (a 400 for input the worker refused) is passed on to the HTTP answer.
 *
 * The search pool (`SearchPool`) holds one SupervisedWorker per thread (search-worker.ts), each
 * with the data directory opened read-only. Each worker keeps its recent answers
 * (answer-cache.ts), so a request goes first to the worker its key hashes to — unless that
 * worker has more calls in flight than the least busy one, which then takes it (a quick query
 * must not wait behind a slow one for a cache hit it probably would not get). With one worker per
 * core a 2-core machine answers twice the searches per second, and a slow query never blocks the
 * event loop that serves pages, suggestions and health checks.
 */
import { Worker } from 'node:worker_threads';
import type { SearchRequest, SearchResponse, TrendsRequest, TrendsResponse } from './backend.ts';
import { keyHash, requestKey } from './answer-cache.ts';
import type { SharedFiles } from './shared-files.ts';

/** A search or trends call may run this long before it is stopped (TRA_SEARCH_DEADLINE_MS). */
export const SEARCH_DEADLINE_MS = 20_000;
/** V8 heap ceiling of each search worker, in MB (TRA_WORKER_HEAP_MB). */
export const SEARCH_HEAP_MB = 1024;
export const MIN_BACKOFF_MS = 250;
export const MAX_BACKOFF_MS = 30_000;
/** A worker ready for this long has recovered: its next death starts the back-off afresh. */
const STABLE_MS = 10_000;

/** A number from the environment, or the default when unset or not a positive number. */
export function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** A call that could not be answered because of the worker, not the request: a 503. */
export class WorkerUnavailable extends Error {
  readonly statusCode = 503;
}

/** An error the worker reported, with the HTTP status and field it gave (a 400 stays a 400). */
class WorkerReplyError extends Error {
  readonly statusCode: number | undefined;
  readonly field: string | undefined;
  constructor(message: string, status?: number, field?: string) {
    super(message);
    this.statusCode = status !== undefined && status >= 400 && status < 500 ? status : undefined;
    this.field = field;
  }
}

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string; status?: number; field?: string };

/** The reply a worker sends for an error: its message, and the status and field of a refusal. */
export function errorReply(id: number, err: unknown): WorkerReply {
  const e = err as { message?: string; statusCode?: unknown; field?: unknown };
  const reply: WorkerReply = { id, ok: false, message: String(e?.message ?? err) };
  if (typeof e?.statusCode === 'number') reply.status = e.statusCode;
  if (typeof e?.field === 'string') reply.field = e.field;
  return reply;
}

export type WorkerState = 'starting' | 'ready' | 'down' | 'closed';

export interface WorkerHealth {
  state: WorkerState;
  /** Times this worker was replaced since the server started. */
  restarts: number;
  lastError?: string;
}

export interface SupervisedOptions {
  script: URL;
  workerData: unknown;
  /** What the worker is, in messages: "luồng tìm kiếm", "luồng đài quan sát". */
  label: string;
  /** Deadline of a call by method, in ms. */
  deadlineMs: (method: string) => number;
  /** V8 old-generation ceiling in MB (resourceLimits.maxOldGenerationSizeMb). */
  heapMb: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Told when a worker is ready, and when it died or could not start (with why). */
  onReady?: () => void;
  onDown?: (reason: string) => void;
  /** Keep the process alive for this worker? (The observatory's is unref'd.) */
  unref?: boolean;
  /** A first start that fails is final (firstStart rejects, no restart): a data directory the search workers cannot open. */
  failFirst?: boolean;
  /**
   * Segment files shared with this process's other threads: each start of the worker gets a
   * link (`workerData.sharedFiles`, its port transferred) to read them through (shared-files.ts).
   */
  sharedFiles?: SharedFiles;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** How a death reason starts when the worker said it could not start. */
export const CANNOT_START = 'không khởi động được';

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 300);

export class SupervisedWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private _state: WorkerState = 'down';
  private deathsInRow = 0;
  private readyAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private _restarts = 0;
  private lastError: string | undefined;
  /** Resolved when the first worker is ready, rejected when it could not start. */
  readonly firstStart: Promise<void>;
  private settleFirst: { resolve: () => void; reject: (e: Error) => void } | undefined;

  private readonly o: SupervisedOptions;

  constructor(o: SupervisedOptions) {
    this.o = o;
    this.firstStart = new Promise<void>((resolve, reject) => (this.settleFirst = { resolve, reject }));
    this.firstStart.catch(() => {});
    this.start();
  }

  get state(): WorkerState {
    return this._state;
  }
  /** Calls posted and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }
  get restarts(): number {
    return this._restarts;
  }
  /** Ready, or starting after a clean (re)start: a call posted now will be answered. */
  get able(): boolean {
    return this._state === 'ready' || (this._state === 'starting' && this.deathsInRow === 0);
  }

  health(): WorkerHealth {
    return { state: this._state, restarts: this._restarts, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  private start(): void {
    if (this._state === 'closed') return;
    this._state = 'starting';
    const shared = this.o.sharedFiles?.link();
    const w = new Worker(this.o.script, {
      workerData: shared ? { ...(this.o.workerData as object), sharedFiles: shared.link } : this.o.workerData,
      transferList: shared ? [shared.link.port] : [],
      resourceLimits: { maxOldGenerationSizeMb: this.o.heapMb },
    });
    this.worker = w;
    if (shared) w.once('exit', shared.close);
    if (this.o.unref) w.unref();
    w.on('message', (m: WorkerReply) => {
      if (this.worker !== w) return;
      if (m.id === 0) {
        if (m.ok) {
          this._state = 'ready';
          this.readyAt = Date.now();
          this.settleFirst?.resolve();
          this.settleFirst = undefined;
          this.o.onReady?.();
        } else {
          this.died(w, `${CANNOT_START}: ${m.message}`);
        }
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new WorkerReplyError(m.message, m.status, m.field));
    });
    w.on('error', (e) => this.died(w, e.message));
    w.on('exit', (code) => this.died(w, `thoát với mã ${code}`));
  }

  /** The worker `w` is gone (or must go): fail its calls, and start another after the back-off. */
  private died(w: Worker, reason: string): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    void w.terminate();
    const why = oneLine(reason);
    this.lastError = why;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new WorkerUnavailable(`${this.o.label} bị dừng khi đang xử lý yêu cầu này (${why}) và đang được khởi động lại. Hãy thử lại sau ít giây.`));
    }
    this.pending.clear();
    if (this._state === 'closed') return;
    if (this.settleFirst && this.o.failFirst) {
      // The very first start failed: the caller opening the pool is told; no restart.
      this.settleFirst.reject(new Error(`${this.o.label}: ${why}`));
      this.settleFirst = undefined;
      this._state = 'closed';
      return;
    }
    this.o.onDown?.(why);
    if (this._state === 'ready' && Date.now() - this.readyAt >= STABLE_MS) this.deathsInRow = 0;
    this._state = 'down';
    const min = this.o.minBackoffMs ?? MIN_BACKOFF_MS;
    const delay = Math.min(this.o.maxBackoffMs ?? MAX_BACKOFF_MS, min * 2 ** this.deathsInRow);
    this.deathsInRow++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this._restarts++;
      this.start();
    }, delay);
    this.restartTimer.unref();
  }

  /** Post a call; it is answered, refused (worker error), or failed with a 503 (deadline, death). */
  call<T>(method: string, payload: Record<string, unknown>): Promise<T> {
    const w = this.worker;
    if (!w || this._state === 'closed' || this._state === 'down') {
      const why = this.lastError ? ` (lần cuối: ${this.lastError})` : '';
      return Promise.reject(new WorkerUnavailable(`${this.o.label} chưa sẵn sàng${why}; máy chủ đang khởi động lại nó. Hãy thử lại sau ít giây.`));
    }
    const id = this.nextId++;
    const deadline = this.o.deadlineMs(method);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        reject(new WorkerUnavailable(`Yêu cầu này chạy quá ${formatSeconds(deadline)} nên đã bị dừng, và ${this.o.label} được khởi động lại. Hãy thu hẹp truy vấn hoặc khoảng thời gian rồi thử lại.`));
        // Synchronous code cannot be interrupted: stop the thread, start a fresh one.
        this.died(w, `quá thời hạn ${formatSeconds(deadline)}`);
      }, deadline);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      w.postMessage({ ...payload, id, method });
    });
  }

  /** Stop for good: optionally ask the worker to close first (waiting at most `graceMs`). */
  async close(closeMessage?: Record<string, unknown>, graceMs = 2000): Promise<void> {
    if (this._state === 'closed' && !this.worker) return;
    const w = this.worker;
    const wasReady = this._state === 'ready';
    // Closed first: the worker's own exit after the close message is not a death to recover from.
    this._state = 'closed';
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (closeMessage && w && wasReady) {
      const id = this.nextId++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.pending.set(id, { resolve: () => resolve(), reject: () => resolve(), timer });
        w.postMessage({ ...closeMessage, id });
      });
    }
    this.worker = undefined;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new WorkerUnavailable('máy chủ đang tắt'));
    }
    this.pending.clear();
    if (w) await w.terminate();
  }
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} giây`.replace('.', ',') : `${ms} ms`;
}

/** How a pool of workers is doing, as /healthz reports it. */
export interface PoolHealth {
  workers: number;
  ready: number;
  starting: number;
  down: number;
  /** Workers replaced since the server started (crashes, memory limits, deadlines). */
  restarts: number;
  /** At least one worker is ready, or starting cleanly. */
  able: boolean;
  lastError?: string;
}

export function poolHealth(workers: SupervisedWorker[]): PoolHealth {
  const h: PoolHealth = { workers: workers.length, ready: 0, starting: 0, down: 0, restarts: 0, able: false };
  for (const w of workers) {
    const s = w.health();
    if (s.state === 'ready') h.ready++;
    else if (s.state === 'starting') h.starting++;
    else h.down++;
    h.restarts += s.restarts;
    if (w.able) h.able = true;
    if (s.lastError) h.lastError = s.lastError;
  }
  return h;
}

export interface SearchPoolOptions {
  /** Deadline of one search or trends call, ms (default SEARCH_DEADLINE_MS, or TRA_SEARCH_DEADLINE_MS). */
  deadlineMs?: number;
  /** Heap ceiling of each worker, MB (default SEARCH_HEAP_MB, or TRA_WORKER_HEAP_MB). */
  heapMb?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Told when a worker died and is being replaced, with why. */
  onDown?: (why: string) => void;
  /** Segment files shared with the process's other threads (shared-files.ts). */
  sharedFiles?: SharedFiles;
}

type Call = { method: 'search'; req: SearchRequest } | { method: 'trends'; req: TrendsRequest };

export class SearchPool {
  private readonly slots: SupervisedWorker[] = [];
  private closed = false;

  private constructor() {}

  static async open(dataDir: string, size: number, opts: SearchPoolOptions = {}): Promise<SearchPool> {
    const pool = new SearchPool();
    const deadline = opts.deadlineMs ?? envNumber('TRA_SEARCH_DEADLINE_MS', SEARCH_DEADLINE_MS);
    for (let i = 0; i < size; i++) {
      pool.slots.push(new SupervisedWorker({
        script: new URL('./search-worker.ts', import.meta.url),
        workerData: { dataDir },
        label: 'luồng tìm kiếm',
        deadlineMs: () => deadline,
        heapMb: opts.heapMb ?? envNumber('TRA_WORKER_HEAP_MB', SEARCH_HEAP_MB),
        failFirst: true,
        minBackoffMs: opts.minBackoffMs,
        maxBackoffMs: opts.maxBackoffMs,
        onDown: opts.onDown,
        sharedFiles: opts.sharedFiles,
      }));
    }
    try {
      await Promise.all(pool.slots.map((s) => s.firstStart));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  health(): PoolHealth {
    return poolHealth(this.slots);
  }

  /** The worker for a call: its home worker unless a less busy one can take it; only live workers. */
  private pick(c: Call): SupervisedWorker | undefined {
    const live = this.slots.filter((s) => s.state === 'ready');
    const usable = live.length ? live : this.slots.filter((s) => s.state === 'starting');
    if (usable.length === 0) return undefined;
    const least = usable.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const home = this.slots[keyHash(requestKey(c.method, c.req)) % this.slots.length];
    return usable.includes(home) && home.inFlight <= least.inFlight ? home : least;
  }

  private call<T>(c: Call): Promise<T> {
    if (this.closed) return Promise.reject(new WorkerUnavailable('máy chủ đang tắt'));
    const s = this.pick(c);
    // Every worker is down (between a crash and its replacement): say so now rather than wait.
    if (!s) return (this.slots[0]?.call<T>(c.method, { req: c.req }) ?? Promise.reject(new WorkerUnavailable('không có luồng tìm kiếm')));
    return s.call<T>(c.method, { req: c.req });
  }

  search(req: SearchRequest): Promise<SearchResponse> {
    return this.call<SearchResponse>({ method: 'search', req });
  }

  trends(req: TrendsRequest): Promise<TrendsResponse> {
    return this.call<TrendsResponse>({ method: 'trends', req });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.close({ method: 'close' })));
  }
}

/**
 * Misbehaviour on request, for the tests of worker supervision (test/hostile/server-workers.test.ts)
 * only: nothing happens unless the environment has TRA_TEST_HOOKS=1 when the worker starts, and
 * then only for three reserved queries, which the workers pass here before any real work:
 *
 *   __tra_test_exit__   the worker thread exits at once
 *   __tra_test_spin__   the call never returns (a busy loop), as a runaway query would
 *   __tra_test_oom__    the call allocates until the heap ceiling (resourceLimits) stops the thread
 */
const TEST_HOOKS = process.env.TRA_TEST_HOOKS === '1';

export function misbehave(query: unknown): void {
  if (!TEST_HOOKS || typeof query !== 'string' || !query.startsWith('__tra_test_')) return;
  if (query === '__tra_test_exit__') process.exit(70);
  if (query === '__tra_test_spin__') {
    let n = 0;
    for (;;) n = (n + 1) | 0;
  }
  if (query === '__tra_test_oom__') {
    // 8 MB arrays of numbers: the ceiling is reached in well under a second (many small
    // objects would keep the collector busy for seconds first).
    const hog: number[][] = [];
    for (;;) hog.push(new Array<number>(1_000_000).fill(0.5));
  }
}
