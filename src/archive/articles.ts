/**
 * Articles and their versions in archive.sqlite: one row per canonical URL, one version row per
 * distinct content (see versions.ts for what "distinct" means), aliases for every URL form met,
 * near-duplicate links to other articles (fingerprint.ts). Used by the crawler and by import-warc;
 * every function here runs inside the caller's transaction.
 */
import type { ArchiveDb } from './db.ts';
import { canonicalUrl, tryCanonicalUrl } from './canonical.ts';
import type { Extracted } from './extract.ts';
import { contentHash } from './versions.ts';
import { simhash, hamming, NEAR_DUPLICATE_BITS } from './fingerprint.ts';
import { nextCheck } from './schedule.ts';
import { siteOf, outletName } from './sources.ts';
import { wordDiff, type DiffPart } from './diff.ts';

export interface RecordInput {
  /** URL the page was fetched from (after redirects). */
  url: string;
  /** Other URLs that led here (the listed URL before redirects). */
  via?: string[];
  /** Epoch ms of the capture. */
  captured: number;
  extracted: Extracted;
  /** The outlet's name as the caller knows it (sourceNameFor); see outletName for what wins. */
  source: string;
  captureId?: number;
  /** Summary the feed gave, used when the page has none. */
  hintSummary?: string;
  hintPublished?: string;
}

export interface RecordResult {
  articleId: number;
  canonical: string;
  newVersion: boolean;
  versionId: number;
  reprintsOf: number[];
}

/**
 * The canonical key of a fetched page: the page's own `<link rel=canonical>` when it points to the
 * same site and to something more specific than the home page (some templates point every page at
 * `/`), else the fetched URL, then canonicalised.
 */
export function articleKey(url: string, declared?: string): string {
  if (declared) {
    try {
      const d = new URL(declared);
      if (siteOf(d.href) === siteOf(url) && d.pathname.length > 1) return canonicalUrl(d.href);
    } catch {
      /* ignore a broken canonical */
    }
  }
  return canonicalUrl(url);
}

/** Find an article by any URL form: canonical key first, then recorded aliases. */
export function findArticle(db: ArchiveDb, url: string): { id: number; canonical: string } | undefined {
  const key = tryCanonicalUrl(url);
  if (key) {
    const row = db.prepare('SELECT id, canonical FROM articles WHERE canonical = ?').get(key) as { id: number; canonical: string } | undefined;
    if (row) return row;
  }
  for (const u of [url, key].filter((x): x is string => Boolean(x))) {
    const a = db.prepare('SELECT a.id, a.canonical FROM aliases x JOIN articles a ON a.id = x.article_id WHERE x.url = ?').get(u) as { id: number; canonical: string } | undefined;
    if (a) return a;
  }
  return undefined;
}

