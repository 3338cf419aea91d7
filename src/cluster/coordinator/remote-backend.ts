/**
 * `tra serve --coordinator URL`: the web application and API of `tra serve`, answered by a
 * cluster's coordinator over HTTP. Search, trends, articles (`/bai/:id`, `/api/documents/:id`) and
 * the document count go through the coordinator's own API (the same JSON as `tra serve`, plus
 * `partial`); what a cluster does not have yet — the observatory, saved searches, archived versions
 * of an article, the list of sources, completions, the social layer — answers with a polite page
 * (or a JSON 501) saying so, never an empty page that looks like "no data". docs/SCALE.md
 * ("The web app over a cluster") lists what works.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Backend, SearchRequest, SearchResponse, StoredDocument, Suggestion, TrendsRequest, TrendsResponse } from '../../server/backend.ts';
import { page } from '../../server/layout.ts';
import { html } from '../../server/html.ts';
import { AsyncSuggester } from '../../server/suggest.ts';

export class CoordinatorUnreachable extends Error {
  readonly statusCode = 503;
  constructor(url: string, why: string) {
    super(`Không kết nối được máy điều phối của cụm (${url}): ${why}. Hãy thử lại sau ít phút.`);
    this.name = 'CoordinatorUnreachable';
  }
}

/**
 * What the cluster's PostgreSQL (and blob storage) answer beside the coordinator, when `tra serve
 * --coordinator URL` is also given `--pg URL` (and `--blob PATH`): the observatory
 * (src/cluster/observe/), archived versions and the list of sources (src/cluster/archive/). Each
 * is a Backend member; one left out stays a polite 501 (`installClusterNotices`).
 */
export type ClusterExtras = Pick<Backend, 'observatory' | 'versions' | 'sources' | 'browse' | 'suggest' | 'health' | 'alerts'> & { close?(): void | Promise<void> };

/** A Backend whose answers come from the coordinator at `base` (its /api routes), plus `extras`. */
export function coordinatorBackend(base: string, opts: { timeoutMs?: number; extras?: ClusterExtras } = {}): Backend & { close(): Promise<void> } {
  const extras = opts.extras ?? {};
  const root = base.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const get = async <T>(path: string, params: Record<string, string | string[] | number | boolean | undefined>): Promise<T | undefined> => {
    const u = new URL(root + path);
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined || v === '') continue;
      for (const x of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(x));
    }
    let res: Response;
    try {
      res = await fetch(u, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    } catch (e) {
      throw new CoordinatorUnreachable(root, (e as Error).name === 'TimeoutError' ? `không trả lời sau ${timeoutMs} ms` : (e as Error).message);
    }
    if (res.status === 404) return undefined;
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status !== 200) {
      // The coordinator validates with the same schemas: its 400 says what is wrong; pass it on.
      const err = new Error(String(body.message ?? `HTTP ${res.status}`)) as Error & { statusCode: number };
      err.statusCode = res.status >= 500 ? 503 : res.status;
      throw err;
    }
    return body as T;
  };
  const backend: Backend & { close(): Promise<void> } = {
    async search(req: SearchRequest): Promise<SearchResponse> {
      const limit = Math.max(1, Math.min(100, req.limit ?? 10));
      const r = await get<SearchResponse>('/api/search', {
        q: req.query,
        limit,
        offset: req.offset || undefined,
        from: req.from,
        to: req.to,
        source: req.sources,
        category: req.categories,
        sort: req.sort === 'date' ? 'date' : undefined,
        facets: req.facets ? true : undefined,
      });
      return r!;
    },
    async trends(req: TrendsRequest): Promise<TrendsResponse> {
      const r = await get<TrendsResponse>('/api/trends', { q: req.query, interval: req.interval, from: req.from, to: req.to, source: req.sources, category: req.categories });
      return r!;
    },
    // Search-as-you-type: with --pg, the completion table of the titles (extras); else one
    // machine's completer over the coordinator's prefix searches.
    suggest: extras.suggest ?? fallbackSuggest(),
    async get(id: string): Promise<StoredDocument | undefined> {
      return get<StoredDocument>(`/api/documents/${encodeURIComponent(id)}`, {});
    },
    async stats() {
      const r = await get<{ documents: number }>('/api/stats', {});
      return { documents: r?.documents ?? 0, segments: 0, bytes: 0 } as Awaited<ReturnType<Backend['stats']>>;
    },
    ...(extras.observatory ? { observatory: extras.observatory } : {}),
    ...(extras.versions ? { versions: extras.versions } : {}),
    ...(extras.sources ? { sources: extras.sources } : {}),
    ...(extras.browse ? { browse: extras.browse } : {}),
    ...(extras.health ? { health: extras.health } : {}),
    ...(extras.alerts ? { alerts: extras.alerts } : {}),
    async close() {
      await extras.close?.();
    },
  };
  /** Completions from prefix searches through the coordinator (made only when extras has none). */
  function fallbackSuggest(): (prefix: string, limit: number) => Promise<Suggestion[]> {
    const suggester = new AsyncSuggester((req) => Promise.resolve(backend.search(req)));
    return (prefix, limit) => suggester.suggest(prefix, limit);
  }
  return backend;
}

