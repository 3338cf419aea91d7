/**
 * For tests: fill the cluster's observe_* tables (migration 4) and document versions directly, as
 * the writer would leave them — every row written takes the next `observe_change_seq` — so the
 * mirror and the view can be tested without indexers. `copyCountsToPg` copies what one machine
 * counted (a data directory's observe.sqlite) into PostgreSQL: the cluster's tables then hold
 * exactly one machine's counts, and the cluster's answers can be compared with one machine's.
 * Terms are written as the writer writes them: once, with `df` left at 0 (document frequencies
 * are not kept in PostgreSQL; readers sum the day rows).
 */
import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { withTransaction, type Pool } from '../pg/connect.ts';
import { enqueue } from '../queue/queue.ts';
import { observeJob } from '../ingest/write.ts';
import { OBSERVE_FILE, COUNTS_VERSION, ObserveCounts } from '../../observe/counts.ts';
import { decodeDay, decodeSorted, encodeDay, encodeSorted } from '../../observe/day-terms.ts';

export async function setObserveMeta(pool: Pool, meta: { version?: number | string; epoch?: number | string }): Promise<void> {
  for (const [k, v] of Object.entries(meta)) {
    if (v === undefined) continue;
    await pool.query('INSERT INTO observe_meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [k, String(v)]);
  }
}

/** Insert new terms (id, text; df left at 0), each row taking the next change number. */
export async function putTerms(pool: Pool, rows: { id: number; term: string }[]): Promise<void> {
  for (const r of rows) {
    await pool.query("INSERT INTO observe_terms(id, term, change) VALUES ($1, $2, nextval('observe_change_seq'))", [r.id, r.term]);
  }
}

/** Insert or replace day rows: (term id → documents) pairs and the version seqs counted. */
export async function putDays(pool: Pool, rows: { day: number; docs: number; pairs: [number, number][]; seqs: number[] }[]): Promise<void> {
  for (const r of rows) {
    const pairs = [...r.pairs].sort((a, b) => a[0] - b[0]);
    const terms = encodeDay({ ids: Int32Array.from(pairs.map((p) => p[0])), n: Int32Array.from(pairs.map((p) => p[1])) });
    await putDayBytes(pool, r.day, r.docs, terms, encodeSorted([...r.seqs].sort((a, b) => a - b)));
  }
}

export async function putDayBytes(pool: Pool, day: number, docs: number, terms: Uint8Array, seqs: Uint8Array): Promise<void> {
  await pool.query(
    "INSERT INTO observe_days(day, docs, terms, seqs, change) VALUES ($1, $2, $3, $4, nextval('observe_change_seq')) ON CONFLICT (day) DO UPDATE SET docs = excluded.docs, terms = excluded.terms, seqs = excluded.seqs, change = excluded.change",
    [day, docs, Buffer.from(terms), Buffer.from(seqs)],
  );
}

export async function putSourceDays(pool: Pool, rows: { source: string; day: number; docs: number }[]): Promise<void> {
  for (const r of rows) {
    await pool.query(
      "INSERT INTO observe_source_days(source, day, docs, change) VALUES ($1, $2, $3, nextval('observe_change_seq')) ON CONFLICT (source, day) DO UPDATE SET docs = excluded.docs, change = excluded.change",
      [r.source, r.day, r.docs],
    );
  }
}

/** Empty the tables (a writer's rebuild) and set another epoch. */
export async function rebuildObserve(pool: Pool, epoch: number | string): Promise<void> {
  await pool.query('DELETE FROM observe_terms');
  await pool.query('DELETE FROM observe_days');
  await pool.query('DELETE FROM observe_source_days');
  await setObserveMeta(pool, { epoch });
}

/**
 * Copy one machine's counts (`dir`/observe.sqlite) into PostgreSQL. Its day rows name store rows
 * (seqs); `seqOf` maps them to the document_versions seqs the documents were given in PostgreSQL.
 */
export async function copyCountsToPg(pool: Pool, dir: string, seqOf: (storeSeq: number) => number = (s) => s): Promise<void> {
  await setObserveMeta(pool, { version: COUNTS_VERSION, epoch: 1 });
  const counts = new ObserveCounts(dir, { readOnly: true });
  const terms = counts.topTerms(Number.MAX_SAFE_INTEGER).sort((a, b) => a.id - b.id);
  counts.close();
  for (let i = 0; i < terms.length; i += 2000) {
    const part = terms.slice(i, i + 2000);
    await pool.query(
      "INSERT INTO observe_terms(id, term, change) SELECT id, term, nextval('observe_change_seq') FROM unnest($1::int[], $2::text[]) AS t(id, term) ORDER BY id",
      [part.map((t) => t.id), part.map((t) => t.term)],
    );
  }
  const db = new DatabaseSync(join(dir, OBSERVE_FILE), { readOnly: true });
  try {
    for (const r of db.prepare('SELECT day, docs, terms, seqs FROM days ORDER BY day').all() as { day: number; docs: number; terms: Uint8Array; seqs: Uint8Array }[]) {
      await putDayBytes(pool, r.day, r.docs, r.terms, encodeSorted(decodeSorted(r.seqs).map(seqOf).sort((a, b) => a - b)));
    }
    await putSourceDays(pool, db.prepare('SELECT source, day, docs FROM source_days').all() as { source: string; day: number; docs: number }[]);
  } finally {
    db.close();
  }
}

/** Documents as versions in PostgreSQL (documents + document_versions), each at the given seq. */
export async function putDocuments(pool: Pool, docs: { seq: number; doc: Record<string, unknown> & { id: string } }[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 500) {
    const part = docs.slice(i, i + 500);
    const ids = part.map((d) => d.doc.id);
    const seqs = part.map((d) => d.seq);
    const bodies = part.map(({ doc: { id: _id, ...body } }) => JSON.stringify(body));
    const hashes = bodies.map((b) => createHash('sha256').update(b).digest());
    await pool.query(
      'INSERT INTO documents(id, current_seq, content_hash) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[]) ON CONFLICT (id) DO UPDATE SET current_seq = excluded.current_seq, content_hash = excluded.content_hash',
      [ids, seqs, hashes],
    );
    await pool.query(
      'INSERT INTO document_versions(seq, doc_id, content_hash, body, batch) SELECT s, i, h, b::json, 1 FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::text[]) AS t(s, i, h, b)',
      [seqs, ids, hashes, bodies],
    );
  }
}

/**
 * Each term's document frequency as readers derive it: the sum of its counts over PostgreSQL's
 * day rows (rows at 0 included: their pairs are empty), by term id.
 */
export async function dayRowFrequencies(pool: Pool): Promise<Map<number, number>> {
  const df = new Map<number, number>();
  for (const r of (await pool.query<{ terms: Buffer }>('SELECT terms FROM observe_days')).rows) {
    const d = decodeDay(r.terms);
    for (let i = 0; i < d.ids.length; i++) df.set(d.ids[i], (df.get(d.ids[i]) ?? 0) + d.n[i]);
  }
  return df;
}

/** Delete documents in the cluster: a version with body NULL in a batch of its own, with its observe job. */
export async function deleteInCluster(pool: Pool, ids: string[]): Promise<number> {
  return withTransaction(pool, async (c) => {
    const batch = Number((await c.query<{ b: string }>("SELECT nextval('ingest_batch_seq') AS b")).rows[0].b);
    for (const id of [...ids].sort()) {
      const seq = Number((await c.query<{ s: string }>("SELECT nextval('document_version_seq') AS s")).rows[0].s);
      const hash = createHash('sha256').update('').digest();
      await c.query('INSERT INTO document_versions (seq, doc_id, content_hash, body, published_at, batch) VALUES ($1, $2, $3, NULL, NULL, $4)', [seq, id, hash, batch]);
      await c.query('UPDATE documents SET current_seq = $2, content_hash = $3, deleted = true, updated_at = now() WHERE id = $1', [id, seq, hash]);
    }
    await enqueue(c, observeJob({ batch }));
    return batch;
  });
}
