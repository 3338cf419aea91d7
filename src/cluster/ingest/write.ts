/**
 * Documents into PostgreSQL, one batch per transaction. In that transaction:
 * - each document row is inserted, or pointed at a new version when its content changed
 *   (`content_hash`, SHA-256 of the body as stored); an unchanged document writes nothing, so
 *   re-running an interrupted `tra index` adds nothing twice;
 * - each new version is a row of `document_versions` (every version kept) carrying the batch id;
 * - one `index` job names the batch and its seq range: the indexers build segments from it;
 * - one `observe` job names it too: an indexer adds it to the observatory's daily counts
 *   (src/cluster/observe/write.ts), after the index jobs waiting (lower priority).
 * The batch commits whole, or nothing of it (and no job) does. Rows are written in id order, so
 * two ingests of overlapping documents lock them in the same order and cannot deadlock.
 */
import { createHash } from 'node:crypto';
import { withTransaction, type Pool, type Queryable } from '../pg/connect.ts';
import { enqueue, type JobSpec } from '../queue/queue.ts';
import { parseTime } from '../../ingest/timestamps.ts';
import type { DocInput } from '../../store/document.ts';

/** The job kind that asks an indexer to index one ingest batch. */
export const INDEX_JOB = 'index';

/** The job kind that asks an indexer to add one ingest batch to the observatory's counts. */
export const OBSERVE_JOB = 'observe';
/** Below index and merge jobs (priority 0): search freshness first; claimed whenever none is due. */
export const OBSERVE_PRIORITY = -1;

export interface ObserveJobPayload {
  batch: number;
  /** The batch's seq range (absent on the jobs migration 4 enqueued for earlier batches). */
  first_seq?: number;
  last_seq?: number;
}

/** The `observe` job of a batch: one pending per batch (dedupe key), so enqueueing twice is harmless. */
export function observeJob(p: ObserveJobPayload): JobSpec {
  return { kind: OBSERVE_JOB, payload: p, dedupeKey: `observe:${p.batch}`, maxAttempts: 20, priority: OBSERVE_PRIORITY };
}

export interface IndexJobPayload {
  batch: number;
  first_seq: number;
  last_seq: number;
  versions: number;
}

export interface BatchResult {
  /** New versions written (new or changed documents). */
  written: number;
  /** Documents already stored with the same content. */
  unchanged: number;
  /** The index job's payload, when something was written. */
  job?: IndexJobPayload;
}

/** Earliest and latest instants PostgreSQL's timestamptz holds (4713 BC .. 294276 AD), kept well inside. */
const MIN_TIME = Date.UTC(-4000, 0, 1);
const MAX_TIME = Date.UTC(200000, 0, 1);

/** `published` as an ISO instant for the shard key, or null when it is not a usable time. */
export function publishedAt(doc: DocInput): string | null {
  const ms = parseTime(doc.published);
  return Number.isFinite(ms) && ms >= MIN_TIME && ms <= MAX_TIME ? new Date(ms).toISOString() : null;
}

/**
 * `source` as its own column (migration 8: a source's latest articles and the list of sources
 * read it without parsing bodies): a non-empty string, with NUL and lone surrogates taken out,
 * which a text column cannot hold; null otherwise.
 */
export function sourceOf(doc: DocInput): string | null {
  if (typeof doc.source !== 'string') return null;
  const s = doc.source.replace(/\0/g, '').toWellFormed();
  return s === '' ? null : s;
}

/** The stored body (the document without "id", as JSON) and its hash. */
export function bodyOf(doc: DocInput): { body: string; hash: string } {
  const { id: _id, ...rest } = doc;
  const body = JSON.stringify(rest);
  return { body, hash: createHash('sha256').update(body).digest('hex') };
}

/** The columns of the versions of `docs`, in input order (what `writeBatchIn` inserts). */
export interface VersionColumns {
  ids: string[];
  hashes: string[];
  bodies: string[];
  published: Array<string | null>;
  sources: Array<string | null>;
}

export function versionColumns(docs: DocInput[]): VersionColumns {
  const v: VersionColumns = { ids: [], hashes: [], bodies: [], published: [], sources: [] };
  for (const d of docs) {
    const { body, hash } = bodyOf(d);
    v.ids.push(d.id);
    v.hashes.push(hash);
    v.bodies.push(body);
    v.published.push(publishedAt(d));
    v.sources.push(sourceOf(d));
  }
  return v;
}

/** Write `docs` (ids unique within the batch) in one transaction. */
export async function writeBatch(pool: Pool, docs: DocInput[]): Promise<BatchResult> {
  if (!docs.length) return { written: 0, unchanged: 0 };
  // Arrays in input order: versions are numbered in the order the lines came (as on one
  // machine, where a later line gets a later seq; equal scores rank by it), rows are still
  // written and locked in id order. Hashed before the transaction, not while holding it.
  const columns = versionColumns(docs);
  return withTransaction(pool, (c) => writeBatchIn(c, docs, columns));
}

/**
 * Write `docs` inside the caller's transaction (a fetcher's fenced commit writes the articles it
 * extracted together with their captures): new versions and their index job, or nothing.
 * `pre`: their columns, when already made (`versionColumns`).
 */
export async function writeBatchIn(c: Queryable, docs: DocInput[], pre?: VersionColumns): Promise<BatchResult> {
  if (!docs.length) return { written: 0, unchanged: 0 };
  const { ids, hashes, bodies, published, sources } = pre ?? versionColumns(docs);
  const batch = Number((await c.query<{ b: string }>("SELECT nextval('ingest_batch_seq') AS b")).rows[0].b);
  const { rows } = await c.query<{ seq: string }>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $6::text[]) WITH ORDINALITY AS t(id, hash, body, published, source, pos)
     ), numbered AS MATERIALIZED (
       SELECT i.id, i.hash, nextval('document_version_seq') AS seq FROM (SELECT * FROM input ORDER BY pos OFFSET 0) i
     ), changed AS (
       INSERT INTO documents AS d (id, current_seq, content_hash)
       SELECT id, seq, decode(hash, 'hex') FROM numbered ORDER BY id
       ON CONFLICT (id) DO UPDATE SET current_seq = EXCLUDED.current_seq, content_hash = EXCLUDED.content_hash,
         deleted = false, updated_at = now()
         WHERE d.content_hash <> EXCLUDED.content_hash OR d.deleted
       RETURNING d.id, d.current_seq
     )
     INSERT INTO document_versions (seq, doc_id, content_hash, body, published_at, batch, source)
     SELECT changed.current_seq, i.id, decode(i.hash, 'hex'), i.body::json, i.published, $5, i.source
     FROM changed JOIN input i USING (id)
     RETURNING seq`,
    [ids, hashes, bodies, published, batch, sources],
  );
  const written = rows.length;
  if (!written) return { written: 0, unchanged: docs.length };
  const seqs = rows.map((r) => Number(r.seq));
  const job: IndexJobPayload = { batch, first_seq: Math.min(...seqs), last_seq: Math.max(...seqs), versions: written };
  await enqueue(c, { kind: INDEX_JOB, payload: job, maxAttempts: 20 });
  await enqueue(c, observeJob({ batch, first_seq: job.first_seq, last_seq: job.last_seq }));
  return { written, unchanged: docs.length - written, job };
}
