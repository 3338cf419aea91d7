/**
 * Moving a single-machine data directory into a cluster (`tra cluster import`) and back
 * (`tra cluster export`). Both are idempotent and can be interrupted and run again:
 *
 * - **import** reads the directory's store (DIR/store.sqlite, read-only: a running `tra serve` may
 *   keep it open) in write order and writes its documents through the cluster's ingest
 *   (../ingest/write.ts: 1,000 a transaction, each with its index job). A document already in the
 *   cluster with the same content is skipped by its hash, so a second run writes nothing. Write
 *   order is kept, so equal scores rank the same in the cluster as on the machine.
 *   With blob storage, the archive goes too (`importArchive`): every capture of DIR/archive.sqlite
 *   (response, revisit and resource records: what the CDXJ index lists) becomes a row of
 *   `captures`, and its WARC bytes a blob. Each WARC file is cut at its captures' offsets — a
 *   blob holds one capture's record and the records after it up to the next capture (its request
 *   record, metadata), as a fetcher's blob holds one exchange; the first blob of a file also holds
 *   what precedes its first capture (the warcinfo record) — under its content-addressed key
 *   (`warc/ab/<sha256>.warc.gz`). Bytes are copied as they are: the records, their gzip members
 *   and digests do not change. A capture already in the cluster (same address and time) is not
 *   read again.
 * - **export** reads the cluster's current documents in version order (keyset pages, no long
 *   transaction) and adds them to the directory's engine (created when missing); a document the
 *   directory already holds unchanged is skipped. With blob storage, the captures follow
 *   (`exportArchive`), in the order the cluster recorded them: their blobs are appended to new WARC
 *   files (a warcinfo record first, at most 256 MiB each), and each file goes through
 *   `tra import-warc`'s own code (src/archive/import.ts) without indexing — it records the
 *   captures, rewrites the CDXJ index and makes each article's versions exactly as one machine
 *   makes them from the same records. The documents the engine got from the cluster stay as they
 *   are: the articles these files brought are marked indexed, so a later `tra crawl` does not
 *   replace them with the archive's view.
 *
 * What does not move: the frontier (URLs, hosts, their politeness state), robots.txt copies, crawl
 * runs, and the one-machine archive's aliases other than the addresses of its captures.
 */
