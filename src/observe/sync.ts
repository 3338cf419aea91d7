/**
 * Keeping `DIR/observe.sqlite` (./counts.ts) up to date with the documents of the data directory.
 *
 * The store (src/store) numbers every write with a sequence number, so catching up means reading
 * the rows after the last one counted. A replaced or deleted document leaves a tomb in the store
 * (kept for this reader: the store's 'reader:observe' mark); the days that counted a tombed row
 * are counted again from their remaining rows (`ObserveCounts.forget`), before the new rows are
 * read. A table counted by another version of the term rules (COUNTS_VERSION), or a first load
 * that was cut short (`bulkUnfinished`), is rebuilt from scratch (a year of news: ~15 s).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DocStore } from '../store/store.ts';
import { availableParallelism } from 'node:os';
import { ObserveCounts, dropObserveCounts, COUNTS_VERSION, prepareObserved, type ObservedDoc, type AddResult, type PreparedDoc } from './counts.ts';
import { preparedWindows } from './prepare-workers.ts';
import { readJsonl } from './jsonl.ts';

export const STORE_FILE = 'store.sqlite';
const BATCH = 5000;
/** Catch-ups of at least this many documents prepare them in worker threads. */
const PARALLEL_MIN = 20_000;

export interface SyncResult extends AddResult {
  rebuilt: boolean;
  ms: number;
}

/** Progress callback: documents read so far, out of total when known. */
export type OnProgress = (done: number, total?: number) => void;

export interface SyncOptions {
  /** Worker threads reading and preparing documents (default: up to 2, for 20,000 or more; 0: none). */
  workers?: number;
  /** Store rows per worker window (default prepare-workers.ts WINDOW). */
  window?: number;
  /** Terms a worker's dictionary holds before it is emptied (default prepare-workers.ts MAX_CODES). */
  maxCodes?: number;
  /** Told when the workers are given up and the rest is prepared in this thread. */
  log?: (line: string) => void;
}

/** Bring the observatory table of `dir` up to date with its store. */
export function syncFromStore(dir: string, onProgress?: OnProgress, opts: SyncOptions = {}): SyncResult {
  const t0 = performance.now();
  const storePath = join(dir, STORE_FILE);
  const res: SyncResult = { counted: 0, duplicates: 0, undated: 0, implausible: 0, rebuilt: false, ms: 0 };
  if (!existsSync(storePath)) {
    res.ms = performance.now() - t0;
    return res;
  }
  const store = new DocStore(storePath, { readOnly: true });
  try {
    let counts = new ObserveCounts(dir);
    let last = Number(counts.getMeta('store_seq') ?? 0);
    const stale = Number(counts.getMeta('version')) !== COUNTS_VERSION || counts.bulkUnfinished();
    if (stale) {
      counts.close();
      dropObserveCounts(dir);
      counts = new ObserveCounts(dir);
      last = 0;
      res.rebuilt = true;
    } else if (last > 0) {
      const gone = new Set(store.tombsAfter(last).map((t) => t.old).filter((s) => counts.countedSeq(s)));
      if (gone.size) {
        counts.forget(gone, (seqs) => seqs.flatMap((seq) => {
          const doc = store.getBySeq(seq);
          return doc ? [{ seq, doc: doc as ObservedDoc }] : [];
        }));
      }
    }
    const upto = store.lastSeq();
    const total = upto - last;
    const bulk = counts.isEmpty();
    if (bulk) counts.beginBulk();
    let batch: PreparedDoc[] = [];
    let done = 0;
    const now = Date.now();
    const flush = () => {
      if (batch.length === 0) return;
      const r = counts.addPrepared(batch, batch[batch.length - 1].seq);
      res.counted += r.counted;
      res.duplicates += r.duplicates;
      res.undated += r.undated;
      res.implausible += r.implausible;
      done += batch.length;
      batch = [];
      onProgress?.(done, total);
    };
    // A long catch-up reads and prepares the documents in worker threads (./prepare-workers.ts);
    // this thread counts them in seq order, so the counts are the same either way.
    const workers = opts.workers ?? (total >= PARALLEL_MIN ? Math.min(2, availableParallelism() - 1) : 0);
    let from = last;
    if (workers > 0 && upto > last) {
      for (const docs of preparedWindows(storePath, last, upto, now, workers, { window: opts.window, maxCodes: opts.maxCodes, log: opts.log })) {
        for (const d of docs) batch.push(d);
        if (batch.length >= BATCH) flush();
      }
      from = upto;
    }
    // Then (or else) in this thread: everything after, rows written meanwhile included.
    for (const { seq, doc } of store.docsAfter(from)) {
      batch.push(prepareObserved(doc, now, seq));
      if (batch.length >= BATCH) flush();
    }
    flush();
    if (bulk) counts.endBulk();
    const read = store.lastSeq();
    if (read > last) counts.setMeta('store_seq', read);
    counts.close();
    markRead(storePath, read);
  } finally {
    store.close();
  }
  res.ms = performance.now() - t0;
  return res;
}

/**
 * Tell the store this table has read every write up to `seq`, so the index keeps the tombs after
 * it for us. A store that cannot be written (a read-only copy) keeps none: deletions there are
 * then seen at the next rebuild.
 */
function markRead(storePath: string, seq: number): void {
  try {
    const w = new DocStore(storePath);
    try {
      w.setReaderSeq('observe', seq);
    } finally {
      w.close();
    }
  } catch {
    // Read-only data directory: nothing to keep.
  }
}

/**
 * Count the documents of JSON Lines files (optionally .gz) straight into `dir`'s table, through
 * the same path as the store. For evaluations on raw collections and for tests.
 */
export async function addJsonlFiles(dir: string, files: string[], onProgress?: OnProgress): Promise<AddResult> {
  let counts = new ObserveCounts(dir);
  if (counts.bulkUnfinished()) {
    counts.close();
    dropObserveCounts(dir);
    counts = new ObserveCounts(dir);
  }
  const res: AddResult = { counted: 0, duplicates: 0, undated: 0, implausible: 0 };
  let batch: { doc: ObservedDoc }[] = [];
  let done = 0;
  const flush = () => {
    const r = counts.add(batch);
    res.counted += r.counted;
    res.duplicates += r.duplicates;
    res.undated += r.undated;
    res.implausible += r.implausible;
    done += batch.length;
    batch = [];
    onProgress?.(done);
  };
  const bulk = counts.isEmpty();
  if (bulk) counts.beginBulk();
  try {
    for await (const doc of readJsonl(files)) {
      batch.push({ doc });
      if (batch.length >= BATCH) flush();
    }
    flush();
    if (bulk) counts.endBulk();
  } finally {
    counts.close();
  }
  return res;
}
