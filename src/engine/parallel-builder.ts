/**
 * Two ways to build a segment behind one interface: in this thread (small additions: a crawl
 * batch, a test) or in a worker thread (bulk loads, where analysis is the bottleneck and the
 * main thread is busy parsing input and writing the store).
 */
import { Worker } from 'node:worker_threads';
import { SegmentBuilder } from './builder.ts';

export interface Built {
  bytes: Uint8Array;
  deleted: number[];
}

export interface AnyBuilder {
  /** Add documents (and delete earlier ones of this builder, by seq). */
  add(seqs: number[], docs: Record<string, unknown>[], deletes: number[]): Promise<void>;
  /** Bytes held (as last reported). */
  memoryBytes(): number;
  docCount(): number;
  /** Serialise what was added and start afresh; undefined when empty. */
  build(): Promise<Built | undefined>;
  close(): Promise<void>;
}

export class LocalBuilder implements AnyBuilder {
  private b = new SegmentBuilder();
  async add(seqs: number[], docs: Record<string, unknown>[], deletes: number[]): Promise<void> {
    for (let i = 0; i < seqs.length; i++) this.b.add(seqs[i], docs[i]);
    for (const s of deletes) this.b.deleteSeq(s);
  }
  memoryBytes(): number {
    return this.b.memoryBytes();
  }
  docCount(): number {
    return this.b.docCount;
  }
  async build(): Promise<Built | undefined> {
    if (this.b.docCount === 0) return undefined;
    const r = this.b.build();
    this.b = new SegmentBuilder();
    return r;
  }
  async close(): Promise<void> {}
}

/** Only the fields analysis needs cross the thread boundary (structured clone costs per byte). */
const ANALYSED = ['title', 'summary', 'text', 'published', 'source', 'category'];

export class WorkerBuilder implements AnyBuilder {
  private w: Worker;
  private inFlight = 0;
  private mem = 0;
  private docs = 0;
  private waiters: (() => void)[] = [];
  private builtWaiter: ((b: Built | undefined) => void) | undefined;
  private failure: Error | undefined;

  constructor() {
    this.w = new Worker(new URL('./build-worker.ts', import.meta.url));
    this.w.on('message', (m: { type: string; mem?: number; docs?: number; bytes?: Uint8Array; deleted?: number[]; message?: string }) => {
      if (m.type === 'ack') {
        this.inFlight--;
        this.mem = m.mem!;
        this.docs = m.docs!;
        this.waiters.shift()?.();
      } else if (m.type === 'built') {
        const w = this.builtWaiter;
        this.builtWaiter = undefined;
        this.mem = 0;
        this.docs = 0;
        w?.(m.bytes!.length ? { bytes: m.bytes!, deleted: m.deleted! } : undefined);
      } else if (m.type === 'error') {
        this.fail(new Error(`segment builder worker: ${m.message}`));
      }
    });
    this.w.on('error', (e) => this.fail(e));
  }

  private fail(e: Error): void {
    this.failure = e;
    for (const w of this.waiters.splice(0)) w();
    const b = this.builtWaiter;
    this.builtWaiter = undefined;
    b?.(undefined);
  }

  async add(seqs: number[], docs: Record<string, unknown>[], deletes: number[]): Promise<void> {
    if (this.failure) throw this.failure;
    const slim = docs.map((d) => {
      const o: Record<string, unknown> = {};
      for (const k of ANALYSED) if (d[k] !== undefined) o[k] = d[k];
      return o;
    });
    // At most two batches in flight: the worker stays busy, memory stays bounded.
    while (this.inFlight >= 2) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
    this.inFlight++;
    this.w.postMessage({ type: 'add', seqs, docs: slim, deletes });
  }

  memoryBytes(): number {
    return this.mem;
  }

  docCount(): number {
    return this.docs;
  }

  async build(): Promise<Built | undefined> {
    while (this.inFlight > 0) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
    const p = new Promise<Built | undefined>((r) => (this.builtWaiter = r));
    this.w.postMessage({ type: 'build' });
    const b = await p;
    if (this.failure) throw this.failure;
    return b;
  }

  async close(): Promise<void> {
    await this.w.terminate();
  }
}
