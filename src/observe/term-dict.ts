/**
 * The observatory's term dictionary: every term counted (./terms.ts) gets a small integer id, in
 * order of first sight, with its document frequency. Stored in chunks of CHUNK consecutive ids,
 * each chunk one row holding its terms ('\n'-joined) and their frequencies (little-endian
 * uint32), both deflated: a news year's 600,000 terms take ~3 MB, where a table with a text index
 * took ~24 MB. Chunks are loaded when first needed and kept; a writer rewrites the chunks it
 * changed (`flush`, inside the caller's transaction).
 *
 * Looking a term up by its text goes through a second, hashed layout: BUCKETS rows, each holding
 * the ids (uint32, little-endian) and then the '\n'-joined texts of the terms hashing to it. One
 * lookup reads and decodes one small row (kept decoded afterwards), so a reader never builds a
 * map of the whole dictionary (over a second for a news year on a busy machine); id → text needs
 * only the id's chunk. Buckets are not deflated: their short lines compress by only ~20%, and
 * inflating them was the largest cost of a cold lookup.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const CHUNK = 4096;
const SHIFT = 12;
/** Hash buckets of the text → id lookup (~1,100 terms each for a news year: rows of ~20 KB, little page waste). */
const BUCKETS = 512;

/** FNV-1a over UTF-16 code units, reduced to a bucket. */
function bucketOf(term: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) {
    h ^= term.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % BUCKETS;
}

interface Chunk {
  terms: string[];
  df: Uint32Array;
}

export class TermDict {
  private readonly db: DatabaseSync;
  private chunks: (Chunk | undefined)[] = [];
  private count = 0;
  /** Decoded lookup buckets (text → id). */
  private buckets = new Map<number, Map<string, number>>();
  private dirty = new Set<number>();
  private dirtyBuckets = new Set<number>();
  private readonly getChunk: StatementSync;
  private readonly getBucket: StatementSync;
  private putChunk: StatementSync | undefined;
  private putBucket: StatementSync | undefined;

  constructor(db: DatabaseSync, writable: boolean) {
    this.db = db;
    if (writable) {
      db.exec(`CREATE TABLE IF NOT EXISTS dict(chunk INTEGER PRIMARY KEY, size INTEGER NOT NULL, terms BLOB NOT NULL, df BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS dict_lookup(bucket INTEGER PRIMARY KEY, data BLOB NOT NULL);`);
    }
    this.getChunk = db.prepare('SELECT size, terms, df FROM dict WHERE chunk = ?');
    this.getBucket = db.prepare('SELECT data FROM dict_lookup WHERE bucket = ?');
    this.reload();
  }

  /** Forget what is cached (after a rolled back transaction, or another writer). */
  reload(): void {
    this.chunks = [];
    this.buckets.clear();
    this.all = undefined;
    this.dirty.clear();
    this.dirtyBuckets.clear();
    const r = this.db.prepare('SELECT max(chunk) AS c FROM dict').get() as { c: number | null } | undefined;
    if (r?.c === null || r?.c === undefined) {
      this.count = 0;
      return;
    }
    const last = this.getChunk.get(r.c) as { size: number } | undefined;
    this.count = r.c * CHUNK + (last?.size ?? 0);
  }

  /** Number of terms. */
  get size(): number {
    return this.count;
  }

  private chunk(c: number): Chunk {
    let ch = this.chunks[c];
    if (ch) return ch;
    const row = this.getChunk.get(c) as { size: number; terms: Uint8Array; df: Uint8Array } | undefined;
    if (!row) ch = { terms: [], df: new Uint32Array(CHUNK) };
    else {
      const text = inflateRawSync(row.terms).toString('utf8');
      const terms = row.size === 0 ? [] : text.split('\n');
      const raw = inflateRawSync(row.df);
      const df = new Uint32Array(CHUNK);
      df.set(new Uint32Array(raw.buffer, raw.byteOffset, raw.byteLength >> 2).subarray(0, CHUNK));
      ch = { terms, df };
    }
    this.chunks[c] = ch;
    return ch;
  }

  /** The text of term `id`. */
  text(id: number): string {
    return this.chunk(id >> SHIFT).terms[id & (CHUNK - 1)];
  }

  /** Documents mentioning term `id` over everything counted. */
  df(id: number): number {
    return this.chunk(id >> SHIFT).df[id & (CHUNK - 1)];
  }

