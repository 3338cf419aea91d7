/**
 * Streaming reader for JSON Lines files, optionally gzip-compressed (detected from the magic
 * bytes, not the name). Yields one parsed object per line with its line number; a line that is
 * not a JSON object is reported through `onBad` with "FILE:LINE: reason" and skipped. Memory
 * stays flat whatever the file size.
 *
 * Lines end at "\n", "\r\n" or a lone "\r" (as node:readline counts them). The file is read in
 * chunks of 1 MB that are cut at their last line end and decoded to text at once, then split:
 * per line this costs a slice and JSON.parse, where readline's events and string decoder cost
 * as much as the parse itself.
 */
import { createReadStream, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { createInflateRaw, crc32, constants } from 'node:zlib';
import { Readable } from 'node:stream';

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const n = readSync(fd, b, 0, 2, 0);
    return n === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Lines of `text`, which ends at a line end (`final`: or at the end of the file). */
function splitLines(text: string, final: boolean): string[] {
  const lines = text.split('\n');
  if (final && lines[lines.length - 1] === '') lines.pop();
  if (!text.includes('\r')) return lines;
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const ended = i < lines.length - 1 || !final; // ended by "\n"
    if (ended && line.endsWith('\r')) line = line.slice(0, -1); // "\r\n"
    if (!line.includes('\r')) {
      out.push(line);
      continue;
    }
    const parts = line.split('\r'); // lone "\r": line ends too
    if (!ended && parts[parts.length - 1] === '') parts.pop();
    for (const p of parts) out.push(p);
  }
  return out;
}

/** Longest line (one document) read, in bytes; a longer one is reported and skipped unread. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;
/** Deepest nesting of arrays and objects in one document (JSON.stringify recurses: ~5,000 overflowed it). */
export const MAX_DEPTH = 64;
/** Longest title, summary or text, in characters (one such field indexes in ~0.1 s; the 27 MB document that took 52 s is refused). */
export const MAX_FIELD_CHARS = 1_000_000;

/** Stands for a line longer than MAX_LINE_BYTES in the arrays lineChunks yields. */
const TOO_LONG = Symbol('too long');
type Line = string | typeof TOO_LONG;

/** The gzip stream broke (truncated, corrupt): what was read before it stays read. */
export class BrokenInput extends Error {
  readonly compressedBytes: number;
  constructor(message: string, compressedBytes: number, cause?: unknown) {
    super(message, { cause });
    this.compressedBytes = compressedBytes;
  }
}

/** U+FFFD in `text` that the bytes did not hold as such: invalid UTF-8 the decoder replaced. */
function replacedIn(text: string, bytes: Buffer, start: number, end: number): number {
  let inText = 0;
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) inText++;
  if (!inText) return 0;
  let inBytes = 0;
  const b = bytes.subarray(start, end);
  for (let i = b.indexOf('\uFFFD'); i >= 0; i = b.indexOf('\uFFFD', i + 3)) inBytes++;
  return Math.max(0, inText - inBytes);
}

interface Chunk {
  lines: Line[];
  /** Invalid UTF-8 sequences replaced in these lines. */
  replaced: number;
}

/**
 * The chunks of a stream, then its error if it failed. A stream's own async iterator throws as
 * soon as the error is emitted and drops what was already decoded but not yet read; here every
 * decoded byte comes out first (a truncated .gz keeps all its complete lines).
 */
async function* drain(stream: Readable): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let failure: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('data', (d: Buffer) => {
    queue.push(d);
    if (queue.length >= 16) stream.pause();
    poke();
  });
  stream.on('error', (e) => {
    failure = e;
    poke();
  });
  stream.on('end', () => {
    ended = true;
    poke();
  });
  for (;;) {
    if (queue.length) {
      yield queue.shift()!;
      if (queue.length < 4 && stream.isPaused() && !failure) stream.resume();
      continue;
    }
    if (failure) throw failure;
    if (ended) return;
    await new Promise<void>((r) => (wake = r));
  }
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, b, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return b.subarray(0, got);
}

function* fileChunks(fd: number, from: number, size: number, chunk: number): Generator<Buffer> {
  for (let pos = from; pos < size;) {
    const b = readAt(fd, pos, Math.min(chunk, size - pos));
    if (!b.length) return;
    pos += b.length;
    yield b;
  }
}