/** Parts of the site a cluster may lack: the Backend member that provides each (none: always missing). */
type Part = 'observatory' | 'versions' | 'sources' | 'alerts';

/** Pages and API routes that a cluster may not serve, the member that serves them, and what to say. */
const NOT_IN_CLUSTER: Array<[RegExp, Part | undefined, string]> = [
  [/^\/(quan-sat)(\/|$)/, 'observatory', 'Đài quan sát (vấn đề nổi lên, cụm tin, dự báo)'],
  [/^\/api\/(emerging|clusters|attention|forecast)(\/|$)/, 'observatory', 'Đài quan sát (vấn đề nổi lên, cụm tin, dự báo)'],
  [/^\/api\/alerts(\/|$)/, 'alerts', 'Cảnh báo đã lưu'],
  [/^\/api\/versions(\/|$)/, 'versions', 'Các phiên bản đã lưu của một bài'],
  [/^\/(nguon)(\/|$)/, 'sources', 'Danh sách nguồn tin'],
  [/^\/api\/sources(\/|$)/, 'sources', 'Danh sách nguồn tin'],
  [/^\/api\/v[12]\/|^\/oauth\/|^\/\.well-known\/(webfinger|nodeinfo)|^\/nodeinfo\//, undefined, 'Mạng xã hội (Mastodon API, ActivityPub)'],
];

/** What `path` lacks in cluster mode, if anything, given the parts the backend has. */
export function missingInCluster(path: string, has: ReadonlySet<Part> = new Set()): string | undefined {
  for (const [re, part, what] of NOT_IN_CLUSTER) if (re.test(path) && !(part && has.has(part))) return what;
  return undefined;
}

/** The parts `backend` provides (for missingInCluster). */
export function partsOf(backend: Pick<Backend, 'observatory' | 'versions' | 'sources' | 'alerts'>): Set<Part> {
  const has = new Set<Part>();
  if (backend.observatory) has.add('observatory');
  if (backend.versions) has.add('versions');
  if (backend.sources) has.add('sources');
  if (backend.alerts) has.add('alerts');
  return has;
}

/**
 * Answer the routes a cluster does not serve with a polite 501: a page in the site's layout for
 * browsers, one JSON line for the API. Registered on the server of `tra serve --coordinator`.
 */
export function installClusterNotices(app: FastifyInstance, has: ReadonlySet<Part> = new Set()): void {
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0];
    const what = missingInCluster(path, has);
    if (!what) return;
    const text = `${what} chưa có ở chế độ cụm: máy chủ này tìm kiếm qua máy điều phối của cụm, còn phần này hiện chỉ chạy trên một máy (tra serve --data).`;
    if (path.startsWith('/api/') || path.startsWith('/oauth/') || path.startsWith('/.well-known/') || path.startsWith('/nodeinfo/')) {
      return reply.code(501).header('cache-control', 'no-store').send({ statusCode: 501, error: 'Not Implemented', message: text });
    }
    const body = html`<section class="notice"><h1>${what}</h1><p>${text}</p><p>Tìm kiếm, xu hướng và bài viết vẫn dùng được: <a href="/">về trang tìm kiếm</a> hoặc <a href="/xu-huong">xem xu hướng</a>.</p></section>`;
    return reply.code(501).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page({ title: what, body }));
  });
}
