/**
 * The archive's own system of record: `DIR/archive.sqlite` (node:sqlite, WAL). The search index is
 * derived from it; the WARC files hold the bytes, this database says what they are.
 *
 * Tables (see docs/ARCHIVE.md for the full story):
 * - sources     configured feeds and sitemaps
 * - urls        the frontier: every URL we know, its kind, state and validators
 * - runs        crawl runs, so a killed `crawl --once` resumes its own run
 * - robots      robots.txt per host, cached
 * - warc_files  WARC files and their committed length (the truncation point after a crash)
 * - captures    one row per WARC record we wrote or imported (file, offset, length, digest)
 * - articles    one row per canonical URL: latest metadata, fingerprint, re-check schedule
 * - aliases     every URL form that led to an article
 * - versions    every distinct version of an article's text
 * - reprints    near-duplicate links between articles of different URLs
 */
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  added TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS urls (
  url TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('feed','sitemap','article')),
  host TEXT NOT NULL,
  source TEXT,
  state TEXT NOT NULL CHECK (state IN ('queued','fetching','done','failed','gone','blocked')),
  priority INTEGER NOT NULL DEFAULT 1,
  discovered INTEGER NOT NULL,
  not_before INTEGER NOT NULL DEFAULT 0,
  last_fetched INTEGER,
  last_status INTEGER,
  tries INTEGER NOT NULL DEFAULT 0,
  etag TEXT,
  last_modified TEXT,
  last_digest TEXT,
  last_capture_date TEXT,
  error TEXT,
  hint_title TEXT,
  hint_published TEXT,
  hint_summary TEXT,
  via TEXT,
  hops INTEGER NOT NULL DEFAULT 0,
  canon TEXT
);
CREATE INDEX IF NOT EXISTS urls_state_host ON urls(state, host);
CREATE INDEX IF NOT EXISTS urls_canon ON urls(canon);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  started INTEGER NOT NULL,
  finished INTEGER,
  fetched INTEGER NOT NULL DEFAULT 0,
  articles INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  new_versions INTEGER NOT NULL DEFAULT 0,
  blocked INTEGER NOT NULL DEFAULT 0,
  gone INTEGER NOT NULL DEFAULT 0,
  sources TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS robots (
  host TEXT PRIMARY KEY,
  fetched INTEGER NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS warc_files (
  name TEXT PRIMARY KEY,
  bytes INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL,
  origin TEXT NOT NULL DEFAULT 'crawl'
);
CREATE TABLE IF NOT EXISTS captures (
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL,
  captured TEXT NOT NULL,
  type TEXT NOT NULL,
  status INTEGER,
  mime TEXT,
  digest TEXT,
  warc TEXT NOT NULL,
  offset INTEGER NOT NULL,
  length INTEGER NOT NULL,
  record_id TEXT
);
CREATE INDEX IF NOT EXISTS captures_url ON captures(url);
CREATE TABLE IF NOT EXISTS articles (
  id INTEGER PRIMARY KEY,
  canonical TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  source TEXT,
  title TEXT,
  published TEXT,
  first_seen INTEGER NOT NULL,
  last_checked INTEGER NOT NULL,
  last_changed INTEGER NOT NULL,
  next_check INTEGER NOT NULL,
  gone INTEGER NOT NULL DEFAULT 0,
  simhash TEXT,
  band0 INTEGER, band1 INTEGER, band2 INTEGER, band3 INTEGER, band4 INTEGER, band5 INTEGER, band6 INTEGER, band7 INTEGER,
  indexed_version INTEGER NOT NULL DEFAULT 0,
  latest_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS articles_next ON articles(next_check);
CREATE INDEX IF NOT EXISTS articles_b0 ON articles(band0);
CREATE INDEX IF NOT EXISTS articles_b1 ON articles(band1);
CREATE INDEX IF NOT EXISTS articles_b2 ON articles(band2);
CREATE INDEX IF NOT EXISTS articles_b3 ON articles(band3);
CREATE INDEX IF NOT EXISTS articles_b4 ON articles(band4);
CREATE INDEX IF NOT EXISTS articles_b5 ON articles(band5);
CREATE INDEX IF NOT EXISTS articles_b6 ON articles(band6);
CREATE INDEX IF NOT EXISTS articles_b7 ON articles(band7);
CREATE INDEX IF NOT EXISTS articles_pending ON articles(indexed_version, latest_version);
CREATE TABLE IF NOT EXISTS aliases (
  url TEXT PRIMARY KEY,
  article_id INTEGER NOT NULL REFERENCES articles(id)
);
CREATE TABLE IF NOT EXISTS versions (
  id INTEGER PRIMARY KEY,
  article_id INTEGER NOT NULL REFERENCES articles(id),
  captured TEXT NOT NULL,
  url TEXT NOT NULL,
  title TEXT NOT NULL,
  text TEXT NOT NULL,
  summary TEXT,
  published TEXT,
  modified TEXT,
  author TEXT,
  section TEXT,
  lang TEXT,
  content_hash TEXT NOT NULL,
  capture_id INTEGER REFERENCES captures(id)
);
CREATE INDEX IF NOT EXISTS versions_article ON versions(article_id, id);
CREATE TABLE IF NOT EXISTS reprints (
  a INTEGER NOT NULL,
  b INTEGER NOT NULL,
  distance INTEGER NOT NULL,
  PRIMARY KEY (a, b)
);
`;

export type ArchiveDb = DatabaseSync;

/** Open (creating if needed) DIR/archive.sqlite. */
export function openArchiveDb(dataDir: string): ArchiveDb {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new DatabaseSync(path.join(dataDir, 'archive.sqlite'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;');
  db.exec(SCHEMA);
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined;
  if (!row) db.prepare("INSERT INTO meta(key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
  return db;
}

/** Run `fn` inside one transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on throw). */
export function transaction<T>(db: ArchiveDb, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}
