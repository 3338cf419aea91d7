/**
 * Brings the observatory's daily counts (DIR/observe.sqlite) up to date with the store, on a
 * thread of its own: on a large collection the first count takes a while and must not stall the
 * server. engine-backend.ts opens the observatory once this is done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { syncFromStore } from '../observe/index.ts';

try {
  const res = syncFromStore((workerData as { dataDir: string }).dataDir);
  parentPort!.postMessage({ ok: true, res });
} catch (err) {
  parentPort!.postMessage({ ok: false, message: (err as Error).message });
}
