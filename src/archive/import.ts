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
import { readWarc, type ReadSummary } from './warc.ts';
import { header } from './http.ts';
import { decodeBody } from './charset.ts';
import { extractBounded } from './extract-pool.ts';
import { recordArticle } from './articles.ts';
import { sourceNameFor } from './sources.ts';
import { flushPending, openEngineSink, type DocSink } from './index-sink.ts';
import { writeCdxj } from './cdxj.ts';

export interface ImportReport {
  records: number;
  articles: number;
  /** Files skipped because the same bytes were imported before. */
  skipped: string[];
  /** Problems reported (bad records, torn files, undecodable payloads): each one line through onBad. */
  problems: number;
  /** Files that ended in the middle of a record or gzip member (what was read before is kept). */
  truncated: string[];
  /** HTML pages whose bytes were not valid in their charset (bad bytes became U+FFFD). */
  replacedText: number;
  /** Pages read by the cheap extractor (too deep, too large or too slow for Readability). */
  plainExtracted: number;
  /** Pages whose body was cut to MAX_TEXT_CHARS (the page stays whole in the WARC file). */
  cutText: number;
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

/** U+FFFD characters in `text` that are not in `bytes` as such: bytes the decoder had to replace. */
function replacements(text: string, bytes: Uint8Array): number {
  let inText = 0;
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) inText++;
  if (!inText) return 0;
  let inBytes = 0;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = b.indexOf('\uFFFD'); i >= 0; i = b.indexOf('\uFFFD', i + 3)) inBytes++;
  return Math.max(0, inText - inBytes);
}

export interface ImportOptions {
  sink?: DocSink | null;
  onProgress?: (records: number, file: string) => void;
  /** One line per problem ("FILE: byte N: …"); default: written to stderr. */
  onBad?: (line: string) => void;
}

export async function importWarcFiles(dataDir: string, files: string[], opts: ImportOptions = {}): Promise<ImportReport> {
  for (const f of files) {
    if (!fs.existsSync(f)) throw new ImportError(`không tìm thấy tệp ${f}`);
    if (!fs.statSync(f).isFile()) throw new ImportError(`${f}: không phải một tệp`);
  }
  // The engine's write lock first, before any archive row is written: a crawl that holds it makes
  // this import fail cleanly here, with nothing recorded (before, the archive rows were committed,
  // the engine then refused, and a rerun skipped the file as already imported).
  let sink = opts.sink;
  if (sink === undefined) sink = await openEngineSink(dataDir);
  const ownSink = opts.sink === undefined;
  const report: ImportReport = { records: 0, articles: 0, skipped: [], problems: 0, truncated: [], replacedText: 0, plainExtracted: 0, cutText: 0 };
  let db: ArchiveDb | undefined;
  try {
    db = openArchiveDb(dataDir);
    const warcDir = path.join(dataDir, 'warc');
    fs.mkdirSync(warcDir, { recursive: true });
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
      await importOne(db, dest, name, report, opts, file);
    }
    writeCdxj(db, warcDir);
    if (sink) await flushPending(db, sink);
    return report;
  } finally {
    db?.close();
    if (sink && ownSink) await sink.close();
  }
}

/**
 * One file in one transaction, together with its `warc_files` row: a file is imported entirely or
 * not at all (on failure the copy is removed), so re-running after an error neither duplicates nor
 * loses captures. "Entirely" means every record the reader could read: a bad record is reported
 * and skipped, the rest of the file is kept.
 */
async function importOne(db: ArchiveDb, file: string, name: string, report: ImportReport, opts: ImportOptions, shown: string): Promise<void> {
  const ins = db.prepare('INSERT INTO captures(url, captured, type, status, mime, digest, warc, offset, length, record_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const before = { ...report };
  const seen = new Set<number>();
  const bad = (line: string): void => {
    report.problems++;
    (opts.onBad ?? ((l: string) => process.stderr.write(`tra: ${l}\n`)))(line);
  };
  // Problems are reported under the name the user gave, not the copy's; until the first record,
  // they wait: a file with no record at all gets one line (the ImportError below), not two.
  let recordNo = 0;
  const waiting: string[] = [];
  const say = (line: string): void => {
    const l = line.startsWith(file) ? shown + line.slice(file.length) : line;
    if (recordNo === 0) waiting.push(l);
    else bad(l);
  };
  const summary: ReadSummary = { problems: 0, truncated: false };
  db.exec('BEGIN IMMEDIATE');
  try {
    for await (const r of readWarc(file, { decoded: true, onBad: say }, summary)) {
      recordNo++;
      if (recordNo === 1) for (const l of waiting.splice(0)) bad(l);
      report.records++;
      opts.onProgress?.(report.records, shown);
      if (r.type !== 'response' && r.type !== 'revisit' && r.type !== 'resource') continue;
      if (!r.url || !/^https?:/i.test(r.url)) continue;
      const contentType = r.type === 'resource' ? (r.warcHeaders.find(([k]) => k.toLowerCase() === 'content-type')?.[1]) : header(r.httpHeaders, 'content-type');
      const captured = r.date ? new Date(r.date) : new Date();
      const capturedIso = Number.isFinite(captured.getTime()) ? captured.toISOString() : new Date().toISOString();
      const row = ins.run(r.url, capturedIso, r.type, r.status ?? null, contentType?.split(';')[0].trim() || null, r.payloadDigest ?? null, name, r.offset, r.length, r.recordId ?? null);
      const status = r.type === 'resource' ? 200 : r.status;
      if (r.skipped || r.type === 'revisit' || status !== 200 || !isHtml(contentType, r.payload)) continue;
      const decoded = decodeBody(r.payload, contentType);
      if (replacements(decoded.text, r.payload) > 0) report.replacedText++;
      const ex = await extractBounded(decoded.text, r.url);
      if (ex.fallback) report.plainExtracted++;
      if (ex.textCut !== undefined) report.cutText++;
      // Every HTML page with text is kept and indexed (an archive search finds section pages too);
      // `articles` counts distinct pages (canonical URLs), so a page captured twice counts once.
      if (ex.text || ex.title) {
        if (!ex.title) ex.title = '';
        const res = recordArticle(db, { url: r.url, captured: Date.parse(capturedIso), extracted: ex, source: sourceNameFor(db, r.url), captureId: Number(row.lastInsertRowid) });
        seen.add(res.articleId);
      }
    }
    report.articles += seen.size;
    if (recordNo === 0) throw new ImportError(`${shown}: không có bản ghi WARC nào${waiting.length ? ` (${waiting[0].slice(shown.length + 2)})` : ''}; kiểm tra đây là tệp .warc hoặc .warc.gz`);
    if (summary.truncated) report.truncated.push(shown);
    db.prepare("INSERT INTO warc_files(name, bytes, created, origin) VALUES (?, ?, ?, 'import')").run(name, fs.statSync(file).size, Date.now());
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    fs.rmSync(file, { force: true });
    report.records = before.records;
    report.articles = before.articles;
    if (e instanceof ImportError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOSPC' || /SQLITE_FULL|disk is full/i.test(err.message)) throw new ImportError(`${shown}: hết chỗ trên đĩa khi nhập (${err.message}); các tệp đã nhập trước vẫn còn nguyên, giải phóng chỗ rồi chạy lại lệnh`);
    throw new ImportError(`${shown}: không đọc được như tệp WARC (${err.message}); kiểm tra đây là tệp .warc hoặc .warc.gz`);
  }
}
