/**
 * Merging a shard's segments: the smallest live segments of a shard become one (the engine's
 * `mergeSegments`: documents in seq order, deleted versions dropped, nothing re-analysed), which
 * replaces them in one compare-and-set transaction on the shard's manifest generation.
 *
 * 1. A `merge` job names a shard. It is enqueued (deduplicated per shard) in the transaction of
 *    the publish that gave a size class of the shard `mergeAt` live segments (publish.ts), and again by a
 *    merge that leaves the shard at or above it.
 * 2. The merger reads, in one REPEATABLE READ snapshot, the shard's generation g, its live
 *    segments and their deleted versions; takes the `mergeAt` smallest of the smallest size class
 *    holding that many (`pickMerge`; at most 64, the engine's limit); copies and checks them; merges; uploads the result under its content-addressed key.
 * 3. Publish, one transaction: lock the shard's checkpoint, now at generation h ≥ g; retire the
 *    inputs (`retired_generation` = h + 1), all of which must still be live (another merge in
 *    between took some: nothing is written and the merge is redone from step 2); insert the new
 *    segment (live, generation h + 1); point at it every version of the inputs that was live at
 *    g — exactly as many as the merged segment holds, else roll back — including those a publish
 *    deleted after g (`deleted_generation` > g), which carry their deletion over to the merged
 *    segment; hold the blob against the janitor; generation := h + 1; NOTIFY; complete the job
 *    under its lease.
 *
 * A searcher reads a generation's live segments and their deleted versions in one snapshot and
 * swaps from generation h (inputs) to h + 1 (the merged segment, with the deletions carried
 * over) in one assignment, so a query sees each live version exactly once whatever the moment.
 */
import { createHash } from 'node:crypto';
import { withTransaction, type Pool } from '../pg/connect.ts';
import { complete, enqueue, type ClaimedJob } from '../queue/queue.ts';
import { holdBlobs } from '../blob/janitor.ts';
import { contentKey, type BlobStore } from '../blob/store.ts';
import { Segment } from '../../engine/segment.ts';
import { mergeSegments } from '../../engine/merge.ts';
import { ClusterError } from '../errors.ts';
import { MANIFEST_CHANNEL } from './publish.ts';

export const MERGE_JOB = 'merge';
/** Live segments of a shard that start a merge (default; `tra indexer --merge-at`). */
export const DEFAULT_MERGE_AT = 10;
/** The engine merges at most this many segments at once (merge.ts numbers parts in 6 bits). */
const MAX_PARTS = 64;
/** Segments of up to this many documents are all of the smallest size class (one ingest batch is ~1,000). */
export const MERGE_FLOOR_DOCS = 1000;
/** A merge never makes a segment of more documents than this: larger segments stay as they are. */
export const MAX_MERGED_DOCS = 2_000_000;
/**
 * Nor one of more bytes than this: the engine's own cap (src/engine/index.ts,
 * maxSegmentBytes), which keeps files well inside one read and the format's 32-bit offsets.
 */
export const MAX_MERGED_BYTES = 1 << 30;

/**
 * Which live segments of a shard to merge now, if any: segments are put in size classes by the
 * powers of `mergeAt` (with mergeAt 10: under 10,000 documents, under 100,000, under a million…),
 * and the `mergeAt` smallest of the smallest class holding `mergeAt` of them are merged, unless
 * the result would pass MAX_MERGED_DOCS or MAX_MERGED_BYTES (then as many of them as fit, if two do). So a document is rewritten about once per size class
 * (log of the shard's size), never once per batch: merging the smallest segments whatever their
 * size — the rule before — took the shard's one large segment into nearly every merge, rewrote
 * the whole shard each time and held all of it in memory. A shard keeps fewer than `mergeAt`
 * segments per class (below MAX_MERGED_DOCS), ~mergeAt × log(size) in all.
 */