import fs, { existsSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { WARCRecord, WARCSerializer } from 'warcio';
import { withTransaction, type Pool } from '../pg/connect.ts';
import { writeBatch } from '../ingest/write.ts';
import { ClusterError } from '../errors.ts';
import { contentKey, type BlobStore } from '../blob/store.ts';
import { holdBlobs } from '../blob/janitor.ts';
import { DocStore } from '../../store/store.ts';
import type { DocInput } from '../../store/document.ts';
import { surt } from '../../archive/canonical.ts';
import type { CdxjRow } from '../../archive/cdxj.ts';
import { openArchiveDb } from '../../archive/db.ts';
import { importWarcFiles } from '../../archive/import.ts';
import { tooLarge } from '../archive/versions.ts';

export interface MoveReport {
  /** Documents read from the source. */
  documents: number;
  /** Written to the destination (new or changed). */
  written: number;
  /** Already there with the same content. */
  unchanged: number;
  /** Captures (WARC records listed in the CDXJ index) moved; only with blob storage. */
  captures?: number;
  /** Captures already at the destination. */
  captures_unchanged?: number;
  /** Captures that could not be moved (each said in one line through `onBad`). */
  captures_skipped?: number;
  ms: number;
}

export interface MoveOptions {
  /** The cluster's blob storage: with it, the archive (captures and WARC records) moves too. */
  blob?: BlobStore;
  /** One line per capture that cannot be moved (default: written to stderr). */
  onBad?: (line: string) => void;
}

const BATCH = 1000;
/** A capture's blob (its record and the records up to the next capture) larger than this is not moved. */
export const MAX_CAPTURE_BLOB_BYTES = 64 * 1024 * 1024;
/** Captures whose presence at the destination is checked, and blobs committed, per transaction. */
const CAPTURE_BATCH = 200;
/** An exported WARC file is closed (and imported into the archive) past this size. */
const EXPORT_FILE_BYTES = 256 * 1024 * 1024;

function sayBad(opts: MoveOptions): (line: string) => void {
  return opts.onBad ?? ((l) => process.stderr.write(`tra: ${l}\n`));
}

export async function importDataDir(pool: Pool, dataDir: string, onProgress?: (done: number, total: number) => void, opts: MoveOptions = {}): Promise<MoveReport> {
  const t0 = Date.now();
  const file = path.join(dataDir, 'store.sqlite');
  if (!existsSync(file)) throw new ClusterError(`${dataDir}: không phải thư mục dữ liệu của Tra (thiếu store.sqlite) — hãy chỉ đúng thư mục đã dùng với tra index --data`);
  const store = new DocStore(file, { readOnly: true });
  const report: MoveReport = { documents: 0, written: 0, unchanged: 0, ms: 0 };
  try {
    const total = store.count();
    let batch: DocInput[] = [];
    const flush = async () => {
      if (!batch.length) return;
      // A later write of an id replaces an earlier one within a batch, as in tra index.
      const r = await writeBatch(pool, [...new Map(batch.map((d) => [d.id, d])).values()]);
      report.written += r.written;
      report.unchanged += r.unchanged;
      batch = [];
      onProgress?.(report.documents, total);
    };
    for (const { doc } of store.docsAfter(0)) {
      batch.push(doc as DocInput);
      report.documents++;
      if (batch.length >= BATCH) await flush();
    }
    await flush();
  } finally {
    store.close();
  }
  if (opts.blob) Object.assign(report, await importArchive(pool, opts.blob, dataDir, sayBad(opts)));
  report.ms = Date.now() - t0;
  return report;
}

export async function exportToDataDir(pool: Pool, dataDir: string, onProgress?: (done: number, total: number) => void, opts: MoveOptions = {}): Promise<MoveReport> {
  const t0 = Date.now();
  const { openEngine } = await import('../../engine/index.ts');
  const engine = await openEngine(dataDir);
  const report: MoveReport = { documents: 0, written: 0, unchanged: 0, ms: 0 };
  try {
    const total = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM documents WHERE NOT deleted')).rows[0].n);
    let after = 0;
    for (;;) {
      const { rows } = await pool.query<{ id: string; seq: string; body: Record<string, unknown> | null }>(
        `SELECT d.id, d.current_seq AS seq, v.body FROM documents d JOIN document_versions v ON v.seq = d.current_seq
         WHERE NOT d.deleted AND d.current_seq > $1 ORDER BY d.current_seq LIMIT $2`,
        [after, BATCH],
      );
      if (!rows.length) break;
      after = Number(rows[rows.length - 1].seq);
      const changed: DocInput[] = [];
      for (const r of rows) {
        if (!r.body) continue;
        report.documents++;
        const doc = { id: r.id, ...r.body } as DocInput;
        const have = engine.get(r.id);
        if (have && JSON.stringify(have) === JSON.stringify(doc)) report.unchanged++;
        else changed.push(doc);
      }
      if (changed.length) report.written += (await engine.add(changed)).indexed;
      onProgress?.(report.documents, total);
    }
  } finally {
    engine.close();
  }
  if (opts.blob) Object.assign(report, await exportArchive(pool, opts.blob, dataDir, sayBad(opts)));
  report.ms = Date.now() - t0;
  return report;
}

type CaptureCounts = Required<Pick<MoveReport, 'captures' | 'captures_unchanged' | 'captures_skipped'>>;

/** A row of the one-machine archive's `captures` (src/archive/db.ts): its CDXJ fields and id. */
type ArchiveCapture = CdxjRow & { id: number };

/** Where a WARC file's captures start, and where its committed bytes end. */
interface FileLayout {
  file: string;
  /** Offsets of its captures, ascending. */
  offsets: number[];
  end: number;
  /** Several captures at one offset: a whole-file gzip, which cannot be cut into records. */
  whole: boolean;
  missing: boolean;
}

/** Types of the records the CDXJ index lists (and the cluster's `captures` holds). */
const CAPTURE_TYPES = "('response', 'revisit', 'resource')";

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * The archive of DIR (archive.sqlite and its WARC files) into the cluster: captures in the order
 * the machine recorded them, each with its blob (see the module comment). Idempotent.
 */
export async function importArchive(pool: Pool, blob: BlobStore, dataDir: string, bad: (line: string) => void): Promise<CaptureCounts> {
  const counts: CaptureCounts = { captures: 0, captures_unchanged: 0, captures_skipped: 0 };
  const dbFile = path.join(dataDir, 'archive.sqlite');
  if (!existsSync(dbFile)) return counts;
  const db = new DatabaseSync(dbFile, { readOnly: true });
  const layouts = new Map<string, FileLayout>();
  const fds = new Map<string, number>();
  const said = new Set<string>();
  const sayOnce = (key: string, line: string) => {
    if (said.has(key)) return;
    said.add(key);
    bad(line);
  };
  const layoutOf = (name: string): FileLayout => {
    let l = layouts.get(name);
    if (l) return l;
    const file = path.join(dataDir, 'warc', name);
    const offsets = (db.prepare(`SELECT offset FROM captures WHERE warc = ? AND type IN ${CAPTURE_TYPES} ORDER BY offset`).all(name) as { offset: number }[]).map((r) => r.offset);
    const committed = (db.prepare('SELECT bytes FROM warc_files WHERE name = ?').get(name) as { bytes: number } | undefined)?.bytes;
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      size = -1;
    }
    l = { file, offsets, end: committed === undefined ? size : Math.min(committed, size), whole: offsets.some((o, i) => i > 0 && offsets[i - 1] === o), missing: size < 0 };
    layouts.set(name, l);
    return l;
  };
  const fdOf = (file: string): number => {
    let fd = fds.get(file);
    if (fd === undefined) {
      if (fds.size >= 16) {
        const [oldest, ofd] = fds.entries().next().value as [string, number];
        fs.closeSync(ofd);
        fds.delete(oldest);
      }
      fd = fs.openSync(file, 'r');
      fds.set(file, fd);
    }
    return fd;
  };
  try {
    const select = db.prepare(`SELECT id, url, captured, type, status, mime, digest, warc, offset, length FROM captures
      WHERE id > ? AND type IN ${CAPTURE_TYPES} ORDER BY id LIMIT ${CAPTURE_BATCH}`);
    let after = 0;
    for (;;) {
      const rows = select.all(after) as unknown as ArchiveCapture[];
      if (!rows.length) break;
      after = rows[rows.length - 1].id;
      const present = await presentInCluster(pool, rows.map((r) => ({ url: r.url, captured: r.captured })));
      const pending: Array<{ r: ArchiveCapture; key: string; offset: number }> = [];
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        if (present.has(i)) {
          counts.captures_unchanged++;
          continue;
        }
        const l = layoutOf(r.warc);
        const skip = (line: string) => {
          counts.captures_skipped++;
          bad(line);
        };
        if (l.missing) {
          counts.captures_skipped++;
          sayOnce(`missing:${r.warc}`, `${l.file}: không có tệp WARC này (archive.sqlite vẫn ghi các bản lưu trong đó); các bản lưu của nó không được chuyển vào cụm`);
          continue;
        }
        if (l.whole) {
          counts.captures_skipped++;
          sayOnce(`whole:${r.warc}`, `${l.file}: tệp WARC nén nguyên khối (cả tệp một khối gzip), không cắt được thành từng bản ghi; các bản lưu của nó không được chuyển — giải nén tệp rồi nhập lại bằng tra import-warc`);
          continue;
        }
        // From this capture's record to the next capture's (the first one from the file's start).
        const k = lowerBound(l.offsets, r.offset);
        const start = k === 0 ? 0 : r.offset;
        const end = k + 1 < l.offsets.length ? l.offsets[k + 1] : l.end;
        if (r.offset + r.length > end) {
          skip(`${l.file}: byte ${r.offset}: bản ghi của ${r.url} vượt quá ${end === l.end ? 'phần đã ghi xong của tệp' : 'bản ghi sau nó'} (dài ${r.length} byte); không chuyển bản lưu này`);
          continue;
        }
        if (end - start > MAX_CAPTURE_BLOB_BYTES) {
          skip(`${l.file}: byte ${r.offset}: bản lưu của ${r.url} dài ${end - start} byte, quá giới hạn ${MAX_CAPTURE_BLOB_BYTES} byte của một blob; không chuyển bản lưu này`);
          continue;
        }
        const bytes = Buffer.alloc(end - start);
        const got = fs.readSync(fdOf(l.file), bytes, 0, bytes.length, start);
        if (got !== bytes.length) {
          skip(`${l.file}: byte ${start}: chỉ đọc được ${got} trên ${bytes.length} byte; không chuyển bản lưu của ${r.url}`);
          continue;
        }
        const key = contentKey('warc', bytes, isGzip(bytes) ? '.warc.gz' : '.warc');
        await blob.put(key, bytes);
        pending.push({ r, key, offset: r.offset - start });
      }
      if (pending.length) counts.captures += await commitCaptures(pool, blob, pending);
    }
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd);
    db.close();
  }
  return counts;
}

