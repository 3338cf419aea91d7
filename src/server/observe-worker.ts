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
 *
 * The server watches over it (engine-backend.ts, SupervisedWorker in search-pool.ts): every call
 * has a deadline, the heap has a ceiling, and a worker that dies is replaced — the new one
 * catches up with the store again before it says it is ready.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { useSharedFiles, type SharedFilesLink } from './shared-files.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openObservatory, syncFromStore, ObserveCounts, AlertStore, ALERTS_FILE, isoOfDay, type Observatory, type AlertEvent, type DeliveryReport, type AttentionResult, type KeyTerm, type Interval, type QueryForecast } from '../observe/index.ts';
import { openEngine, type Engine } from '../engine/index.ts';
import { errorReply, misbehave, type WorkerReply } from './search-pool.ts';

/** `tra attention` as a call: the query, its buckets and filters, and how many key terms (0: none). */
export interface AttentionCall {
  query: string;
  interval: Interval;
  from?: string;
  to?: string;
  bySource: boolean;
  top: number;
}
/** Exactly what `tra attention --json` prints. */
export type AttentionAnswer = AttentionResult & { top_terms?: KeyTerm[] };

export type ObserveRequest =
  | { method: 'range' }
  | { method: 'emerging' | 'clusters'; date: string; limit: number }
  | { method: 'alerts-check' }
  | ({ method: 'attention' } & AttentionCall)
  | { method: 'forecast'; query: string; days: number };
export type ObserveCall = ObserveRequest & { id: number };
export type ObserveReply = WorkerReply;

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
// The engine opened for alerts and attention reads the server's shared segment bytes (shared-files.ts).
const sharedLink = (workerData as { sharedFiles?: SharedFilesLink }).sharedFiles;
if (sharedLink) useSharedFiles(sharedLink);
const port = parentPort!;
let obs: Observatory | undefined;
try {
  obs = openObservatory(dataDir);
  port.postMessage({ id: 0, ok: true, value: 'ready' } satisfies ObserveReply);
  // The home page and /quan-sat open on the last day: answer it once now, while no one waits, so
  // the first reader does not pay for decoding the days and dictionary buckets it needs.
  setImmediate(() => {
    try {
      const r = obs?.range();
      if (r) {
        obs!.emerging(r.last, { limit: 20 });
        obs!.clusters(r.last, { limit: 12 });
        // Then what any other day or subject needs: the whole term dictionary, and the engine.
        obs!.counts.warmDictionary();
        void theEngine().catch(() => undefined);
      }
    } catch {
      // A warm-up that fails changes nothing: the first request computes (and reports) it.
    }
  });
} catch (err) {
  port.postMessage({ id: 0, ok: false, message: (err as Error).message } satisfies ObserveReply);
}

// One read-only engine for the alert checks and the attention/forecast answers, opened on first use.
let engineOpening: Promise<Engine> | undefined;
const theEngine = () => (engineOpening ??= openEngine(dataDir, { readOnly: true }));

/** `tra attention --json` (src/cli/commands/attention.ts), computed the same way. */
async function attentionOf(c: AttentionCall): Promise<AttentionAnswer> {
  if (!obs) throw new Error('observatory not open');
  misbehave(c.query);
  const engine = await theEngine();
  const res = obs.attention(engine, { query: c.query, interval: c.interval, from: c.from, to: c.to, bySource: c.bySource });
  if (!(c.top > 0 && res.total > 0)) return res;
  return { ...res, top_terms: obs.keyTermsOf(engine, { query: c.query, from: c.from, to: c.to, limit: c.top }) };
}

/** `tra forecast --json`; null when no document has a date. */
async function forecastOf(query: string, days: number): Promise<QueryForecast | null> {
  if (!obs) throw new Error('observatory not open');
  return obs.forecast(await theEngine(), query, days) ?? null;
}

async function checkAlerts(): Promise<AlertCheckResult> {
  const t0 = performance.now();
  const none: AlertCheckResult = { date: null, counted: 0, events: [], delivery: { delivered: 0, failed: 0, gaveUp: 0 }, ms: 0 };
  // No saved search was ever made here: nothing to check (and no file to create).
  if (!existsSync(join(dataDir, ALERTS_FILE))) return { ...none, ms: performance.now() - t0 };
  const sync = syncFromStore(dataDir);
  const wasOpen = engineOpening !== undefined;
  const engine = await theEngine();
  if (wasOpen) engine.refresh();
  if (sync.counted > 0 && obs) {
    // The observatory's handle on the counts may predate a rebuilt table file: reopen it, so
    // attention shares and day answers see what was just counted (its catch-up finds nothing).
    obs.close();
    obs = openObservatory(dataDir);
  }
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
  if (m.method === 'alerts-check' || m.method === 'attention' || m.method === 'forecast') {
    const run: Promise<unknown> = m.method === 'alerts-check' ? checkAlerts() : m.method === 'attention' ? attentionOf(m) : forecastOf(m.query, m.days);
    run.then(
      (value) => port.postMessage({ id: m.id, ok: true, value } satisfies ObserveReply),
      (err: Error) => port.postMessage(errorReply(m.id, err)),
    );
    return;
  }
  try {
    if (!obs) throw new Error('observatory not open');
    const value = m.method === 'range' ? obs.range() : m.method === 'emerging' ? obs.emerging(m.date, { limit: m.limit }) : obs.clusters(m.date, { limit: m.limit });
    port.postMessage({ id: m.id, ok: true, value } satisfies ObserveReply);
  } catch (err) {
    port.postMessage(errorReply(m.id, err));
  }
});
