/**
 * `tra export`: what a query finds, out of Tra, in a standard format.
 *
 * - `jsonl`: one line per hit — the index document plus, for archived articles, every version;
 * - `csv`: one row per hit (RFC 4180 quoting, UTF-8 with BOM so spreadsheet programs read the
 *   Vietnamese right): id, url, title, source, category, published, versions, first/last capture;
 * - `warc`: the original captures (response and request records of every version) copied byte for
 *   byte from the archive's WARC files after a new warcinfo record — a WARC any replay tool reads.
 *   A hit with no capture (indexed from JSON Lines, not crawled) is written as a `resource`
 *   record built from the stored document — an HTML page with the title, summary and text and
 *   the metadata in the places extractors look (JSON-LD, og:site_name, canonical), so replay
 *   tools show it and `tra import-warc` reads it back — plus a `metadata` record holding the
 *   stored document as JSON, so nothing of it is lost. Target URI: the document's http(s) `url`,
 *   else `urn:tra:doc:ID`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WARCRecord, WARCSerializer } from 'warcio';
import type { ArchiveDb } from './db.ts';
import { readRecordBytes } from './replay.ts';
import { WARC_VERSION } from './warc.ts';

export type ExportFormat = 'warc' | 'jsonl' | 'csv';

export interface ExportHit {
  id: string;
  score?: number;
  doc?: Record<string, unknown>;
}

interface VersionRow {
  captured: string;
  title: string;
  text: string;
  url: string;
  published: string | null;
  capture_id: number | null;
}

function versionsOf(db: ArchiveDb | undefined, id: string): VersionRow[] {
  if (!db) return [];
  const a = db.prepare('SELECT id FROM articles WHERE canonical = ?').get(id) as { id: number } | undefined;
  if (!a) return [];
  return db.prepare('SELECT captured, title, text, url, published, capture_id FROM versions WHERE article_id = ? ORDER BY captured, id').all(a.id) as unknown as VersionRow[];
}

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);

/** The page a stored document stands for, as HTML an extractor reads back to the same fields. */
export function documentPage(id: string, doc: Record<string, unknown>, url: string): string {
  const title = text(doc.title) ?? '';
  const summary = text(doc.summary);
  const ld: Record<string, unknown> = { '@context': 'https://schema.org', '@type': 'NewsArticle', identifier: id, headline: title || undefined, description: summary };
  if (text(doc.published)) ld.datePublished = doc.published;
  if (text(doc.category)) ld.articleSection = doc.category;
  if (text(doc.source)) ld.publisher = { '@type': 'Organization', name: doc.source };
  if (text(doc.author)) ld.author = { '@type': 'Person', name: doc.author };
  // `<` inside JSON-LD would let a "</script>" in a title end the block.
  const json = JSON.stringify(ld).replace(/</g, '\\u003c');
  const head = [
    '<meta charset="utf-8">',
    `<title>${esc(title)}</title>`,
    /^https?:/i.test(url) ? `<link rel="canonical" href="${esc(url)}">` : '',
    text(doc.source) ? `<meta property="og:site_name" content="${esc(doc.source as string)}">` : '',
    summary ? `<meta name="description" content="${esc(summary)}">` : '',
    text(doc.published) ? `<meta property="article:published_time" content="${esc(doc.published as string)}">` : '',
    `<script type="application/ld+json">${json}</script>`,
  ].filter(Boolean);
  const paragraphs = (text(doc.text) ?? '').split(/\n\s*\n|\n/).map((p) => p.trim()).filter(Boolean);
  const body = [title ? `<h1>${esc(title)}</h1>` : '', summary ? `<p><strong>${esc(summary)}</strong></p>` : '', ...paragraphs.map((p) => `<p>${esc(p)}</p>`)].filter(Boolean);
  return `<!doctype html>\n<html lang="${esc(text(doc.lang) ?? 'vi')}"><head>\n${head.join('\n')}\n</head><body><article>\n${body.join('\n')}\n</article></body></html>\n`;
}