export function pickMerge<T extends { doc_count: number; id: string; bytes?: number | string }>(live: T[], mergeAt: number): T[] | undefined {
  if (!(mergeAt > 1) || live.length < mergeAt) return undefined;
  const k = Math.min(MAX_PARTS, Math.max(mergeAt, 2));
  const classOf = (n: number) => Math.floor(Math.log(Math.max(n, MERGE_FLOOR_DOCS) / MERGE_FLOOR_DOCS) / Math.log(mergeAt) + 1e-9);
  const byClass = new Map<number, T[]>();
  for (const s of live) {
    const c = classOf(s.doc_count);
    let l = byClass.get(c);
    if (!l) byClass.set(c, (l = []));
    l.push(s);
  }
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const l = byClass.get(c)!;
    if (l.length < mergeAt) continue;
    l.sort((a, b) => a.doc_count - b.doc_count || Number(a.id) - Number(b.id));
    // As many of the smallest as fit under both caps: fewer than mergeAt when the class holds
    // large segments (so a class of big segments still merges two or three at a time instead of
    // growing without bound), none when not even two fit.
    const pick: T[] = [];
    let docs = 0;
    let bytes = 0;
    for (const s of l.slice(0, k)) {
      docs += s.doc_count;
      bytes += Number(s.bytes ?? 0);
      if (docs > MAX_MERGED_DOCS || bytes > MAX_MERGED_BYTES) break;
      pick.push(s);
    }
    if (pick.length < 2) continue;
    return pick;
  }
  return undefined;
}

export interface MergeJobPayload {
  shard: string;
  merge_at: number;
}

/** Another merge retired some of the inputs between the merger's snapshot and its publish. */
export class StaleMerge extends ClusterError {
  constructor(shard: string) {
    super(`shard ${shard}: danh mục đã thay đổi trong lúc gộp (inputs merged elsewhere) — gộp lại`);
    this.name = 'StaleMerge';
  }
}

/**
 * Inside a publishing transaction: enqueue a merge of `shard` when `pickMerge` finds one to do (a
 * size class with `mergeAt` live segments; at most one pending merge per shard). `mergeAt` 0 or
 * less: never.
 */
export async function enqueueMergeIfDue(c: Pick<Pool, 'query'>, shard: string, mergeAt: number): Promise<boolean> {
  if (!(mergeAt > 1)) return false;
  const { rows } = await c.query<{ id: string; doc_count: number; bytes: string }>("SELECT id, doc_count, bytes FROM segments WHERE shard = $1 AND state = 'live'", [shard]);
  if (!pickMerge(rows, mergeAt)) return false;
  const payload: MergeJobPayload = { shard, merge_at: mergeAt };
  return (await enqueue(c, { kind: MERGE_JOB, payload, dedupeKey: `merge:${shard}`, maxAttempts: 20 })) !== undefined;
}

interface LiveSegment {
  id: string;
  key: string;
  checksum: string;
  bytes: string;
  doc_count: number;
}

export interface MergeResult {
  shard: string;
  inputs: number;
  documents: number;
  generation: number;
}

/** A segment file from blob storage, checked against the manifest's checksum. */
export async function fetchSegment(blob: BlobStore, key: string, checksum: string, size: number): Promise<Segment> {
  const b = await blob.get(key, Math.max(size, 1) + 1);
  if (!b) throw new ClusterError(`${blob.location}: thiếu phân đoạn ${key} mà danh mục ghi là đang dùng (segment missing)`);
  if (createHash('sha256').update(b).digest('hex') !== checksum) throw new ClusterError(`${blob.location}: phân đoạn ${key} sai mã kiểm (checksum mismatch)`);
  return new Segment(key, b);
}

/** Mark the versions `seqs` deleted in `seg` (its deletion bitmap). */
export function applyDeletions(seg: Segment, seqs: number[]): void {
  if (!seqs.length) return;
  const bits = new Uint8Array((seg.docCount + 7) >> 3);
  let n = 0;
  for (const q of seqs) {
    const d = seg.docOfSeq(q);
    if (d >= 0 && !(bits[d >> 3] & (1 << (d & 7)))) {
      bits[d >> 3] |= 1 << (d & 7);
      n++;
    }
  }
  seg.deleted = bits;
  seg.deletedCount = n;
}

export interface MergeHooks {
  /** Test hook: runs between the upload of the merged segment and its publish transaction. */
  beforePublish?: () => Promise<void>;
}

