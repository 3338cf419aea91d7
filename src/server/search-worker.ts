/**
 * A search worker thread: opens the data directory read-only and answers search and trends
 * requests posted by search-pool.ts. The engine is synchronous (CPU-bound), so several workers
 * let the server use every core while the main thread keeps accepting connections. The pool
 * watches over it (deadlines, a heap ceiling, replacement when it dies: search-pool.ts).
 *
 * With TRA_TEST_HOOKS=1 (tests only), three queries misbehave on purpose so tests can check the
 * pool survives them: `__tra_test_exit__` ends the thread, `__tra_test_spin__` never returns,
 * `__tra_test_oom__` allocates until the heap ceiling stops the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openEngine } from '../engine/index.ts';
import type { SearchRequest, TrendsRequest } from './backend.ts';
import { freshener } from './fresh.ts';
import { AnswerCache, requestKey } from './answer-cache.ts';
import { useSharedFiles, type SharedFilesLink } from './shared-files.ts';
import { resetListCache } from '../engine/list-cache.ts';
import { errorReply, misbehave, type WorkerReply } from './search-pool.ts';

export type WorkerCall = { id: number; method: 'search'; req: SearchRequest } | { id: number; method: 'trends'; req: TrendsRequest } | { id: number; method: 'close' };

// A long-running server gives the decoded-list cache more room than a one-off CLI search:
// 96 MB per worker (TRA_LIST_CACHE_MB to change), against 48 MB by default (measured on the
// web mix in-process: 3.2 → 2.8 ms of CPU per search).
resetListCache(Number(process.env.TRA_LIST_CACHE_MB ?? 96));
const data = workerData as { dataDir: string; sharedFiles?: SharedFilesLink };
// Segment bytes shared with the server's other threads (shared-files.ts), not a copy per worker.
if (data.sharedFiles) useSharedFiles(data.sharedFiles);
const engine = await openEngine(data.dataDir, { readOnly: true });
const fresh = freshener(engine);
const cache = new AnswerCache<object>();
const port = parentPort!;
port.on('message', (m: WorkerCall) => {
  try {
    if (m.method === 'close') {
      engine.close();
      port.postMessage({ id: m.id, ok: true, value: null } satisfies WorkerReply);
      port.close();
      return;
    }
    misbehave(m.req.query);
    if (fresh()) cache.clear();
    const value = cache.get(requestKey(m.method, m.req), () => (m.method === 'search' ? engine.search(m.req) : engine.trends(m.req)));
    port.postMessage({ id: m.id, ok: true, value } satisfies WorkerReply);
  } catch (err) {
    port.postMessage(errorReply(m.id, err));
  }
});
port.postMessage({ id: 0, ok: true, value: 'ready' } satisfies WorkerReply);
// Warm up right after saying ready (the server starts listening meanwhile): the first query
// typed without marks loads the accent restorer and the first search touches every segment.
// Requests arriving now wait in the message queue for these few seconds, once.
engine.search({ query: 'tra cuu tin tuc', limit: 1 });
