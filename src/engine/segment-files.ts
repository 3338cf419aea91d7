/**
 * Where the engine gets a segment file's bytes. By default each engine reads its own copy
 * (`readWholeFile`). A process that opens the same index on several threads — `tra serve`: the
 * main thread, each search worker, the observatory's worker — installs a reader that hands every
 * thread the same bytes instead (src/server/shared-files.ts: one SharedArrayBuffer per file),
 * so the index sits in memory once, not once per thread.
 *
 * Segment files are immutable once written (a new generation gets a new name), so a file's bytes
 * can be shared for as long as it exists. The reader is per thread (module state).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export type SegmentFileReader = (file: string) => Uint8Array;

/**
 * Bytes asked of one read(2). `readFileSync` refuses files over 2 GiB and `readSync` a length
 * over 2 GiB - 1, so whole files are read in parts of this size.
 */
export const READ_CHUNK = 1 << 30;

/** Fill `bytes` from the start of the open file `fd` (`file` names it in errors), `chunk` bytes at a time. */
export function readFully(fd: number, bytes: Uint8Array, file: string, chunk = READ_CHUNK): void {
  for (let off = 0; off < bytes.length; ) {
    const n = readSync(fd, bytes, off, Math.min(chunk, bytes.length - off), off);
    if (n === 0) throw Object.assign(new Error(`${file}: tệp ngắn hơn kích thước đã đọc (file shrank while read)`), { code: 'ESHORT' });
    off += n;
  }
}

/** A private copy of the whole file, of any size. */
export function readWholeFile(file: string, chunk = READ_CHUNK): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const bytes = new Uint8Array(fstatSync(fd).size);
    readFully(fd, bytes, file, chunk);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

const ownCopy: SegmentFileReader = (file) => readWholeFile(file);
let reader: SegmentFileReader = ownCopy;

/** The bytes of one segment file (errors as `openSync`'s: ENOENT when it was removed). */
export function readSegmentFile(file: string): Uint8Array {
  return reader(file);
}

/** Install the reader of this thread; undefined restores reading a private copy. */
export function setSegmentFileReader(r: SegmentFileReader | undefined): void {
  reader = r ?? ownCopy;
}
