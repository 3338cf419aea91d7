/**
 * Our own WARC record reader, for files made anywhere (Heritrix, wget, pywb, browsertrix, ours).
 *
 * The WARC framing is the only authority: a version line (`WARC/1.1`, `WARC/1.0`, `WARC/0.17`…),
 * named fields up to an empty line, exactly Content-Length bytes of block, then CRLF CRLF. What is
 * inside the block (an HTTP head without its blank line, a chunked body that is not really
 * chunked) never moves the reader off the next record. When the framing itself is broken, the
 * problem is reported in one line (file, byte offset, what is wrong) through `onBad`, and the
 * reader finds its place again on the next line that starts with `WARC/` — or, inside a gzip
 * file, on the next gzip member — so one bad record never costs the rest of the file.
 *
 * Memory is bounded whatever the input: the file is decompressed as a stream (one gzip member at
 * a time, so each record's compressed offset and length are known), a record's header block is
 * at most 64 KiB, a block larger than `maxRecordBytes` is skipped without being held (and, in a
 * gzip-per-record file, without even being decompressed: the reader jumps to the next member),
 * and a content-encoded payload is inflated with an output limit. A gzip bomb therefore costs
 * neither memory nor, in the usual one-member-per-record layout, time.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { undoContentEncoding, isTooLarge } from './content-encoding.ts';

/** Largest record block read into memory (a page over this is reported and skipped). */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;
/** Largest WARC header block, and largest HTTP head inside a block. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** Undecodable bytes scanned inside one gzip member before the reader jumps to the next member. */
const MAX_SCAN_IN_MEMBER = 4 * 1024 * 1024;

export interface ReadRecord {
  type: string;
  /** The version line as written (`WARC/1.1`, `WARC/0.17`…). */
  version: string;
  url?: string;
  date?: string;
  recordId?: string;
  payloadDigest?: string;
  refersToUrl?: string;
  refersToDate?: string;
  status?: number;
  /** WARC named fields in file order, case kept (folded lines joined). */
  warcHeaders: Array<[string, string]>;
  httpHeaders: Array<[string, string]>;
  /** Payload bytes (HTTP body for HTTP records, else the whole block). Empty when `skipped`. */
  payload: Uint8Array;
  /** Offset of the record in the file (its gzip member for compressed files). */
  offset: number;
  /** Bytes from `offset` to the end of the record (its gzip member's end for compressed files). */
  length: number;
  /** Why the payload is unusable (too large, content-encoding that does not decode); reported already. */
  skipped?: string;
}

export interface ReadWarcOptions {
  /** Undo transfer- and content-encoding of HTTP payloads (what a parser wants). */
  decoded?: boolean;
  /** One line per problem: "FILE: byte N: what is wrong". Default: ignored. */
  onBad?: (line: string) => void;
  /** Override MAX_RECORD_BYTES (tests). */
  maxRecordBytes?: number;
  /** Read only these bytes of the file (one record's offset and length, as the CDXJ gives them). */
  range?: { offset: number; length: number };
}

/** A reader's verdict on the whole file, filled in as it goes. */
export interface ReadSummary {
  /** Problems reported through onBad. */
  problems: number;
  /** True when the file ended in the middle of something (torn gzip member or record). */
  truncated: boolean;
}

// ---------------------------------------------------------------------------------------------
// Bytes in: a file, decompressed member by member.

interface Member {
  /** Compressed offset of the member's first byte (raw files: 0, one pseudo-member). */
  cStart: number;
  /** Compressed offset just past the member, once known. */
  cEnd?: number;
  /** Decompressed position of its first byte. */
  dStart: number;
}

interface Piece {
  data: Buffer;
  member: Member;
}

const GZIP_MAGIC0 = 0x1f;
const GZIP_MAGIC1 = 0x8b;

