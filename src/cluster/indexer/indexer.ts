/**
 * An indexer: claims `index` jobs (one ingest batch each, src/cluster/ingest/write.ts), builds one
 * immutable segment per shard the batch touches with the engine's segment builder, uploads each
 * under its content-addressed key, then publishes them all in one transaction (publish.ts).
 *
 * Built at least once, published exactly once: a job whose indexer dies anywhere before the
 * publish commits is claimed again when its lease ends and built again (the same bytes, so the
 * same key; a blob left by the dead attempt is reused or collected by the janitor); the publish
 * commits only under the live lease of the claim, and only if none of the batch's versions is
 * published yet.
 *
 * It also runs the `observe` jobs (src/cluster/observe/write.ts: a batch into the observatory's
 * daily counts, exactly once), enqueued beside each index job at a lower priority: claimed when no
 * index or merge job is due, so search freshness comes first and the counts follow.
 */
import os from 'node:os';
import { randomBytes, createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withTransaction, type Pool } from '../pg/connect.ts';
import { claim, complete, extend, fail, type ClaimedJob } from '../queue/queue.ts';
import type { BlobStore } from '../blob/store.ts';
import { contentKey } from '../blob/store.ts';
import { INDEX_JOB, OBSERVE_JOB, type IndexJobPayload } from '../ingest/write.ts';
import { ensureCountsVersion, observeBatch, type ObserveResult } from '../observe/write.ts';
import { SegmentBuilder } from '../../engine/builder.ts';
import { Segment } from '../../engine/segment.ts';
import { ClusterError, LeaseLost } from '../errors.ts';
import { shardOf } from './shard-key.ts';
import { AlreadyPublished, publishSegments, type BuiltSegment } from './publish.ts';
import { MachineSlots } from './slots.ts';
import { DEFAULT_MERGE_AT, MERGE_JOB, StaleMerge, enqueueMergeIfDue, mergeShard, type MergeJobPayload } from './merge.ts';

/** A merge whose shard keeps changing under it is retried this many times before the job backs off. */
const MERGE_TRIES = 5;

/** Run a claimed merge job: merge until it publishes or the shard needs none; completes the job. */
export async function mergeJob(o: IndexerOptions, job: ClaimedJob): Promise<string> {
  const p = job.payload as MergeJobPayload;
  const mergeAt = p.merge_at ?? o.mergeAt ?? DEFAULT_MERGE_AT;
  for (let i = 1; ; i++) {
    try {
      const r = await mergeShard(o.pool, o.blob, p.shard, mergeAt, job);
      if (!r) {
        // A publish that brought the shard to `mergeAt` since this merge looked found this job
        // pending and enqueued none: under the checkpoint's lock (publishes hold it while they
        // enqueue), complete this job and enqueue the next when it is due after all.
        const again = await withTransaction(o.pool, async (c) => {
          await c.query('SELECT 1 FROM shard_checkpoints WHERE shard = $1 FOR UPDATE', [p.shard]);
          await complete(c, job);
          return enqueueMergeIfDue(c, p.shard, mergeAt);
        });
        return `merge ${p.shard}: nothing to merge${again ? ' (due again: enqueued)' : ''}`;
      }
      return `merge ${p.shard}: ${r.inputs} segments → 1 (${r.documents} documents), generation ${r.generation}`;
    } catch (e) {
      if (!(e instanceof StaleMerge) || i >= MERGE_TRIES) throw e;
    }
  }
}

/** Segment files number documents by a 32-bit seq (src/engine/segment-format.ts). */
const MAX_SEQ = 0xffffffff;

