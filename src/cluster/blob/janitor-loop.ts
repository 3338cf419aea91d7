/**
 * The janitor on a schedule, run by `tra indexer` (`--janitor-interval`, default every 10 min):
 * each pass prunes retired segments no searcher needs any more and deletes orphan blobs
 * (./janitor.ts, ./prune.ts). Every indexer runs the loop, but a pass first takes a cluster-wide
 * advisory lock without waiting: while one indexer's pass runs, the others skip theirs (a pass is
 * safe to run twice at once — each deletion re-checks under its own locks — only wasteful).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '../pg/connect.ts';
import type { BlobStore } from './store.ts';
import { collectOrphans, type JanitorResult } from './janitor.ts';

/** The advisory lock a janitor pass holds (session level, on its own connection). */
const JANITOR_LOCK = 0x7472_6a01;

/** One pass if no other janitor of the cluster is running; undefined when another one is. */
export async function janitorPass(pool: Pool, blob: BlobStore): Promise<JanitorResult | undefined> {
  const c = await pool.connect();
  try {
    const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [JANITOR_LOCK]);
    if (!rows[0].ok) return undefined;
    try {
      return await collectOrphans({ pool, blob });
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [JANITOR_LOCK]);
    }
  } finally {
    c.release();
  }
}

/** Run a pass every `everyMs` (the first one after a random part of it, so indexers started together spread out) until `signal` aborts. 0: never. */
export async function runJanitorEvery(o: { pool: Pool; blob: BlobStore; everyMs: number; log?: (line: string) => void; signal: AbortSignal }): Promise<void> {
  if (!(o.everyMs > 0)) return;
  let wait = Math.round(o.everyMs * (0.5 + Math.random() / 2));
  while (!o.signal.aborted) {
    try {
      await sleep(wait, undefined, { signal: o.signal });
    } catch {
      return;
    }
    wait = o.everyMs;
    try {
      const r = await janitorPass(o.pool, o.blob);
      if (r && (r.deleted || r.pruned?.pruned)) o.log?.(`dọn kho blob: ${r.deleted} blob mồ côi, ${r.pruned?.pruned ?? 0} phân đoạn đã gộp đã xoá`);
    } catch (e) {
      o.log?.(`dọn kho blob không được (janitor failed): ${(e as Error).message}`);
    }
  }
}
