/**
 * A worker thread of ./prepare-workers.ts: reads windows of store rows from the store (read-only)
 * and answers each with its prepared documents, in the order asked.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { DocStore } from '../store/store.ts';
import { signalPosted } from '../threads/sync-message.ts';
import { failedWindow, prepareWindow, TermCodes, type PreparedWindow } from './prepare-workers.ts';

const { storePath, now, port, signal, maxCodes } = workerData as { storePath: string; now: number; port: MessagePort; signal: SharedArrayBuffer; maxCodes?: number };
const posted = new Int32Array(signal);
let store: DocStore | undefined;
const codes = new TermCodes(maxCodes);
/** Test hook: answer the window starting after this store row with an error (the caller's fallback). */
const failFrom = Number(process.env.TRA_TEST_PREPARE_FAIL_FROM ?? NaN);

parentPort!.on('message', ([from, to]: [number, number]) => {
  let w: PreparedWindow;
  try {
    if (from === failFrom) throw new Error(`test: window after ${from} refused`);
    store ??= new DocStore(storePath, { readOnly: true });
    w = prepareWindow(store, from, to, now, codes);
  } catch (e) {
    w = failedWindow(e instanceof Error ? e.message : String(e));
  }
  port.postMessage(w, [w.ids.buffer as ArrayBuffer]);
  signalPosted(posted);
});