/** One merge attempt of `shard` (steps 2–3 above); undefined when it has fewer than `mergeAt` live segments. */
export async function mergeShard(pool: Pool, blob: BlobStore, shard: string, mergeAt: number, job?: ClaimedJob, hooks: MergeHooks = {}): Promise<MergeResult | undefined> {
  const client = await pool.connect();
  let generation: number;
  let inputs: LiveSegment[];
  const deleted = new Map<string, number[]>();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const cp = await client.query<{ generation: string }>('SELECT generation FROM shard_checkpoints WHERE shard = $1', [shard]);
    if (!cp.rows.length) {
      await client.query('COMMIT');
      return undefined;
    }
    generation = Number(cp.rows[0].generation);
    const live = (await client.query<LiveSegment>(
      "SELECT id, segment_key AS key, checksum, bytes, doc_count FROM segments WHERE shard = $1 AND state = 'live' ORDER BY doc_count, id",
      [shard],
    )).rows;
    const pick = pickMerge(live, Math.max(2, mergeAt));
    if (!pick) {
      await client.query('COMMIT');
      return undefined;
    }
    inputs = pick;
    const del = (await client.query<{ segment_id: string; seq: string }>(
      'SELECT segment_id, seq FROM version_segments WHERE segment_id = ANY($1::bigint[]) AND deleted_generation IS NOT NULL',
      [inputs.map((s) => s.id)],
    )).rows;
    for (const d of del) {
      let l = deleted.get(d.segment_id);
      if (!l) deleted.set(d.segment_id, (l = []));
      l.push(Number(d.seq));
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }

  const parts: Segment[] = [];
  for (const s of inputs) {
    const seg = await fetchSegment(blob, s.key, s.checksum, Number(s.bytes));
    applyDeletions(seg, deleted.get(s.id) ?? []);
    parts.push(seg);
  }
  const liveDocs = parts.reduce((n, p) => n + p.liveCount, 0);
  let merged: { key: string; checksum: string; bytes: number; docCount: number; minSeq: number; maxSeq: number; sumLen: number[] } | undefined;
  if (liveDocs > 0) {
    const bytes = mergeSegments(parts);
    const key = contentKey('segments', bytes, '.tseg');
    await blob.put(key, bytes);
    const seg = new Segment(key, bytes);
    let minSeq = Infinity;
    let maxSeq = -Infinity;
    for (let d = 0; d < seg.docCount; d++) {
      minSeq = Math.min(minSeq, seg.seq[d]);
      maxSeq = Math.max(maxSeq, seg.seq[d]);
    }
    merged = {
      key,
      checksum: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      docCount: seg.docCount,
      minSeq,
      maxSeq,
      sumLen: [0, 1, 2].map((f) => seg.sumLen(f)),
    };
  }
  await hooks.beforePublish?.();

  return withTransaction(pool, async (c) => {
    // Publishes since the snapshot (generation g → now) may have added segments and deleted
    // versions held by the inputs: the merged segment holds those versions too, and they are
    // carried over below. Another merge since then retired some input: stale, redone.
    const { rows } = await c.query<{ generation: string }>('SELECT generation FROM shard_checkpoints WHERE shard = $1 FOR UPDATE', [shard]);
    const next = Number(rows[0].generation) + 1;
    const ids = inputs.map((s) => s.id);
    const retired = await c.query(
      "UPDATE segments SET state = 'retired', retired_generation = $2, retired_at = now() WHERE id = ANY($1::bigint[]) AND state = 'live'",
      [ids, next],
    );
    if (retired.rowCount !== ids.length) throw new StaleMerge(shard);
    if (merged) {
      const ins = await c.query<{ id: string }>(
        `INSERT INTO segments (shard, segment_key, checksum, bytes, doc_count, min_seq, max_seq, state, published_generation, sum_len)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'live', $8, $9)
         ON CONFLICT (segment_key) DO NOTHING RETURNING id`,
        [shard, merged.key, merged.checksum, merged.bytes, merged.docCount, merged.minSeq, merged.maxSeq, next, merged.sumLen],
      );
      // The same bytes published before (a merge of the very same inputs that committed): stale.
      if (!ins.rows.length) throw new StaleMerge(shard);
      await holdBlobs(c, blob, [merged.key]);
      // The versions live at the snapshot: those the merged segment holds. The ones deleted since
      // (deleted_generation > g) move with their deletion, so a searcher reading the merged
      // segment's deletions finds them; those deleted by g stay with their retired segment.
      const moved = await c.query(
        'UPDATE version_segments SET segment_id = $1 WHERE segment_id = ANY($2::bigint[]) AND (deleted_generation IS NULL OR deleted_generation > $3)',
        [ins.rows[0].id, ids, generation],
      );
      if (moved.rowCount !== merged.docCount) {
        throw new ClusterError(`shard ${shard}: phân đoạn gộp có ${merged.docCount} tài liệu nhưng ${moved.rowCount} phiên bản đang sống (merge does not match the manifest)`);
      }
    }
    await c.query('UPDATE shard_checkpoints SET generation = $2, updated_at = now() WHERE shard = $1', [shard, next]);
    await c.query('SELECT pg_notify($1, $2)', [MANIFEST_CHANNEL, shard]);
    if (job) await complete(c, job);
    await enqueueMergeIfDue(c, shard, mergeAt);
    return { shard, inputs: inputs.length, documents: merged?.docCount ?? 0, generation: next };
  });
}