export function recordArticle(db: ArchiveDb, input: RecordInput): RecordResult {
  const ex = input.extracted;
  const canonical = articleKey(input.url, ex.canonical);
  const now = input.captured;
  const capturedIso = new Date(now).toISOString();
  const title = ex.title ?? '';
  const hash = contentHash(title, ex.text);
  const published = ex.published ?? input.hintPublished;
  const source = outletName(db, input.url, input.source, ex.siteName);

  let art = db.prepare('SELECT id, latest_version FROM articles WHERE canonical = ?').get(canonical) as { id: number; latest_version: number } | undefined;
  if (!art) {
    // A URL form we met before may already name this article under another key (e.g. a redirect).
    const viaHit = [input.url, ...(input.via ?? [])].map((u) => findArticle(db, u)).find(Boolean);
    if (viaHit) art = db.prepare('SELECT id, latest_version FROM articles WHERE id = ?').get(viaHit.id) as { id: number; latest_version: number };
  }
  if (!art) {
    const r = db.prepare('INSERT INTO articles(canonical, url, source, title, published, first_seen, last_checked, last_changed, next_check) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(canonical, input.url, source, title, published ?? null, now, now, now, nextCheck(now, now));
    art = { id: Number(r.lastInsertRowid), latest_version: 0 };
  }
  const addAlias = db.prepare('INSERT OR IGNORE INTO aliases(url, article_id) VALUES (?, ?)');
  for (const u of new Set([input.url, ...(input.via ?? []), ...(ex.canonical ? [ex.canonical] : [])])) addAlias.run(u, art.id);

  const latest = art.latest_version
    ? (db.prepare('SELECT content_hash FROM versions WHERE id = ?').get(art.latest_version) as { content_hash: string } | undefined)
    : undefined;
  let newVersion = false;
  let versionId = art.latest_version;
  if (!latest || latest.content_hash !== hash) {
    const r = db.prepare(`INSERT INTO versions(article_id, captured, url, title, text, summary, published, modified, author, section, lang, content_hash, capture_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(art.id, capturedIso, input.url, title, ex.text, ex.summary ?? input.hintSummary ?? null, published ?? null, ex.modified ?? null, ex.author ?? null, ex.section ?? null, ex.lang ?? null, hash, input.captureId ?? null);
    versionId = Number(r.lastInsertRowid);
    newVersion = true;
  }
  const fp = newVersion ? simhash(ex.text) : undefined;
  const lastChanged = newVersion ? now : ((db.prepare('SELECT last_changed FROM articles WHERE id = ?').get(art.id) as { last_changed: number }).last_changed);
  // The name is settled again on every capture: an archive made before names were taken from the
  // page (or before the operator named the host) gets the outlet's name with its next capture.
  db.prepare(`UPDATE articles SET url = ?, title = ?, published = COALESCE(?, published), last_checked = ?, last_changed = ?, next_check = ?, gone = 0,
      latest_version = ?, source = ? WHERE id = ?`)
    .run(input.url, title, published ?? null, now, lastChanged, nextCheck(now, lastChanged), versionId, source, art.id);
  const reprintsOf: number[] = [];
  if (fp) {
    db.prepare('UPDATE articles SET simhash = ?, band0 = ?, band1 = ?, band2 = ?, band3 = ?, band4 = ?, band5 = ?, band6 = ?, band7 = ? WHERE id = ?').run(fp.hex, ...fp.bands, art.id);
    const cands = db.prepare(`SELECT id, simhash FROM articles WHERE id != ? AND simhash IS NOT NULL AND (band0 = ? OR band1 = ? OR band2 = ? OR band3 = ?
        OR band4 = ? OR band5 = ? OR band6 = ? OR band7 = ?)`)
      .all(art.id, ...fp.bands) as Array<{ id: number; simhash: string }>;
    const link = db.prepare('INSERT OR REPLACE INTO reprints(a, b, distance) VALUES (?, ?, ?)');
    for (const c of cands) {
      const d = hamming(fp.hex, c.simhash);
      if (d <= NEAR_DUPLICATE_BITS) {
        link.run(Math.min(art.id, c.id), Math.max(art.id, c.id), d);
        reprintsOf.push(c.id);
      }
    }
  }
  return { articleId: art.id, canonical, newVersion, versionId, reprintsOf };
}

/** The article was checked and found unchanged (304 or identical payload). */
export function touchArticle(db: ArchiveDb, url: string, now: number): boolean {
  const a = findArticle(db, url);
  if (!a) return false;
  const row = db.prepare('SELECT last_changed FROM articles WHERE id = ?').get(a.id) as { last_changed: number };
  db.prepare('UPDATE articles SET last_checked = ?, next_check = ?, gone = 0 WHERE id = ?').run(now, nextCheck(now, row.last_changed), a.id);
  return true;
}

/** The article's page answered 404/410: keep every version, mark it gone, stop re-checking. */
export function markGone(db: ArchiveDb, url: string, now: number): boolean {
  const a = findArticle(db, url);
  if (!a) return false;
  db.prepare('UPDATE articles SET gone = 1, last_checked = ?, next_check = ? WHERE id = ?').run(now, Number.MAX_SAFE_INTEGER, a.id);
  return true;
}

export interface VersionView {
  captured: string;
  title: string;
  text: string;
  url: string;
  published?: string;
  modified?: string;
  author?: string;
  /** Word-level diff from the previous version (absent on the first). */
  diff?: DiffPart[];
}

export interface ArticleHistory {
  url: string;
  canonical: string;
  gone: boolean;
  versions: VersionView[];
  reprints: Array<{ url: string; source: string | null; distance: number }>;
}

export function articleHistory(db: ArchiveDb, url: string, opts: { diff?: boolean } = {}): ArticleHistory | undefined {
  const a = findArticle(db, url);
  if (!a) return undefined;
  const art = db.prepare('SELECT gone FROM articles WHERE id = ?').get(a.id) as { gone: number };
  const rows = db.prepare('SELECT captured, title, text, url, published, modified, author FROM versions WHERE article_id = ? ORDER BY captured, id').all(a.id) as Array<{
    captured: string; title: string; text: string; url: string; published: string | null; modified: string | null; author: string | null;
  }>;
  const versions: VersionView[] = rows.map((r, i) => {
    const v: VersionView = { captured: r.captured, title: r.title, text: r.text, url: r.url };
    if (r.published) v.published = r.published;
    if (r.modified) v.modified = r.modified;
    if (r.author) v.author = r.author;
    if (opts.diff && i > 0) {
      const prev = rows[i - 1];
      v.diff = wordDiff(`${prev.title}\n\n${prev.text}`, `${r.title}\n\n${r.text}`);
    }
    return v;
  });
  const reprints = db.prepare(`SELECT ar.canonical AS url, ar.source AS source, r.distance AS distance FROM reprints r
      JOIN articles ar ON ar.id = CASE WHEN r.a = ? THEN r.b ELSE r.a END WHERE r.a = ? OR r.b = ?`).all(a.id, a.id, a.id) as Array<{ url: string; source: string | null; distance: number }>;
  return { url, canonical: a.canonical, gone: art.gone === 1, versions, reprints };
}
