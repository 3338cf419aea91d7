/**
 * Where the engine gets a segment file's bytes. By default each engine reads its own copy
 * (`readFileSync`). A process that opens the same index on several threads — `tra serve`: the
 * main thread, each search worker, the observatory's worker — installs a reader that hands every
 * thread the same bytes instead (src/server/shared-files.ts: one SharedArrayBuffer per file),
 * so the index sits in memory once, not once per thread.
 *
 * Segment files are immutable once written (a new generation gets a new name), so a file's bytes
 * can be shared for as long as it exists. The reader is per thread (module state).
 */
import { readFileSync } from 'node:fs';

export type SegmentFileReader = (file: string) => Uint8Array;

const ownCopy: SegmentFileReader = (file) => readFileSync(file);
let reader: SegmentFileReader = ownCopy;

/** The bytes of one segment file (errors as `readFileSync`'s: ENOENT when it was removed). */
export function readSegmentFile(file: string): Uint8Array {
  return reader(file);
}

/** Install the reader of this thread; undefined restores reading a private copy. */
export function setSegmentFileReader(r: SegmentFileReader | undefined): void {
  reader = r ?? ownCopy;
}
