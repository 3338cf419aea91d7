/**
 * Pruning retired segments: a merge retires its inputs (`segments.state = 'retired'`,
 * `retired_generation`, src/cluster/indexer/merge.ts), but their blobs stayed in storage for ever.
 * This deletes the blob of a retired segment once nothing can still ask for it, and keeps the row
 * (stamped `pruned_at`): deleted versions dropped by the merge still name it
 * (`version_segments.segment_id`), and a version with no segment would read as unpublished.
 *
 * Who reads a segment's blob: a searcher copying the segments of the generation it syncs to (it
 * serves from its local copies afterwards, old views included), and a merge copying its inputs.
 * Both read the manifest in a snapshot first, so they can ask for a segment after it was retired
 * only when their snapshot is older than the retirement. A blob is therefore deleted when:
 *
 * 1. every searcher with a recent heartbeat (within `searcherStaleMs`) that serves the segment's
 *    shard advertises a generation at or past its `retired_generation` — a searcher advertises a
 *    generation only after it swapped to it, i.e. after it copied what that generation needs; a
 *    searcher whose heartbeat stopped holds nothing (it syncs anew from the current manifest,
 *    which no longer names the segment, when it comes back);
 * 2. the grace period has passed since the retirement (default 10 minutes). It covers readers
 *    that are not in `searchers`: a searcher still in its first sync (it registers after it) and
 *    a merge copying its inputs. It must exceed the longest of those (copying the largest shard).
 *
 * `retired_at` is the start of the transaction that retired the segment. A merge does not set it
 * itself yet: a pass first stamps every retired row without it with the creation time of the
 * segment that replaced it (published in the same transaction, at the generation it was retired
 * at), or with the current time when there is none — never earlier than the retirement.
 *
 * All times are the database's clock. Each deletion runs in a transaction that locks the row,
 * checks (1) and (2) again, takes the blob key's advisory lock as the janitor does (janitor.ts;
 * skipped when a writer holds it), deletes the blob and stamps `pruned_at`: a pass interrupted
 * anywhere leaves either the blob and an unstamped row (pruned next time) or no blob and an
 * unstamped row (its deletion is repeated, harmlessly: deleting a missing blob is no error).
 */
import type { Pool, Queryable } from '../pg/connect.ts';
import { withTransaction } from '../pg/connect.ts';
import type { BlobStore } from './store.ts';

export interface PruneOptions {
  pool: Pool;
  blob: BlobStore;
  /** Keep a retired segment's blob this long after its retirement, ms (default 10 min). */
  graceMs?: number;
  /** A searcher whose last heartbeat is older than this holds nothing, ms (default 2 min). */
  searcherStaleMs?: number;
  /** Only segments whose key starts with this (default all). */
  prefix?: string;
  /** Segments looked at per query (default 500). */
  batch?: number;
}

export interface PruneResult {
  /** Blobs deleted (their rows stamped `pruned_at`). */
  pruned: number;
  /** Bytes those segments held. */
  bytes: number;
  /** Retired segments kept because a live searcher still serves an older generation of their shard. */
  served: number;
  /** Retired segments kept because their grace period has not passed. */
  young: number;
  /** Retired segments skipped because a writer held their key at that moment. */
  held: number;
}

export const DEFAULT_PRUNE_GRACE_MS = 10 * 60_000;
export const DEFAULT_SEARCHER_STALE_MS = 2 * 60_000;

/** The janitor's per-key lock (janitor.ts), on `$key`. */
const KEY_LOCK = `pg_try_advisory_xact_lock(hashtextextended('tra blob ' || $KEY::text, 0))`;

/**
 * True for a retired segment `r` (columns of `segments`) that a live searcher may still need: it
 * serves r's shard at a generation before r was retired ($STALE: ms of heartbeat that count).
 */
const SERVED = `EXISTS (
  SELECT 1 FROM searchers s
  WHERE s.heartbeat_at > now() - $STALE * interval '1 millisecond'
    AND s.generations ? r.shard
    AND (jsonb_typeof(s.generations -> r.shard) <> 'number' OR (s.generations ->> r.shard)::numeric < r.retired_generation))`;

