/**
 * Configured sources: the feeds and sitemaps `tra crawl` reads when no `--source` is given.
 * A fresh archive starts from `sources.default.json` (public feeds of major Vietnamese outlets);
 * `tra sources add|list|remove` edits the list kept in archive.sqlite.
 *
 * And the names of outlets. An article's `source` is the outlet's name ("VnExpress"), the same
 * name a JSON Lines import carries, never its host: otherwise one outlet splits in two in facets
 * and filters. The name comes from, in order: the operator's mapping `DIR/sources.json`
 * (`{"names": {"vnexpress.net": "VnExpress"}}`, edited by hand or by `tra sources name HOST
 * NAME`), the configured or default source on the same site, the name the page declares
 * (og:site_name, JSON-LD publisher), and only then the site's host. The host itself is kept as
 * the separate field `host` of the indexed document.
 */
import fs, { readFileSync } from 'node:fs';
import path from 'node:path';
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
 * The display name of the outlet behind a URL: the operator's name for its host or site
 * (DIR/sources.json), else a configured source on the same site, else a default source on the
 * same site, else the site's host without `www.`.
 */
export function sourceNameFor(db: ArchiveDb | undefined, url: string): string {
  let host: string;
  try {
    host = siteOf(url);
  } catch {
    return url;
  }
  if (db) {
    const mapped = mappedName(db, url);
    if (mapped) return mapped;
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

/** The mapping file in a data directory. */
export const SOURCE_NAMES_FILE = 'sources.json';

/** DIR/sources.json could not be used: the message names the file, the place and what to do. */
export class SourceNamesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceNamesError';
  }
}

/** A URL's host as `host` is stored: lower case, without `www.` and without the port 80/443. */
export function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase().replace(/^www\./, '');
  } catch {
    return undefined;
  }
}

/**
 * The key a mapping entry is written under: a host (`vnexpress.net`, `suckhoe.vnexpress.net`,
 * `127.0.0.1:8080`) given as such or inside a URL; undefined when it is not one.
 */
export function hostKey(input: string): string | undefined {
  const raw = input.trim().toLowerCase();
  const host = /^[a-z][a-z0-9+.-]*:\/\//.test(raw) ? hostOf(raw) : raw.replace(/^www\./, '').replace(/\/+$/, '');
  if (!host || !/^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:\d{1,5})?$/.test(host)) return undefined;
  return host;
}

/** The operator's names, read and checked: every key a host, every value a non-empty string. */
export function readSourceNames(dataDir: string): Record<string, string> {
  const file = path.join(dataDir, SOURCE_NAMES_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SourceNamesError(`${file}: không đọc được (${(e as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message);
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : undefined;
    throw new SourceNamesError(`${file}${line ? `:${line}` : ''}: không phải JSON hợp lệ (${(e as Error).message}); hãy sửa tệp theo mẫu {"names": {"vnexpress.net": "VnExpress"}}`);
  }
  const names = (doc as { names?: unknown } | null)?.names;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || (names !== undefined && (typeof names !== 'object' || names === null || Array.isArray(names)))) {
    throw new SourceNamesError(`${file}: cần một đối tượng có trường "names", ví dụ {"names": {"vnexpress.net": "VnExpress"}}`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((names ?? {}) as Record<string, unknown>)) {
    const key = hostKey(k);
    if (!key) throw new SourceNamesError(`${file}: "names" → "${k}" không phải tên miền (host); hãy viết như "vnexpress.net"`);
    if (typeof v !== 'string' || !v.trim()) throw new SourceNamesError(`${file}: "names" → "${k}" phải là một tên không rỗng, ví dụ "VnExpress"`);
    out[key] = v.trim();
  }
  return out;
}

/**
 * Set (or, with `name` undefined, remove) the operator's name for a host, keeping every other
 * entry and field of the file. Written to a temporary file and renamed, so a crash leaves the old
 * file or the new one. A file that cannot be read as a mapping is refused, never overwritten.
 */
export function writeSourceName(dataDir: string, host: string, name: string | undefined): void {
  const file = path.join(dataDir, SOURCE_NAMES_FILE);
  readSourceNames(dataDir); // refuses a broken file before anything is written
  const doc = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { names?: Record<string, string> }) : {};
  const names = { ...(doc.names ?? {}) };
  for (const k of Object.keys(names)) if (hostKey(k) === host) delete names[k];
  if (name !== undefined) names[host] = name;
  const sorted = Object.fromEntries(Object.entries(names).sort(([a], [b]) => a.localeCompare(b)));
  fs.mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ ...doc, names: sorted }, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** The data directory an archive database lives in (where its sources.json is). */
function dataDirOf(db: ArchiveDb): string | undefined {
  const main = (db.prepare('PRAGMA database_list').all() as Array<{ name: string; file: string }>).find((d) => d.name === 'main');
  return main?.file ? path.dirname(main.file) : undefined;
}

const mappings = new Map<string, { stamp: string; names: Record<string, string> }>();

/**
 * The operator's names for the data directory of `db`, re-read when the file changes. While the
 * file is broken the crawl goes on without it, and says why once per process.
 */
function namesFor(db: ArchiveDb): Record<string, string> {
  const dir = dataDirOf(db);
  if (!dir) return {};
  let stamp = 'none';
  try {
    const st = fs.statSync(path.join(dir, SOURCE_NAMES_FILE));
    stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch {
    /* no file: no names */
  }
  const cached = mappings.get(dir);
  if (cached && cached.stamp === stamp) return cached.names;
  let names: Record<string, string> = {};
  if (stamp !== 'none') {
    try {
      names = readSourceNames(dir);
    } catch (e) {
      if (!(e instanceof SourceNamesError)) throw e;
      process.stderr.write(`tra: ${e.message}; tạm bỏ qua tệp này khi đặt tên nguồn\n`);
    }
  }
  mappings.set(dir, { stamp, names });
  return names;
}

/** The operator's name for a URL: its exact host first, then its site. */
export function mappedName(db: ArchiveDb, url: string): string | undefined {
  const names = namesFor(db);
  const host = hostOf(url);
  if (!host) return undefined;
  if (names[host]) return names[host];
  try {
    return names[siteOf(url)];
  } catch {
    return undefined;
  }
}

/** A declared site name worth using: some letters, not a URL or host, at most 80 characters. */
function cleanDeclared(name: string | undefined): string | undefined {
  const n = name?.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (!n || n.length > 80 || !/\p{L}/u.test(n) || /^https?:|^[\w-]+(\.[\w-]+)+$/i.test(n)) return undefined;
  return n;
}

/**
 * The name an article of `url` is filed under: the operator's mapping, else `given` when it is a
 * real name (not the host fallback of sourceNameFor), else the name the page declares, else the
 * site's host.
 */
export function outletName(db: ArchiveDb | undefined, url: string, given: string | undefined, declared: string | undefined): string {
  const mapped = db ? mappedName(db, url) : undefined;
  if (mapped) return mapped;
  let site: string | undefined;
  try {
    site = siteOf(url);
  } catch {
    site = undefined;
  }
  const fallback = (n: string | undefined) => !n || n === site || n === hostOf(url) || n === url;
  if (!fallback(given)) return given!;
  return cleanDeclared(declared) ?? given ?? site ?? url;
}
