/**
 * Configured sources: the feeds and sitemaps `tra crawl` reads when no `--source` is given.
 * A fresh archive starts from `sources.default.json` (public feeds of major Vietnamese outlets);
 * `tra sources add|list|remove` edits the list kept in archive.sqlite.
 */
import { readFileSync } from 'node:fs';
import type { ArchiveDb } from './db.ts';

export interface Source {
  id: number;
  url: string;
  name: string;
  added: string;
  enabled: boolean;
}

export interface DefaultSource {
  name: string;
  url: string;
}

export function defaultSources(): DefaultSource[] {
  const raw = JSON.parse(readFileSync(new URL('./sources.default.json', import.meta.url), 'utf8')) as { sources: DefaultSource[] };
  return raw.sources;
}

/** Seed the defaults once, the first time an archive is used (a later `remove` stays removed). */
export function ensureSeeded(db: ArchiveDb): void {
  const seeded = db.prepare("SELECT value FROM meta WHERE key = 'sources_seeded'").get();
  if (seeded) return;
  const ins = db.prepare('INSERT OR IGNORE INTO sources(url, name, added) VALUES (?, ?, ?)');
  const now = new Date().toISOString();
  for (const s of defaultSources()) ins.run(s.url, s.name, now);
  db.prepare("INSERT INTO meta(key, value) VALUES ('sources_seeded', '1')").run();
}

export function listSources(db: ArchiveDb): Source[] {
  ensureSeeded(db);
  const rows = db.prepare('SELECT id, url, name, added, enabled FROM sources ORDER BY id').all() as Array<{ id: number; url: string; name: string; added: string; enabled: number }>;
  return rows.map((r) => ({ ...r, enabled: r.enabled === 1 }));
}

export function addSource(db: ArchiveDb, url: string, name?: string): Source {
  ensureSeeded(db);
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`nguồn phải là địa chỉ http(s): ${url}`);
  db.prepare('INSERT INTO sources(url, name, added) VALUES (?, ?, ?) ON CONFLICT(url) DO UPDATE SET name = excluded.name, enabled = 1')
    .run(u.href, name ?? sourceNameFor(db, u.href), new Date().toISOString());
  return listSources(db).find((s) => s.url === u.href)!;
}

/** Remove by URL or numeric id; returns how many were removed. */
export function removeSource(db: ArchiveDb, key: string): number {
  ensureSeeded(db);
  const r = /^\d+$/.test(key) ? db.prepare('DELETE FROM sources WHERE id = ?').run(Number(key)) : db.prepare('DELETE FROM sources WHERE url = ?').run(key);
  return Number(r.changes);
}

/**
 * The display name of the outlet behind a URL: a configured source on the same site, else a
 * default source on the same site, else the host without `www.`.
 */
export function sourceNameFor(db: ArchiveDb | undefined, url: string): string {
  let host: string;
  try {
    host = siteOf(url);
  } catch {
    return url;
  }
  if (db) {
    const rows = db.prepare('SELECT url, name FROM sources').all() as Array<{ url: string; name: string }>;
    for (const r of rows) if (safeSite(r.url) === host) return r.name;
  }
  for (const s of defaultSources()) if (safeSite(s.url) === host) return s.name;
  return host;
}

/** Registrable-ish site of a URL: host without `www.`/`m.` and without subdomains of known outlets. */
export function siteOf(url: string): string {
  const h = new URL(url).host.toLowerCase().replace(/^(www|m|amp|mobile)\./, '');
  if (/^[\d.]+(:\d+)?$/.test(h) || h.startsWith('[') || !h.includes('.')) return h;
  const parts = h.split('.');
  // vnexpress.net, dantri.com.vn, suckhoe.vnexpress.net → vnexpress.net
  const tail = parts.slice(-2).join('.');
  if (/^(com|net|org|gov|edu)\.vn$/.test(tail)) return parts.slice(-3).join('.');
  return parts.length > 2 ? tail : h;
}

function safeSite(url: string): string | undefined {
  try {
    return siteOf(url);
  } catch {
    return undefined;
  }
}
