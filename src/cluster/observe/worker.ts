/**
 * The observatory of `tra serve --coordinator URL --pg URL` on a thread of its own (a day's
 * emerging issues take a second on 150,000 documents: not on the thread that serves pages).
 *
 * At start it copies the cluster's daily counts into its mirror (./mirror.ts, `CACHE/observatory/
 * observe.sqlite`; an existing copy is caught up, not copied again), opens the observatory over
 * it and says it is ready; a first copy that fails (PostgreSQL unreachable, counts of another
 * version) is its "could not start", and the supervisor (src/server/search-pool.ts
 * SupervisedWorker, view.ts) starts another after a back-off. Then:
 * - the mirror is caught up every SYNC_MS, and before an answer when the last catch-up is older
 *   than that (a failed catch-up is logged; answers then come from the copy as it is); after a
 *   catch-up that copied something the observatory is reopened over the file (its readers cache
 *   the dictionary) and the answers kept are dropped;
 * - answers (./answers.ts) are kept per request and mirror change: emerging issues and clusters
 *   until the counts change, attention and forecasts (which also depend on the coordinator's
 *   index) for at most SYNC_MS as well.
 * Log lines (each mirror round that copied something, with its cost; failures) go to the server's
 * log through a BroadcastChannel named in workerData.
 */
import { parentPort, workerData, BroadcastChannel } from 'node:worker_threads';
import { openObservatory, type Observatory } from '../../observe/observatory.ts';
import { openPool } from '../pg/connect.ts';
import { errorReply, misbehave, type WorkerReply } from '../../server/search-pool.ts';
import type { AttentionCall } from '../../server/observe-worker.ts';
import { syncMirror, describeRound, type MirrorRound } from './mirror.ts';
import { ClusterAnswers } from './answers.ts';
import { CoordinatorClient } from './coordinator-client.ts';

export interface ClusterObserveWorkerData {
  pg: string;
  coordinator: string;
  /** Where the mirror lives (CACHE/observatory). */
  mirrorDir: string;
  syncMs: number;
  /** BroadcastChannel the log lines go to (none: not logged). */
  logChannel?: string;
}

export type ClusterObserveRequest =
  | { method: 'range' }
  | { method: 'emerging' | 'clusters'; date: string; limit: number }
  | ({ method: 'attention' } & AttentionCall)
  | { method: 'forecast'; query: string; days: number }
  | { method: 'status' }
  | { method: 'close' };

/** What `status` answers: the mirror's last round, for tests and logs. */
export interface MirrorStatus {
  last?: MirrorRound;
  syncedAt: number;
  error?: string;
}

/** Answers kept at most (each a few KB). */
const KEPT = 200;

const data = workerData as ClusterObserveWorkerData;
const port = parentPort!;
const channel = data.logChannel ? new BroadcastChannel(data.logChannel) : undefined;
const log = (line: string) => channel?.postMessage(line);

const pool = openPool(data.pg, { max: 4, application: 'tra serve --coordinator (đài quan sát)' });
const coordinator = new CoordinatorClient(data.coordinator);
let obs: Observatory | undefined;
let status: MirrorStatus = { syncedAt: 0 };
let syncing: Promise<void> | undefined;
let lastError: string | undefined;

/** Catch the mirror up (one round at a time: callers share the round in flight). */
function sync(): Promise<void> {
  syncing ??= (async () => {
    try {
      const r = await syncMirror(pool, data.mirrorDir);
      status = { last: r, syncedAt: Date.now() };
      lastError = undefined;
      if (r.changed || !obs) {
        if (r.changed) log(describeRound(r));
        const old = obs;
        obs = openObservatory(data.mirrorDir);
        old?.close();
        kept.clear();
      }
    } catch (e) {
      const msg = (e as Error).message;
      status = { ...status, error: msg };
      // Said once per distinct failure, not every SYNC_MS.
      if (msg !== lastError) log(`không cập nhật được bản sao số đếm của đài quan sát: ${msg}`);
      lastError = msg;
      throw e;
    } finally {
      syncing = undefined;
    }
  })();
  return syncing;
}

/** Before an answer: a copy older than SYNC_MS is caught up first (a failure leaves the copy as it is). */
async function fresh(): Promise<void> {
  if (Date.now() - status.syncedAt > data.syncMs) await sync().catch(() => undefined);
}

const current = (): Observatory => {
  if (!obs) throw new Error('observatory not open');
  return obs;
};
const answers = new ClusterAnswers({ current, pool, coordinator, log });

const kept = new Map<string, { at: number; value: Promise<unknown> }>();
function keep(req: ClusterObserveRequest, ttlMs: number, make: () => Promise<unknown>): Promise<unknown> {
  const key = JSON.stringify([status.last?.change, status.last?.epoch, req]);
  const k = kept.get(key);
  if (k && Date.now() - k.at <= ttlMs) return k.value;
  const value = make();
  value.catch(() => kept.delete(key));
  kept.set(key, { at: Date.now(), value });
  if (kept.size > KEPT) kept.delete(kept.keys().next().value as string);
  return value;
}

async function answer(m: ClusterObserveRequest): Promise<unknown> {
  if (m.method === 'status') return status;
  await fresh();
  switch (m.method) {
    case 'range':
      return current().range();
    case 'emerging':
      return keep(m, Infinity, () => answers.emerging(m.date, m.limit));
    case 'clusters':
      return keep(m, Infinity, () => answers.clusters(m.date, { limit: m.limit }));
    case 'attention':
      misbehave(m.query);
      return keep(m, data.syncMs, () => answers.attention(m));
    case 'forecast':
      misbehave(m.query);
      return keep(m, data.syncMs, () => answers.forecast(m.query, m.days));
    default:
      throw new Error(`unknown method ${(m as { method: string }).method}`);
  }
}

port.on('message', ({ id, ...m }: ClusterObserveRequest & { id: number }) => {
  if (m.method === 'close') {
    clearInterval(timer);
    void pool.end().catch(() => undefined).finally(() => {
      obs?.close();
      port.postMessage({ id, ok: true, value: null } satisfies WorkerReply);
    });
    return;
  }
  answer(m as ClusterObserveRequest).then(
    (value) => port.postMessage({ id, ok: true, value } satisfies WorkerReply),
    (err: Error) => port.postMessage(errorReply(id, err)),
  );
});

const timer = setInterval(() => void sync().catch(() => undefined), data.syncMs);
try {
  await sync();
  port.postMessage({ id: 0, ok: true, value: 'ready' } satisfies WorkerReply);
  // The home page and /quan-sat open on the last day: answer it once now, while no one waits.
  const r = obs?.range();
  if (r) {
    void Promise.all([
      keep({ method: 'emerging', date: r.last, limit: 20 }, Infinity, () => answers.emerging(r.last, 20)),
      keep({ method: 'clusters', date: r.last, limit: 12 }, Infinity, () => answers.clusters(r.last, { limit: 12 })),
    ]).catch(() => undefined);
  }
} catch (err) {
  clearInterval(timer);
  port.postMessage({ id: 0, ok: false, message: (err as Error).message } satisfies WorkerReply);
}