function readAt(fd: number, pos: number, len: number): Buffer {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, buf, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** Length of the gzip member header at `b[0..]`, or -1 if it is not one, 0 if `b` is too short. */
function gzipHeaderLength(b: Buffer): number {
  if (b.length < 10) return b.length >= 2 && (b[0] !== GZIP_MAGIC0 || b[1] !== GZIP_MAGIC1) ? -1 : 0;
  if (b[0] !== GZIP_MAGIC0 || b[1] !== GZIP_MAGIC1 || b[2] !== 8 || (b[3] & 0xe0) !== 0) return -1;
  const flags = b[3];
  let p = 10;
  if (flags & 4) {
    if (b.length < p + 2) return 0;
    p += 2 + b.readUInt16LE(p);
  }
  for (const bit of [8, 16]) {
    if (flags & bit) {
      const z = b.indexOf(0, p);
      if (z < 0) return 0;
      p = z + 1;
    }
  }
  if (flags & 2) p += 2;
  return p <= b.length ? p : 0;
}

class Inflater {
  readonly gzip: boolean;
  private readonly fd: number;
  private readonly size: number;
  private readonly report: (at: number, msg: string) => void;
  /** Compressed position of the next member to open. */
  private next = 0;
  /** Decompressed bytes handed out so far. */
  dPos = 0;
  private current?: { member: Member; iter: AsyncIterator<Buffer>; inflate: zlib.InflateRaw; input: Readable; hlen: number };
  private rawDone = false;
  truncated = false;

  constructor(fd: number, size: number, report: (at: number, msg: string) => void, start = 0) {
    this.fd = fd;
    this.size = size;
    this.report = report;
    this.next = start;
    const head = readAt(fd, start, 2);
    this.gzip = head.length === 2 && head[0] === GZIP_MAGIC0 && head[1] === GZIP_MAGIC1;
  }

  /** The next decompressed piece, or null at the end of the file. */
  async read(): Promise<Piece | null> {
    if (!this.gzip) return this.readRaw();
    for (;;) {
      if (!this.current && !this.open()) return null;
      const cur = this.current!;
      let r: IteratorResult<Buffer>;
      try {
        r = await cur.iter.next();
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        this.close();
        if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) {
          this.truncated = true;
          this.report(cur.member.cStart, `thành phần gzip bắt đầu tại byte ${cur.member.cStart} bị cụt ở cuối tệp (tệp chép chưa xong?)`);
          this.next = this.size;
          return null;
        }
        this.report(cur.member.cStart, `thành phần gzip bắt đầu tại byte ${cur.member.cStart} hỏng (${err.message}); tìm bản ghi kế tiếp`);
        this.next = this.findMember(cur.member.cStart + 1);
        continue;
      }
      if (!r.done) {
        const member = cur.member;
        this.dPos += r.value.length;
        return { data: r.value, member };
      }
      // The member ended: the deflate data consumed, then the 8-byte trailer (CRC32, ISIZE).
      const end = cur.member.cStart + cur.hlen + cur.inflate.bytesWritten + 8;
      cur.member.cEnd = Math.min(end, this.size);
      this.close();
      if (end > this.size) {
        this.truncated = true;
        this.report(cur.member.cStart, `thành phần gzip bắt đầu tại byte ${cur.member.cStart} thiếu phần kết (tệp bị cụt)`);
      }
      this.next = end;
    }
  }

  /** Leave the current member unread and continue at the next member found after it. */
  abandonMember(): void {
    const cur = this.current;
    if (!cur) return;
    this.close();
    this.next = this.findMember(cur.member.cStart + 1);
  }

  /** Compressed offset where reading goes on after the current member. */
  get nextStart(): number {
    return this.next;
  }

  private readRaw(): Piece | null {
    if (this.rawDone) return null;
    if (!this.rawMember) this.dPos = this.next;
    const member: Member = this.rawMember ??= { cStart: this.next, dStart: this.next };
    const data = readAt(this.fd, this.dPos, Math.min(256 * 1024, this.size - this.dPos));
    if (!data.length) {
      this.rawDone = true;
      member.cEnd = this.dPos;
      return null;
    }
    this.dPos += data.length;
    return { data, member };
  }
  private rawMember?: Member;

  /** Open the member at `this.next`; false at the end of the file. */
  private open(): boolean {
    while (this.next < this.size) {
      const at = this.next;
      const head = readAt(this.fd, at, 64 * 1024);
      const hlen = gzipHeaderLength(head);
      if (hlen > 0) {
        const input = Readable.from(fileChunks(this.fd, at + hlen, this.size), { objectMode: false });
        // No final flush: a truncated member gives every byte it holds, and the missing trailer
        // below says it was cut.
        const inflate = zlib.createInflateRaw({ chunkSize: 64 * 1024, finishFlush: zlib.constants.Z_SYNC_FLUSH });
        input.pipe(inflate);
        const member: Member = { cStart: at, dStart: this.dPos };
        this.current = { member, iter: inflate[Symbol.asyncIterator](), inflate, input, hlen };
        return true;
      }
      if (head.every((b) => b === 0) && at + head.length >= this.size) return false; // zero padding at the end
      if (hlen === 0) {
        this.truncated = true;
        this.report(at, `byte ${at}: tệp kết thúc giữa phần đầu của một thành phần gzip (tệp bị cụt)`);
        return false;
      }
      const found = this.findMember(at + 1);
      this.report(at, `byte ${at}: ${found - at} byte không phải dữ liệu gzip, bỏ qua${found < this.size ? ` đến byte ${found}` : ' đến cuối tệp'}`);
      this.next = found;
    }
    return false;
  }

  /**
   * Compressed offset of the next gzip member at or after `from` that decompresses to something
   * starting with "WARC/" (a bare magic number inside deflate data is not enough), or the size.
   */
  findMember(from: number): number {
    const win = 1 << 20;
    for (let base = from; base < this.size; base += win - 2) {
      const buf = readAt(this.fd, base, win);
      let i = -1;
      while ((i = buf.indexOf(GZIP_MAGIC0, i + 1)) >= 0 && i < buf.length) {
        if (buf[i + 1] !== GZIP_MAGIC1 && i + 1 < buf.length) continue;
        const at = base + i;
        const probe = readAt(this.fd, at, 64 * 1024);
        const hlen = gzipHeaderLength(probe);
        if (hlen <= 0) continue;
        try {
          const out = zlib.inflateRawSync(probe.subarray(hlen), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 4096 });
          if (out.subarray(0, 5).toString('latin1') === 'WARC/') return at;
        } catch (e) {
          // A real member that produces more than the probe's limit at once is still fine to try.
          if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return at;
        }
      }
      if (buf.length < win) break;
    }
    return this.size;
  }

  private close(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    cur.input.unpipe(cur.inflate);
    cur.input.destroy();
    cur.inflate.destroy();
  }

  dispose(): void {
    this.close();
  }
}

