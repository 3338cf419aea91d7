/**
 * Reading and preparing the store's documents for counting in worker threads, for a long
 * catch-up (./sync.ts): each worker opens the store read-only, decodes a window of store rows and
 * runs `prepareObserved` on them (dating, article key, terms: ~40% of counting's time, measured
 * with --cpu-prof on 100k documents); the calling thread counts the prepared windows in seq order
 * (interning terms and adding pairs must happen in one order, for ids dense in order of first
 * sight), so the counts are exactly those of a catch-up in one thread.
 *
 * The API stays synchronous, like every caller of `syncFromStore`: the calling thread blocks
 * until a worker has answered (src/threads/sync-message.ts).
 * A worker that fails, or says nothing for STALL_MS, is stopped and the remaining windows are
 * prepared in the calling thread — slower, never different.
 */
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';
import { receiveBefore } from '../threads/sync-message.ts';
import { DocStore } from '../store/store.ts';
import { prepareObserved, type ObservedDoc, type PreparedDoc } from './counts.ts';

/** Store rows per window (one message each way). */
export const WINDOW = 2000;
/** Windows asked of each worker ahead of the one being counted. */
const AHEAD = 2;
/** A worker silent this long on one window is given up (a window takes ~1 s). */
const STALL_MS = 120_000;

/**
 * A window's documents as a worker sends them: flat arrays, and each document's terms as ids of
 * the worker's own dictionary (`TermCodes`), with the terms that dictionary met first in this
 * window. The counting thread maps a worker's ids to its own through an array (`TermTable`): a
 * typed-array read per term instead of hashing the term's text again (interning fresh strings
 * took half the counting thread's time when whole terms were sent).
 */
export interface PreparedWindow {
  seqs: number[];
  ms: Float64Array;
  implausible: Uint8Array;
  keys: Float64Array;
  sources: (string | null)[];
  /** The terms of document i are ids[offsets[i] .. offsets[i + 1]). */
  ids: Int32Array;
  offsets: Int32Array;
  /** The worker's dictionary was emptied before this window: its ids start again from 0. */
  reset: boolean;
  /** Terms given their id in this window, in id order (continuing the previous window's). */
  newTerms: string[];
  error?: string;
}

const NO_TERMS: ReadonlySet<string> = new Set();

/** A window that could not be read: `message` says why (the caller prepares it itself). */
export function failedWindow(message: string): PreparedWindow {
  return { seqs: [], ms: new Float64Array(0), implausible: new Uint8Array(0), keys: new Float64Array(0), sources: [], ids: new Int32Array(0), offsets: new Int32Array(1), reset: false, newTerms: [], error: message };
}

/** A worker's dictionary of terms, emptied past MAX_CODES (its memory stays bounded). */
const MAX_CODES = 2_000_000;
export class TermCodes {
  private readonly max: number;
  constructor(max = MAX_CODES) {
    this.max = max;
  }
  private map = new Map<string, number>();
  private fresh: string[] = [];
  private wasReset = false;
  code(term: string): number {
    let id = this.map.get(term);
    if (id === undefined) {
      id = this.map.size;
      this.map.set(term, id);
      this.fresh.push(term);
    }
    return id;
  }
  /** Before a window: empty the dictionary when it is full. */
  startWindow(): void {
    if (this.map.size >= this.max) {
      this.map = new Map();
      this.wasReset = true;
    }
  }
  /** After a window: the terms it added, and whether it began empty. */
  endWindow(): { newTerms: string[]; reset: boolean } {
    const out = { newTerms: this.fresh, reset: this.wasReset };
    this.fresh = [];
    this.wasReset = false;
    return out;
  }
}

/** Read store rows seq in (from, to] and prepare them. */
export function prepareWindow(store: DocStore, from: number, to: number, now: number, codes: TermCodes): PreparedWindow {
  codes.startWindow();
  const docs: PreparedDoc[] = [];
  for (const { seq, doc } of store.docsAfter(from)) {
    if (seq > to) break;
    docs.push(prepareObserved(doc as ObservedDoc, now, seq));
  }
  const n = docs.length;
  let terms = 0;
  for (const d of docs) terms += d.terms.size;
  const ids = new Int32Array(terms);
  const offsets = new Int32Array(n + 1);
  const w = { seqs: new Array<number>(n), ms: new Float64Array(n), implausible: new Uint8Array(n), keys: new Float64Array(n), sources: new Array<string | null>(n) };
  let k = 0;
  for (let i = 0; i < n; i++) {
    const d = docs[i];
    w.seqs[i] = d.seq!;
    w.ms[i] = d.ms ?? NaN;
    w.implausible[i] = d.implausible ? 1 : 0;
    w.keys[i] = d.key ?? NaN;
    w.sources[i] = d.source ?? null;
    offsets[i] = k;
    for (const t of d.terms) ids[k++] = codes.code(t);
  }
  offsets[n] = k;
  return { ...w, ids, offsets, ...codes.endWindow() };
}

