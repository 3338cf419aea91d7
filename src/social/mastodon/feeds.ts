/**
 * Feeds whose rules are public: /api/v1/tra/feeds… (Tra's own extension beside the Mastodon API;
 * docs/FEEDS.md "API"). Everyone (with or without a token) can list published feeds, read any
 * readable feed's spec, its Vietnamese rules, its hash and its whole version history; signed-in
 * users create, copy (changing weights), edit and publish their own. A feed's timeline answers
 * Mastodon Status entities (so any client code can show them), each with a `tra_feed` object
 * (rank, score, contributions, the rules that admitted it, and the URL of its explanation), paged
 * by a Link header like the timelines.
 *
 *   GET    /api/v1/tra/feeds                     built-in, published, and the caller's own
 *   POST   /api/v1/tra/feeds                     {spec} → a new draft (write:lists)
 *   GET    /api/v1/tra/feeds/:id                 the feed: spec, hash, version, rules (Vietnamese)
 *   PUT    /api/v1/tra/feeds/:id                 {spec} and/or {weights: {signal: w}}, {note} → a new version
 *   POST   /api/v1/tra/feeds/:id/copy            {name?, weights?} → the caller's copy (a draft)
 *   POST   /api/v1/tra/feeds/:id/publish         listed and readable by everyone from now on
 *   GET    /api/v1/tra/feeds/:id/versions        every version, newest first
 *   GET    /api/v1/tra/feeds/:id/versions/:n     one version
 *   GET    /api/v1/tra/feeds/:id/timeline        ?limit (≤ 40) &max_id &at (ms: the clock)
 *   GET    /api/v1/tra/feeds/:id/why/:status     "Vì sao tôi thấy bài này?" ?at=
 *
 * Also registers the feed pages (src/social/pages/feeds.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiOptions } from './routes.ts';
import { SocialError } from '../store/errors.ts';
import { normalizeId } from '../store/ids.ts';
import { requireUser, viewerOf } from './auth.ts';
import { int, paramsOf, str } from './params.ts';
import { postIndexOf } from '../search/services.ts';
import { closeFeeds, feedsOf, itemJson, type FeedPage, type FeedService } from '../feeds/service.ts';
import type { SocialContext } from '../http.ts';
import { feedPages } from '../pages/feeds.ts';

const FEED_ID = /^(?:[a-z0-9-]{1,40}|\d{1,30})$/;

export function feedIdParam(v: unknown): string {
  const s = String(v ?? '');
  if (!FEED_ID.test(s)) throw new SocialError(404, 'Không tìm thấy bảng tin này');
  return /^\d+$/.test(s) ? normalizeId(s) ?? s : s;
}

export function feedService(ctx: SocialContext): FeedService {
  return feedsOf(ctx, () => postIndexOf(ctx));
}

/** `at` as given (ms since the epoch), or undefined. */
export function atParam(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(Array.isArray(v) ? v[0] : v);
  if (!Number.isInteger(n) || n <= 0 || n > 8.64e15) throw new SocialError(422, 'Tham số "at" phải là thời điểm tính bằng mili giây kể từ 1970');
  return n;
}

function weightsOf(v: unknown): Record<string, number> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new SocialError(422, 'Tham số "weights" phải là một đối tượng {tên tín hiệu: trọng số}');
  const out: Record<string, number> = {};
  for (const [k, w] of Object.entries(v as Record<string, unknown>)) {
    const n = typeof w === 'string' ? Number(w) : w;
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new SocialError(422, `Trọng số của "${k}" phải là một số`);
    out[k] = n;
  }
  return out;
}

export function nameOf(ctx: SocialContext): (id: string) => string {
  return (id) => {
    const a = ctx.store.accounts.byId(id);
    return a ? (a.domain ? `@${a.username}@${a.domain}` : `@${a.username}`) : `tài khoản ${id}`;
  };
}

function nextLink(req: FastifyRequest, reply: FastifyReply, origin: string, page: FeedPage): void {
  if (!page.next) return;
  const url = new URL(req.url, origin);
  const next = new URL(origin + url.pathname);
  for (const [k, v] of url.searchParams) if (k !== 'max_id' && k !== 'at' && k !== 'min_id' && k !== 'since_id') next.searchParams.append(k, v);
  next.searchParams.set('at', String(page.next.at));
  next.searchParams.set('max_id', page.next.maxId);
  reply.header('link', `<${next.href}>; rel="next"`);
}

