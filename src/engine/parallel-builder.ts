/**
 * Two ways to build segments behind one interface: in this thread (small additions: a crawl
 * batch, a test) or in a worker thread (bulk loads, where analysis is the bottleneck and the
 * main thread is busy parsing input and writing the store).
 *
 * A builder decides itself when to flush (./flush-policy.ts): it builds a segment when it holds
 * its memory budget and reports it as an event, with the last store seq the segment covers; the
 * engine commits it at its next safe point. The worker keeps analysing the batches that arrive
 * while it builds, and the main thread keeps storing: nothing waits for a flush but the worker.
 */
import { Worker } from 'node:worker_threads';
import { SegmentBuilder } from './builder.ts';
import { FlushPolicy } from './flush-policy.ts';
import { TokenEncoder } from './token-stream.ts';

export interface Built {
  bytes: Uint8Array;
  deleted: number[];
}

/** What a builder reports between additions, in the order it happened. */
export type BuilderEvent =
  /** A segment flushed on the builder's own initiative, covering store seqs up to `coveredSeq`. */
  | { kind: 'built'; built: Built; coveredSeq: number }
  /** Deletions the builder could not apply: their documents are in a segment it built earlier. */
  | { kind: 'unresolved'; seqs: number[] };

export interface AnyBuilder {
  /** Add documents (and delete earlier ones of this builder, by seq). */
  add(seqs: number[], docs: Record<string, unknown>[], deletes: number[]): Promise<void>;
  /** Events since the last call, oldest first. */
  takeEvents(): BuilderEvent[];
  /**
   * After the last addition: wait until every batch is analysed, calling `handle` whenever
   * events are waiting (so a segment flushed meanwhile is committed while the rest goes on).
   */
  settle(handle: () => void): Promise<void>;
  /** After the last addition: build what is left (undefined when empty). Events come first. */
  finish(): Promise<Built | undefined>;
  close(): Promise<void>;
}

export class LocalBuilder implements AnyBuilder {
  private b = new SegmentBuilder();
  private events: BuilderEvent[] = [];
  private policy: FlushPolicy;

  constructor(flushBytes: number) {
    // In-process, the builder's size is known at once: flush right after the batch that fills it.
    this.policy = new FlushPolicy(flushBytes, 0);
  }

  async add(seqs: number[], docs: Record<string, unknown>[], deletes: number[]): Promise<void> {
    for (let i = 0; i < seqs.length; i++) this.b.add(seqs[i], docs[i]);
    const unresolved = deletes.filter((s) => !this.b.deleteSeq(s));
    if (unresolved.length) this.events.push({ kind: 'unresolved', seqs: unresolved });
    if (seqs.length && this.policy.afterBatch(this.b.memoryBytes())) {
      this.events.push({ kind: 'built', built: this.b.build(), coveredSeq: seqs[seqs.length - 1] });
      this.b = new SegmentBuilder();
    }
  }

  takeEvents(): BuilderEvent[] {
    return this.events.splice(0);
  }

  async settle(handle: () => void): Promise<void> {
    if (this.events.length) handle();
  }

  async finish(): Promise<Built | undefined> {
    if (this.b.docCount === 0) return undefined;
    const r = this.b.build();
    this.b = new SegmentBuilder();
    return r;
  }

  async close(): Promise<void> {}
}

/** Only the fields analysis needs cross the thread boundary (structured clone costs per byte). */
const ANALYSED = ['title', 'summary', 'text', 'published', 'source', 'category'];
/** The fields besides the tokens when a batch is tokenised here. */
const META = ['published', 'source', 'category'];
/** How much the share of batches the main thread tokenises moves at each signal. */
const SHARE_STEP = 0.05;
/**
 * Batches posted and not yet acknowledged. More than two lets the main thread keep storing while
 * the worker builds a segment; the batches waiting meanwhile are small (analysed fields only).
 */
const WINDOW = 8;
/**
 * The worker flushes after the batch two batches past the one that filled its budget: the lag
 * the main thread used to see when it read the worker's size from acknowledgements two batches
 * behind. Kept so that segments stay exactly what they were (their boundaries feed accent
 * restoration's samples), and now deterministic.
 */
const WORKER_LAG = 2;

