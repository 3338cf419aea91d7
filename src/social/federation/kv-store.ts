/**
 * Fedify's key–value store (`KvStore` of @fedify/fedify 2.3.6) on node:sqlite.
 *
 * Fedify keeps caches and small state here: remote documents and public keys it fetched, the ids
 * of activities already handled (inbox idempotence), circuit-breaker state. One table:
 *
 *   fedify_kv(key TEXT PRIMARY KEY, value TEXT, expires_at INTEGER NULL)
 *
 * `key` is the JSON text of the key array (`["_fedify","publicKey","https://…"]`), which keeps
 * every element's boundaries unambiguous, so listing by prefix is one range scan: the key equal to
 * the prefix, or keys starting with the prefix's text minus its `]` plus `,`. `value` is JSON.
 * `expires_at` is a Unix time in milliseconds; an entry at or past it is treated as absent by every
 * read, and expired rows are deleted (at most once a minute, on writes and listings, and at open).
 */
import { isDeepStrictEqual } from 'node:util';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from '@fedify/fedify';
import { openFederationDb, immediate } from './sqlite.ts';
import { durationMs, type DurationFields } from './duration.ts';

export interface SqliteKvStoreOptions {
  /** The clock (ms since the epoch); tests pass their own. */
  now?: () => number;
  /** How often expired rows are deleted at most (ms). */
  purgeEveryMs?: number;
}

const LIST_PAGE = 500;

function encodeKey(key: KvKey): string {
  if (!Array.isArray(key) || key.length === 0 || key.some((k) => typeof k !== 'string')) {
    throw new TypeError('Khóa của kho khóa–giá trị phải là một mảng chuỗi không rỗng.');
  }
  return JSON.stringify(key);
}

function encodeValue(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new TypeError(`Giá trị không lưu được dưới dạng JSON: ${(e as Error).message}`, { cause: e });
  }
  if (text === undefined) throw new TypeError('Giá trị không lưu được dưới dạng JSON (undefined, hàm hay symbol).');
  return text;
}

interface Row {
  key: string;
  value: string;
}

export class SqliteKvStore implements KvStore {
  readonly file: string;
  private readonly db: DatabaseSync;
  private readonly now: () => number;
  private readonly purgeEveryMs: number;
  private lastPurge = 0;
  private readonly sql: {
    get: StatementSync;
    set: StatementSync;
    del: StatementSync;
    purge: StatementSync;
    page: StatementSync;
  };

  constructor(file: string, o: SqliteKvStoreOptions = {}) {
    this.file = file;
    this.now = o.now ?? Date.now;
    this.purgeEveryMs = o.purgeEveryMs ?? 60_000;
    this.db = openFederationDb(file, { synchronous: 'NORMAL' });
    this.db.exec(`CREATE TABLE IF NOT EXISTS fedify_kv (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      expires_at INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS fedify_kv_expires ON fedify_kv(expires_at) WHERE expires_at IS NOT NULL;`);
    this.sql = {
      get: this.db.prepare('SELECT value FROM fedify_kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)'),
      set: this.db.prepare('INSERT INTO fedify_kv(key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at'),
      del: this.db.prepare('DELETE FROM fedify_kv WHERE key = ?'),
      purge: this.db.prepare('DELETE FROM fedify_kv WHERE expires_at IS NOT NULL AND expires_at <= ?'),
      page: this.db.prepare(`SELECT key, value FROM fedify_kv
        WHERE (key = :exact OR (key >= :lo AND key < :hi)) AND key > :after AND (expires_at IS NULL OR expires_at > :now)
        ORDER BY key LIMIT ${LIST_PAGE}`),
    };
    this.purge(true);
  }

  private expiresAt(options?: KvStoreSetOptions): number | null {
    if (options?.ttl == null) return null;
    return this.now() + durationMs(options.ttl as DurationFields, 'Thời hạn (ttl) của mục');
  }

  private purge(force = false): void {
    const now = this.now();
    if (!force && now - this.lastPurge < this.purgeEveryMs) return;
    this.lastPurge = now;
    this.sql.purge.run(now);
  }

  private read(encoded: string): unknown {
    const row = this.sql.get.get(encoded, this.now()) as { value: string } | undefined;
    return row === undefined ? undefined : JSON.parse(row.value);
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    return this.read(encodeKey(key)) as T | undefined;
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    const k = encodeKey(key);
    const v = encodeValue(value);
    this.sql.set.run(k, v, this.expiresAt(options));
    this.purge();
  }

  async delete(key: KvKey): Promise<void> {
    this.sql.del.run(encodeKey(key));
  }

  /**
   * Sets `key` to `newValue` only if its current value (absent counts as `undefined`) deeply equals
   * `expectedValue`, atomically across connections and processes. `newValue === undefined` deletes.
   */
  async cas(key: KvKey, expectedValue: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    const k = encodeKey(key);
    const expected = expectedValue === undefined ? undefined : JSON.parse(encodeValue(expectedValue));
    const next = newValue === undefined ? undefined : encodeValue(newValue);
    const expires = this.expiresAt(options);
    const swapped = immediate(this.db, () => {
      if (!isDeepStrictEqual(this.read(k), expected)) return false;
      if (next === undefined) this.sql.del.run(k);
      else this.sql.set.run(k, next, expires);
      return true;
    });
    this.purge();
    return swapped;
  }

  /** Entries whose key starts with `prefix` (all entries without one), in key order, a page at a time. */
  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    this.purge();
    let exact = '';
    let lo = '';
    let hi = '\u{10FFFF}';
    if (prefix !== undefined) {
      exact = encodeKey(prefix);
      const open = exact.slice(0, -1);
      lo = `${open},`;
      hi = `${open}-`; // ',' is U+002C and '-' U+002D: every key starting with `lo` sorts below `hi`
    }
    let after = '';
    for (;;) {
      const rows = this.sql.page.all({ exact, lo, hi, after, now: this.now() }) as unknown as Row[];
      for (const r of rows) yield { key: JSON.parse(r.key) as KvKey, value: JSON.parse(r.value) };
      if (rows.length < LIST_PAGE) return;
      after = rows[rows.length - 1].key;
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