export async function feedRoutes(app: FastifyInstance, o: ApiOptions): Promise<void> {
  const { ctx, e } = o;
  const svc = () => feedService(ctx);
  app.addHook('onClose', async () => closeFeeds(ctx));
  const idOf = (req: FastifyRequest) => feedIdParam((req.params as { id: string }).id);

  app.get('/api/v1/tra/feeds', async (req) => {
    const viewer = viewerOf(ctx, req, 'read:lists');
    return svc().feeds.list(viewer?.id).map((f) => svc().describe(f, nameOf(ctx)));
  });

  app.post('/api/v1/tra/feeds', async (req) => {
    const { account } = requireUser(ctx, req, 'write:lists');
    const p = paramsOf(req);
    const spec = p.spec !== undefined ? (typeof p.spec === 'string' ? parseJson(p.spec) : p.spec) : p;
    return svc().describe(svc().create(account.id, spec), nameOf(ctx));
  });

  app.get('/api/v1/tra/feeds/:id', async (req) => {
    const viewer = viewerOf(ctx, req, 'read:lists');
    return svc().describe(svc().readable(idOf(req), viewer?.id), nameOf(ctx));
  });

  app.put('/api/v1/tra/feeds/:id', async (req) => {
    const { account } = requireUser(ctx, req, 'write:lists');
    const p = paramsOf(req);
    const spec = p.spec === undefined ? undefined : typeof p.spec === 'string' ? parseJson(p.spec) : p.spec;
    if (spec === undefined && p.weights === undefined) throw new SocialError(422, 'Hãy gửi "spec" (bảng tin mới) hoặc "weights" (trọng số mới)');
    return svc().describe(svc().update(idOf(req), account.id, { spec, weights: weightsOf(p.weights), note: str(p, 'note', 300) }), nameOf(ctx));
  });

  app.post('/api/v1/tra/feeds/:id/copy', async (req) => {
    const { account } = requireUser(ctx, req, 'write:lists');
    const p = paramsOf(req);
    return svc().describe(svc().copy(idOf(req), account.id, { name: str(p, 'name', 80), weights: weightsOf(p.weights) }), nameOf(ctx));
  });

  app.post('/api/v1/tra/feeds/:id/publish', async (req) => {
    const { account } = requireUser(ctx, req, 'write:lists');
    return svc().describe(svc().publish(idOf(req), account.id), nameOf(ctx));
  });

  app.get('/api/v1/tra/feeds/:id/versions', async (req) => {
    const viewer = viewerOf(ctx, req, 'read:lists');
    const f = svc().readable(idOf(req), viewer?.id);
    return svc().feeds.versions(f.id).map((v) => ({ version: v.version, hash: v.hash, created_at: new Date(v.createdAt).toISOString(), note: v.note, spec: v.spec }));
  });

  app.get('/api/v1/tra/feeds/:id/versions/:n', async (req) => {
    const viewer = viewerOf(ctx, req, 'read:lists');
    const f = svc().readable(idOf(req), viewer?.id);
    const v = svc().feeds.version(f.id, Number((req.params as { n: string }).n));
    if (!v) throw new SocialError(404, 'Không có phiên bản này');
    return { version: v.version, hash: v.hash, created_at: new Date(v.createdAt).toISOString(), note: v.note, spec: v.spec };
  });

  app.get('/api/v1/tra/feeds/:id/timeline', async (req, reply) => {
    const viewer = viewerOf(ctx, req, 'read:statuses');
    const p = paramsOf(req);
    const page = await svc().page(idOf(req), viewer?.id, { at: atParam(p.at), maxId: normalizeId(p.max_id), limit: int(p, 'limit', 1, 40) ?? 20 });
    nextLink(req, reply, ctx.urls.origin, page);
    reply.header('x-tra-feed-at', String(page.at));
    reply.header('x-tra-feed-hash', page.feed.hash);
    return page.items.map((it) => ({
      ...e.status(it.status, viewer?.id),
      tra_feed: { ...itemJson(it), why: `${ctx.urls.origin}/api/v1/tra/feeds/${page.feed.id}/why/${it.status.id}?at=${page.at}` },
    }));
  });

  app.get('/api/v1/tra/feeds/:id/why/:status', async (req) => {
    const viewer = viewerOf(ctx, req, 'read:statuses');
    const p = paramsOf(req);
    const statusId = normalizeId((req.params as { status: string }).status);
    if (!statusId) throw new SocialError(404, 'Không tìm thấy bài này');
    const st = ctx.store.statuses.byId(statusId);
    if (!st || !ctx.store.statuses.canSee(st, viewer?.id)) throw new SocialError(404, 'Không tìm thấy bài này');
    const r = await svc().explain(idOf(req), statusId, viewer?.id, atParam(p.at));
    return {
      feed: { id: r.feed.id, name: r.feed.spec.name, version: r.feed.version, hash: r.feed.hash },
      at: r.at,
      status_id: statusId,
      in_feed: !!r.item,
      ...(r.item ? itemJson(r.item) : { refused: r.refused }),
    };
  });

  await app.register(feedPages, o);
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw new SocialError(422, 'Tham số "spec" không phải JSON hợp lệ');
  }
}
