/**
 * /api/v1/timelines/home, /public (local, remote), /tag/:hashtag (any[], all[], none[] are not
 * supported yet: the one tag only), /list/:id — newest first, paged with max_id, since_id, min_id
 * and limit (default 20, at most 40), with a Link header for the next and previous pages.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiOptions } from './routes.ts';
import type { StatusRow } from '../store/rows.ts';
import { notFound } from '../store/errors.ts';
import { tagKey } from '../store/content.ts';
import { requireUser, viewerOf } from './auth.ts';
import { bool, idParam, paging, paramsOf } from './params.ts';
import { pageIds, setLinkHeader } from './paging.ts';

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
    return answer(req, reply, ctx.store.statuses.publicTimeline(paging(p), where(p)), viewer?.id);
  });

  app.get('/api/v1/timelines/tag/:hashtag', async (req, reply) => {
    const viewer = viewerOf(ctx, req, 'read:statuses');
    const p = paramsOf(req);
    if (bool(p, 'only_media')) return [];
    const tag = tagKey(String((req.params as { hashtag: string }).hashtag).replace(/^#/, '').slice(0, 200));
    return answer(req, reply, ctx.store.statuses.tagTimeline(tag, paging(p), where(p)), viewer?.id);
  });

  app.get('/api/v1/timelines/list/:id', async (req, reply) => {
    const { account } = requireUser(ctx, req, 'read:lists');
    const list = ctx.store.lists.get(account.id, idParam((req.params as { id: string }).id, 'Không tìm thấy danh sách này'));
    if (!list) throw notFound('Không tìm thấy danh sách này');
    return answer(req, reply, ctx.store.statuses.listTimeline(list.id, account.id, paging(paramsOf(req))), account.id);
  });

  app.get('/api/v1/tags/:name', async (req) => {
    viewerOf(ctx, req, 'read');
    return e.tag(String((req.params as { name: string }).name).replace(/^#/, '').slice(0, 200));
  });
}
