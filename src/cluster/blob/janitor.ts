/**
 * The janitor: deletes blobs that no committed row references (captures.blob_key,
 * segments.segment_key) once they are older than a grace period. Such blobs are uploads whose
 * commit was refused (a stalled fetcher fenced off) or never came (a worker killed between
 * upload and commit).
 *
 * Why it never deletes a blob that is about to be referenced:
 * 1. Uploads happen under a lease, and the row that references them commits under the same
 *    lease, which must still be live (fenced writes check the expiry). So a blob is younger than
 *    the longest lease when its row commits; the grace period is much longer than any lease.
 * 2. A content-addressed put may find the blob already there (an old orphan with the same bytes)
 *    and only refresh its time. For that case the writer calls `holdBlobs` inside its commit
 *    transaction: it takes a shared advisory lock per key and checks the blobs still exist. The
 *    janitor deletes a key only while holding that key's exclusive lock, after seeing no
 *    reference: either the writer's row is committed first (the janitor sees it and keeps the
 *    blob) or the janitor deleted first (the writer finds it missing and uploads it again).
 *
 * Each pass first prunes retired segments (prune.ts): their rows stay, so the orphan rule alone
 * would keep their blobs for ever; pruning deletes a retired segment's blob once no searcher can
 * still need it.
 */
import type { Pool, Queryable } from '../pg/connect.ts';
import { withTransaction } from '../pg/connect.ts';
import { ClusterError } from '../errors.ts';
import type { BlobStore } from './store.ts';
import { pruneRetired, type PruneResult } from './prune.ts';

export interface JanitorOptions {
  pool: Pool;
  blob: BlobStore;
  /** Keep unreferenced blobs younger than this, ms (default 24 h; must exceed every lease). */
  graceMs?: number;
  /** Only keys under this prefix (default all). */
  prefix?: string;
  /** Keys looked up per query (default 500). */
  batch?: number;
  /** The current time, for tests (orphans only: pruning uses the database's clock). */
  now?: () => number;
  /** Prune retired segments first (default true). */
  prune?: boolean;
  /** Keep a retired segment's blob this long after its retirement, ms (prune.ts; default 10 min). */
  retiredGraceMs?: number;
  /** A searcher whose last heartbeat is older than this holds no retired segment, ms (prune.ts; default 2 min). */
  searcherStaleMs?: number;
}

export interface JanitorResult {
  scanned: number;
  referenced: number;
  young: number;
  deleted: number;
  /** Orphans skipped because a writer held them at that moment. */
  held: number;
  /** Temporary files of dead uploads removed (directory backend). */
  temp: number;
  /** Retired segments pruned and kept (absent when pruning was off). */
  pruned?: PruneResult;
}

export const DEFAULT_GRACE_MS = 24 * 3_600_000;

const LOCK = `hashtextextended('tra blob ' || k, 0)`;

/** Which of `keys` a committed row references. */
async function referenced(q: Queryable, keys: string[]): Promise<Set<string>> {
  const { rows } = await q.query<{ k: string }>(
    `SELECT k FROM unnest($1::text[]) AS k
     WHERE EXISTS (SELECT 1 FROM captures WHERE blob_key = k) OR EXISTS (SELECT 1 FROM segments WHERE segment_key = k)`,
    [keys],
  );
  return new Set(rows.map((r) => r.k));
}

/**
 * For a writer, inside the transaction that commits rows referencing `keys`: hold them against
 * the janitor until COMMIT and check they are all still stored. Throws ClusterError naming the
 * first missing one (upload it again, then retry the transaction).
 */
export async function holdBlobs(q: Queryable, blob: BlobStore, keys: string[]): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  if (!sorted.length) return;
  await q.query(`SELECT pg_advisory_xact_lock_shared(${LOCK}) FROM unnest($1::text[]) AS k`, [sorted]);
  for (const key of sorted) {
    if (!(await blob.stat(key))) throw new ClusterError(`${blob.location}: blob ${key} không còn (đã bị dọn) — hãy tải lên lại rồi ghi lại (blob vanished: upload it again)`);
  }
}

/** One pass over the store. */
export async function collectOrphans(o: JanitorOptions): Promise<JanitorResult> {
  const grace = o.graceMs ?? DEFAULT_GRACE_MS;
  const now = o.now ?? Date.now;
  const batchSize = o.batch ?? 500;
  const out: JanitorResult = { scanned: 0, referenced: 0, young: 0, deleted: 0, held: 0, temp: 0 };
  if (o.prune !== false) {
    out.pruned = await pruneRetired({ pool: o.pool, blob: o.blob, graceMs: o.retiredGraceMs, searcherStaleMs: o.searcherStaleMs, prefix: o.prefix, batch: o.batch });
  }
  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const refs = await referenced(o.pool, batch);
    out.referenced += refs.size;
    for (const key of batch) {
      if (refs.has(key)) continue;
      const verdict = await withTransaction(o.pool, async (c) => {
        const { rows } = await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${LOCK}) AS ok FROM (SELECT $1::text AS k) AS x`, [key]);
        if (!rows[0].ok) return 'held';
        if ((await referenced(c, [key])).size) return 'referenced';
        const info = await o.blob.stat(key);
        if (!info) return 'gone';
        if (now() - info.modified.getTime() < grace) return 'young'; // re-put meanwhile
        await o.blob.delete(key);
        return 'deleted';
      });
      if (verdict === 'held') out.held++;
      else if (verdict === 'referenced') out.referenced++;
      else if (verdict === 'young') out.young++;
      else if (verdict === 'deleted') out.deleted++;
    }
    batch = [];
  };
  for await (const info of o.blob.list(o.prefix)) {
    out.scanned++;
    if (now() - info.modified.getTime() < grace) {
      out.young++;
      continue;
    }
    batch.push(info.key);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  const sweep = (o.blob as { sweepTemp?: (ms: number) => Promise<number> }).sweepTemp;
  if (sweep) out.temp = await sweep.call(o.blob, grace);
  return out;
}
