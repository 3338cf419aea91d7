/**
 * Streaming reader for JSON Lines files, optionally gzip-compressed (detected from the magic
 * bytes, not the name). Yields one parsed object per line with its line number; a line that is
 * not a JSON object is reported through `onBad` with "FILE:LINE: reason" and skipped. Memory
 * stays flat whatever the file size.
 */
import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
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

export function openLines(file: string): AsyncIterable<string> {
  let input: Readable = createReadStream(file, { highWaterMark: 1 << 20 });
  if (isGzip(file)) input = input.pipe(createGunzip());
  return createInterface({ input, crlfDelay: Infinity });
}

export interface JsonLine {
  line: number;
  value: Record<string, unknown>;
}

export async function* readJsonl(file: string, onBad: (msg: string) => void): AsyncGenerator<JsonLine> {
  let n = 0;
  for await (const raw of openLines(file)) {
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