export interface IndexerOptions {
  pool: Pool;
  blob: BlobStore;
  /** Lease of a claimed job, ms (default 120 s); renewed every third of it while working. */
  leaseMs?: number;
  /** Wait between empty polls of the queue, ms (default 500). */
  idleMs?: number;
  owner?: string;
  /** Called with one line per event (job done, error); default: nothing. */
  log?: (line: string) => void;
  /** Live segments of a shard that start a merge (default 10; 0: never merge). */
  mergeAt?: number;
  /** Jobs run at once by the indexers of this machine (default: its cores; 0: no limit). slots.ts. */
  slots?: number;
  /** This machine's name for its slots (default: os.hostname()). */
  machine?: string;
  /** Test hook: wait this long between upload and publish (to kill the process there). */
  pauseBeforePublishMs?: number;
  signal?: AbortSignal;
}

interface VersionRow {
  seq: string;
  doc_id: string;
  body: Record<string, unknown> | null;
}

/** Build the segments of one batch's versions, one per shard (not uploaded). */
export function buildBatch(rows: VersionRow[], now = Date.now()): { shard: string; bytes: Uint8Array; seqs: number[] }[] {
  const byShard = new Map<string, VersionRow[]>();
  for (const r of rows) {
    if (!r.body) continue;
    const s = shardOf(r.body, now);
    let l = byShard.get(s);
    if (!l) byShard.set(s, (l = []));
    l.push(r);
  }
  const out: { shard: string; bytes: Uint8Array; seqs: number[] }[] = [];
  for (const [shard, list] of [...byShard].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    list.sort((a, b) => Number(a.seq) - Number(b.seq));
    const builder = new SegmentBuilder();
    for (const r of list) {
      const seq = Number(r.seq);
      if (seq > MAX_SEQ) throw new ClusterError(`phiên bản ${seq} vượt giới hạn 2^32 của tệp phân đoạn (segment seq overflow) — cần định dạng phân đoạn mới`);
      builder.add(seq, { id: r.doc_id, ...r.body });
    }
    out.push({ shard, bytes: builder.build().bytes, seqs: list.map((r) => Number(r.seq)) });
  }
  return out;
}

export async function indexJob(o: IndexerOptions, job: ClaimedJob): Promise<{ versions: number; segments: number; deleted: number }> {
  const p = job.payload as IndexJobPayload;
  const { rows } = await o.pool.query<VersionRow>(
    'SELECT seq, doc_id, body FROM document_versions WHERE batch = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq',
    [p.batch, p.first_seq, p.last_seq],
  );
  const built: BuiltSegment[] = [];
  for (const b of buildBatch(rows)) {
    const key = contentKey('segments', b.bytes, '.tseg');
    await o.blob.put(key, b.bytes);
    const seg = new Segment(key, b.bytes);
    built.push({
      shard: b.shard,
      key,
      checksum: createHash('sha256').update(b.bytes).digest('hex'),
      bytes: b.bytes.length,
      docCount: seg.docCount,
      seqs: b.seqs,
      sumLen: [0, 1, 2].map((f) => seg.sumLen(f)),
    });
  }
  if (o.pauseBeforePublishMs) {
    o.log?.(`uploaded job ${job.id}: ${built.map((b) => b.key).join(' ')}`);
    await sleep(o.pauseBeforePublishMs);
  }
  const r = await publishSegments(o.pool, o.blob, job, rows.map((x) => x.doc_id), built, o.mergeAt ?? DEFAULT_MERGE_AT);
  return { versions: rows.length, segments: built.length, deleted: r.deleted };
}

/** One log line for an observe job. */
export function describeObserve(r: ObserveResult): string {
  if (r.already) return `observe batch ${r.batch}: counted already, nothing added${r.rebuilt ? ' (counts rebuilt for this version)' : ''}, ${r.ms} ms`;
  return (
    `observe batch ${r.batch}: ${r.versions} versions, ${r.added} counted, ${r.removed} taken out, ${r.stale} stale, ` +
    `${r.duplicates} duplicates, ${r.undated} undated, ${r.deleted} deleted, ${r.newTerms} new terms (${r.termsCached} known here, ${r.termsLooked} looked up), ${r.days} days` +
    `${r.rebuilt ? ' (counts rebuilt for this version: every batch enqueued again)' : ''}, ${r.ms} ms (lock: waited ${r.waitMs} ms, held ${r.heldMs} ms)`
  );
}

