/**
 * WARC 1.1 capture files: writing (gzip per record, rotated by size, made safe against a kill) and
 * reading (any WARC: ours, Heritrix's, browsertrix's, wget's, pywb's; the reader is warc-reader.ts).
 *
 * Records are built and serialised by warcio (webrecorder's library, which also computes
 * WARC-Block-Digest and WARC-Payload-Digest, sha256). This module owns only the file handling:
 *
 * - Each record is its own gzip member, so a reader can seek to any record's offset (what CDXJ
 *   indexes point at) and a torn member at the end is detectable.
 * - Appending is "write, fsync, then record": the caller commits the new file length in
 *   archive.sqlite in the same transaction as the capture rows. On restart `recover()` truncates
 *   every file to its committed length, which removes both a torn last record and complete records
 *   whose capture rows never made it into the database — so a resumed crawl neither loses nor
 *   duplicates a capture.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { WARCRecord, WARCSerializer, type WARCType } from 'warcio';
import { readWarcRecords, type ReadRecord, type ReadSummary, type ReadWarcOptions } from './warc-reader.ts';
import type { Exchange } from './http.ts';

export const WARC_VERSION = 'WARC/1.1' as const;

/** sha256 of bytes in the form warcio writes in WARC-Payload-Digest. */
export function payloadDigest(bytes: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

export interface RecordLocation {
  file: string;
  offset: number;
  length: number;
  recordId: string;
  type: WARCType;
}

/** What the writer needs from the database: committed lengths of its files. */
export interface WarcLedger {
  committedFiles(): Array<{ name: string; bytes: number }>;
  registerFile(name: string): void;
  forgetFile(name: string): void;
}

export interface WarcWriterOptions {
  /** Start a new file once the current one is larger than this. Default 1 GiB. */
  maxFileBytes?: number;
  /** fsync after each append (default true): the database must never point past durable bytes. */
  fsync?: boolean;
  /** Prefix of file names. */
  prefix?: string;
  /** Software and operator lines of the warcinfo record. */
  info?: Record<string, string>;
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\..*$/, '');
}

/** One record as its own gzip member (what every WARC file Tra writes holds). */
export async function serialize(record: WARCRecord): Promise<Uint8Array> {
  return WARCSerializer.serialize(record, { gzip: true });
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  if (bytes.length) yield bytes;
}

/** Response header names that describe the wire, not the payload we store. */
const HOP_HEADERS = new Set(['transfer-encoding']);

/**
 * The request and response (or revisit) records for one exchange. Transfer-Encoding is renamed
 * `X-Archive-Orig-Transfer-Encoding` because the stored body is already de-chunked (what pywb and
 * warcprox do); Content-Encoding stays, since the body stays compressed as sent.
 */
export function exchangeRecords(ex: Exchange, opts: { revisitOf?: { url: string; date: string; digest: string } } = {}): WARCRecord[] {
  const date = new Date(ex.started).toISOString();
  const u = new URL(ex.url);
  const respHeaders: Array<[string, string]> = ex.headers.map(([k, v]) => (HOP_HEADERS.has(k.toLowerCase()) ? [`X-Archive-Orig-${k}`, v] : [k, v]));
  const statusline = `HTTP/${ex.httpVersion} ${ex.status} ${ex.statusText}`.trimEnd();
  const warcHeaders: Record<string, string> = {};
  if (ex.ip) warcHeaders['WARC-IP-Address'] = ex.ip;
  let response: WARCRecord;
  if (opts.revisitOf) {
    warcHeaders['WARC-Payload-Digest'] = opts.revisitOf.digest;
    response = WARCRecord.create({
      url: ex.url, date, type: 'revisit', warcVersion: WARC_VERSION, statusline, httpHeaders: respHeaders, warcHeaders,
      refersToUrl: opts.revisitOf.url, refersToDate: opts.revisitOf.date,
    }, once(new Uint8Array()));
  } else {
    response = WARCRecord.create({ url: ex.url, date, type: 'response', warcVersion: WARC_VERSION, statusline, httpHeaders: respHeaders, warcHeaders }, once(ex.body));
  }
  const responseId = response.warcHeaders.headers.get('WARC-Record-ID') ?? '';
  const request = WARCRecord.create({
    url: ex.url, date, type: 'request', warcVersion: WARC_VERSION,
    statusline: `GET ${u.pathname}${u.search} HTTP/1.1`, httpHeaders: ex.requestHeaders,
    warcHeaders: { 'WARC-Concurrent-To': responseId },
  }, once(new Uint8Array()));
  // Revisit records carry no payload: the digest they repeat was set above, and warcio must not
  // overwrite it with the digest of an empty body.
  return [response, request];
}

export class WarcWriter {
  readonly dir: string;
  private readonly ledger: WarcLedger;
  private readonly opts: Required<Omit<WarcWriterOptions, 'info'>> & { info: Record<string, string> };
  private current: { name: string; fd: number; size: number } | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(dir: string, ledger: WarcLedger, opts: WarcWriterOptions = {}) {
    this.dir = dir;
    this.ledger = ledger;
    this.opts = {
      maxFileBytes: opts.maxFileBytes ?? 1024 * 1024 * 1024,
      fsync: opts.fsync ?? true,
      prefix: opts.prefix ?? 'tra',
      info: opts.info ?? {},
    };
    fs.mkdirSync(dir, { recursive: true });
  }

