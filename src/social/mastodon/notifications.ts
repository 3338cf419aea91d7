/** /api/v1/notifications (docs.joinmastodon.org/methods/notifications): list, one, dismiss, clear. */
import type { FastifyInstance } from 'fastify';
import type { ApiOptions } from './routes.ts';
import { notFound } from '../store/errors.ts';
import { requireUser } from './auth.ts';
import { idParam, list, paging, paramsOf, str } from './params.ts';
import { pageIds, setLinkHeader } from './paging.ts';

export async function notificationRoutes(app: FastifyInstance, { ctx, e }: ApiOptions): Promise<void> {
  app.get('/api/v1/notifications', async (req, reply) => {
    const { account } = requireUser(ctx, req, 'read:notifications');
    const p = paramsOf(req);
    const from = str(p, 'account_id', 40);
    const rows = ctx.store.notifications.list(account.id, paging(p, 40, 80), { types: list(p, 'types', 20), excludeTypes: list(p, 'exclude_types', 20), fromAccountId: from ? idParam(from) : undefined });
    setLinkHeader(req, reply, ctx.urls.origin, pageIds(rows));
    return rows.map((n) => e.notification(n, account.id)).filter((n) => n !== undefined);
  });

  app.get('/api/v1/notifications/unread_count', async (req) => {
    const { account } = requireUser(ctx, req, 'read:notifications');
    return { count: ctx.store.notifications.list(account.id, { limit: 1000 }).length };
  });

  app.get('/api/v1/notifications/:id', async (req) => {
    const { account } = requireUser(ctx, req, 'read:notifications');
    const n = ctx.store.notifications.get(account.id, idParam((req.params as { id: string }).id));
    const out = n ? e.notification(n, account.id) : undefined;
    if (!out) throw notFound('Không tìm thấy thông báo này');
    return out;
  });

  app.post('/api/v1/notifications/clear', async (req) => {
    const { account } = requireUser(ctx, req, 'write:notifications');
    ctx.store.notifications.clear(account.id);
    return {};
  });

  app.post('/api/v1/notifications/:id/dismiss', async (req) => {
    const { account } = requireUser(ctx, req, 'write:notifications');
    if (!ctx.store.notifications.dismiss(account.id, idParam((req.params as { id: string }).id))) throw notFound('Không tìm thấy thông báo này');
    return {};
  });
}
