/**
 * The social layer's database: `DIR/social.sqlite` on node:sqlite (WAL, foreign keys on). A thin
 * wrapper caches prepared statements and runs a function in one transaction; the schema is brought
 * up to date by the numbered migrations of schema.ts, each recorded in `migrations` when applied.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { MIGRATIONS } from './schema.ts';

export const SOCIAL_FILE = 'social.sqlite';

export type Params = Record<string, SQLInputValue> | SQLInputValue[];
export type Row = Record<string, SQLInputValue>;

export class Db {
  readonly sqlite: DatabaseSync;
  readonly file: string;
  private readonly statements = new Map<string, StatementSync>();
  private depth = 0;

  constructor(file: string) {
    this.file = file;
    this.sqlite = new DatabaseSync(file);
    this.sqlite.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
  }

  private stmt(sql: string): StatementSync {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.sqlite.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private static args(p: Params | undefined): SQLInputValue[] {
    if (p === undefined) return [];
    return Array.isArray(p) ? p : [p as unknown as SQLInputValue];
  }

  get<T = Row>(sql: string, p?: Params): T | undefined {
    return this.stmt(sql).get(...Db.args(p)) as T | undefined;
  }

  all<T = Row>(sql: string, p?: Params): T[] {
    return this.stmt(sql).all(...Db.args(p)) as T[];
  }

  run(sql: string, p?: Params): { changes: number; lastInsertRowid: number } {
    const r = this.stmt(sql).run(...Db.args(p));
    return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) };
  }

  /** Run `fn` in one transaction (nested calls join the outer one). BEGIN IMMEDIATE: writers queue instead of failing halfway. */
  tx<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.sqlite.exec('BEGIN IMMEDIATE');
    this.depth++;
    try {
      const out = fn();
      this.sqlite.exec('COMMIT');
      return out;
    } catch (err) {
      this.sqlite.exec('ROLLBACK');
      throw err;
    } finally {
      this.depth--;
    }
  }

  close(): void {
    this.statements.clear();
    if (this.sqlite.isOpen) this.sqlite.close();
  }
}

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Thrown when the file was written by a newer Tra (its schema is ahead of ours). */
export class SchemaTooNew extends Error {}

/** Open (creating the directory and file when missing) and migrate DIR/social.sqlite. */
export function openSocialDb(dir: string): Db {
  fs.mkdirSync(dir, { recursive: true });
  const db = new Db(path.join(dir, SOCIAL_FILE));
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export function migrate(db: Db): void {
  db.sqlite.exec('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const have = db.get<{ v: number | null }>('SELECT max(version) AS v FROM migrations')?.v ?? 0;
  if (have > MIGRATIONS.length) {
    throw new SchemaTooNew(`${db.file}: cơ sở dữ liệu mạng xã hội có phiên bản lược đồ ${have}, mới hơn bản Tra này hiểu (${MIGRATIONS.length}); hãy cập nhật Tra`);
  }
  for (let v = have + 1; v <= MIGRATIONS.length; v++) {
    const m = MIGRATIONS[v - 1];
    db.tx(() => {
      db.sqlite.exec(m.sql);
      db.run('INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)', [v, m.name, Date.now()]);
    });
  }
}
