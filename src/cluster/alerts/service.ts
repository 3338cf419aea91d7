/**
 * The alerts of `tra serve --coordinator URL --pg URL`: the server's AlertsService
 * (src/server/backend.ts) over the cluster's PostgreSQL store (./store.ts).
 *
 * - A check judges every alert up to the last day the observatory's counts hold, with the daily
 *   volumes from this server's mirror of the counts (src/cluster/observe/mirror.ts, kept by the
 *   observatory's worker in `countsDir`) and the query's daily trends from the coordinator; then
 *   it delivers what is due. Checks run every `intervalMs` (one at a time: AlertScheduler) and on
 *   demand. Several servers may check the same cluster: the store records each episode once and
 *   sends each event once.
 * - Event streams hear of events recorded by any server: a check that records events sends
 *   NOTIFY on ALERTS_CHANNEL (in its transaction, ./store.ts), and every server LISTENs (plus the
 *   stream's own poll, so a lost notification only delays).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Pool } from '../pg/connect.ts';
import { PgAlertStore, ALERTS_CHANNEL, type AsyncTrendsSource } from './store.ts';
import { ObserveCounts, OBSERVE_FILE, isoOfDay } from '../../observe/counts.ts';
import { publicAlert } from '../../observe/alerts.ts';
import type { AlertsService } from '../../server/backend.ts';
import type { AlertCheckResult } from '../../server/observe-worker.ts';
import { AlertScheduler } from '../../server/alert-scheduler.ts';

export interface ClusterAlertsOptions {
  pool: Pool;
  /** For the LISTEN connection. */
  pgUrl: string;
  /** Daily trends of a query (the coordinator's /api/trends). */
  trends: AsyncTrendsSource['trends'];
  /** The directory holding the mirror of the observatory's counts (observe.sqlite). */
  countsDir: string;
  /** Checks every this many ms (0: only on demand). */
  intervalMs: number;
  log?: (line: string) => void;
  /** Whether webhooks may reach private addresses (the operator's --allow-private-addresses). */
  allowPrivate?: boolean;
}

export function clusterAlertsService(o: ClusterAlertsOptions): AlertsService & { close(): Promise<void> } {
  const store = new PgAlertStore(o.pool);
  const listeners = new Set<() => void>();
  const tell = () => {
    for (const l of listeners) {
      try {
        l();
      } catch {
        // A listener's failure is its own.
      }
    }
  };

  const run = async (): Promise<AlertCheckResult> => {
    const t0 = performance.now();
    const none: AlertCheckResult = { date: null, counted: 0, events: [], delivery: { delivered: 0, failed: 0, gaveUp: 0 }, ms: 0 };
    // Counts not mirrored yet (the observatory's first sync is under way): nothing to judge against.
    if (!existsSync(join(o.countsDir, OBSERVE_FILE))) return { ...none, ms: Math.round(performance.now() - t0) };
    const counts = new ObserveCounts(o.countsDir, { readOnly: true });
    try {
      const r = counts.dayRange();
      const events = r ? await store.check({ trends: o.trends }, counts, r.last) : [];
      const delivery = await store.deliver(o.allowPrivate ? { policy: { allowPrivate: true } } : {});
      if (events.length) tell();
      return { date: r ? isoOfDay(r.last) : null, counted: 0, events, delivery, ms: Math.round(performance.now() - t0) };
    } finally {
      counts.close();
    }
  };
  const scheduler = new AlertScheduler<AlertCheckResult>({
    run,
    intervalMs: o.intervalMs,
    onError: (e) => o.log?.(`xét cảnh báo không được (alert check failed): ${e.message}`),
  });
  scheduler.start();

  // LISTEN for events recorded by any server of the cluster.
  let listener: pg.Client | undefined;
  let closed = false;
  const listen = async () => {
    if (listener || closed) return;
    const c = new pg.Client({ connectionString: o.pgUrl, connectionTimeoutMillis: 10_000, keepAlive: true });
    c.on('error', () => {
      if (listener === c) listener = undefined;
    });
    c.on('end', () => {
      if (listener === c) listener = undefined;
    });
    c.on('notification', tell);
    await c.connect();
    await c.query(`LISTEN ${ALERTS_CHANNEL}`);
    if (closed) await c.end().catch(() => undefined);
    else listener = c;
  };
  void listen().catch(() => undefined);
  // Reconnect a lost LISTEN connection (a PostgreSQL restart); streams poll meanwhile.
  const relisten = setInterval(() => void listen().catch(() => undefined), 10_000);
  relisten.unref();

  return {
    list: async () => (await store.list()).map(publicAlert),
    add: async (spec) => publicAlert(await store.add(spec)),
    remove: (id) => store.remove(id),
    eventsSince: (id, limit) => store.eventsSince(id, limit),
    lastEventId: () => store.lastEventId(),
    check: () => scheduler.runNow(),
    onEvents(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async close() {
      closed = true;
      clearInterval(relisten);
      await scheduler.stop().catch(() => undefined);
      await listener?.end().catch(() => undefined);
    },
  };
}
