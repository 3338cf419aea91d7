/**
 * The engine calls of the observatory, asked of the cluster's coordinator over HTTP: trends
 * (`/api/trends`: attention, forecasts) and a query's best hits (`/api/search`: key terms). The
 * coordinator answers with the JSON of `tra serve`, itself tested equal to one machine's engine.
 */
import { CoordinatorUnreachable } from '../coordinator/remote-backend.ts';
import type { Interval } from '../../observe/attention.ts';

export interface TrendsCall {
  query: string;
  interval?: Interval;
  from?: string;
  to?: string;
  sources?: string[];
}
export interface TrendsAnswer {
  total: number;
  buckets: { start: string; count: number }[];
}
export interface SearchCall {
  query: string;
  limit: number;
  from?: string;
  to?: string;
}

export class CoordinatorClient {
  private readonly root: string;
  private readonly timeoutMs: number;

  constructor(base: string, timeoutMs = 30_000) {
    this.root = base.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
  }

  private async get<T>(path: string, params: Record<string, string | string[] | number | undefined>): Promise<T> {
    const u = new URL(this.root + path);
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined || v === '') continue;
      for (const x of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(x));
    }
    let res: Response;
    try {
      res = await fetch(u, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
    } catch (e) {
      throw new CoordinatorUnreachable(this.root, (e as Error).name === 'TimeoutError' ? `không trả lời sau ${this.timeoutMs} ms` : (e as Error).message);
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status !== 200) {
      // The coordinator validates with the same schemas as this server: its 400 says what is wrong.
      const err = new Error(String(body.message ?? `máy điều phối trả lời HTTP ${res.status}`)) as Error & { statusCode: number };
      err.statusCode = res.status >= 500 || res.status === 404 ? 503 : res.status;
      throw err;
    }
    return body as T;
  }

  trends(c: TrendsCall): Promise<TrendsAnswer> {
    return this.get<TrendsAnswer>('/api/trends', { q: c.query, interval: c.interval, from: c.from, to: c.to, source: c.sources });
  }

  /** The ids of the best `limit` hits by relevance. */
  async searchIds(c: SearchCall): Promise<string[]> {
    const r = await this.get<{ hits: { id: string }[] }>('/api/search', { q: c.query, limit: c.limit, from: c.from, to: c.to });
    return r.hits.map((h) => h.id);
  }
}