function* fileChunks(fd: number, from: number, size: number): Generator<Buffer> {
  for (let pos = from; pos < size;) {
    const b = readAt(fd, pos, Math.min(256 * 1024, size - pos));
    if (!b.length) return;
    pos += b.length;
    yield b;
  }
}

// ---------------------------------------------------------------------------------------------
// A buffer of decompressed bytes with their positions and members.

class Cursor {
  private readonly src: Inflater;
  private pieces: Piece[] = [];
  /** Offset of the next unread byte within pieces[0]. */
  private head = 0;
  private avail = 0;
  private eof = false;
  /** Decompressed position of the next unread byte. */
  pos = 0;
  /** Member of the last byte consumed. */
  lastMember?: Member;

  constructor(src: Inflater) {
    this.src = src;
  }

  get buffered(): number {
    return this.avail;
  }

  /** At least `n` bytes buffered; false when the file ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.avail < n && !this.eof) {
      const p = await this.src.read();
      if (!p) this.eof = true;
      else if (p.data.length) {
        this.pieces.push(p);
        this.avail += p.data.length;
      }
    }
    return this.avail >= n;
  }

  /** Up to `n` buffered bytes, not consumed. */
  peek(n: number): Buffer {
    n = Math.min(n, this.avail);
    const first = this.pieces[0];
    if (first && first.data.length - this.head >= n) return first.data.subarray(this.head, this.head + n);
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    for (let i = 0; got < n; i++) {
      const d = this.pieces[i].data;
      const start = i === 0 ? this.head : 0;
      const take = Math.min(d.length - start, n - got);
      d.copy(out, got, start, start + take);
      got += take;
    }
    return out;
  }