interface WorkerMsg {
  type: 'ack' | 'built' | 'error';
  unresolved?: number[];
  /** The worker had nothing to do before this batch came. */
  starved?: boolean;
  bytes?: Uint8Array;
  deleted?: number[];
  /** For a flush: the last seq the segment covers. Absent for the final build. */
  coveredSeq?: number;
  message?: string;
}

export class WorkerBuilder implements AnyBuilder {
  private w: Worker;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private events: BuilderEvent[] = [];
  private finalWaiter: ((b: Built | undefined) => void) | undefined;
  private failure: Error | undefined;
  private encoder = new TokenEncoder();
  /**
   * The share of batches the main thread tokenises itself (./token-stream.ts) to take work off
   * the worker; it balances the two threads whatever the documents look like. It grows when
   * the main thread has to wait for the worker (a full window) and shrinks when the worker
   * reports it waited for a batch. Either way the segments are the same bytes.
   */
  private share = 0.5;
  private credit = 0;

  constructor(flushBytes: number) {
    this.w = new Worker(new URL('./build-worker.ts', import.meta.url), { workerData: { flushBytes, lag: WORKER_LAG } });
    this.w.on('message', (m: WorkerMsg) => {
      if (m.type === 'ack') {
        this.inFlight--;
        // The worker waited for work: the main thread is the slower one, keep more for it.
        if (m.starved) this.share = Math.max(0, this.share - SHARE_STEP);
        if (m.unresolved!.length) this.events.push({ kind: 'unresolved', seqs: m.unresolved! });
        this.wake();
      } else if (m.type === 'built') {
        const built = m.bytes!.length ? { bytes: m.bytes!, deleted: m.deleted! } : undefined;
        if (m.coveredSeq !== undefined) {
          this.events.push({ kind: 'built', built: built!, coveredSeq: m.coveredSeq });
          this.wake();
        } else {
          const w = this.finalWaiter;
          this.finalWaiter = undefined;
          w?.(built);
        }
      } else if (m.type === 'error') {
        this.fail(new Error(`segment builder worker: ${m.message}`));
      }
    });
    this.w.on('error', (e) => this.fail(e));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private fail(e: Error): void {
    this.failure = e;
    this.wake();
    const b = this.finalWaiter;
    this.finalWaiter = undefined;
    b?.(undefined);
  }

  private async until(ok: () => boolean): Promise<void> {
    while (!ok() && !this.failure) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
  }

  async add(seqs: number[], docs: Record<string, unknown>[], deletes: number[]): Promise<void> {
    if (this.failure) throw this.failure;
    this.credit += this.share;
    const encode = this.credit >= 1;
    if (encode) this.credit -= 1;
    const slim = docs.map((d) => {
      const o: Record<string, unknown> = {};
      for (const k of encode ? META : ANALYSED) if (d[k] !== undefined) o[k] = d[k];
      return o;
    });
    const tokens = encode ? this.encoder.encode(docs) : undefined;
    if (this.inFlight >= WINDOW) {
      // The worker is the slower one: take more of its work.
      this.share = Math.min(1, this.share + SHARE_STEP);
      await this.until(() => this.inFlight < WINDOW);
    }
    this.inFlight++;
    if (tokens) this.w.postMessage({ type: 'add', seqs, docs: slim, tokens, deletes }, [tokens.toks.buffer as ArrayBuffer]);
    else this.w.postMessage({ type: 'add', seqs, docs: slim, deletes });
  }

  takeEvents(): BuilderEvent[] {
    return this.events.splice(0);
  }

  async settle(handle: () => void): Promise<void> {
    for (;;) {
      if (this.events.length) handle();
      if (this.inFlight === 0 && this.events.length === 0) return;
      await this.until(() => this.events.length > 0 || this.inFlight === 0);
    }
  }

  async finish(): Promise<Built | undefined> {
    await this.until(() => this.inFlight === 0);
    const p = new Promise<Built | undefined>((r) => (this.finalWaiter = r));
    this.w.postMessage({ type: 'finish' });
    const b = await p;
    if (this.failure) throw this.failure;
    return b;
  }

  async close(): Promise<void> {
    await this.w.terminate();
  }
}
