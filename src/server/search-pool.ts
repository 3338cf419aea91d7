/**
 * A pool of search worker threads (search-worker.ts), each with the data directory opened
 * read-only. Each worker keeps its recent answers (answer-cache.ts), so a request goes first to
 * the worker its key hashes to — unless that worker has more calls in flight than the least
 * busy one, which then takes it (a quick query must not wait behind a slow one for a cache hit
 * it probably would not get). With one worker per core
 * a 2-core machine answers twice the searches per second, and a slow query never blocks the
 * event loop that serves pages, suggestions and health checks.
 */
import { Worker } from 'node:worker_threads';
import type { SearchRequest, SearchResponse, TrendsRequest, TrendsResponse } from './backend.ts';
import type { WorkerCall, WorkerReply } from './search-worker.ts';
import { keyHash, requestKey } from './answer-cache.ts';

interface Slot {
  worker: Worker;
  inFlight: number;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
}

type Call = { method: 'search'; req: SearchRequest } | { method: 'trends'; req: TrendsRequest } | { method: 'close' };

export class SearchPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  private constructor() {}

  static async open(dataDir: string, size: number): Promise<SearchPool> {
    const pool = new SearchPool();
    await Promise.all(
      Array.from({ length: size }, async () => {
        const worker = new Worker(new URL('./search-worker.ts', import.meta.url), { workerData: { dataDir } });
        const slot: Slot = { worker, inFlight: 0, pending: new Map() };
        await new Promise<void>((resolve, reject) => {
          const onError = (e: Error) => reject(e);
          worker.once('error', onError);
          worker.once('message', () => {
            worker.off('error', onError);
            resolve();
          });
        });
        worker.on('message', (m: WorkerReply) => {
          const p = slot.pending.get(m.id);
          if (!p) return;
          slot.pending.delete(m.id);
          slot.inFlight--;
          if (m.ok) p.resolve(m.value);
          else p.reject(new Error(m.message));
        });
        worker.on('error', (e) => {
          for (const p of slot.pending.values()) p.reject(e);
          slot.pending.clear();
          slot.inFlight = 0;
        });
        pool.slots.push(slot);
      }),
    );
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  private pick(c: Call): Slot {
    const least = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    if (c.method === 'close') return least;
    const home = this.slots[keyHash(requestKey(c.method, c.req)) % this.slots.length];
    return home.inFlight <= least.inFlight ? home : least;
  }

  private call<T>(c: Call, slot?: Slot): Promise<T> {
    if (this.closed && c.method !== 'close') return Promise.reject(new Error('search pool closed'));
    const s = slot ?? this.pick(c);
    const id = this.nextId++;
    s.inFlight++;
    return new Promise<T>((resolve, reject) => {
      s.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      s.worker.postMessage({ id, ...c } as WorkerCall);
    });
  }

  search(req: SearchRequest): Promise<SearchResponse> {
    return this.call<SearchResponse>({ method: 'search', req });
  }

  trends(req: TrendsRequest): Promise<TrendsResponse> {
    return this.call<TrendsResponse>({ method: 'trends', req });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.slots.map(async (s) => {
        await this.call({ method: 'close' }, s).catch(() => {});
        await s.worker.terminate();
      }),
    );
  }
}
