/**
 * `tra export`: what a query finds, out of Tra, in a standard format.
 *
 * - `jsonl`: one line per hit — the index document plus, for archived articles, every version;
 * - `csv`: one row per hit (RFC 4180 quoting, UTF-8 with BOM so spreadsheet programs read the
 *   Vietnamese right): id, url, title, source, category, published, versions, first/last capture;
 * - `warc`: the original captures (response and request records of every version) copied byte for
 *   byte from the archive's WARC files after a new warcinfo record — a WARC any replay tool reads.
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

export async function exportHits(db: ArchiveDb | undefined, warcDir: string, hits: ExportHit[], format: ExportFormat, write: (chunk: string | Uint8Array) => void): Promise<{ items: number; records?: number }> {
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
  for (const h of hits) {
    for (const v of versionsOf(db, h.id)) {
      if (!v.capture_id || !db) continue;
      const resp = db.prepare('SELECT url, captured, warc, offset, length FROM captures WHERE id = ?').get(v.capture_id) as { url: string; captured: string; warc: string; offset: number; length: number } | undefined;
      if (!resp) continue;
      const related = db.prepare("SELECT warc, offset, length FROM captures WHERE url = ? AND captured = ? AND warc = ? AND type = 'request'").all(resp.url, resp.captured, resp.warc) as Array<{ warc: string; offset: number; length: number }>;
      for (const r of [resp, ...related]) {
        write(readRecordBytes(path.join(warcDir, r.warc), r.offset, r.length));
        records++;
      }
    }
  }
  return { items: hits.length, records };
}

export function openOutput(file: string | undefined): { write: (c: string | Uint8Array) => void; close: () => void } {
  if (!file) return { write: (c) => process.stdout.write(c), close: () => undefined };
  const fd = fs.openSync(file, 'w');
  return { write: (c) => fs.writeSync(fd, typeof c === 'string' ? Buffer.from(c, 'utf8') : c), close: () => fs.closeSync(fd) };
}
