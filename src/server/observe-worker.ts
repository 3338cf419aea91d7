/**
 * The observatory on a thread of its own: catches the daily counts (DIR/observe.sqlite) up with
 * the store — on a large collection the first count takes a while — then answers emerging
 * issues, story clusters and the date range. A day's answer takes a second or more on 150,000
 * documents, so it must not run on the thread that serves pages and searches.
 *
 * It also runs the alert checks (`alerts-check`, called by the server's scheduler, never two at
 * once): catch the daily counts up with the store again, refresh its own read-only engine to
 * what writers committed since, evaluate every saved search up to the last day with documents
 * (AlertStore.check) and send the webhooks that are due (AlertStore.deliver).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openObservatory, syncFromStore, ObserveCounts, AlertStore, ALERTS_FILE, isoOfDay, type Observatory, type AlertEvent, type DeliveryReport } from '../observe/index.ts';
import { openEngine, type Engine } from '../engine/index.ts';

export type ObserveRequest = { method: 'range' } | { method: 'emerging' | 'clusters'; date: string; limit: number } | { method: 'alerts-check' };
export type ObserveCall = ObserveRequest & { id: number };
export type ObserveReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

/** What one alert check did. */
export interface AlertCheckResult {
  /** The last day checked (the last day with documents), or null when there is none yet. */
  date: string | null;
  /** Documents newly counted into the daily counts before checking. */
  counted: number;
  /** Events recorded by this check (as stored after delivery). */
  events: AlertEvent[];
  delivery: DeliveryReport;
  ms: number;
}

const dataDir = (workerData as { dataDir: string }).dataDir;
const port = parentPort!;
let obs: Observatory | undefined;
try {
  obs = openObservatory(dataDir);
  port.postMessage({ id: 0, ok: true, value: 'ready' } satisfies ObserveReply);
} catch (err) {
  port.postMessage({ id: 0, ok: false, message: (err as Error).message } satisfies ObserveReply);
}

let engine: Engine | undefined;

async function checkAlerts(): Promise<AlertCheckResult> {
  const t0 = performance.now();
  const none: AlertCheckResult = { date: null, counted: 0, events: [], delivery: { delivered: 0, failed: 0, gaveUp: 0 }, ms: 0 };
  // No saved search was ever made here: nothing to check (and no file to create).
  if (!existsSync(join(dataDir, ALERTS_FILE))) return { ...none, ms: performance.now() - t0 };
  const sync = syncFromStore(dataDir);
  if (engine) engine.refresh();
  else engine = await openEngine(dataDir, { readOnly: true });
  // A fresh handle: the catch-up may have rebuilt the table file.
  const counts = new ObserveCounts(dataDir, { readOnly: true });
  const store = new AlertStore(dataDir);
  try {
    const r = counts.dayRange();
    const events = r ? store.check(engine, counts, r.last) : [];
    const delivery = await store.deliver();
    return { date: r ? isoOfDay(r.last) : null, counted: sync.counted, events: events.map((e) => store.event(e.id) ?? e), delivery, ms: Math.round(performance.now() - t0) };
  } finally {
    store.close();
    counts.close();
  }
}

port.on('message', (m: ObserveCall) => {
  if (m.method === 'alerts-check') {
    checkAlerts().then(
      (value) => port.postMessage({ id: m.id, ok: true, value } satisfies ObserveReply),
      (err: Error) => port.postMessage({ id: m.id, ok: false, message: err.message } satisfies ObserveReply),
    );
    return;
  }
  try {
    if (!obs) throw new Error('observatory not open');
    const value = m.method === 'range' ? obs.range() : m.method === 'emerging' ? obs.emerging(m.date, { limit: m.limit }) : obs.clusters(m.date, { limit: m.limit });
    port.postMessage({ id: m.id, ok: true, value } satisfies ObserveReply);
  } catch (err) {
    port.postMessage({ id: m.id, ok: false, message: (err as Error).message } satisfies ObserveReply);
  }
});
