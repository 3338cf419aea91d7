/**
 * `tra import-warc`: ingest WARC files made elsewhere (Heritrix, browsertrix, wget, pywb, ours).
 *
 * Each file is copied into `DIR/warc/` (named by its sha256, so importing the same file twice is
 * noticed and skipped), so the archive stays self-contained and every capture row points into a
 * file it owns. Every HTML response with status 200 goes through the same extraction, versioning
 * and indexing as a crawled page, dated by its WARC-Date; other records are counted and indexed in
 * the CDXJ only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { openArchiveDb, type ArchiveDb } from './db.ts';
import { readWarc } from './warc.ts';
import { header } from './http.ts';
import { decodeBody } from './charset.ts';
import { extractArticle } from './extract.ts';
import { recordArticle } from './articles.ts';
import { sourceNameFor } from './sources.ts';
import { flushPending, openEngineSink, type DocSink } from './index-sink.ts';
import { writeCdxj } from './cdxj.ts';

export interface ImportReport {
  records: number;
  articles: number;
  /** Files skipped because the same bytes were imported before. */
  skipped: string[];
}

export class ImportError extends Error {}

function sha256File(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

function isHtml(contentType: string | undefined, payload: Uint8Array): boolean {
  if (contentType) return /html|xhtml/i.test(contentType);
  const head = Buffer.from(payload.subarray(0, 512)).toString('latin1').toLowerCase();
  return head.includes('<html') || head.includes('<!doctype html');
}

export async function importWarcFiles(dataDir: string, files: string[], opts: { sink?: DocSink | null; onProgress?: (records: number, file: string) => void } = {}): Promise<ImportReport> {
  for (const f of files) {
    if (!fs.existsSync(f)) throw new ImportError(`không tìm thấy tệp ${f}`);
  }
  const db = openArchiveDb(dataDir);
  const warcDir = path.join(dataDir, 'warc');
  fs.mkdirSync(warcDir, { recursive: true });
  const report: ImportReport = { records: 0, articles: 0, skipped: [] };
  try {
    for (const file of files) {
      const digest = sha256File(file);
      const base = path.basename(file).replace(/[^\w.-]+/g, '_');
      const name = `import-${digest.slice(0, 16)}-${base}`;
      if (db.prepare('SELECT 1 FROM warc_files WHERE name = ?').get(name)) {
        report.skipped.push(file);
        continue;
      }
      const dest = path.join(warcDir, name);
      fs.copyFileSync(file, dest);
      await importOne(db, dest, name, report, opts.onProgress, file);
    }
    writeCdxj(db, warcDir);
    let sink = opts.sink;
    if (sink === undefined) sink = await openEngineSink(dataDir);
    if (sink) {
      try {
        await flushPending(db, sink);
      } finally {
        if (opts.sink === undefined) await sink.close();
      }
    }
    return report;
  } finally {
    db.close();
  }
}

/**
 * One file in one transaction, together with its `warc_files` row: a file is imported entirely or
 * not at all (on failure the copy is removed), so re-running after an error neither duplicates nor
 * loses captures.
 */
async function importOne(db: ArchiveDb, file: string, name: string, report: ImportReport, onProgress: ((records: number, file: string) => void) | undefined, shown: string): Promise<void> {
  const ins = db.prepare('INSERT INTO captures(url, captured, type, status, mime, digest, warc, offset, length, record_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const before = { ...report };
  const seen = new Set<number>();
  db.exec('BEGIN IMMEDIATE');
  try {
    let recordNo = 0;
    for await (const r of readWarc(file, { decoded: true })) {
      recordNo++;
      report.records++;
      onProgress?.(report.records, shown);
      if (r.type !== 'response' && r.type !== 'revisit' && r.type !== 'resource') continue;
      if (!r.url || !/^https?:/i.test(r.url)) continue;
      const contentType = header(r.httpHeaders, 'content-type');
      const captured = r.date ? new Date(r.date) : new Date();
      const capturedIso = Number.isFinite(captured.getTime()) ? captured.toISOString() : new Date().toISOString();
      const row = ins.run(r.url, capturedIso, r.type, r.status ?? null, contentType?.split(';')[0].trim() || null, r.payloadDigest ?? null, name, r.offset, r.length, r.recordId ?? null);
      const status = r.type === 'resource' ? 200 : r.status;
      if (r.type !== 'revisit' && status === 200 && isHtml(contentType, r.payload)) {
        let ex;
        try {
          ex = extractArticle(decodeBody(r.payload, contentType).text, r.url);
        } catch (e) {
          throw new ImportError(`${shown}: bản ghi thứ ${recordNo} (${r.url}) không trích xuất được: ${(e as Error).message}`);
        }
        // Every HTML page with text is kept and indexed (an archive search finds section pages too);
        // `articles` counts distinct pages (canonical URLs), so a page captured twice counts once.
        if (ex.text || ex.title) {
          if (!ex.title) ex.title = '';
          const res = recordArticle(db, { url: r.url, captured: Date.parse(capturedIso), extracted: ex, source: sourceNameFor(db, r.url), captureId: Number(row.lastInsertRowid) });
          seen.add(res.articleId);
        }
      }
    }
    report.articles += seen.size;
    if (recordNo === 0) throw new ImportError(`${shown}: không có bản ghi WARC nào; kiểm tra đây là tệp .warc hoặc .warc.gz`);
    db.prepare("INSERT INTO warc_files(name, bytes, created, origin) VALUES (?, ?, ?, 'import')").run(name, fs.statSync(file).size, Date.now());
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    fs.rmSync(file, { force: true });
    report.records = before.records;
    report.articles = before.articles;
    if (e instanceof ImportError) throw e;
    throw new ImportError(`${shown}: không đọc được như tệp WARC (${(e as Error).message}); kiểm tra đây là tệp .warc hoặc .warc.gz`);
  }
}