/** First index of `a` (ascending) holding a value ≥ `x`. */
function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Indexes of the captures (address, time) the cluster already has. */
async function presentInCluster(pool: Pool, caps: Array<{ url: string; captured: string }>): Promise<Set<number>> {
  const { rows } = await pool.query<{ i: string }>(
    `SELECT x.i FROM unnest($1::text[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS x(k, u, t, i)
     WHERE EXISTS (SELECT 1 FROM captures c WHERE c.urlkey = x.k AND c.captured_at = x.t AND c.url = x.u)`,
    [caps.map((c) => surt(c.url)), caps.map((c) => c.url), caps.map((c) => c.captured)],
  );
  return new Set(rows.map((r) => Number(r.i) - 1));
}

/** Capture rows for blobs just put, in one transaction that holds the blobs against the janitor. */
async function commitCaptures(pool: Pool, blob: BlobStore, pending: Array<{ r: ArchiveCapture; key: string; offset: number }>): Promise<number> {
  return withTransaction(pool, async (q) => {
    await holdBlobs(q, blob, [...new Set(pending.map((p) => p.key))]);
    const hostOf = (u: string) => {
      try {
        return new URL(u).host.toLowerCase() || null;
      } catch {
        return null;
      }
    };
    const res = await q.query(
      `INSERT INTO captures (url, urlkey, captured_at, status, mime, digest, blob_key, blob_offset, blob_length, host)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::text[])
       ON CONFLICT (blob_key, blob_offset) DO NOTHING`,
      [
        pending.map((p) => p.r.url),
        pending.map((p) => surt(p.r.url)),
        pending.map((p) => p.r.captured),
        pending.map((p) => p.r.status),
        pending.map((p) => p.r.mime),
        // The cluster requires a digest; a record made elsewhere may have none.
        pending.map((p) => p.r.digest ?? ''),
        pending.map((p) => p.key),
        pending.map((p) => p.offset),
        pending.map((p) => p.r.length),
        pending.map((p) => hostOf(p.r.url)),
      ],
    );
    return res.rowCount ?? 0;
  });
}