  take(n: number): Buffer {
    const out = this.peek(n);
    this.skip(out.length);
    return out;
  }

  /** Drop `n` buffered bytes. */
  skip(n: number): void {
    n = Math.min(n, this.avail);
    this.avail -= n;
    this.pos += n;
    while (n > 0) {
      const d = this.pieces[0].data;
      this.lastMember = this.pieces[0].member;
      const left = d.length - this.head;
      if (n < left) {
        this.head += n;
        return;
      }
      n -= left;
      this.pieces.shift();
      this.head = 0;
    }
  }

  /** Skip `n` bytes, reading them from the source as needed without keeping them. */
  async discard(n: number): Promise<number> {
    let done = 0;
    while (done < n) {
      if (!this.avail && !(await this.ensure(1))) break;
      const k = Math.min(this.avail, n - done);
      this.skip(k);
      done += k;
    }
    return done;
  }

  /** Member of the next unread byte (after ensure(1)). */
  memberHere(): Member | undefined {
    return this.pieces[0]?.member;
  }

  /** Forget what is buffered (the source jumped elsewhere). */
  reset(): void {
    this.pieces = [];
    this.head = 0;
    this.avail = 0;
    this.pos = this.src.dPos;
  }

  /** Buffered bytes that belong to the member of the next unread byte. */
  bufferedInMember(): number {
    const m = this.pieces[0]?.member;
    let n = 0;
    for (let i = 0; i < this.pieces.length && this.pieces[i].member === m; i++) n += this.pieces[i].data.length - (i === 0 ? this.head : 0);
    return n;
  }

  /** True when the next unread byte is the first byte of its member. */
  atMemberStart(): boolean {
    const m = this.pieces[0]?.member;
    return Boolean(m) && m!.dStart === this.pos;
  }
}

// ---------------------------------------------------------------------------------------------
// Records.

const CRLF2 = Buffer.from('\r\n\r\n');
const LF2 = Buffer.from('\n\n');

/** End of a head block (index after its blank line) and where it ends, or -1. */
function headEnd(b: Buffer): { body: number; head: number } | undefined {
  const a = b.indexOf(CRLF2);
  const c = b.indexOf(LF2);
  if (a < 0 && c < 0) return undefined;
  if (a >= 0 && (c < 0 || a <= c)) return { head: a, body: a + 4 };
  return { head: c, body: c + 2 };
}

/** Header lines to pairs; lines starting with a space or tab continue the previous field (WARC/0.17, RFC 822). */
export function parseFields(lines: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      if (out.length) out[out.length - 1][1] = `${out[out.length - 1][1]} ${line.trim()}`.trim();
      continue;
    }
    const c = line.indexOf(':');
    if (c <= 0) continue;
    out.push([line.slice(0, c).trim(), line.slice(c + 1).trim()]);
  }
  return out;
}

function field(fields: Array<[string, string]>, name: string): string | undefined {
  const n = name.toLowerCase();
  for (const [k, v] of fields) if (k.toLowerCase() === n) return v;
  return undefined;
}

const HTTP_TYPES = new Set(['response', 'request', 'revisit']);

/** Split an HTTP block into status, headers and payload; a head without its blank line is all head. */
function splitHttp(block: Buffer): { status?: number; headers: Array<[string, string]>; payload: Buffer } | undefined {
  const window = block.subarray(0, MAX_HEAD_BYTES + 4);
  const end = headEnd(window);
  const headBytes = end ? block.subarray(0, end.head) : block.length <= MAX_HEAD_BYTES ? block : undefined;
  if (!headBytes) return undefined;
  const lines = headBytes.toString('latin1').split(/\r?\n/);
  const first = lines.shift() ?? '';
  const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(first);
  return {
    status: m ? Number(m[1]) : undefined,
    headers: parseFields(lines).map(([k, v]) => [k, Buffer.from(v, 'latin1').toString('utf8')]),
    payload: end ? block.subarray(end.body) : Buffer.alloc(0),
  };
}