  /**
   * Truncate every file to the length the database committed (see the module comment). Returns
   * what was cut, for the report of a resumed crawl. Files of ours the database never registered
   * are left alone (they hold nothing the database points to) but reported.
   */
  recover(): Array<{ file: string; droppedBytes: number }> {
    const out: Array<{ file: string; droppedBytes: number }> = [];
    for (const { name, bytes } of this.ledger.committedFiles()) {
      // The file this writer has open is in step by construction (every append commits or is cut).
      if (this.current?.name === name) continue;
      const p = path.join(this.dir, name);
      let size: number;
      try {
        size = fs.statSync(p).size;
      } catch {
        continue;
      }
      if (bytes === 0) {
        // Registered but nothing committed: no capture points into it.
        fs.rmSync(p, { force: true });
        this.ledger.forgetFile(name);
        out.push({ file: name, droppedBytes: size });
      } else if (size > bytes) {
        fs.truncateSync(p, bytes);
        out.push({ file: name, droppedBytes: size - bytes });
      }
    }
    return out;
  }

  /**
   * Append records to the current file (opening or rotating as needed) and make them durable.
   * Calls are serialised. `commit` runs synchronously right after the bytes are durable and before
   * the next append, so it can record the new file length together with the capture rows in one
   * database transaction, in file order. If it throws, the file is cut back and the error passed on.
   */
  append(records: WARCRecord[], commit?: (locations: RecordLocation[], file: string, end: number) => void): Promise<{ locations: RecordLocation[]; file: string; end: number }> {
    const run = this.chain.then(() => this.appendNow(records, commit));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async appendNow(records: WARCRecord[], commit?: (locations: RecordLocation[], file: string, end: number) => void): Promise<{ locations: RecordLocation[]; file: string; end: number }> {
    const blobs: Uint8Array[] = [];
    for (const r of records) blobs.push(await serialize(r));
    const total = blobs.reduce((n, b) => n + b.length, 0);
    if (!this.current || (this.current.size > 0 && this.current.size + total > this.opts.maxFileBytes)) await this.rotate();
    const cur = this.current!;
    const start = cur.size;
    const locations: RecordLocation[] = [];
    for (let i = 0; i < blobs.length; i++) {
      fs.writeSync(cur.fd, blobs[i], 0, blobs[i].length, cur.size);
      locations.push({
        file: cur.name, offset: cur.size, length: blobs[i].length,
        recordId: records[i].warcHeaders.headers.get('WARC-Record-ID') ?? '',
        type: (records[i].warcType ?? 'resource') as WARCType,
      });
      cur.size += blobs[i].length;
    }
    if (this.opts.fsync) fs.fdatasyncSync(cur.fd);
    if (commit) {
      try {
        commit(locations, cur.name, cur.size);
      } catch (e) {
        fs.ftruncateSync(cur.fd, start);
        cur.size = start;
        throw e;
      }
    }
    return { locations, file: cur.name, end: cur.size };
  }

  /** Start a new file: register it, then write its warcinfo record. */
  private async rotate(): Promise<void> {
    this.closeFile();
    let name: string;
    let n = 0;
    do {
      name = `${this.opts.prefix}-${stamp()}-${String(process.pid % 100000).padStart(5, '0')}-${n++}.warc.gz`;
    } while (fs.existsSync(path.join(this.dir, name)));
    this.ledger.registerFile(name);
    const fd = fs.openSync(path.join(this.dir, name), 'w');
    const info = WARCRecord.createWARCInfo({ filename: name, warcVersion: WARC_VERSION }, {
      software: 'Tra (warcio.js)',
      format: 'WARC File Format 1.1',
      conformsTo: 'https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/',
      ...this.opts.info,
    });
    const blob = await serialize(info);
    fs.writeSync(fd, blob, 0, blob.length, 0);
    if (this.opts.fsync) fs.fdatasyncSync(fd);
    this.current = { name, fd, size: blob.length };
  }

  /** Size of the warcinfo-only prefix of a just-rotated file, for the caller to commit. */
  get currentFile(): { name: string; size: number } | undefined {
    return this.current ? { name: this.current.name, size: this.current.size } : undefined;
  }

  private closeFile(): void {
    if (this.current) {
      fs.closeSync(this.current.fd);
      this.current = undefined;
    }
  }

  async close(): Promise<void> {
    await this.chain;
    this.closeFile();
  }
}

export type { ReadRecord, ReadSummary, ReadWarcOptions } from './warc-reader.ts';

/**
 * Read every record of a WARC file (gzip per record, whole-file gzip, or uncompressed) with our own
 * reader (warc-reader.ts: the WARC framing is the authority, bad records are reported through
 * `onBad` and skipped, memory is bounded). With `decoded`, payloads come with transfer- and
 * content-encoding undone (wget stores chunked bodies as sent) — what a parser wants; without,
 * exactly as stored — what a copy wants.
 */
export function readWarc(file: string, opts: ReadWarcOptions = {}, summary?: ReadSummary): AsyncGenerator<ReadRecord> {
  return readWarcRecords(file, opts, summary);
}
