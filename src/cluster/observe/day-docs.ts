/**
 * The documents the observatory reads back, in a cluster: by version seq (the documents of a day,
 * as the day rows of the counts name them) and by id (a query's best documents, for key terms),
 * read from PostgreSQL's document_versions — only the fields the observatory reads, and the body
 * only as far as it reads it (src/observe/terms.ts BODY_CHARS).
 *
 * `DayDocCache` keeps the documents of recent days (a bounded LRU by documents held). A day's
 * seqs change as documents are counted; asking for a day again fetches only the seqs not held and
 * forgets those no longer counted, so the last day of a growing collection costs little.
 */
import type { Pool } from '../pg/connect.ts';
import type { DayDoc } from '../../observe/day-docs.ts';
import type { TextDoc } from '../../observe/terms.ts';
import { BODY_CHARS } from '../../observe/terms.ts';

/** Seqs or ids asked in one query. */
const BATCH = 5000;
/** Documents held by default (a day of a national news year is ~500; of a large cluster, ~15,000). */
export const DAY_DOCS_HELD = 60_000;

// PostgreSQL's left() counts characters, JavaScript's slice UTF-16 units: BODY_CHARS characters
// hold at least the BODY_CHARS units the observatory reads.
const TEXT = `CASE WHEN json_typeof(v.body->'text') = 'string' THEN to_json(left(v.body->>'text', ${BODY_CHARS})) ELSE v.body->'text' END`;
const FIELDS = `v.body->'title' AS title, v.body->'summary' AS summary, ${TEXT} AS text`;

type Row = { title: unknown; summary: unknown; text: unknown };

/** The document versions `seqs` (absent: no such version, or deleted), as the observatory reads them. */
export async function docsBySeq(pool: Pool, seqs: readonly number[]): Promise<Map<number, DayDoc>> {
  const out = new Map<number, DayDoc>();
  for (let i = 0; i < seqs.length; i += BATCH) {
    const part = seqs.slice(i, i + BATCH);
    const { rows } = await pool.query<Row & { seq: string; doc_id: string; source: unknown; url: unknown; link: unknown; published: unknown; fetched: unknown }>(
      `SELECT v.seq, v.doc_id, ${FIELDS}, v.body->'source' AS source, v.body->'url' AS url, v.body->'link' AS link, v.body->'published' AS published, v.body->'fetched' AS fetched
       FROM document_versions v WHERE v.seq = ANY($1::bigint[]) AND v.body IS NOT NULL`,
      [part],
    );
    for (const r of rows) {
      out.set(Number(r.seq), clean({ id: r.doc_id, title: r.title, summary: r.summary, text: r.text, source: r.source, url: r.url, link: r.link, published: r.published, fetched: r.fetched }));
    }
  }
  return out;
}

/** The current versions of the documents `ids` (deleted ones absent), their text as the observatory reads it. */
export async function textsById(pool: Pool, ids: readonly string[]): Promise<Map<string, TextDoc>> {
  const out = new Map<string, TextDoc>();
  for (let i = 0; i < ids.length; i += BATCH) {
    const part = ids.slice(i, i + BATCH);
    const { rows } = await pool.query<Row & { id: string }>(
      `SELECT d.id, ${FIELDS} FROM documents d JOIN document_versions v ON v.seq = d.current_seq WHERE d.id = ANY($1::text[]) AND NOT d.deleted AND v.body IS NOT NULL`,
      [part],
    );
    for (const r of rows) out.set(r.id, clean({ title: r.title, summary: r.summary, text: r.text }));
  }
  return out;
}

/** Fields the body does not have are absent (not null), as in a document read from a store. */
function clean<T extends object>(d: T): T {
  for (const k of Object.keys(d) as (keyof T)[]) if (d[k] === null || d[k] === undefined) delete d[k];
  return d;
}

export class DayDocCache {
  /** Per day: seq → document (null: no such version), in the order days were last used. */
  private days = new Map<number, Map<number, DayDoc | null>>();
  private held = 0;
  private readonly pool: Pool;
  private readonly maxDocs: number;

  constructor(pool: Pool, maxDocs = DAY_DOCS_HELD) {
    this.pool = pool;
    this.maxDocs = maxDocs;
  }

  /** The documents of `day` in seq order when every one of `seqs` is held; else undefined. */
  get(day: number, seqs: readonly number[]): DayDoc[] | undefined {
    const m = this.days.get(day);
    if (!m) return undefined;
    const out: DayDoc[] = [];
    for (const s of seqs) {
      const d = m.get(s);
      if (d === undefined) return undefined;
      if (d) out.push(d);
    }
    // Most recently used last.
    this.days.delete(day);
    this.days.set(day, m);
    return out;
  }

  /**
   * Hold the documents `seqs` of `day` (given in seq order): fetch those not held, forget those
   * no longer counted that day. Days in `keep` are not evicted to make room.
   */
  async fetch(day: number, seqs: readonly number[], keep: ReadonlySet<number> = new Set([day])): Promise<void> {
    const old = this.days.get(day) ?? new Map<number, DayDoc | null>();
    const missing = seqs.filter((s) => !old.has(s));
    const got = missing.length ? await docsBySeq(this.pool, missing) : new Map<number, DayDoc>();
    const m = new Map<number, DayDoc | null>();
    for (const s of seqs) m.set(s, old.get(s) ?? got.get(s) ?? null);
    this.held += m.size - (this.days.get(day)?.size ?? 0);
    this.days.delete(day);
    this.days.set(day, m);
    for (const [d, x] of this.days) {
      if (this.held <= this.maxDocs) break;
      if (keep.has(d)) continue;
      this.days.delete(d);
      this.held -= x.size;
    }
  }

  /** Documents held (for tests and health). */
  get size(): number {
    return this.held;
  }
}
