/**
 * The catalogue of sources: every outlet with its number of documents and its documents newest
 * first, for /nguon and the source pages. The engine answers queries, not "everything from this
 * outlet", so the catalogue is built once from the document store (engine-backend.ts reads
 * store.sqlite once, in slices, while the server already answers).
 */
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

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export class SourceCatalog {
  private readonly bySource = new Map<string, Entry[]>();
  private list: FacetValue[] = [];

  /** Build from documents in one go (tests, small collections). */
  static build(docs: Iterable<CatalogDoc>): SourceCatalog {
    const c = new SourceCatalog();
    for (const d of docs) c.add(d);
    c.finish();
    return c;
  }

  add(d: CatalogDoc): void {
    const source = str(d.source);
    if (!source) return;
    const published = str(d.published);
    const t = published ? Date.parse(published) : NaN;
    const e: Entry = { time: Number.isNaN(t) ? -Infinity : t, id: d.id, title: str(d.title), url: str(d.url), published };
    const arr = this.bySource.get(source);
    if (arr) arr.push(e);
    else this.bySource.set(source, [e]);
  }

  finish(): void {
    for (const arr of this.bySource.values()) arr.sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : 1));
    this.list = [...this.bySource.entries()].map(([value, arr]) => ({ value, count: arr.length })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value, 'vi'));
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
