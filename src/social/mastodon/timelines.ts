/**
 * /api/v1/timelines/home, /public (local, remote), /tag/:hashtag (any[], all[], none[] are not
 * supported yet: the one tag only), /list/:id — newest first, paged with max_id, since_id, min_id
 * and limit (default 20, at most 40), with a Link header for the next and previous pages.
 *
 * A list whose id is `bang-tin-<feed id>` (lists.ts) is a feed: its timeline is the feed's page
 * through `FeedService.page`, in the feed's order. `max_id` means "after this item" (the feed's
 * own paging), and the next link carries the clock `at` so every page is cut from the same
 * ranking; `since_id` / `min_id` (an app looking for newer posts) keep the first page's posts
 * newer than that id. Each status carries `tra_feed` (rank, score, contributions, why) as
 * /api/v1/tra/feeds/:id/timeline gives it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiOptions } from './routes.ts';
import type { StatusRow } from '../store/rows.ts';
import { notFound } from '../store/errors.ts';
import { tagKey } from '../store/content.ts';
import { requireUser, viewerOf } from './auth.ts';
import { bool, idParam, paging, paramsOf } from './params.ts';
import { pageIds, setLinkHeader } from './paging.ts';
import { feedOfList } from './lists.ts';
import { atParam, feedService } from './feeds.ts';
import { itemJson } from '../feeds/service.ts';
import { int, str } from './params.ts';
import { normalizeId } from '../store/ids.ts';

export async function timelineRoutes(app: FastifyInstance, { ctx, e }: ApiOptions): Promise<void> {
  const answer = (req: FastifyRequest, reply: FastifyReply, rows: StatusRow[], viewerId: string | undefined) => {
    setLinkHeader(req, reply, ctx.urls.origin, pageIds(rows));
    return rows.map((s) => e.status(s, viewerId));
  };
  const where = (p: Record<string, unknown>): 'all' | 'local' | 'remote' => (bool(p, 'local') ? 'local' : bool(p, 'remote') ? 'remote' : 'all');

  app.get('/api/v1/timelines/home', async (req, reply) => {
    const { account } = requireUser(ctx, req, 'read:statuses');
    return answer(req, reply, ctx.store.statuses.home(account.id, paging(paramsOf(req))), account.id);
  });

  app.get('/api/v1/timelines/public', async (req, reply) => {
    const viewer = viewerOf(ctx, req, 'read:statuses');
    const p = paramsOf(req);
    if (bool(p, 'only_media')) return [];
    return answer(req, reply, ctx.store.statuses.publicTimeline(paging(p), where(p), viewer?.id), viewer?.id);
  });

  app.get('/api/v1/timelines/tag/:hashtag', async (req, reply) => {
    const viewer = viewerOf(ctx, req, 'read:statuses');
    const p = paramsOf(req);
    if (bool(p, 'only_media')) return [];
    const tag = tagKey(String((req.params as { hashtag: string }).hashtag).replace(/^#/, '').slice(0, 200));
    return answer(req, reply, ctx.store.statuses.tagTimeline(tag, paging(p), where(p), viewer?.id), viewer?.id);
  });

  app.get('/api/v1/timelines/list/:id', async (req, reply) => {
    const { account } = requireUser(ctx, req, 'read:lists');
    const feed = feedOfList(ctx, account.id, (req.params as { id: string }).id);
    if (feed) {
      const p = paramsOf(req);
      const newer = normalizeId(p.min_id) ?? normalizeId(p.since_id);
      // Without `at`, the next whole minute: posts made a moment ago are in, and the minute's ranking is shared.
      const at = atParam(p.at) ?? Math.ceil(Date.now() / 60_000) * 60_000;
      const page = await feedService(ctx).page(feed.id, account.id, { at, maxId: newer ? undefined : normalizeId(p.max_id), limit: int(p, 'limit', 1, 40) ?? 20 });
      const items = newer ? page.items.filter((it) => it.status.id > newer) : page.items;
      if (page.next && !newer) {
        const url = new URL(ctx.urls.origin + new URL(req.url, ctx.urls.origin).pathname);
        const limit = str(p, 'limit', 10);
        if (limit) url.searchParams.set('limit', limit);
        url.searchParams.set('at', String(page.at));
        url.searchParams.set('max_id', page.next.maxId);
        reply.header('link', `<${url.href}>; rel="next"`);
      }
      reply.header('x-tra-feed-at', String(page.at));
      return items.map((it) => ({ ...e.status(it.status, account.id), tra_feed: { ...itemJson(it), why: `${ctx.urls.origin}/api/v1/tra/feeds/${feed.id}/why/${it.status.id}?at=${page.at}` } }));
    }
    const list = ctx.store.lists.get(account.id, idParam((req.params as { id: string }).id, 'Không tìm thấy danh sách này'));
    if (!list) throw notFound('Không tìm thấy danh sách này');
    return answer(req, reply, ctx.store.statuses.listTimeline(list.id, account.id, paging(paramsOf(req))), account.id);
  });

  app.get('/api/v1/tags/:name', async (req) => {
    viewerOf(ctx, req, 'read');
    return e.tag(String((req.params as { name: string }).name).replace(/^#/, '').slice(0, 200));
  });
}