/** Undo `Transfer-Encoding: chunked`; undefined when the body is not chunked after all. */
export function dechunk(body: Buffer): { data: Buffer; complete: boolean } | undefined {
  const parts: Buffer[] = [];
  let p = 0;
  for (;;) {
    const eol = body.indexOf('\n', p);
    if (eol < 0 || eol - p > 64) return parts.length ? { data: Buffer.concat(parts), complete: false } : undefined;
    const m = /^([0-9a-fA-F]+)[ \t]*(;[^\r]*)?\r?$/.exec(body.toString('latin1', p, eol));
    if (!m) return parts.length ? { data: Buffer.concat(parts), complete: false } : undefined;
    const size = parseInt(m[1], 16);
    p = eol + 1;
    if (size === 0) return { data: Buffer.concat(parts), complete: true };
    if (p + size > body.length) {
      parts.push(body.subarray(p));
      return { data: Buffer.concat(parts), complete: false };
    }
    parts.push(body.subarray(p, p + size));
    p += size;
    if (body[p] === 0x0d) p++;
    if (body[p] === 0x0a) p++;
  }
}

/**
 * Every record of a WARC file (gzip per record, whole-file gzip, or uncompressed). Problems are
 * reported through `onBad` and skipped; `summary` (if given) tells whether the file was whole.
 */
