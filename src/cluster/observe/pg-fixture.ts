/**
 * For tests: fill the cluster's observe_* tables (migration 4) and document versions directly, as
 * the writer would leave them — every row written takes the next `observe_change_seq` — so the
 * mirror and the view can be tested without indexers. `copyCountsToPg` copies what one machine
 * counted (a data directory's observe.sqlite) into PostgreSQL: the cluster's tables then hold
 * exactly one machine's counts, and the cluster's answers can be compared with one machine's.
 */
import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import type { Pool } from '../pg/connect.ts';
import { OBSERVE_FILE, COUNTS_VERSION, ObserveCounts } from '../../observe/counts.ts';
import { decodeSorted, encodeDay, encodeSorted } from '../../observe/day-terms.ts';

export async function setObserveMeta(pool: Pool, meta: { version?: number | string; epoch?: number | string }): Promise<void> {
  for (const [k, v] of Object.entries(meta)) {
    if (v === undefined) continue;
    await pool.query('INSERT INTO observe_meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [k, String(v)]);
  }
}

/** Insert or update terms (id, text, df), each row taking the next change number. */
export async function putTerms(pool: Pool, rows: { id: number; term: string; df: number }[]): Promise<void> {
  for (const r of rows) {
    await pool.query(
      "INSERT INTO observe_terms(id, term, df, change) VALUES ($1, $2, $3, nextval('observe_change_seq')) ON CONFLICT (id) DO UPDATE SET term = excluded.term, df = excluded.df, change = excluded.change",
      [r.id, r.term, r.df],
    );
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
  const values = terms.map((t) => [t.id, t.term, t.df]);
  for (let i = 0; i < values.length; i += 2000) {
    const part = values.slice(i, i + 2000);
    await pool.query(
      "INSERT INTO observe_terms(id, term, df, change) SELECT id, term, df, nextval('observe_change_seq') FROM unnest($1::int[], $2::text[], $3::int[]) AS t(id, term, df) ORDER BY id",
      [part.map((v) => v[0]), part.map((v) => v[1]), part.map((v) => v[2])],
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