/** A WARC file being assembled for export. */
interface OutFile {
  file: string;
  fd: number;
  size: number;
  captures: number;
}

/**
 * The cluster's captures into DIR's archive (see the module comment): records appended to new
 * WARC files, each imported with `tra import-warc`'s code, not indexed. Idempotent: a capture the
 * archive holds (same address and time) is not written again.
 */
export async function exportArchive(pool: Pool, blob: BlobStore, dataDir: string, bad: (line: string) => void): Promise<CaptureCounts> {
  const counts: CaptureCounts = { captures: 0, captures_unchanged: 0, captures_skipped: 0 };
  // A cluster without captures leaves the directory without an archive, as it found it.
  if (!(await pool.query('SELECT 1 FROM captures LIMIT 1')).rowCount) return counts;
  const warcDir = path.join(dataDir, 'warc');
  // Files of an export that was interrupted before they were imported: made again below.
  const staging = path.join(warcDir, '.cluster-export');
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const db = openArchiveDb(dataDir);
  const out: { gz?: OutFile; raw?: OutFile } = {};
  let fileNo = 0;
  // Blobs written to the files not yet imported (a blob named by two captures is written once).
  const written = new Set<string>();
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').replace(/\..*$/, '');
  const open = async (kind: 'gz' | 'raw'): Promise<OutFile> => {
    const name = `cluster-${stamp}-${String(process.pid % 100000).padStart(5, '0')}-${fileNo++}.${kind === 'gz' ? 'warc.gz' : 'warc'}`;
    const file = path.join(staging, name);
    const info = WARCRecord.createWARCInfo({ filename: name, warcVersion: 'WARC/1.1' }, {
      software: 'Tra (warcio.js)',
      format: 'WARC File Format 1.1',
      description: 'tra cluster export: captures of a Tra cluster',
    });
    const head = await WARCSerializer.serialize(info, { gzip: kind === 'gz' });
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, head);
    return { file, fd, size: head.length, captures: 0 };
  };
  const finish = async (kind: 'gz' | 'raw') => {
    const f = out[kind];
    if (!f) return;
    out[kind] = undefined;
    fs.fsyncSync(f.fd);
    fs.closeSync(f.fd);
    try {
      if (f.captures > 0) await importWarcFiles(dataDir, [f.file], { sink: null, onBad: bad });
    } finally {
      fs.rmSync(f.file, { force: true });
    }
    written.clear();
  };
  try {
    const have = db.prepare(`SELECT 1 FROM captures WHERE url = ? AND captured = ? AND type IN ${CAPTURE_TYPES} LIMIT 1`);
    const versionsBefore = (db.prepare('SELECT coalesce(max(id), 0) AS n FROM versions').get() as { n: number }).n;
    let after = '0';
    for (;;) {
      const { rows } = await pool.query<{ id: string; url: string; captured_at: Date; blob_key: string }>(
        'SELECT id, url, captured_at, blob_key FROM captures WHERE id > $1 ORDER BY id LIMIT $2',
        [after, CAPTURE_BATCH],
      );
      if (!rows.length) break;
      after = rows[rows.length - 1].id;
      for (const r of rows) {
        if (have.get(r.url, r.captured_at.toISOString())) {
          counts.captures_unchanged++;
          continue;
        }
        if (written.has(r.blob_key)) {
          counts.captures++;
          continue;
        }
        let bytes: Buffer | undefined;
        try {
          bytes = await blob.get(r.blob_key, MAX_CAPTURE_BLOB_BYTES);
        } catch (e) {
          if (!(await tooLarge(blob, r.blob_key, MAX_CAPTURE_BLOB_BYTES))) throw e;
          counts.captures_skipped++;
          bad(`${r.url}: blob ${r.blob_key} của bản lưu lúc ${r.captured_at.toISOString()} lớn hơn ${MAX_CAPTURE_BLOB_BYTES} byte; không chép bản lưu này`);
          continue;
        }
        if (!bytes) {
          counts.captures_skipped++;
          bad(`${r.url}: thiếu blob ${r.blob_key} trong kho ${blob.location} (bản lưu lúc ${r.captured_at.toISOString()}); không chép được bản lưu này`);
          continue;
        }
        const kind = isGzip(bytes) ? 'gz' : 'raw';
        const f = (out[kind] ??= await open(kind));
        fs.writeSync(f.fd, bytes);
        f.size += bytes.length;
        f.captures++;
        written.add(r.blob_key);
        counts.captures++;
        if (f.size >= EXPORT_FILE_BYTES) await finish(kind);
      }
    }
    await finish('gz');
    await finish('raw');
    // The engine holds the cluster's documents: the archive's view of these articles is not to be
    // indexed over them (index-sink.ts flushPending sends articles whose latest version is not).
    db.prepare('UPDATE articles SET indexed_version = latest_version WHERE latest_version > ? AND indexed_version < latest_version').run(versionsBefore);
  } finally {
    for (const f of Object.values(out)) if (f) fs.closeSync(f.fd);
    db.close();
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return counts;
}
