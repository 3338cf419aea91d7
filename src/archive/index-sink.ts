/**
 * From the archive into the search index, without a manual step.
 *
 * Each article's latest version is sent to the engine (src/engine, `openEngine(dir).add(docs)`),
 * id = canonical URL, `source` the outlet's name and `host` the host it came from (sources.ts), so a new version replaces the old one in the index while archive.sqlite keeps
 * them all. Progress is tracked per article (`indexed_version` catches up with `latest_version`)
 * and only advanced once the engine said the batch is durable, so a crash between capture and
 * indexing is repaired by the next run's `flushPending`, and re-sending is harmless (same id
 * replaces).
 */
import type { ArchiveDb } from './db.ts';
import { hostOf } from './sources.ts';
import { dropSamples } from '../store/document.ts';

import type { DocInput } from '../store/document.ts';
export type { DocInput };

export interface DocSink {
  add(docs: DocInput[]): Promise<unknown>;
  close(): Promise<void>;
}

/** The engine of DIR as a sink. Loaded lazily so `tra versions` and `tra sources` do not load the engine. */
export async function openEngineSink(dataDir: string): Promise<DocSink> {
  const { openEngine } = await import('../engine/index.ts');
  const engine = await openEngine(dataDir);
  let samplesChecked = false;
  return {
    add: async (docs) => {
      const r = await engine.add(docs);
      if (!samplesChecked && docs.length) {
        // Real news arrived: the made-up articles a first `tra start` put here would mix with it.
        samplesChecked = true;
        const n = await dropSamples(engine);
        if (n) process.stderr.write(`tra: đã xoá ${n} bài mẫu (samples/tin-mau.jsonl, tin giả lập) khỏi ${dataDir} vì đã có tin thật\n`);
      }
      return r;
    },
    close: async () => {
      engine.close();
    },
  };
}

interface PendingRow {
  article_id: number;
  version_id: number;
  canonical: string;
  source: string | null;
  title: string;
  text: string;
  summary: string | null;
  url: string;
  published: string | null;
  modified: string | null;
  author: string | null;
  section: string | null;
  lang: string | null;
  captured: string;
  first_seen: number;
  gone: number;
}

export function docOf(r: PendingRow): DocInput {
  const doc: DocInput = { id: r.canonical, title: r.title, text: r.text, url: r.url };
  if (r.summary) doc.summary = r.summary;
  if (r.published) doc.published = r.published;
  if (r.source) doc.source = r.source;
  // The outlet's name is `source`; the host it was fetched from stays visible on its own.
  const host = hostOf(r.url);
  if (host) doc.host = host;
  if (r.section) doc.category = r.section;
  if (r.author) doc.author = r.author;
  if (r.modified) doc.modified = r.modified;
  if (r.lang) doc.lang = r.lang;
  doc.captured = r.captured;
  doc.first_seen = new Date(r.first_seen).toISOString();
  if (r.gone) doc.gone = true;
  return doc;
}

const PENDING_SQL = `SELECT a.id AS article_id, v.id AS version_id, a.canonical, a.source, v.title, v.text, v.summary, v.url, v.published, v.modified,
  v.author, v.section, v.lang, v.captured, a.first_seen, a.gone
  FROM articles a JOIN versions v ON v.id = a.latest_version
  WHERE a.latest_version > a.indexed_version`;

/** Send every article whose latest version is not yet in the index; returns how many were sent. */
export async function flushPending(db: ArchiveDb, sink: DocSink, batchSize = 500): Promise<number> {
  let sent = 0;
  const select = db.prepare(`${PENDING_SQL} AND a.id > ? ORDER BY a.id LIMIT ?`);
  const mark = db.prepare('UPDATE articles SET indexed_version = ? WHERE id = ? AND latest_version = ?');
  let after = 0;
  for (;;) {
    const rows = select.all(after, batchSize) as unknown as PendingRow[];
    if (!rows.length) break;
    await sink.add(rows.map(docOf));
    db.exec('BEGIN IMMEDIATE');
    try {
      // Only if no newer version arrived while the engine was writing.
      for (const r of rows) mark.run(r.version_id, r.article_id, r.version_id);
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
    sent += rows.length;
    after = rows[rows.length - 1].article_id;
  }
  return sent;
}

/** Documents for every article (latest version), for export and reindexing. */
export function* allDocs(db: ArchiveDb): Generator<DocInput> {
  const stmt = db.prepare(`SELECT a.id AS article_id, v.id AS version_id, a.canonical, a.source, v.title, v.text, v.summary, v.url, v.published, v.modified,
    v.author, v.section, v.lang, v.captured, a.first_seen, a.gone FROM articles a JOIN versions v ON v.id = a.latest_version ORDER BY a.id`);
  for (const r of stmt.iterate()) yield docOf(r as unknown as PendingRow);
}
