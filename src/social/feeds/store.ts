/**
 * Feeds and every version of their specs: DIR/feeds.sqlite (node:sqlite, WAL). A feed's spec is
 * never changed in place: an edit appends a version (number, canonical JSON, SHA-256), so the
 * history anyone can read is exactly what the feed was. Built-in feeds (builtin.ts) are recorded
 * at open, a new version whenever their spec in the code changes.
 *
 *   feeds          id (built-in slug, or an 18-digit id like other social ids), owner (NULL: built
 *                  in), published (0 draft: its owner only; 1: listed and readable by everyone),
 *                  copied_from ("feed id@version" it was copied from), times
 *   feed_versions  (feed_id, version) → spec (canonical JSON), hash, created_at, note
 */
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { newId } from '../store/ids.ts';
import { BUILTIN_FEEDS } from './builtin.ts';
import { canonicalJson, specHash, type FeedSpec } from './spec.ts';

export const FEEDS_FILE = 'feeds.sqlite';

export interface FeedRow {
  id: string;
  ownerId: string | null;
  published: boolean;
  copiedFrom: string | null;
  createdAt: number;
  updatedAt: number;
  /** The current (latest) version. */
  version: number;
  hash: string;
  spec: FeedSpec;
}

export interface FeedVersion {
  version: number;
  hash: string;
  spec: FeedSpec;
  createdAt: number;
  note: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS feeds (
  id TEXT PRIMARY KEY,
  owner_id TEXT,
  published INTEGER NOT NULL DEFAULT 0,
  copied_from TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS feeds_owner ON feeds (owner_id);
CREATE TABLE IF NOT EXISTS feed_versions (
  feed_id TEXT NOT NULL REFERENCES feeds(id),
  version INTEGER NOT NULL,
  hash TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  note TEXT,
  PRIMARY KEY (feed_id, version)
);
CREATE INDEX IF NOT EXISTS feed_versions_hash ON feed_versions (hash);
`;

/** At most this many feeds per account (copies and drafts included). */
export const MAX_FEEDS_PER_ACCOUNT = 50;
/** At most this many versions per feed. */
export const MAX_VERSIONS = 1000;

type R = Record<string, unknown>;

export class FeedStore {
  private readonly db: DatabaseSync;
  /**
   * Statements prepared once and kept: every page asks for a feed or two, and preparing each time
   * cost CPU and left a native statement per call for the garbage collector.
   */
  private readonly statements = new Map<string, StatementSync>();

  constructor(dir: string, now = Date.now()) {
    this.db = new DatabaseSync(path.join(dir, FEEDS_FILE));
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
    this.db.exec(SCHEMA);
    for (const b of BUILTIN_FEEDS) {
      this.tx(() => {
        if (!this.q('SELECT 1 FROM feeds WHERE id = ?').get(b.id)) {
          this.q('INSERT INTO feeds (id, owner_id, published, created_at, updated_at) VALUES (?, NULL, 1, ?, ?)').run(b.id, now, now);
        }
        const cur = this.get(b.id);
        if (!cur || cur.hash !== specHash(b.spec)) this.appendVersion(b.id, b.spec, 'Bảng tin có sẵn của Tra', now);
      });
    }
  }

  private q(sql: string): StatementSync {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  private tx<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  private appendVersion(id: string, spec: FeedSpec, note: string | null, now: number): number {
    const last = (this.q('SELECT max(version) AS v FROM feed_versions WHERE feed_id = ?').get(id) as { v: number | null }).v ?? 0;
    this.q('INSERT INTO feed_versions (feed_id, version, hash, spec, created_at, note) VALUES (?, ?, ?, ?, ?, ?)').run(id, last + 1, specHash(spec), canonicalJson(spec), now, note);
    this.q('UPDATE feeds SET updated_at = ? WHERE id = ?').run(now, id);
    return last + 1;
  }

  private row(r: R): FeedRow {
    const v = this.q('SELECT version, hash, spec FROM feed_versions WHERE feed_id = ? ORDER BY version DESC LIMIT 1').get(String(r.id)) as R;
    return {
      id: String(r.id),
      ownerId: r.owner_id === null ? null : String(r.owner_id),
      published: Number(r.published) === 1,
      copiedFrom: r.copied_from === null ? null : String(r.copied_from),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      version: Number(v.version),
      hash: String(v.hash),
      spec: JSON.parse(String(v.spec)) as FeedSpec,
    };
  }

  get(id: string): FeedRow | undefined {
    const r = this.q('SELECT * FROM feeds WHERE id = ?').get(id) as R | undefined;
    if (!r) return undefined;
    const has = this.q('SELECT 1 FROM feed_versions WHERE feed_id = ?').get(id);
    return has ? this.row(r) : undefined;
  }

  /** Built-in and published feeds, and the viewer's own drafts: built-in first, then newest. */
  list(viewerId: string | undefined): FeedRow[] {
    const rows = this
      .q('SELECT * FROM feeds WHERE published = 1 OR (owner_id IS NOT NULL AND owner_id = ?) ORDER BY owner_id IS NOT NULL, created_at DESC, id LIMIT 500')
      .all(viewerId ?? '') as R[];
    const builtinOrder = new Map(BUILTIN_FEEDS.map((b, i) => [b.id, i]));
    return rows.map((r) => this.row(r)).sort((a, b) => (builtinOrder.get(a.id) ?? 99) - (builtinOrder.get(b.id) ?? 99));
  }

  countOwned(ownerId: string): number {
    return Number((this.q('SELECT count(*) AS n FROM feeds WHERE owner_id = ?').get(ownerId) as { n: number }).n);
  }

  create(ownerId: string, spec: FeedSpec, o: { copiedFrom?: string; note?: string; now?: number } = {}): FeedRow {
    const now = o.now ?? Date.now();
    const id = newId(now);
    return this.tx(() => {
      this.q('INSERT INTO feeds (id, owner_id, published, copied_from, created_at, updated_at) VALUES (?, ?, 0, ?, ?, ?)').run(id, ownerId, o.copiedFrom ?? null, now, now);
      this.appendVersion(id, spec, o.note ?? null, now);
      return this.get(id)!;
    });
  }

  /** A new version (nothing when the spec is the current one). */
  update(id: string, spec: FeedSpec, note: string | null = null, now = Date.now()): FeedRow {
    return this.tx(() => {
      const cur = this.get(id)!;
      if (cur.hash !== specHash(spec)) this.appendVersion(id, spec, note, now);
      return this.get(id)!;
    });
  }

  publish(id: string, now = Date.now()): FeedRow {
    this.q('UPDATE feeds SET published = 1, updated_at = ? WHERE id = ?').run(now, id);
    return this.get(id)!;
  }

  versions(id: string): FeedVersion[] {
    return (this.q('SELECT * FROM feed_versions WHERE feed_id = ? ORDER BY version DESC').all(id) as R[]).map((r) => ({
      version: Number(r.version),
      hash: String(r.hash),
      spec: JSON.parse(String(r.spec)) as FeedSpec,
      createdAt: Number(r.created_at),
      note: r.note === null ? null : String(r.note),
    }));
  }

  version(id: string, version: number): FeedVersion | undefined {
    return this.versions(id).find((v) => v.version === version);
  }

  versionCount(id: string): number {
    return Number((this.q('SELECT count(*) AS n FROM feed_versions WHERE feed_id = ?').get(id) as { n: number }).n);
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }
}
