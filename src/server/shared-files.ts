/**
 * One copy of each segment file for every thread of the server.
 *
 * `tra serve` opens the index on its main thread (suggestions, completions), on each search
 * worker and on the observatory's worker. Read separately, the segments sat in memory once per
 * thread: at 300k documents a 650 MB index made a 4.4 GB process, and at 2M documents (6.5 GB of
 * segments) three copies would need ~20 GB.
 *
 * Here the main thread owns a cache of segment files, each read once into a SharedArrayBuffer;
 * its own engine and every worker's get views of those same bytes (src/engine/segment-files.ts).
 * Segment files never change once written, and the cache is keyed by the file's identity (device,
 * inode, size, modification time), so a file replaced under the same name is read again.
 * Entries of files that are gone (merged away) are dropped; the memory is freed once no thread
 * holds a segment on it any more.
 *
 * A worker asks synchronously (the engine opens segments synchronously): it posts the file name
 * on its MessagePort, waits on a shared flag with `Atomics.wait`, and takes the answer with
 * `receiveMessageOnPort`. If the main thread has not answered within `WAIT_MS`, the worker reads
 * its own copy: slower and larger, never stuck.
 */
import { closeSync, existsSync, fstatSync, openSync } from 'node:fs';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { receiveBefore, signalPosted } from '../threads/sync-message.ts';
import { readFully, readWholeFile, setSegmentFileReader } from '../engine/segment-files.ts';

/** How long a worker waits for the main thread before reading a file itself. */
const WAIT_MS = 30_000;

/** What a worker needs to ask the main thread (sent in its workerData, the port transferred). */
export interface SharedFilesLink {
  port: MessagePort;
  /** Int32 flag: the main thread sets it to the id of the request it answered. */
  flag: SharedArrayBuffer;
}

interface Entry {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  bytes: Uint8Array;
}

type Reply = { id: number; bytes: Uint8Array } | { id: number; error: string; code?: string };

export class SharedFiles {
  private readonly files = new Map<string, Entry>();
  private readonly ports = new Set<MessagePort>();
  /** Files read into shared memory so far (a cache miss), for tests and metrics. */
  reads = 0;
  /** Requests answered for workers. */
  served = 0;

  /** The bytes of `file`, shared: read once per version of the file. */
  read(file: string): Uint8Array {
    const fd = openSync(file, 'r');
    try {
      const st = fstatSync(fd);
      const had = this.files.get(file);
      if (had && had.dev === st.dev && had.ino === st.ino && had.size === st.size && had.mtimeMs === st.mtimeMs) return had.bytes;
      const bytes = new Uint8Array(new SharedArrayBuffer(st.size));
      readFully(fd, bytes, file);
      this.reads++;
      this.files.set(file, { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, bytes });
      this.prune();
      return bytes;
    } finally {
      closeSync(fd);
    }
  }

  /** Forget files that no longer exist (a merge removed them). */
  prune(): void {
    for (const f of this.files.keys()) if (!existsSync(f)) this.files.delete(f);
  }

  /** Files held now. */
  get size(): number {
    return this.files.size;
  }

  /** Make this thread's engines read through the cache. */
  useHere(): void {
    setSegmentFileReader((file) => this.read(file));
  }

  /**
   * A new link for one worker: pass `link` in its workerData with `link.port` in the transfer
   * list, and call `close` when the worker is gone.
   */
  link(): { link: SharedFilesLink; close: () => void } {
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    const f = new Int32Array(flag);
    port1.on('message', (m: { id: number; file: string }) => {
      let reply: Reply;
      try {
        reply = { id: m.id, bytes: this.read(m.file) };
      } catch (e) {
        reply = { id: m.id, error: (e as Error).message, code: (e as NodeJS.ErrnoException).code };
      }
      this.served++;
      port1.postMessage(reply);
      signalPosted(f);
    });
    port1.on('close', () => this.ports.delete(port1));
    // The link must not keep the process alive by itself.
    port1.unref();
    this.ports.add(port1);
    return { link: { port: port2, flag }, close: () => port1.close() };
  }

  close(): void {
    for (const p of this.ports) p.close();
    this.ports.clear();
    this.files.clear();
  }
}

/** In a worker: read segment files through the main thread's cache (see the file comment). */
export function useSharedFiles(link: SharedFilesLink, waitMs = WAIT_MS): void {
  const flag = new Int32Array(link.flag);
  let next = 0;
  setSegmentFileReader((file) => {
    const id = ++next;
    link.port.postMessage({ id, file });
    const until = Date.now() + waitMs;
    for (;;) {
      const m = receiveBefore(link.port, flag, until);
      if (!m) return readWholeFile(file);
      const r = m.message as Reply;
      // Answers to earlier requests that timed out are skipped.
      if (r.id !== id) continue;
      if ('bytes' in r) return r.bytes;
      throw Object.assign(new Error(r.error), r.code ? { code: r.code } : {});
    }
  });
}

let processFiles: SharedFiles | undefined;

/** The process's cache, installed for the main thread's engines on first use. */
export function processSharedFiles(): SharedFiles {
  if (!processFiles) {
    processFiles = new SharedFiles();
    processFiles.useHere();
  }
  return processFiles;
}