/**
 * One life of a worker's dictionary as the counting thread sees it (between two resets): the
 * worker's ids → the terms, and → the counting table's ids. Documents keep the life they were
 * prepared in, so a reset taken in before they are counted changes nothing for them.
 */
export class TermLife {
  readonly names: string[] = [];
  private gids = new Int32Array(1024).fill(-1);
  add(terms: string[]): void {
    for (const t of terms) this.names.push(t);
    if (this.names.length > this.gids.length) {
      const g = new Int32Array(Math.max(this.names.length, this.gids.length * 2)).fill(-1);
      g.set(this.gids);
      this.gids = g;
    }
  }
  /** The counting table's id of the worker's term `id`, interned through `intern` the first time. */
  global(id: number, intern: (term: string) => number): number {
    let g = this.gids[id];
    if (g < 0) {
      g = intern(this.names[id]);
      this.gids[id] = g;
    }
    return g;
  }
}

/** The counting thread's view of one worker's dictionary. */
export class TermTable {
  current = new TermLife();
  /** Apply a window's dictionary changes (before reading its documents). */
  take(w: PreparedWindow): TermLife {
    if (w.reset) this.current = new TermLife();
    this.current.add(w.newTerms);
    return this.current;
  }
}

/** The documents of a window, their terms left as the worker's ids (`PreparedDoc.codes`). */
export function unpackWindow(w: PreparedWindow, table: TermTable): PreparedDoc[] {
  const life = table.take(w);
  const out: PreparedDoc[] = new Array(w.seqs.length);
  for (let i = 0; i < w.seqs.length; i++) {
    const ms = w.ms[i];
    out[i] = {
      seq: w.seqs[i],
      ms: Number.isNaN(ms) ? undefined : ms,
      implausible: w.implausible[i] === 1,
      key: Number.isNaN(w.keys[i]) ? undefined : w.keys[i],
      source: w.sources[i] ?? undefined,
      terms: NO_TERMS,
      codes: { ids: w.ids, from: w.offsets[i], to: w.offsets[i + 1], table: life },
    };
  }
  return out;
}

interface Helper {
  worker: Worker;
  table: TermTable;
  port: MessagePort;
  /** Changed by the worker after each answer it posts (src/threads/sync-message.ts). */
  signal: Int32Array;
}

/**
 * The prepared documents of store rows seq in (after, upto], window by window in seq order, read
 * by `workers` threads (≥ 1), `window` rows at a time. `log` hears of a fallback to this thread.
 */
export function* preparedWindows(storePath: string, after: number, upto: number, now: number, workers: number, o: { window?: number; maxCodes?: number; log?: (line: string) => void } = {}): Generator<PreparedDoc[]> {
  const size = o.window ?? WINDOW;
  const windows: [number, number][] = [];
  for (let a = after; a < upto; a += size) windows.push([a, Math.min(upto, a + size)]);
  let helpers: Helper[] = [];
  for (let i = 0; i < workers; i++) {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./prepare-worker.ts', import.meta.url), {
      workerData: { storePath, now, port: port2, signal: signal.buffer, maxCodes: o.maxCodes },
      transferList: [port2],
    });
    worker.unref();
    helpers.push({ worker, table: new TermTable(), port: port1, signal });
  }
  const stop = () => {
    for (const h of helpers) {
      void h.worker.terminate();
      h.port.close();
    }
    helpers = [];
  };
  const ask = (i: number) => {
    if (i < windows.length && helpers.length) helpers[i % helpers.length].worker.postMessage(windows[i]);
  };
  let local: { store: DocStore; codes: TermCodes; table: TermTable } | undefined;
  try {
    for (let i = 0; i < Math.min(windows.length, helpers.length * (AHEAD + 1)); i++) ask(i);
    for (let i = 0; i < windows.length; i++) {
      let w: PreparedWindow | undefined;
      let table: TermTable | undefined;
      if (helpers.length) {
        const h = helpers[i % helpers.length];
        table = h.table;
        w = receiveBefore(h.port, h.signal, Date.now() + STALL_MS)?.message as PreparedWindow | undefined;
        if (!w || w.error) {
          o.log?.(`đếm trong một luồng (preparing in this thread): ${w?.error ?? `a worker said nothing for ${STALL_MS / 1000} s`}`);
          stop();
          w = undefined;
        } else {
          ask(i + helpers.length * (AHEAD + 1));
        }
      }
      if (!w) {
        local ??= { store: new DocStore(storePath, { readOnly: true }), codes: new TermCodes(o.maxCodes), table: new TermTable() };
        w = prepareWindow(local.store, windows[i][0], windows[i][1], now, local.codes);
        table = local.table;
      }
      yield unpackWindow(w, table!);
    }
  } finally {
    stop();
    local?.store.close();
  }
}