  private bucket(b: number): Map<string, number> {
    let m = this.buckets.get(b);
    if (m) return m;
    m = new Map();
    const row = this.getBucket.get(b) as { data: Uint8Array } | undefined;
    if (row && row.data.byteLength >= 4) {
      const buf = Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength);
      const n = buf.readUInt32LE(0);
      const terms = buf.toString('utf8', 4 + 4 * n).split('\n');
      for (let i = 0; i < n; i++) m.set(terms[i], buf.readUInt32LE(4 + 4 * i));
    }
    this.buckets.set(b, m);
    return m;
  }

  /**
   * Decode every lookup bucket now (a long-lived reader with time to spare: the server at start),
   * so no later lookup pays for a cold bucket. ~40 MB for a news year's 587 k terms.
   */
  warm(): void {
    for (let b = 0; b < BUCKETS; b++) this.bucket(b);
  }

  /** The id of `term`, or undefined when it was never counted. */
  id(term: string): number | undefined {
    return this.bucket(bucketOf(term)).get(term);
  }

  /**
   * A writer's map of every term (built at its first `intern`): counting a year of news interns
   * ~37 M terms, and one native map lookup each is several times cheaper than hashing each term
   * to its bucket in JavaScript first.
   */
  private all: Map<string, number> | undefined;

  /** The id of `term`, added when new (a writer only; written by `flush`). */
  intern(term: string): number {
    if (!this.all) {
      this.all = new Map();
      for (let b = 0; b < BUCKETS; b++) for (const [t, i] of this.bucket(b)) this.all.set(t, i);
    }
    const id = this.all.get(term);
    if (id !== undefined) return id;
    const nid = this.count++;
    this.all.set(term, nid);
    const ch = this.chunk(nid >> SHIFT);
    ch.terms.push(term);
    const b = bucketOf(term);
    this.bucket(b).set(term, nid);
    this.dirtyBuckets.add(b);
    this.dirty.add(nid >> SHIFT);
    return nid;
  }

  /**
   * Add `term` as the next id, which must be `id` (a writer copying a dictionary whose ids were
   * given elsewhere: the cluster's mirror, src/cluster/observe/mirror.ts). Throws when `id` is not
   * the next one; the caller is trusted that `term` is new (its source's terms are unique).
   */
  append(id: number, term: string): void {
    if (id !== this.count) throw new Error(`term-dict: expected id ${this.count}, got ${id}`);
    if (this.all) this.all.set(term, id);
    this.count++;
    this.chunk(id >> SHIFT).terms.push(term);
    const b = bucketOf(term);
    this.bucket(b).set(term, id);
    this.dirtyBuckets.add(b);
    this.dirty.add(id >> SHIFT);
  }

  /** Set term `id`'s frequency (a writer copying frequencies counted elsewhere). */
  setDf(id: number, df: number): void {
    this.chunk(id >> SHIFT).df[id & (CHUNK - 1)] = df;
    this.dirty.add(id >> SHIFT);
  }

  /** Add `k` documents to term `id`'s frequency. */
  addDf(id: number, k: number): void {
    this.chunk(id >> SHIFT).df[id & (CHUNK - 1)] += k;
    this.dirty.add(id >> SHIFT);
  }

  /** Write the changed chunks (inside the caller's transaction). */
  flush(): void {
    if (this.dirtyBuckets.size) {
      this.putBucket ??= this.db.prepare('INSERT OR REPLACE INTO dict_lookup(bucket, data) VALUES (?, ?)');
      for (const b of this.dirtyBuckets) {
        const m = this.bucket(b);
        const ids = Buffer.alloc(4 + 4 * m.size);
        ids.writeUInt32LE(m.size, 0);
        let i = 0;
        for (const id of m.values()) ids.writeUInt32LE(id, 4 + 4 * i++);
        this.putBucket.run(b, Buffer.concat([ids, Buffer.from([...m.keys()].join('\n'), 'utf8')]));
      }
      this.dirtyBuckets.clear();
    }
    if (this.dirty.size === 0) return;
    this.putChunk ??= this.db.prepare('INSERT OR REPLACE INTO dict(chunk, size, terms, df) VALUES (?, ?, ?, ?)');
    for (const c of this.dirty) {
      const ch = this.chunk(c);
      const df = ch.df.subarray(0, ch.terms.length);
      this.putChunk.run(c, ch.terms.length, deflateRawSync(Buffer.from(ch.terms.join('\n'), 'utf8')), deflateRawSync(new Uint8Array(df.buffer, df.byteOffset, df.byteLength)));
    }
    this.dirty.clear();
  }

  /** The `limit` terms with the highest document frequency. */
  top(limit: number): { id: number; term: string; df: number }[] {
    const out: { id: number; term: string; df: number }[] = [];
    const chunks = Math.ceil(this.count / CHUNK);
    for (let c = 0; c < chunks; c++) {
      const ch = this.chunk(c);
      for (let i = 0; i < ch.terms.length; i++) out.push({ id: c * CHUNK + i, term: ch.terms[i], df: ch.df[i] });
    }
    out.sort((a, b) => b.df - a.df || a.id - b.id);
    return out.slice(0, limit);
  }
}
