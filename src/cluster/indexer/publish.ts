/**
 * Publishing built segments: one transaction that makes them live, advances their shards'
 * manifest generations, marks replaced versions deleted and completes the job — or does none of
 * it. docs/SCALE.md ("Indexers: built at least once, published exactly once") gives the protocol.
 *
 * Locks, always in this order so two publishers (or a publisher and an ingest, which also locks
 * documents in id order) cannot deadlock: the job's documents rows (id order), then the shard
 * checkpoints touched (name order). Under them:
 * - every version of the job must still be unpublished (no `version_segments` row), else the job was
 *   published already and this attempt rolls back whole (`AlreadyPublished`);
 * - each shard's generation is read under its row lock and set to generation + 1 (compare-and-
 *   set: no other publish of that shard can interleave);
 * - of each document only its newest published version stays live: every older published version
 *   not yet deleted gets `deleted_generation` = its shard's new generation (its shard is locked
 *   too). Newest published, not current: a newer acknowledged version whose job has not been
 *   published yet does not hide the document meanwhile;
 * - the blobs are held against the janitor and checked to exist (blob/janitor.ts `holdBlobs`);
 * - the job is completed under its lease (fenced by its epoch: a reclaimed job's late publish is
 *   refused with LeaseLost and nothing of it commits).
 */
import { withTransaction, type Pool, type PoolClient } from '../pg/connect.ts';
import { complete, type ClaimedJob } from '../queue/queue.ts';
import { holdBlobs } from '../blob/janitor.ts';
import type { BlobStore } from '../blob/store.ts';
import { ClusterError } from '../errors.ts';
import { shardRange } from './shard-key.ts';
import { enqueueMergeIfDue } from './merge.ts';

/** The NOTIFY channel searchers LISTEN on; the payload is the shard name. */
export const MANIFEST_CHANNEL = 'tra_manifest';

export interface BuiltSegment {
  shard: string;
  key: string;
  checksum: string;
  bytes: number;
  docCount: number;
  seqs: number[];
  sumLen: number[];
}

export class AlreadyPublished extends ClusterError {
  constructor(job: number) {
    super(`job ${job}: các phiên bản của lô này đã được công bố (already published) — bỏ qua`);
    this.name = 'AlreadyPublished';
  }
}

export interface PublishResult {
  generations: Record<string, number>;
  deleted: number;
}

/**
 * `mergeAt`: enqueue a merge of a shard this publish brings to that many live segments (in this
 * same transaction; merge.ts). 0: never.
 */
export async function publishSegments(pool: Pool, blob: BlobStore, job: ClaimedJob | undefined, docIds: string[], built: BuiltSegment[], mergeAt = 0): Promise<PublishResult> {
  return withTransaction(pool, (c) => publishIn(c, blob, job, docIds, built, mergeAt));
}

async function publishIn(c: PoolClient, blob: BlobStore, job: ClaimedJob | undefined, docIds: string[], built: BuiltSegment[], mergeAt: number): Promise<PublishResult> {
  const ids = [...new Set(docIds)].sort();
  const locked = await c.query<{ deleted: boolean }>('SELECT id, deleted FROM documents WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [ids]);
  // Shards whose versions this publish may delete: those of the documents' other published versions.
  const { rows: other } = await c.query<{ shard: string }>(
    `SELECT DISTINCT m.shard FROM document_versions v JOIN version_segments m ON m.seq = v.seq
     WHERE v.doc_id = ANY($1::text[]) AND m.deleted_generation IS NULL`,
    [ids],
  );
  const shards = [...new Set([...built.map((b) => b.shard), ...other.map((r) => r.shard)])].sort();
  for (const s of shards) {
    const [from, to] = shardRange(s);
    await c.query('INSERT INTO shards (shard, published_from, published_to) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [s, from, to]);
    await c.query('INSERT INTO shard_checkpoints (shard) VALUES ($1) ON CONFLICT DO NOTHING', [s]);
  }
  const { rows: cps } = await c.query<{ shard: string; generation: string }>(
    'SELECT shard, generation FROM shard_checkpoints WHERE shard = ANY($1::text[]) ORDER BY shard FOR UPDATE',
    [shards],
  );
  const next = new Map(cps.map((r) => [r.shard, Number(r.generation) + 1]));
  for (const b of built) {
    const gen = next.get(b.shard)!;
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO segments (shard, segment_key, checksum, bytes, doc_count, min_seq, max_seq, state, published_generation, sum_len)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'live', $8, $9) RETURNING id`,
      [b.shard, b.key, b.checksum, b.bytes, b.docCount, b.seqs[0], b.seqs[b.seqs.length - 1], gen, b.sumLen],
    );
    // One narrow row per version (migration 9); its primary key refuses a version published twice.
    const r = await c.query(
      'INSERT INTO version_segments (seq, segment_id, shard) SELECT unnest($3::bigint[]), $1, $2 ON CONFLICT (seq) DO NOTHING',
      [rows[0].id, b.shard, b.seqs],
    );
    if (r.rowCount !== b.seqs.length) throw new AlreadyPublished(job?.id ?? 0);
  }
  await holdBlobs(c, blob, built.map((b) => b.key));
  // Only the newest published version of a document stays live. Not "the current one": a newer
  // version may be acknowledged (documents.current_seq) while its job still waits for an indexer,
  // and deleting the version published now would leave the document in no live segment until
  // then. The documents rows are locked, so no other publish of these documents interleaves, and
  // this statement sees the versions this transaction just published.
  // Nothing can be deleted when no document of the batch had a live published version before
  // (`other`), none is deleted and none is twice in the batch: the usual case of new articles,
  // whose check cost a probe of every document's versions (the most expensive statement of a
  // publish, measured with pg_stat_statements).
  const maybe = other.length > 0 || ids.length !== docIds.length || locked.rows.some((r) => r.deleted);
  const del = !maybe ? { rowCount: 0 } : await c.query(
    `UPDATE version_segments m SET deleted_generation = g.gen
     FROM document_versions v, documents d, unnest($2::text[], $3::bigint[]) AS g(shard, gen)
     WHERE m.seq = v.seq AND v.doc_id = d.id AND d.id = ANY($1::text[]) AND g.shard = m.shard
       AND m.deleted_generation IS NULL
       AND (d.deleted OR EXISTS (SELECT 1 FROM document_versions w JOIN version_segments n ON n.seq = w.seq
                                 WHERE w.doc_id = v.doc_id AND w.seq > v.seq))`,
    [ids, [...next.keys()], [...next.values()]],
  );
  for (const [s, gen] of next) {
    const maxSeq = Math.max(0, ...built.filter((b) => b.shard === s).map((b) => b.seqs[b.seqs.length - 1]));
    await c.query('UPDATE shard_checkpoints SET generation = $2, indexed_seq = greatest(indexed_seq, $3), updated_at = now() WHERE shard = $1', [s, gen, maxSeq]);
    await c.query('SELECT pg_notify($1, $2)', [MANIFEST_CHANNEL, s]);
  }
  if (job) await complete(c, job);
  for (const s of new Set(built.map((b) => b.shard))) await enqueueMergeIfDue(c, s, mergeAt);
  return { generations: Object.fromEntries(next), deleted: del.rowCount ?? 0 };
}
