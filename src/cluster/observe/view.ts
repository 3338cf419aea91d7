/**
 * The observatory of `tra serve --coordinator URL --pg URL`: the server's `ObservatoryView`
 * (src/server/backend.ts) answered by a worker thread (./worker.ts) over a local mirror of the
 * cluster's daily counts, supervised exactly like one machine's observatory
 * (src/server/engine-backend.ts): a deadline per call, a heap ceiling, replaced when it dies.
 *
 * `view()` is undefined until the worker's first copy of the counts is done (the pages then say
 * the observatory is counting, the API answers 503 with Retry-After, as on one machine); a worker
 * that could not start (PostgreSQL unreachable, counts of another version) makes it throw a 503
 * saying why while it is retried. Errors of an answer that carry no HTTP status (PostgreSQL or the
 * coordinator failing under it) are 503s: the request may succeed when retried.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import type { ObservatoryView } from '../../server/backend.ts';
import { CANNOT_START, SupervisedWorker, WorkerUnavailable, envNumber, poolHealth, type PoolHealth } from '../../server/search-pool.ts';
import { OBSERVE_DEADLINE_MS, OBSERVE_HEAP_MB } from '../../server/engine-backend.ts';
import type { ClusterObserveRequest, ClusterObserveWorkerData, MirrorStatus } from './worker.ts';

/** The mirror is caught up this often, and before an answer when older (TRA_OBSERVE_SYNC_MS). */
export const SYNC_MS = 30_000;

export interface ClusterObservatoryOptions {
  /** PostgreSQL URL of the cluster. */
  pg: string;
  /** The coordinator's base URL (trends, best hits). */
  coordinator: string;
  /** A directory of this machine; the mirror lives in its `observatory/` folder. */
  cacheDir: string;
  log?: (line: string) => void;
  syncMs?: number;
  /** Deadline of one answer, ms (default TRA_OBSERVE_DEADLINE_MS or 60 s). */
  deadlineMs?: number;
  /** Heap ceiling of the worker, MB (default TRA_OBSERVE_HEAP_MB or 2048). */
  heapMb?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface ClusterObservatory {
  view(): ObservatoryView | undefined;
  health(): Record<string, PoolHealth>;
  /** The mirror's last round (tests, diagnostics). */
  status(): Promise<MirrorStatus>;
  close(): Promise<void>;
}

/** The folder of `cacheDir` the mirror is kept in. */
export const mirrorDirOf = (cacheDir: string) => join(cacheDir, 'observatory');

export function openClusterObservatory(o: ClusterObservatoryOptions): ClusterObservatory {
  const logChannel = `tra-cluster-observe-${randomUUID()}`;
  const channel = o.log ? new BroadcastChannel(logChannel) : undefined;
  if (channel) {
    channel.onmessage = (ev) => o.log!(String((ev as MessageEvent).data));
    channel.unref();
  }
  const deadline = o.deadlineMs ?? envNumber('TRA_OBSERVE_DEADLINE_MS', OBSERVE_DEADLINE_MS);
  const data: ClusterObserveWorkerData = {
    pg: o.pg,
    coordinator: o.coordinator,
    mirrorDir: mirrorDirOf(o.cacheDir),
    syncMs: o.syncMs ?? envNumber('TRA_OBSERVE_SYNC_MS', SYNC_MS),
    ...(channel ? { logChannel } : {}),
  };
  let ready = false;
  let startFailure: string | undefined;
  let lastDown: string | undefined;
  const worker = new SupervisedWorker({
    script: new URL('./worker.ts', import.meta.url),
    workerData: data,
    label: 'luồng đài quan sát',
    deadlineMs: () => deadline,
    heapMb: o.heapMb ?? envNumber('TRA_OBSERVE_HEAP_MB', OBSERVE_HEAP_MB),
    minBackoffMs: o.minBackoffMs,
    maxBackoffMs: o.maxBackoffMs,
    unref: true,
    onReady: () => {
      ready = true;
      startFailure = undefined;
      lastDown = undefined;
    },
    onDown: (why) => {
      ready = false;
      if (why.startsWith(CANNOT_START)) startFailure = why;
      // A start failing again and again for the same reason is said once.
      if (why !== lastDown) o.log?.(`đài quan sát: ${why}`);
      lastDown = why;
    },
  });
  // Equal requests in flight share one answer (the home page and /quan-sat both ask for the last day).
  const inFlight = new Map<string, Promise<unknown>>();
  const ask = <T>(call: Exclude<ClusterObserveRequest, { method: 'close' }>): Promise<T> => {
    const key = JSON.stringify(call);
    let p = inFlight.get(key);
    if (!p) {
      const { method, ...rest } = call;
      p = worker.call<T>(method, rest).catch((e: Error & { statusCode?: number }) => {
        throw e.statusCode === undefined ? new WorkerUnavailable(e.message) : e;
      });
      const settled = () => void inFlight.delete(key);
      p.then(settled, settled);
      inFlight.set(key, p);
    }
    return p as Promise<T>;
  };
  const view: ObservatoryView = {
    range: () => ask({ method: 'range' }),
    emerging: (date, limit) => ask({ method: 'emerging', date, limit }),
    clusters: (date, limit) => ask({ method: 'clusters', date, limit }),
    attention: (req) => ask({ method: 'attention', ...req }),
    forecast: (query, days) => ask({ method: 'forecast', query, days }),
  };
  return {
    view() {
      if (ready && worker.state === 'ready') return view;
      if (startFailure) throw new WorkerUnavailable(`Đài quan sát không mở được (${startFailure}); máy chủ đang thử lại.`);
      return undefined;
    },
    health: () => ({ observatory: poolHealth([worker]) }),
    status: () => worker.call<MirrorStatus>('status', {}),
    async close() {
      await worker.close({ method: 'close' });
      channel?.close();
    },
  };
}
