/**
 * The document store: the system of record for indexed documents (SQLite through `node:sqlite`).
 *
 * Every document is kept with every field as given (unknown fields included) so that the index
 * can always be rebuilt from here and hits can be displayed with their original text.
 *
 * Schema (see docs/ENGINE.md):
 *   docs(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body BLOB NOT NULL)
 *   tombs(seq INTEGER PRIMARY KEY, old INTEGER NOT NULL)
 *   meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID
 *
 * - `seq` is a store-wide, strictly increasing write sequence number (kept in meta 'seq', so a
 *   number is never reused even after deletions). The index records the last seq it covers; rows
 *   past it are what a restarted index must catch up on.
 * - A replaced or deleted document leaves a tomb: (the write's own seq, the old row's seq). The
 *   index turns tombs into deletion bits; tombs the index covers are pruned.
 * - `body` is the document minus `id`, as JSON, compressed (see ./codec.ts). `id` has the one
 *   secondary index (UNIQUE); nothing else is indexed in SQL, which keeps the file small.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { encodeBody, decodeBody } from './codec.ts';

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
  private stInsert: StatementSync | undefined;
  private stDelete: StatementSync | undefined;
  private stTomb: StatementSync | undefined;
  private stSetMeta: StatementSync | undefined;

  constructor(path: string, opts: { readOnly?: boolean } = {}) {
    this.path = path;
    this.db = new DatabaseSync(path, { readOnly: opts.readOnly ?? false });
    if (!opts.readOnly) {
      // WAL: readers (a server) never block the indexer. synchronous=NORMAL survives a killed
      // process (the WAL is in the OS cache); `sync()` checkpoints with a full fsync when a
      // caller needs durability against power loss as well.
      this.db.exec('PRAGMA journal_mode=WAL');
      this.db.exec('PRAGMA synchronous=NORMAL');
      this.db.exec(`CREATE TABLE IF NOT EXISTS docs(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS tombs(seq INTEGER PRIMARY KEY, old INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;`);
    }
    this.db.exec('PRAGMA cache_size=-32000');
    const row = this.db.prepare("SELECT value FROM meta WHERE key='seq'").get() as { value: number } | undefined;
    this.nextSeq = (row?.value ?? 0) + 1;
    this.stGetById = this.db.prepare('SELECT seq, body FROM docs WHERE id=?');
    this.stGetBySeq = this.db.prepare('SELECT id, body FROM docs WHERE seq=?');
    this.stIdBySeq = this.db.prepare('SELECT id FROM docs WHERE seq=?');
    this.stSeqById = this.db.prepare('SELECT seq FROM docs WHERE id=?');
  }

  /** The last sequence number written (0 for an empty store). */
  lastSeq(): number {
    return this.nextSeq - 1;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM docs').get() as { n: number }).n;
  }

  /**
   * Write a batch of documents in one transaction (a replaced id leaves a tomb). Returns one
   * result per document, in order.
   */
  putBatch(docs: StoredDoc[]): PutResult[] {
    this.stInsert ??= this.db.prepare('INSERT INTO docs(seq, id, body) VALUES (?, ?, ?)');
    this.stDelete ??= this.db.prepare('DELETE FROM docs WHERE seq=?');
    this.stTomb ??= this.db.prepare('INSERT INTO tombs(seq, old) VALUES (?, ?)');
    this.stSetMeta ??= this.db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)');
    const out: PutResult[] = [];
    let seq = this.nextSeq;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const doc of docs) {
        const old = this.stSeqById.get(doc.id) as { seq: number } | undefined;
        const s = seq++;
        if (old) {
          this.stDelete.run(old.seq);
          this.stTomb.run(s, old.seq);
        }
        this.stInsert.run(s, doc.id, encodeBody(doc));
        out.push(old ? { seq: s, replaced: old.seq } : { seq: s });
      }
      this.stSetMeta.run('seq', seq - 1);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
    this.nextSeq = seq;
    return out;
  }

  /** Delete documents by id; returns the removed rows' seqs (ids not present are ignored). */
  deleteIds(ids: string[]): { seq: number; old: number }[] {
    this.stDelete ??= this.db.prepare('DELETE FROM docs WHERE seq=?');
    this.stTomb ??= this.db.prepare('INSERT INTO tombs(seq, old) VALUES (?, ?)');
    this.stSetMeta ??= this.db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)');
    const out: { seq: number; old: number }[] = [];
    let seq = this.nextSeq;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const id of ids) {
        const old = this.stSeqById.get(id) as { seq: number } | undefined;
        if (!old) continue;
        const s = seq++;
        this.stDelete.run(old.seq);
        this.stTomb.run(s, old.seq);
        out.push({ seq: s, old: old.seq });
      }
      this.stSetMeta.run('seq', seq - 1);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
    this.nextSeq = seq;
    return out;
  }

  get(id: string): StoredDoc | undefined {
    const row = this.stGetById.get(id) as { seq: number; body: Uint8Array } | undefined;
    return row ? { id, ...decodeBody(row.body) } : undefined;
  }

  getBySeq(seq: number): StoredDoc | undefined {
    const row = this.stGetBySeq.get(seq) as { id: string; body: Uint8Array } | undefined;
    return row ? { id: row.id, ...decodeBody(row.body) } : undefined;
  }

  idBySeq(seq: number): string | undefined {
    return (this.stIdBySeq.get(seq) as { id: string } | undefined)?.id;
  }

  /** Documents written after `seq`, in seq order (streamed: memory stays flat). */
  *docsAfter(seq: number): Generator<{ seq: number; doc: StoredDoc }> {
    const st = this.db.prepare('SELECT seq, id, body FROM docs WHERE seq > ? ORDER BY seq');
    for (const row of st.iterate(seq) as Iterable<{ seq: number; id: string; body: Uint8Array }>) {
      yield { seq: row.seq, doc: { id: row.id, ...decodeBody(row.body) } };
    }
  }

  /** Tombs written after `seq`, in seq order. */
  tombsAfter(seq: number): { seq: number; old: number }[] {
    return this.db.prepare('SELECT seq, old FROM tombs WHERE seq > ? ORDER BY seq').all(seq) as { seq: number; old: number }[];
  }

  /** Forget tombs the index already covers. */
  pruneTombs(uptoSeq: number): void {
    this.db.prepare('DELETE FROM tombs WHERE seq <= ?').run(uptoSeq);
  }

  /** Make everything written so far durable on disk (checkpoint the WAL with fsync). */
  sync(): void {
    this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    this.db.close();
  }
}
