/**
 * The backend the server runs on: a data directory opened through the engine (read-only: the
 * server never writes the index), plus what is built beside it from one read of the document
 * store at start-up: the source catalogue and the headline completions. Until that read is done
 * (a few seconds on 150,000 documents; the server answers meanwhile) suggestions come from the
 * engine's own prefix search (suggest.ts) and source pages wait for it.
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import path from 'node:path';
import { openEngine, type Engine } from '../engine/index.ts';
import { freshener } from './fresh.ts';
import { DocStore, type StoredDoc } from '../store/store.ts';
import type { ArticleVersion, Backend } from './backend.ts';
import { Suggester } from './suggest.ts';
import { SourceCatalog } from './source-catalog.ts';
import { CompletionIndex } from './completions.ts';
import { CANNOT_START, SearchPool, SupervisedWorker, WorkerUnavailable, envNumber, poolHealth } from './search-pool.ts';
import { availableParallelism } from 'node:os';
import type { AlertsService, ObservatoryView } from './backend.ts';
import type { AlertCheckResult, ObserveRequest } from './observe-worker.ts';
import { AlertStore, ALERTS_FILE, publicAlert } from '../observe/index.ts';
import { existsSync } from 'node:fs';
import { AlertScheduler } from './alert-scheduler.ts';
import { versionsOf } from '../archive/index.ts';
import { processSharedFiles } from './shared-files.ts';

export interface EngineBackend extends Backend {
  readonly engine: Engine;
  /** Resolves once the source catalogue is built (the server answers before that). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface BackendOptions {
  /** Search worker threads (default: one per core, at most 4); 0 searches on the main thread. */
  workers?: number;
  /** Check the saved searches every this many ms (0 or absent: only on request). */
  alertIntervalMs?: number;
  /** Told about failed scheduled checks (the server logs them). */
  onAlertError?: (err: Error) => void;
  /** Told about every completed check. */
  onAlertCheck?: (r: AlertCheckResult) => void;
  /** Deadline of one search or trends call on a search worker, ms (TRA_SEARCH_DEADLINE_MS; default 20 s). */
  searchDeadlineMs?: number;
  /** Heap ceiling of each search worker, MB (TRA_WORKER_HEAP_MB; default 1024). */
  searchHeapMb?: number;
  /** Deadline of one observatory answer (a day, attention, forecast), ms (TRA_OBSERVE_DEADLINE_MS; default 60 s). */
  observeDeadlineMs?: number;
  /** Deadline of one alert check (catch-up, evaluation, webhooks), ms (TRA_ALERT_CHECK_DEADLINE_MS; default 15 min). */
  alertCheckDeadlineMs?: number;
  /** Heap ceiling of the observatory's worker, MB (TRA_OBSERVE_HEAP_MB; default 2048). */
  observeHeapMb?: number;
  /** First wait before a dead worker is replaced, ms (doubles per death in a row; default 250). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Told when a worker died and is being replaced (the server logs it). */
  onWorkerDown?: (pool: 'search' | 'observatory', why: string) => void;
}

/** An observatory answer (a day, attention, forecast) may take this long (TRA_OBSERVE_DEADLINE_MS). */
export const OBSERVE_DEADLINE_MS = 60_000;
/** An alert check, which may first count a crawl's worth of documents (TRA_ALERT_CHECK_DEADLINE_MS). */
export const ALERT_CHECK_DEADLINE_MS = 15 * 60_000;
/** Heap ceiling of the observatory's worker, MB (TRA_OBSERVE_HEAP_MB): its first count of a large store needs room. */
export const OBSERVE_HEAP_MB = 2048;

/** Documents read between two pauses that let requests through. */
const SLICE = 500;

/** Read every document, pausing every SLICE documents; stops early when `stop()` says so (shutdown). */
async function scanStore(dataDir: string, each: (doc: StoredDoc) => void, stop: () => boolean): Promise<void> {
  const store = new DocStore(path.join(dataDir, 'store.sqlite'), { readOnly: true });
  try {
    let n = 0;
    for (const row of store.docsAfter(0)) {
      each(row.doc);
      if (++n % SLICE === 0) {
        await nextTick();
        if (stop()) return;
      }
    }
  } finally {
    store.close();
  }
}