/**
 * The decompressed bytes of a gzip file, member after member (`cat a.gz b.gz` is one valid file).
 * Each member is inflated as raw DEFLATE without a final flush, so a truncated file gives every
 * byte it holds, and its CRC-32 and length are checked here; any break ends the output with a
 * BrokenInput saying where (compressed byte offset).
 */
async function* gunzipFile(file: string, chunkBytes: number): AsyncGenerator<Buffer> {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    let pos = 0;
    while (pos < size) {
      const head = readAt(fd, pos, 64 * 1024);
      if (pos > 0 && head.every((b) => b === 0)) return; // zero padding after the last member
      if (head.length < 10 || head[0] !== 0x1f || head[1] !== 0x8b || head[2] !== 8) {
        throw new BrokenInput(pos > 0 ? 'dữ liệu sau thành phần gzip cuối không phải gzip' : 'không phải tệp gzip', pos);
      }
      const flags = head[3];
      let h = 10;
      if (flags & 4) h += 2 + head.readUInt16LE(10);
      for (const bit of [8, 16]) if (flags & bit) h = head.indexOf(0, h) + 1;
      if (flags & 2) h += 2;
      if (h <= 0 || h > head.length) throw new BrokenInput('phần đầu gzip hỏng hoặc bị cụt', pos);
      const inflate = createInflateRaw({ finishFlush: constants.Z_SYNC_FLUSH, chunkSize: Math.max(64, Math.min(chunkBytes, 1 << 18)) });
      const input = Readable.from(fileChunks(fd, pos + h, size, Math.max(64, chunkBytes)), { objectMode: false });
      input.pipe(inflate);
      let crc = 0;
      let length = 0;
      try {
        for await (const out of drain(inflate)) {
          crc = crc32(out, crc);
          length += out.length;
          yield out;
        }
      } catch (e) {
        throw new BrokenInput((e as Error).message, pos + h + inflate.bytesWritten, e);
      } finally {
        input.destroy();
      }
      const end = pos + h + inflate.bytesWritten;
      const trailer = readAt(fd, end, 8);
      if (trailer.length < 8) throw new BrokenInput('tệp bị cụt giữa chừng (truncated)', size);
      if (trailer.readUInt32LE(0) !== crc || trailer.readUInt32LE(4) !== (length >>> 0)) throw new BrokenInput('CRC-32 hoặc độ dài không khớp (corrupt data)', end);
      pos = end + 8;
    }
  } finally {
    closeSync(fd);
  }
}

/** The file's lines, a chunk's worth at a time (`chunkBytes`: the read size, for tests). */
async function* lineChunks(file: string, chunkBytes = 1 << 20, maxLine = MAX_LINE_BYTES): AsyncGenerator<Chunk> {
  const gzip = isGzip(file);
  const input: AsyncIterable<Buffer> = gzip ? gunzipFile(file, chunkBytes) : createReadStream(file, { highWaterMark: chunkBytes });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Inside a line already known to be too long: bytes are dropped until its end. */
  let skipping = false;
  const decode = (bytes: Buffer, final: boolean): Chunk => {
    const text = bytes.toString('utf8');
    return { lines: splitLines(text, final), replaced: text.includes('\uFFFD') ? replacedIn(text, bytes, 0, bytes.length) : 0 };
  };
  for await (const whole of input) {
    let chunk = whole;
    if (skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) continue;
      skipping = false;
      yield { lines: [TOO_LONG], replaced: 0 };
      chunk = chunk.subarray(nl + 1);
    }
    const cut = chunk.lastIndexOf(10);
    if (cut < 0) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes > maxLine) {
        pending = [];
        pendingBytes = 0;
        skipping = true;
      }
      continue;
    }
    let out: Chunk;
    if (pending.length) {
      const first = chunk.indexOf(10);
      if (pendingBytes + first > maxLine) {
        // The pending line ends in this chunk but is too long.
        const rest = first < cut ? decode(chunk.subarray(first + 1, cut), false) : { lines: [], replaced: 0 };
        out = { lines: [TOO_LONG, ...rest.lines], replaced: rest.replaced };
      } else {
        pending.push(chunk.subarray(0, cut));
        out = decode(Buffer.concat(pending), false);
      }
    } else out = decode(chunk.subarray(0, cut), false);
    pending = cut + 1 < chunk.length ? [chunk.subarray(cut + 1)] : [];
    pendingBytes = pending.length ? pending[0].length : 0;
    if (pendingBytes > maxLine) {
      pending = [];
      pendingBytes = 0;
      skipping = true;
    }
    yield out;
  }
  if (skipping) yield { lines: [TOO_LONG], replaced: 0 };
  else if (pending.length) {
    const bytes = Buffer.concat(pending);
    if (bytes.length) yield decode(bytes, true);
  }
}