export async function* readWarcRecords(file: string, opts: ReadWarcOptions = {}, summary: ReadSummary = { problems: 0, truncated: false }): AsyncGenerator<ReadRecord> {
  const maxRecord = opts.maxRecordBytes ?? MAX_RECORD_BYTES;
  const bad = (msg: string): void => {
    summary.problems++;
    opts.onBad?.(`${file}: ${msg}`);
  };
  const fd = fs.openSync(file, 'r');
  const fileSize = fs.fstatSync(fd).size;
  const from = opts.range ? Math.min(opts.range.offset, fileSize) : 0;
  const size = opts.range ? Math.min(fileSize, from + opts.range.length) : fileSize;
  const src = new Inflater(fd, size, (_at, msg) => bad(msg), from);
  const cur = new Cursor(src);
  cur.pos = src.gzip ? 0 : from;
  /** Where to report a decompressed position: the member's compressed offset for gzip files. */
  const where = (pos: number, m = cur.memberHere()): string =>
    src.gzip ? `bản ghi trong thành phần gzip tại byte ${m?.cStart ?? '?'} (vị trí ${pos} sau giải nén)` : `byte ${pos}`;

  /** Move to the next line starting with "WARC/" (or the start of a member); returns bytes skipped. */
  const resync = async (): Promise<number> => {
    let skipped = 0;
    let inMember = 0;
    let member = cur.memberHere();
    for (;;) {
      if (!(await cur.ensure(6))) {
        skipped += cur.buffered;
        cur.skip(cur.buffered);
        return skipped;
      }
      if (cur.memberHere() !== member) {
        member = cur.memberHere();
        inMember = 0;
        // A member that starts a record is a place to start again.
        if (skipped > 0 && cur.atMemberStart() && cur.peek(5).toString('latin1') === 'WARC/') return skipped;
      }
      const here = cur.bufferedInMember();
      const b = cur.peek(Math.min(here, 64 * 1024));
      const i = b.indexOf('\nWARC/');
      if (i >= 0) {
        cur.skip(i + 1);
        return skipped + i + 1;
      }
      // Keep the last 5 bytes when the member goes on: a "\nWARC" may straddle the window.
      const step = b.length === here && cur.buffered > here ? b.length : Math.max(1, b.length - 5);
      cur.skip(step);
      skipped += step;
      inMember += step;
      if (src.gzip && inMember > MAX_SCAN_IN_MEMBER) {
        src.abandonMember();
        cur.reset();
        member = undefined;
      }
    }
  };

  try {
    for (;;) {
      // Blank lines between records are tolerated.
      while ((await cur.ensure(1)) && (cur.peek(1)[0] === 0x0d || cur.peek(1)[0] === 0x0a)) cur.skip(1);
      if (!(await cur.ensure(1))) break;
      const startMember = cur.memberHere()!;
      const start = cur.pos;
      await cur.ensure(MAX_HEAD_BYTES + 4);
      const window = cur.peek(MAX_HEAD_BYTES + 4);
      if (!/^WARC\/\d+\.\d+\r?\n/.test(window.toString('latin1', 0, 16))) {
        const at = where(start, startMember);
        const skipped = await resync();
        bad(`${at}: ${skipped} byte không phải bản ghi WARC (dòng đầu "${window.toString('latin1', 0, 24).replace(/[^\x20-\x7e]/g, '?')}"), bỏ qua đến bản ghi kế tiếp`);
        continue;
      }
      const end = headEnd(window);
      if (!end && window.length < MAX_HEAD_BYTES + 4) {
        // The file ends inside this record's header (said once: the gzip layer may have said it).
        summary.truncated = true;
        if (!src.truncated) bad(`${where(start, startMember)}: tệp kết thúc giữa phần đầu của một bản ghi WARC (tệp bị cụt)`);
        break;
      }
      if (!end) {
        cur.skip(5);
        const skipped = await resync();
        bad(`${where(start, startMember)}: phần đầu bản ghi WARC không kết thúc bằng dòng trống trong ${MAX_HEAD_BYTES} byte; bỏ qua ${skipped + 5} byte`);
        continue;
      }
      const lines = Buffer.from(window.subarray(0, end.head)).toString('utf8').split(/\r?\n/);
      const version = lines.shift()!.trim();
      const fields = parseFields(lines);
      cur.skip(end.body);
      const type = field(fields, 'WARC-Type');
      const lenText = field(fields, 'Content-Length');
      if (!lenText || !/^\d+$/.test(lenText)) {
        const skipped = await resync();
        bad(`${where(start, startMember)}: bản ghi WARC không có Content-Length hợp lệ (${lenText === undefined ? 'thiếu' : `"${lenText.slice(0, 20)}"`}); bỏ qua ${skipped} byte đến bản ghi kế tiếp`);
        continue;
      }
      const length = Number(lenText);
      let block: Buffer | undefined;
      let skippedWhy: string | undefined;
      if (length > maxRecord) {
        skippedWhy = `khối ${length} byte vượt giới hạn ${maxRecord} byte`;
        const what = [type ?? '?', field(fields, 'WARC-Target-URI')].filter(Boolean).join(' ');
        bad(`${where(start, startMember)}: bản ghi ${what} quá lớn (${skippedWhy}); bỏ qua nội dung`);
        if (src.gzip && cur.memberHere() === startMember && startMember.dStart === start) {
          // Gzip per record: leave the rest of this member compressed and go on at the next one.
          src.abandonMember();
          cur.reset();
          yield recordOf(version, fields, type, undefined, startMember.cStart, Math.max(0, src.nextStart - startMember.cStart), skippedWhy, opts);
          continue;
        }
        const got = await cur.discard(length);
        if (got < length) {
          summary.truncated = true;
          if (!src.truncated) bad(`${where(start, startMember)}: tệp kết thúc giữa khối bản ghi (${got}/${length} byte)`);
          break;
        }
      } else {
        if (!(await cur.ensure(length))) {
          summary.truncated = true;
          if (!src.truncated) bad(`${where(start, startMember)}: tệp kết thúc giữa khối bản ghi ${type ?? ''} (${cur.buffered}/${length} byte); bản ghi bị bỏ`);
          break;
        }
        const inMember = cur.bufferedInMember();
        if (src.gzip && startMember.dStart === start && cur.memberHere() === startMember && inMember < length
          && cur.peek(inMember + 5).toString('latin1', inMember) === 'WARC/') {
          // The record's own gzip member ends first and the next member starts a record: the
          // Content-Length is wrong and the member is right. (Members that merely split a record,
          // as in warcio's example-wrong-chunks.warc.gz, do not start with "WARC/".)
          bad(`${where(start, startMember)}: Content-Length ${length} dài hơn thành phần gzip của bản ghi (${inMember} byte); bản ghi lấy theo thành phần gzip`);
          block = cur.take(inMember);
        } else block = cur.take(length);
      }
      // The record should end with CRLF CRLF; anything else is left for the next round to resync.
      await cur.ensure(4);
      const tail = cur.peek(4);
      let t = 0;
      while (t < tail.length && t < 4 && (tail[t] === 0x0d || tail[t] === 0x0a)) t++;
      cur.skip(t);
      // Length: to the end of the member holding the record's last byte (compressed files).
      await cur.ensure(1);
      // Records that share a member (whole-file gzip) get the span from it to the end of the file.
      const recLength = src.gzip ? ((cur.lastMember ?? startMember).cEnd ?? size) - startMember.cStart : cur.pos - start;
      const offset = src.gzip ? startMember.cStart : start;
      if (!type) {
        bad(`${where(start, startMember)}: bản ghi WARC thiếu WARC-Type; bỏ qua`);
        continue;
      }
      if (!block) {
        yield recordOf(version, fields, type, undefined, offset, recLength, skippedWhy, opts);
        continue;
      }
      yield recordOf(version, fields, type, block, offset, recLength, undefined, opts, (msg) => bad(`${where(start, startMember)}: ${msg}`), maxRecord);
    }
    if (src.truncated) summary.truncated = true;
  } finally {
    src.dispose();
    fs.closeSync(fd);
  }
}

