/**
 * The observatory on a thread of its own: catches the daily counts (DIR/observe.sqlite) up with
 * the store — on a large collection the first count takes a while — then answers emerging
 * issues, story clusters and the date range. A day's answer takes a second or more on 150,000
 * documents, so it must not run on the thread that serves pages and searches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openObservatory, type Observatory } from '../observe/index.ts';

export type ObserveRequest = { method: 'range' } | { method: 'emerging' | 'clusters'; date: string; limit: number };
export type ObserveCall = ObserveRequest & { id: number };
export type ObserveReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

const port = parentPort!;
let obs: Observatory | undefined;
try {
  obs = openObservatory((workerData as { dataDir: string }).dataDir);
  port.postMessage({ id: 0, ok: true, value: 'ready' } satisfies ObserveReply);
} catch (err) {
  port.postMessage({ id: 0, ok: false, message: (err as Error).message } satisfies ObserveReply);
}

port.on('message', (m: ObserveCall) => {
  try {
    if (!obs) throw new Error('observatory not open');
    const value = m.method === 'range' ? obs.range() : m.method === 'emerging' ? obs.emerging(m.date, { limit: m.limit }) : obs.clusters(m.date, { limit: m.limit });
    port.postMessage({ id: m.id, ok: true, value } satisfies ObserveReply);
  } catch (err) {
    port.postMessage({ id: m.id, ok: false, message: (err as Error).message } satisfies ObserveReply);
  }
});