export async function openEngineBackend(dataDir: string, opts: BackendOptions = {}): Promise<EngineBackend> {
  // Every thread's engine (this one, the search workers', the observatory's) reads the segments
  // through one shared copy (shared-files.ts).
  const sharedFiles = processSharedFiles();
  const engine = await openEngine(dataDir, { readOnly: true });
  const fresh = freshener(engine);
  const nWorkers = opts.workers ?? Math.min(4, availableParallelism());
  const pool = nWorkers > 0 ? await SearchPool.open(dataDir, nWorkers, { deadlineMs: opts.searchDeadlineMs, heapMb: opts.searchHeapMb, minBackoffMs: opts.minBackoffMs, maxBackoffMs: opts.maxBackoffMs, onDown: (why) => opts.onWorkerDown?.('search', why), sharedFiles }) : undefined;
  const suggester = new Suggester((req) => engine.search(req));
  let catalog: SourceCatalog | undefined;
  let completions: CompletionIndex | undefined;
  let closed = false;
  const ready = (async () => {
    const cat = new SourceCatalog();
    const comp = new CompletionIndex((text) => engine.restore(text));
    await scanStore(
      dataDir,
      (doc) => {
        cat.add(doc);
        if (typeof doc.title === 'string') comp.add(doc.title);
      },
      () => closed,
    );
    if (closed) return;
    cat.finish();
    catalog = cat;
    await nextTick();
    if (closed) return;
    comp.finish();
    completions = comp;
  })();
  // A failure is reported by the calls that need the catalogue; do not crash the server.
  ready.catch(() => {});
  // The archive (DIR/archive.sqlite) appears when something is crawled (src/archive's public API).
  const versions = (url: string): ArticleVersion[] =>
    (versionsOf(dataDir, url, { diff: false })?.versions ?? []).map((v) => ({ captured: v.captured, title: v.title, text: v.text }));
  // The observatory lives on a worker thread (observe-worker.ts): counting and a day's answers
  // are too slow for the thread that serves requests. It is watched over like the search
  // workers (search-pool.ts): deadlines per call, a heap ceiling, replaced when it dies.
  let observeReady = false;
  // Why the observatory's worker could not open the data directory, until one start succeeds.
  let startFailure: string | undefined;
  const observeDeadline = opts.observeDeadlineMs ?? envNumber('TRA_OBSERVE_DEADLINE_MS', OBSERVE_DEADLINE_MS);
  const checkDeadline = opts.alertCheckDeadlineMs ?? envNumber('TRA_ALERT_CHECK_DEADLINE_MS', ALERT_CHECK_DEADLINE_MS);
  const observing = new SupervisedWorker({
    script: new URL('./observe-worker.ts', import.meta.url),
    workerData: { dataDir },
    label: 'luồng đài quan sát',
    deadlineMs: (method) => (method === 'alerts-check' ? checkDeadline : observeDeadline),
    heapMb: opts.observeHeapMb ?? envNumber('TRA_OBSERVE_HEAP_MB', OBSERVE_HEAP_MB),
    minBackoffMs: opts.minBackoffMs,
    maxBackoffMs: opts.maxBackoffMs,
    unref: true,
    sharedFiles,
    onReady: () => {
      observeReady = true;
      startFailure = undefined;
    },
    onDown: (why) => {
      observeReady = false;
      if (why.startsWith(CANNOT_START)) startFailure = why;
      opts.onWorkerDown?.('observatory', why);
    },
  });
  const ask = <T>(call: ObserveRequest): Promise<T> => {
    const { method, ...rest } = call;
    return observing.call<T>(method, rest);
  };
  // A day's answers do not change while the server runs (it serves a snapshot): keep the recent ones.
  const answers = new Map<string, Promise<unknown>>();
  const cached = <T>(req: ObserveRequest): Promise<T> => {
    const key = JSON.stringify(req);
    let p = answers.get(key);
    if (!p) {
      p = ask<T>(req);
      p.catch(() => answers.delete(key));
      answers.set(key, p);
      if (answers.size > 200) answers.delete(answers.keys().next().value as string);
    }
    return p as Promise<T>;
  };
  const observatoryView: ObservatoryView = {
    range: () => cached({ method: 'range' }),
    emerging: (date, limit) => cached({ method: 'emerging', date, limit }),
    clusters: (date, limit) => cached({ method: 'clusters', date, limit }),
    // Keyed by every parameter (undefined ones drop out of the key), so equal requests share one answer.
    attention: (req) => cached({ method: 'attention', ...req }),
    forecast: (query, days) => cached({ method: 'forecast', query, days }),
  };
  // Saved searches: the CRUD and event reads are small SQLite calls on this thread (opened on
  // first use); checks run on the observatory's thread, one at a time, on a timer and on request.
  let alertStore: AlertStore | undefined;
  const alertsDb = () => (alertStore ??= new AlertStore(dataDir));
  // Reads do not create DIR/alerts.sqlite (a page view should not write the data directory).
  const alertsExist = () => alertStore !== undefined || existsSync(path.join(dataDir, ALERTS_FILE));
  const listeners = new Set<() => void>();
  const scheduler = new AlertScheduler<AlertCheckResult>({
    run: () => ask<AlertCheckResult>({ method: 'alerts-check' }),
    intervalMs: opts.alertIntervalMs ?? 0,
    onResult: (r) => {
      // New documents counted: the observatory's day answers may have changed.
      if (r.counted > 0) answers.clear();
      opts.onAlertCheck?.(r);
      if (r.events.length > 0) for (const l of listeners) l();
    },
    onError: (e) => opts.onAlertError?.(e),
  });
  scheduler.start();
  const alerts: AlertsService = {
    list: async () => (alertsExist() ? alertsDb().list().map(publicAlert) : []),
    add: async (spec) => publicAlert(alertsDb().add(spec)),
    remove: async (id) => alertsExist() && alertsDb().remove(id),
    eventsSince: async (id, limit) => (alertsExist() ? alertsDb().eventsSince(id, limit) : []),
    lastEventId: async () => (alertsExist() ? alertsDb().lastEventId() : 0),
    check: () => scheduler.runNow(),
    onEvents: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  // While the worker (re)starts and catches up, the observatory is not ready (pages say so, the
  // API answers 503 with Retry-After).
  // A worker that cannot open the observatory at all says why (a 503: it is being retried).
  const view = (): ObservatoryView | undefined => {
    if (observeReady && observing.state === 'ready') return observatoryView;
    if (startFailure) throw new WorkerUnavailable(`Đài quan sát không mở được (${startFailure}); máy chủ đang thử lại.`);
    return undefined;
  };
  const needCatalog = async (): Promise<SourceCatalog> => {
    await ready;
    if (!catalog) throw new Error('máy chủ đang tắt (server shutting down)');
    return catalog;
  };
  return {
    engine,
    ready,
    // The workers keep their own handles fresh; the main-thread handle serves get/suggest.
    search: (req) => (pool ? pool.search(req) : (fresh(), engine.search(req))),
    trends: (req) => (pool ? pool.trends(req) : (fresh(), engine.trends(req))),
    get: (id) => {
      fresh();
      return engine.get(id);
    },
    stats: () => engine.stats(),
    restore: (text) => engine.restore(text),
    suggest: (prefix, limit) => (completions ? completions.complete(prefix, limit) : suggester.suggest(prefix, limit)),
    sources: async () => (await needCatalog()).sources(),
    versions,
    warm: () => completions !== undefined,
    observatory: view,
    alerts,
    health: () => ({
      ...(pool ? { search: pool.health() } : {}),
      observatory: poolHealth([observing]),
    }),
    browse: async (req) => (await needCatalog()).latest(req.sources ?? [], req.offset, req.limit),
    close: async () => {
      if (closed) return;
      closed = true;
      await scheduler.stop();
      listeners.clear();
      alertStore?.close();
      await pool?.close();
      await observing.close();
      engine.close();
    },
  };
}
