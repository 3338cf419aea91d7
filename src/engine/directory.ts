/**
 * The index directory: immutable segment files, deletion bitmaps and the manifest that lists
 * the live ones. Every file is written whole, fsynced, then published by switching the manifest
 * atomically (write manifest.json.tmp, fsync, rename over manifest.json, fsync the directory).
 * A crash leaves either the old manifest or the new one; files no manifest names are garbage
 * and are removed the next time a writer opens the directory.
 */
import { openSync, writeSync, fsyncSync, closeSync, renameSync, readFileSync, readdirSync, unlinkSync, mkdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from './errors.ts';

export interface SegmentEntry {
  /** File name of the segment (seg-NNNNNN.tseg). */
  name: string;
  docs: number;
  /** Deleted documents in the bitmap file `del` (absent when none). */
  deleted: number;
  del?: string;
  /** Lowest and highest store seq in the segment (segments never overlap and are in order). */
  minSeq: number;
  maxSeq: number;
}

export interface Manifest {
  format: 1;
  /** Increases at every commit; names new files so that none is ever overwritten. */
  generation: number;
  /** Every store write with seq <= this is reflected in the segments. */
  seq: number;
  segments: SegmentEntry[];
}

export const MANIFEST = 'manifest.json';

export function emptyManifest(): Manifest {
  return { format: 1, generation: 0, seq: 0, segments: [] };
}

export function readManifest(dir: string): Manifest {
  const p = path.join(dir, MANIFEST);
  if (!existsSync(p)) return emptyManifest();
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  } catch (e) {
    throw new EngineError(`${p}: manifest hỏng (corrupt manifest: ${(e as Error).message}); chạy "tra reindex" để dựng lại chỉ mục từ kho`, { cause: e });
  }
  if (m.format !== 1 || !Array.isArray(m.segments)) throw new EngineError(`${p}: định dạng manifest không hỗ trợ (unsupported format ${String(m.format)})`);
  return m;
}

/** Write a file and fsync it (no directory fsync: callers batch that). */
export function writeFileDurable(file: string, data: Uint8Array | string): void {
  const fd = openSync(file, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeManifest(dir: string, m: Manifest): void {
  const tmp = path.join(dir, MANIFEST + '.tmp');
  writeFileDurable(tmp, JSON.stringify(m, null, 1));
  fsyncDir(dir); // the segment files written before this manifest are now named durably too
  renameSync(tmp, path.join(dir, MANIFEST));
  fsyncDir(dir);
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** Remove files no longer referenced by the manifest (left by crashes, merges and deletes). */
export function collectGarbage(dir: string, m: Manifest): void {
  const live = new Set<string>([MANIFEST, 'restore.bin']);
  for (const s of m.segments) {
    live.add(s.name);
    if (s.del) live.add(s.del);
  }
  for (const f of readdirSync(dir)) {
    if (live.has(f)) continue;
    if (/^(seg-\d+\.tseg|seg-\d+\.del\d+|manifest\.json\.tmp|restore\.bin\.tmp)$/.test(f)) {
      try {
        unlinkSync(path.join(dir, f));
      } catch {
        // a reader on another platform may hold it; try again next time
      }
    }
  }
}

export function dirBytes(dir: string): number {
  let total = 0;
  if (!existsSync(dir)) return 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, f.name);
    if (f.isDirectory()) total += dirBytes(p);
    else if (f.isFile()) total += statSync(p).size;
  }
  return total;
}