const YOUNG = `r.retired_at > now() - $GRACE * interval '1 millisecond'`;

const PREFIX = `($PREFIX::text IS NULL OR left(r.segment_key, length($PREFIX::text)) = $PREFIX::text)`;

function sql(text: string, at: Record<string, number>): string {
  return text.replace(/\$([A-Z]+)/g, (m, name: string) => (name in at ? `$${at[name]}` : m));
}

/** Stamp `retired_at` on retired segments that lack it (see the header). Returns how many. */
export async function stampRetired(q: Queryable): Promise<number> {
  const r = await q.query(
    `UPDATE segments r SET retired_at = coalesce(
       (SELECT min(m.created_at) FROM segments m
        WHERE m.shard = r.shard AND m.published_generation = r.retired_generation AND m.id <> r.id),
       now())
     WHERE r.state = 'retired' AND r.retired_at IS NULL`,
  );
  return r.rowCount ?? 0;
}

/** One pass: delete the blobs of the retired segments no one can still need (see the header). */
export async function pruneRetired(o: PruneOptions): Promise<PruneResult> {
  const grace = o.graceMs ?? DEFAULT_PRUNE_GRACE_MS;
  const stale = o.searcherStaleMs ?? DEFAULT_SEARCHER_STALE_MS;
  const batch = o.batch ?? 500;
  const prefix = o.prefix ?? null;
  const out: PruneResult = { pruned: 0, bytes: 0, served: 0, young: 0, held: 0 };
  await stampRetired(o.pool);

  const kept = await o.pool.query<{ served: string; young: string }>(
    sql(
      `SELECT count(*) FILTER (WHERE ${SERVED}) AS served, count(*) FILTER (WHERE ${YOUNG} AND NOT ${SERVED}) AS young
       FROM segments r WHERE r.state = 'retired' AND r.pruned_at IS NULL AND ${PREFIX}`,
      { STALE: 1, GRACE: 2, PREFIX: 3 },
    ),
    [stale, grace, prefix],
  );
  out.served = Number(kept.rows[0].served);
  out.young = Number(kept.rows[0].young);

  const due = sql(
    `r.state = 'retired' AND r.pruned_at IS NULL AND r.retired_at IS NOT NULL AND NOT (${YOUNG}) AND NOT ${SERVED} AND ${PREFIX}`,
    { STALE: 1, GRACE: 2, PREFIX: 3 },
  );
  let after = '0';
  for (;;) {
    const { rows } = await o.pool.query<{ id: string }>(
      `SELECT r.id FROM segments r WHERE ${due} AND r.id > $4 ORDER BY r.id LIMIT $5`,
      [stale, grace, prefix, after, batch],
    );
    for (const { id } of rows) {
      const verdict = await withTransaction(o.pool, async (c) => {
        // Locked and checked again: a searcher may have registered since the list was read.
        const { rows: seg } = await c.query<{ key: string; bytes: string }>(
          `SELECT r.segment_key AS key, r.bytes FROM segments r WHERE r.id = $4 AND ${due} FOR UPDATE`,
          [stale, grace, prefix, id],
        );
        if (!seg.length) return { v: 'kept' as const };
        const key = seg[0].key;
        const { rows: lock } = await c.query<{ ok: boolean }>(`SELECT ${sql(KEY_LOCK, { KEY: 1 })} AS ok`, [key]);
        if (!lock[0].ok) return { v: 'held' as const };
        await o.blob.delete(key);
        await c.query('UPDATE segments SET pruned_at = now() WHERE id = $1', [id]);
        return { v: 'pruned' as const, bytes: Number(seg[0].bytes) };
      });
      if (verdict.v === 'pruned') {
        out.pruned++;
        out.bytes += verdict.bytes;
      } else if (verdict.v === 'held') out.held++;
    }
    if (rows.length < batch) break;
    after = rows[rows.length - 1].id;
  }
  return out;
}