/** The resource and metadata records standing for a document that was never captured. */
async function documentRecords(id: string, doc: Record<string, unknown>): Promise<Uint8Array[]> {
  const url = text(doc.url) && /^https?:\/\/\S+$/i.test(doc.url as string) ? (doc.url as string) : `urn:tra:doc:${encodeURIComponent(id)}`;
  const when = [doc.captured, doc.published].map((v) => (typeof v === 'string' ? Date.parse(v) : NaN)).find((t) => Number.isFinite(t));
  const date = new Date(when ?? Date.now()).toISOString();
  async function* bytes(s: string): AsyncGenerator<Uint8Array> {
    yield new TextEncoder().encode(s);
  }
  const page = WARCRecord.create({ url, date, type: 'resource', warcVersion: WARC_VERSION, warcHeaders: { 'Content-Type': 'text/html; charset=utf-8' } }, bytes(documentPage(id, doc, url)));
  const meta = WARCRecord.create({
    url, date, type: 'metadata', warcVersion: WARC_VERSION,
    warcHeaders: { 'Content-Type': 'application/json', 'WARC-Concurrent-To': page.warcHeaders.headers.get('WARC-Record-ID') ?? '' },
  }, bytes(JSON.stringify({ ...doc, id }) + '\n'));
  return [await WARCSerializer.serialize(page, { gzip: true }), await WARCSerializer.serialize(meta, { gzip: true })];
}

export async function exportHits(db: ArchiveDb | undefined, warcDir: string, hits: ExportHit[], format: ExportFormat, write: (chunk: string | Uint8Array) => void): Promise<{ items: number; records?: number; built?: number }> {
  if (format === 'jsonl') {
    for (const h of hits) {
      const versions = versionsOf(db, h.id).map((v) => ({ captured: v.captured, title: v.title, text: v.text, url: v.url }));
      write(JSON.stringify({ ...(h.doc ?? {}), id: h.id, score: h.score, versions }) + '\n');
    }
    return { items: hits.length };
  }
  if (format === 'csv') {
    write('\uFEFF' + ['id', 'url', 'title', 'source', 'category', 'published', 'versions', 'first_captured', 'last_captured', 'score'].join(',') + '\r\n');
    for (const h of hits) {
      const d = h.doc ?? {};
      const v = versionsOf(db, h.id);
      write([h.id, d.url, d.title, d.source, d.category, d.published, v.length, v[0]?.captured, v[v.length - 1]?.captured, h.score].map(csvCell).join(',') + '\r\n');
    }
    return { items: hits.length };
  }
  // WARC
  const info = WARCRecord.createWARCInfo({ filename: 'tra-export.warc.gz', warcVersion: WARC_VERSION }, {
    software: 'Tra (warcio.js)', format: 'WARC File Format 1.1', description: `Tra export of ${hits.length} search hits`,
  });
  write(await WARCSerializer.serialize(info, { gzip: true }));
  let records = 0;
  let built = 0;
  for (const h of hits) {
    let copied = 0;
    for (const v of versionsOf(db, h.id)) {
      if (!v.capture_id || !db) continue;
      const resp = db.prepare('SELECT url, captured, warc, offset, length FROM captures WHERE id = ?').get(v.capture_id) as { url: string; captured: string; warc: string; offset: number; length: number } | undefined;
      if (!resp) continue;
      const related = db.prepare("SELECT warc, offset, length FROM captures WHERE url = ? AND captured = ? AND warc = ? AND type = 'request'").all(resp.url, resp.captured, resp.warc) as Array<{ warc: string; offset: number; length: number }>;
      for (const r of [resp, ...related]) {
        write(readRecordBytes(path.join(warcDir, r.warc), r.offset, r.length));
        records++;
        copied++;
      }
    }
    if (copied === 0 && h.doc) {
      // Never captured (indexed from JSON Lines): the stored document is what there is to archive.
      for (const rec of await documentRecords(h.id, h.doc)) write(rec);
      records += 2;
      built++;
    }
  }
  return { items: hits.length, records, built };
}

export function openOutput(file: string | undefined): { write: (c: string | Uint8Array) => void; close: () => void } {
  if (!file) return { write: (c) => process.stdout.write(c), close: () => undefined };
  const fd = fs.openSync(file, 'w');
  return { write: (c) => fs.writeSync(fd, typeof c === 'string' ? Buffer.from(c, 'utf8') : c), close: () => fs.closeSync(fd) };
}
