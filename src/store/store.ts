/**
 * The document store: the system of record for indexed documents (SQLite through `node:sqlite`).
 *
 * Every document is kept with every field as given (unknown fields included) so that the index
 * can always be rebuilt from here and hits can be displayed with their original text.
 *
 * Schema (see docs/ENGINE.md):
 *   docs(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, blk INTEGER NOT NULL)
 *   blocks(blk INTEGER PRIMARY KEY, live INTEGER NOT NULL, body BLOB NOT NULL)
 *   tombs(seq INTEGER PRIMARY KEY, old INTEGER NOT NULL)
 *   meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID
 *
 * - `seq` is a store-wide, strictly increasing write sequence number (kept in meta 'seq', so a
 *   number is never reused even after deletions). The index records the last seq it covers; rows
 *   past it are what a restarted index must catch up on.
 * - A replaced or deleted document leaves a tomb: (the write's own seq, the old row's seq). The
 *   index turns tombs into deletion bits; tombs the index covers are pruned, except those a
 *   registered reader (meta 'reader:NAME' = the last seq it read; the observatory is one) has
 *   not read yet.
 * - Bodies (each document minus `id`, as JSON) are stored compressed in blocks of consecutive
 *   documents (./codec.ts): compressing ~12 KB at a time is both much smaller (0.3 of the JSON
 *   for news items, against 0.7 one by one) and much cheaper (zlib's per-call set-up is paid
 *   once per block). A block is dropped when its last live document goes; `live` counts them.
 * - `id` has the one secondary index (UNIQUE); nothing else is indexed in SQL.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { encodeBlock, decodeBlock, bodyJson, fieldsIn, BLOCK_BYTES, BLOCK_MAX, BLOCK_MIN, PAGE_FIT, type DecodedBlock } from './codec.ts';

export interface StoredDoc {
  id: string;
  [field: string]: unknown;
}

export interface PutResult {
  seq: number;
  /** The seq of the row this write replaced, if any. */
  replaced?: number;
}

export class DocStore {
  readonly path: string;
  private db: DatabaseSync;
  private nextSeq: number;
  private stGetById: StatementSync;
  private stGetBySeq: StatementSync;
  private stIdBySeq: StatementSync;
  private stSeqById: StatementSync;
  private stBlock: StatementSync;
  private stInsert: StatementSync | undefined;
  private stInsertNew: StatementSync | undefined;
  private stInsertBlock: StatementSync | undefined;
  private stDelete: StatementSync | undefined;
  private stDecLive: StatementSync | undefined;
  private stDropBlock: StatementSync | undefined;
  private stTomb: StatementSync | undefined;
  private stSetMeta: StatementSync | undefined;
  /** A few decoded blocks: hits and catch-up read neighbouring documents together. */
  private cache = new Map<number, DecodedBlock>();
  /** Raw bytes per block, adapted to the compression ratio (codec.ts, PAGE_FIT). */
  private blockTarget = BLOCK_BYTES;

  constructor(path: string, opts: { readOnly?: boolean } = {}) {
    this.path = path;
    this.db = new DatabaseSync(path, { readOnly: opts.readOnly ?? false });
    if (!opts.readOnly) {
      // WAL: readers (a server) never block the indexer. synchronous=NORMAL survives a killed
      // process (the WAL is in the OS cache); `sync()` checkpoints with a full fsync when a
      // caller needs durability against power loss as well.
      this.db.exec('PRAGMA journal_mode=WAL');
      this.db.exec('PRAGMA synchronous=NORMAL');
      this.db.exec(`CREATE TABLE IF NOT EXISTS docs(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, blk INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS blocks(blk INTEGER PRIMARY KEY, live INTEGER NOT NULL, body BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS tombs(seq INTEGER PRIMARY KEY, old INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;`);
    }
    this.db.exec('PRAGMA cache_size=-32000');
    const row = this.db.prepare("SELECT value FROM meta WHERE key='seq'").get() as { value: number } | undefined;
    this.nextSeq = (row?.value ?? 0) + 1;
    this.stGetById = this.db.prepare('SELECT seq, blk FROM docs WHERE id=?');
    this.stGetBySeq = this.db.prepare('SELECT id, blk FROM docs WHERE seq=?');
    this.stIdBySeq = this.db.prepare('SELECT id FROM docs WHERE seq=?');
    this.stSeqById = this.db.prepare('SELECT seq, blk FROM docs WHERE id=?');
    this.stBlock = this.db.prepare('SELECT body FROM blocks WHERE blk=?');
  }

