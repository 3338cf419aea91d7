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
import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

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

/** The file's lines, a chunk's worth at a time (`chunkBytes`: the read size, for tests). */
async function* lineChunks(file: string, chunkBytes = 1 << 20): AsyncGenerator<string[]> {
  let input: Readable = createReadStream(file, { highWaterMark: chunkBytes });
  if (isGzip(file)) input = input.pipe(createGunzip({ chunkSize: Math.max(64, Math.min(chunkBytes, 1 << 18)) }));
  let pending: Buffer[] = [];
  for await (const chunk of input as AsyncIterable<Buffer>) {
    const cut = chunk.lastIndexOf(10);
    if (cut < 0) {
      pending.push(chunk);
      continue;
    }
    let text: string;
    if (pending.length) {
      pending.push(chunk.subarray(0, cut));
      text = Buffer.concat(pending).toString('utf8');
    } else text = chunk.toString('utf8', 0, cut);
    pending = cut + 1 < chunk.length ? [chunk.subarray(cut + 1)] : [];
    yield splitLines(text, false);
  }
  if (pending.length) {
    const text = Buffer.concat(pending).toString('utf8');
    if (text !== '') yield splitLines(text, true);
  }
}

export async function* openLines(file: string, chunkBytes?: number): AsyncGenerator<string> {
  for await (const lines of lineChunks(file, chunkBytes)) yield* lines;
}

export interface JsonLine {
  line: number;
  value: Record<string, unknown>;
}

export async function* readJsonl(file: string, onBad: (msg: string) => void): AsyncGenerator<JsonLine> {
  let n = 0;
  for await (const lines of lineChunks(file)) {
    for (const raw of lines) {
      n++;
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
      yield { line: n, value: v as Record<string, unknown> };
    }
  }
}