/** Run one claimed job under its lease (renewed meanwhile). Errors are logged; nothing throws. */
async function runJob(o: IndexerOptions, job: ClaimedJob, leaseMs: number): Promise<void> {
  const keep = setInterval(() => void extend(o.pool, job, leaseMs).catch(() => undefined), Math.max(1_000, leaseMs / 3));
  try {
    const t0 = Date.now();
    if (job.kind === MERGE_JOB) {
      o.log?.(`job ${job.id}: ${await mergeJob(o, job)}, ${Date.now() - t0} ms`);
    } else if (job.kind === OBSERVE_JOB) {
      o.log?.(`job ${job.id}: ${describeObserve(await observeBatch(o.pool, job))}`);
    } else {
      const r = await indexJob(o, job);
      o.log?.(`job ${job.id}: ${r.versions} versions, ${r.segments} segments, ${r.deleted} replaced, ${Date.now() - t0} ms`);
    }
  } catch (e) {
    if (e instanceof AlreadyPublished) {
      // Published by an earlier attempt whose completion was lost: nothing left to do.
      await complete(o.pool, job).catch(() => undefined);
      o.log?.(e.message);
    } else if (e instanceof LeaseLost) {
      o.log?.(e.message);
    } else {
      o.log?.(`job ${job.id}: ${(e as Error).message}`);
      await fail(o.pool, job, (e as Error).message).catch(() => undefined);
    }
  } finally {
    clearInterval(keep);
  }
}

/** Claim and index jobs until `signal` aborts. Errors are logged and retried; nothing throws. */
export async function runIndexer(o: IndexerOptions): Promise<void> {
  const owner = o.owner ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const leaseMs = o.leaseMs ?? 120_000;
  const idleMs = o.idleMs ?? 500;
  const kinds = (o.mergeAt ?? DEFAULT_MERGE_AT) > 1 ? [INDEX_JOB, MERGE_JOB, OBSERVE_JOB] : [INDEX_JOB, OBSERVE_JOB];
  // Counts made by an older version of the counting rules are rebuilt now, not at the next batch.
  try {
    if (await ensureCountsVersion(o.pool)) o.log?.('observe: counts of another version of the counting rules: emptied, every batch enqueued again');
  } catch (e) {
    o.log?.(`observe: không kiểm tra được phiên bản số đếm (cannot check the counts' version): ${(e as Error).message}`);
  }
  let backoff = idleMs;
  const slots = new MachineSlots(o.pool, { slots: o.slots, machine: o.machine });
  let standby = false;
  try {
    while (!o.signal?.aborted) {
      let job: ClaimedJob | undefined;
      try {
        if (!(await slots.acquire())) {
          if (!standby) o.log?.(`chờ: đã có ${slots.slots} indexer chạy trên máy ${slots.machine} (standby: every slot of this machine is taken)`);
          standby = true;
          await sleep(idleMs, undefined, { signal: o.signal }).catch(() => undefined);
          continue;
        }
        if (standby) o.log?.(`nhận chỗ ${slots.number + 1}/${slots.slots} trên máy ${slots.machine} (took a slot)`);
        standby = false;
        [job] = await claim(o.pool, { owner, kinds, leaseMs });
        backoff = idleMs;
      } catch (e) {
        o.log?.(`không nhận được việc (cannot claim): ${(e as Error).message}`);
        await slots.release();
        await sleep(backoff, undefined, { signal: o.signal }).catch(() => undefined);
        backoff = Math.min(5_000, backoff * 2);
        continue;
      }
      if (!job) {
        // Idle: the slot goes back, so a standby here takes it as soon as there is work.
        await slots.release();
        await sleep(idleMs, undefined, { signal: o.signal }).catch(() => undefined);
        continue;
      }
      await runJob(o, job, leaseMs);
    }
  } finally {
    await slots.release();
  }
}