  /** The last sequence number written (0 for an empty store). */
  lastSeq(): number {
    return this.nextSeq - 1;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM docs').get() as { n: number }).n;
  }

  private prepareWrites(): void {
    this.stInsert ??= this.db.prepare('INSERT INTO docs(seq, id, blk) VALUES (?, ?, ?)');
    this.stInsertNew ??= this.db.prepare('INSERT OR IGNORE INTO docs(seq, id, blk) VALUES (?, ?, ?)');
    this.stInsertBlock ??= this.db.prepare('INSERT INTO blocks(blk, live, body) VALUES (?, ?, ?)');
    this.stDelete ??= this.db.prepare('DELETE FROM docs WHERE seq=?');
    this.stDecLive ??= this.db.prepare('UPDATE blocks SET live = live - 1 WHERE blk=? RETURNING live');
    this.stDropBlock ??= this.db.prepare('DELETE FROM blocks WHERE blk=?');
    this.stTomb ??= this.db.prepare('INSERT INTO tombs(seq, old) VALUES (?, ?)');
    this.stSetMeta ??= this.db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)');
  }

  /** Remove the row of a document (its block loses one live document); leaves a tomb. */
  private removeRow(old: { seq: number; blk: number }, tombSeq: number): void {
    this.stDelete!.run(old.seq);
    const r = this.stDecLive!.get(old.blk) as { live: number } | undefined;
    if (r && r.live <= 0) {
      this.stDropBlock!.run(old.blk);
      this.cache.delete(old.blk);
    }
    this.stTomb!.run(tombSeq, old.seq);
  }

  /**
   * Write a batch of documents in one transaction (a replaced id leaves a tomb). Returns one
   * result per document, in order.
   */
  putBatch(docs: StoredDoc[]): PutResult[] {
    this.prepareWrites();
    const out: PutResult[] = [];
    let seq = this.nextSeq;
    let blkSeqs: number[] = [];
    let blkBodies: Buffer[] = [];
    let blkBytes = 0;
    let blk = seq;
    const flushBlock = () => {
      if (blkSeqs.length === 0) return;
      const encoded = encodeBlock(blkSeqs, blkBodies);
      this.stInsertBlock!.run(blk, blkSeqs.length, encoded);
      // Aim the next block's compressed size at one SQLite page (smoothed: ratios vary).
      const fit = (PAGE_FIT * blkBytes) / Math.max(1, encoded.length);
      this.blockTarget = Math.min(BLOCK_MAX, Math.max(BLOCK_MIN, Math.round(0.5 * this.blockTarget + 0.5 * fit)));
      blkSeqs = [];
      blkBodies = [];
      blkBytes = 0;
    };
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const doc of docs) {
        const s = seq++;
        const body = bodyJson(doc);
        if (blkBytes + body.length > this.blockTarget && blkSeqs.length) flushBlock();
        if (blkSeqs.length === 0) blk = s;
        // The block row is written when the block closes; a replaced document earlier in this
        // same block is handled by the live count below.
        // New ids (the common case) cost one statement: the insert. Only when the id exists
        // (the insert is ignored) is the old row looked up and replaced.
        if ((this.stInsertNew!.run(s, doc.id, blk).changes as number) > 0) {
          blkSeqs.push(s);
          blkBodies.push(body);
          blkBytes += body.length;
          out.push({ seq: s });
          continue;
        }
        const old = this.stSeqById.get(doc.id) as { seq: number; blk: number } | undefined;
        if (old) {
          if (old.blk === blk && blkSeqs.length) {
            // Replaced within the block being built: drop it from the block directly.
            const i = blkSeqs.indexOf(old.seq);
            blkSeqs.splice(i, 1);
            blkBodies.splice(i, 1);
            this.stDelete!.run(old.seq);
            this.stTomb!.run(s, old.seq);
          } else this.removeRow(old, s);
        }
        this.stInsert!.run(s, doc.id, blk);
        blkSeqs.push(s);
        blkBodies.push(body);
        blkBytes += body.length;
        out.push(old ? { seq: s, replaced: old.seq } : { seq: s });
      }
      flushBlock();
      this.stSetMeta!.run('seq', seq - 1);
      this.db.exec('COMMIT');
    } catch (e) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK'); // SQLite already rolled back on SQLITE_FULL
      throw e;
    }
    this.nextSeq = seq;
    return out;
  }

  /** Delete documents by id; returns the removed rows' seqs (ids not present are ignored). */
  deleteIds(ids: string[]): { seq: number; old: number }[] {
    this.prepareWrites();
    const out: { seq: number; old: number }[] = [];
    let seq = this.nextSeq;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const id of ids) {
        const old = this.stSeqById.get(id) as { seq: number; blk: number } | undefined;
        if (!old) continue;
        const s = seq++;
        this.removeRow(old, s);
        out.push({ seq: s, old: old.seq });
      }
      this.stSetMeta!.run('seq', seq - 1);
      this.db.exec('COMMIT');
    } catch (e) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK'); // SQLite already rolled back on SQLITE_FULL
      throw e;
    }
    this.nextSeq = seq;
    return out;
  }

  private block(blk: number): DecodedBlock | undefined {
    let b = this.cache.get(blk);
    if (b) return b;
    const row = this.stBlock.get(blk) as { body: Uint8Array } | undefined;
    if (!row) return undefined;
    b = decodeBlock(row.body);
    if (this.cache.size >= 16) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(blk, b);
    return b;
  }

  private fields(seq: number, blk: number): Record<string, unknown> | undefined {
    const b = this.block(blk);
    return b ? fieldsIn(b, seq) : undefined;
  }

  get(id: string): StoredDoc | undefined {
    const row = this.stGetById.get(id) as { seq: number; blk: number } | undefined;
    const f = row && this.fields(row.seq, row.blk);
    return f ? { id, ...f } : undefined;
  }

  getBySeq(seq: number): StoredDoc | undefined {
    const row = this.stGetBySeq.get(seq) as { id: string; blk: number } | undefined;
    const f = row && this.fields(seq, row.blk);
    return f && row ? { id: row.id, ...f } : undefined;
  }

  idBySeq(seq: number): string | undefined {
    return (this.stIdBySeq.get(seq) as { id: string } | undefined)?.id;
  }

  /**
   * Documents written after `seq`, in seq order (streamed: memory stays flat). Read in pages of
   * rows, never through one long-running statement: the caller commits segments between pages,
   * and a checkpoint (`sync`) or write on this connection fails with "database table is locked"
   * while a SELECT is still open on it.
   */
  *docsAfter(seq: number): Generator<{ seq: number; doc: StoredDoc }> {
    const st = this.db.prepare('SELECT seq, id, blk FROM docs WHERE seq > ? ORDER BY seq LIMIT 1000');
    let after = seq;
    for (;;) {
      const rows = st.all(after) as { seq: number; id: string; blk: number }[];
      if (rows.length === 0) return;
      for (const row of rows) {
        const f = this.fields(row.seq, row.blk);
        if (f) yield { seq: row.seq, doc: { id: row.id, ...f } };
      }
      after = rows[rows.length - 1].seq;
    }
  }

  /** Tombs written after `seq`, in seq order. */
  tombsAfter(seq: number): { seq: number; old: number }[] {
    return this.db.prepare('SELECT seq, old FROM tombs WHERE seq > ? ORDER BY seq').all(seq) as { seq: number; old: number }[];
  }

  /** Forget tombs the index already covers and every registered reader has read. */
  pruneTombs(uptoSeq: number): void {
    const r = this.db.prepare("SELECT min(value) AS m FROM meta WHERE key LIKE 'reader:%'").get() as { m: number | null } | undefined;
    const upto = r?.m === null || r?.m === undefined ? uptoSeq : Math.min(uptoSeq, Number(r.m));
    this.db.prepare('DELETE FROM tombs WHERE seq <= ?').run(upto);
  }

  /**
   * Record that reader `name` (another derived table, such as the observatory's counts) has read
   * every write up to `seq`: tombs after it are kept for it. A store opened read-only cannot.
   */
  setReaderSeq(name: string, seq: number): void {
    this.db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run('reader:' + name, seq);
  }

  /** Make everything written so far durable on disk (checkpoint the WAL with fsync). */
  sync(): void {
    this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    this.db.close();
  }
}
