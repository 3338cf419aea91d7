/**
 * Opening the federation's SQLite file (the product uses DIR/federation.sqlite): WAL so readers
 * never wait for a writer and several processes can share the file, a busy timeout so a writer in
 * another process makes us wait instead of fail. Each store (kv, queue, keys) opens its own
 * connection to the same file and creates its own tables.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export interface OpenOptions {
  /**
   * `FULL` syncs the write-ahead log at every commit (a committed row survives a power cut);
   * `NORMAL` only survives a process crash. The queue and the keys use FULL, the cache NORMAL.
   */
  synchronous: 'NORMAL' | 'FULL';
  /** How long a write waits for another connection's write to finish (ms). */
  busyTimeoutMs?: number;
}

export function openFederationDb(file: string, o: OpenOptions): DatabaseSync {
  if (!file) throw new Error('Thiếu đường dẫn tệp SQLite cho liên hợp (federation): hãy truyền một đường dẫn, ví dụ DIR/federation.sqlite.');
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file);
  } catch (e) {
    throw new Error(`Không mở được tệp SQLite ${file}: ${(e as Error).message}. Hãy kiểm tra đường dẫn và quyền ghi.`, { cause: e });
  }
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(o.busyTimeoutMs ?? 10_000))}`);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${o.synchronous}`);
  return db;
}

/** Run `fn` inside BEGIN IMMEDIATE … COMMIT (rolled back if it throws). */
export function immediate<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (e) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw e;
  }
}