/** The record as the caller sees it: HTTP head split off the block, encodings undone if asked. */
function recordOf(version: string, fields: Array<[string, string]>, type: string | undefined, block: Buffer | undefined, offset: number, length: number, skipped: string | undefined, opts: ReadWarcOptions, bad?: (msg: string) => void, limit = MAX_RECORD_BYTES): ReadRecord {
  let payload: Buffer = block ?? Buffer.alloc(0);
  let status: number | undefined;
  let httpHeaders: Array<[string, string]> = [];
  const ctype = (field(fields, 'Content-Type') ?? '').toLowerCase();
  const url = field(fields, 'WARC-Target-URI')?.replace(/^<(.*)>$/, '$1');
  if (block && type && (ctype.includes('application/http') || (HTTP_TYPES.has(type) && /^(HTTP\/|[A-Z]+ \S+ HTTP\/)/.test(block.toString('latin1', 0, 32))))) {
    const http = splitHttp(block);
    if (http) {
      status = http.status;
      httpHeaders = http.headers;
      payload = http.payload;
    } else {
      bad?.(`đầu HTTP của bản ghi ${url ?? ''} dài quá ${MAX_HEAD_BYTES} byte; nội dung bị bỏ qua`);
      skipped = 'đầu HTTP quá dài';
      payload = Buffer.alloc(0);
    }
    if (opts.decoded && payload.length && !skipped) {
      const te = (httpHeaders.find(([k]) => k.toLowerCase() === 'transfer-encoding')?.[1] ?? '').toLowerCase();
      if (te.includes('chunked')) {
        const d = dechunk(payload);
        // Not chunked after all (a tool stored the body de-chunked and kept the header): as stored.
        if (d) {
          if (!d.complete) bad?.(`phần thân chunked của ${url ?? ''} không trọn vẹn; dùng ${d.data.length} byte đọc được`);
          payload = d.data;
        }
      }
      const ce = (httpHeaders.find(([k]) => k.toLowerCase() === 'content-encoding')?.[1] ?? '').toLowerCase().trim();
      if (ce && ce !== 'identity') {
        try {
          payload = undoContentEncoding(payload, ce, limit);
        } catch (e) {
          const tooBig = isTooLarge(e);
          skipped = tooBig ? `giải nén Content-Encoding ${ce} vượt ${limit} byte` : `Content-Encoding ${ce} không giải nén được (${(e as Error).message})`;
          bad?.(`bản ghi ${url ?? ''}: ${skipped}; nội dung bị bỏ qua`);
          payload = Buffer.alloc(0);
        }
      }
    }
  }
  const get = (n: string): string | undefined => field(fields, n);
  return {
    type: type ?? '',
    version,
    url,
    date: get('WARC-Date'),
    recordId: get('WARC-Record-ID'),
    payloadDigest: get('WARC-Payload-Digest'),
    refersToUrl: get('WARC-Refers-To-Target-URI'),
    refersToDate: get('WARC-Refers-To-Date'),
    status,
    warcHeaders: fields,
    httpHeaders,
    payload,
    offset,
    length,
    skipped,
  };
}