/** Lines of `file`; a line over MAX_LINE_BYTES is an error naming its number. */
export async function* openLines(file: string, chunkBytes?: number): AsyncGenerator<string> {
  let n = 0;
  for await (const { lines } of lineChunks(file, chunkBytes)) {
    for (const l of lines) {
      n++;
      if (l === TOO_LONG) throw new Error(`${file}:${n}: dòng dài hơn ${MAX_LINE_BYTES} byte (line too long)`);
      yield l;
    }
  }
}

export interface JsonLine {
  line: number;
  value: Record<string, unknown>;
}

export interface JsonlOptions {
  /** Counters the reader fills in (invalid UTF-8 replaced, and where it was first seen). */
  stats?: JsonlStats;
  /**
   * A gzip file that breaks (truncated or corrupt): called with one line (file, last good line,
   * compressed byte offset) and the file ends there. Without it, reading throws that line.
   */
  onBroken?: (msg: string) => void;
  /** For tests: the read size and the longest line. */
  chunkBytes?: number;
  maxLineBytes?: number;
}

export interface JsonlStats {
  /** Invalid UTF-8 sequences replaced by U+FFFD. */
  replaced: number;
  /** Lines holding them. */
  replacedLines: number;
  /** "FILE:LINE" of the first. */
  firstReplaced?: string;
}

/** Depth of nesting of a parsed JSON value beyond `limit`, walked without recursion; true if deeper. */
export function deeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= limit) return true;
    if (Array.isArray(v)) for (const x of v) stack.push([x, d + 1]);
    else for (const k in v) stack.push([(v as Record<string, unknown>)[k], d + 1]);
  }
  return false;
}

export async function* readJsonl(file: string, onBad: (msg: string) => void, opts: JsonlOptions = {}): AsyncGenerator<JsonLine> {
  let n = 0;
  const maxLine = opts.maxLineBytes ?? MAX_LINE_BYTES;
  try {
    for await (const { lines, replaced } of lineChunks(file, opts.chunkBytes, maxLine)) {
      let unclaimed = replaced;
      for (const raw of lines) {
        n++;
        if (raw === TOO_LONG || (raw.length * 3 > maxLine && Buffer.byteLength(raw) > maxLine)) {
          onBad(`${file}:${n}: dòng dài hơn ${maxLine} byte, bỏ qua (line too long: split the document or shorten its text)`);
          continue;
        }
        if (unclaimed && opts.stats && raw.includes('\uFFFD')) {
          // Charged to the first lines of the chunk that hold U+FFFD (exact unless the file also
          // holds real U+FFFD characters).
          opts.stats.replaced += unclaimed;
          opts.stats.replacedLines++;
          opts.stats.firstReplaced ??= `${file}:${n}`;
          unclaimed = 0;
        }
        const line = n === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
        if (line.trim() === '') continue;
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch (e) {
          onBad(`${file}:${n}: dòng không phải JSON hợp lệ (invalid JSON: ${(e as Error).message})`);
          continue;
        }
        if (v === null || typeof v !== 'object' || Array.isArray(v)) {
          onBad(`${file}:${n}: dòng không phải một đối tượng JSON (not a JSON object)`);
          continue;
        }
        if (deeperThan(v, MAX_DEPTH)) {
          onBad(`${file}:${n}: tài liệu lồng sâu hơn ${MAX_DEPTH} cấp, bỏ qua (nested deeper than ${MAX_DEPTH} levels: flatten it)`);
          continue;
        }
        yield { line: n, value: v as Record<string, unknown> };
      }
    }
  } catch (e) {
    if (!(e instanceof BrokenInput)) throw e;
    const msg = `${file}: tệp gzip hỏng hoặc bị cụt sau dòng ${n} (tại byte nén ${e.compressedBytes}: ${e.message}); các dòng trước đó đã được đọc, phần sau bị bỏ — hãy tải/nén lại tệp (corrupt or truncated gzip)`;
    if (opts.onBroken) opts.onBroken(msg);
    else throw new Error(msg, { cause: e });
  }
}
