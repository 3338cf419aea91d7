/**
 * The catalogue of sources: every outlet with its number of documents and its documents newest
 * first, for /nguon and the source pages. The engine answers queries, not "everything from this
 * outlet", so the catalogue is built once from the document store (one sequential read of
 * store.sqlite, in slices so the server keeps answering meanwhile).
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import type { FacetValue, Hit, SearchResponse } from './backend.ts';

interface Entry {
  time: number;
  id: string;
  title?: string;
  url?: string;
  published?: string;
}

export interface CatalogDoc {
  id: string;
  title?: unknown;
  url?: unknown;
  published?: unknown;
  source?: unknown;
}

const SLICE = 5000;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export class SourceCatalog {
  private readonly bySource = new Map<string, Entry[]>();
  private list: FacetValue[] = [];

  /** Build from documents (any iterable: the store's rows, or test fixtures). */
  static async build(docs: Iterable<CatalogDoc>): Promise<SourceCatalog> {
    const c = new SourceCatalog();
    let n = 0;
    for (const d of docs) {
      const source = str(d.source);
      if (source) {
        const published = str(d.published);
        const t = published ? Date.parse(published) : NaN;
        const e: Entry = { time: Number.isNaN(t) ? -Infinity : t, id: d.id, title: str(d.title), url: str(d.url), published };
        const arr = c.bySource.get(source);
        if (arr) arr.push(e);
        else c.bySource.set(source, [e]);
      }
      if (++n % SLICE === 0) await nextTick();
    }
    for (const arr of c.bySource.values()) arr.sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : 1));
    c.list = [...c.bySource.entries()].map(([value, arr]) => ({ value, count: arr.length })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value, 'vi'));
    return c;
  }

  sources(): FacetValue[] {
    return this.list;
  }

  /** Documents of the given sources, newest first. */
  latest(sources: string[], offset: number, limit: number): SearchResponse {
    const t0 = performance.now();
    let all: Entry[] = [];
    for (const s of sources) all = all.concat(this.bySource.get(s) ?? []);
    if (sources.length > 1) all.sort((a, b) => b.time - a.time);
    const hits: Hit[] = all.slice(offset, offset + limit).map((e) => {
      const h: Hit = { id: e.id, score: 0 };
      if (e.title) h.title = e.title;
      if (e.url) h.url = e.url;
      if (e.published) h.published = e.published;
      return h;
    });
    return { total: all.length, took_ms: Math.round((performance.now() - t0) * 1000) / 1000, hits };
  }
}
