/** /api/v1/statuses/… and /api/v1/favourites (docs.joinmastodon.org/methods/statuses). */
import type { FastifyInstance } from 'fastify';
import type { ApiOptions } from './routes.ts';
import { VISIBILITIES, type AccountRow, type Visibility } from '../store/rows.ts';
import { SocialError, notFound } from '../store/errors.ts';
import { requireUser, viewerOf } from './auth.ts';
import { bool, idParam, int, list, paging, paramsOf, str, type Params } from './params.ts';
import { pageIds, setLinkHeader } from './paging.ts';

function visibilityOf(p: Params): Visibility | undefined {
  const v = str(p, 'visibility', 20);
  if (v === undefined || v === '') return undefined;
  if (!VISIBILITIES.includes(v as Visibility)) throw new SocialError(422, `visibility phải là một trong: ${VISIBILITIES.join(', ')}`, { field: 'visibility' });
  return v as Visibility;
}

function languageOf(p: Params): string | null {
  const l = str(p, 'language', 20);
  if (l === undefined || l === '') return null;
  if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(l)) throw new SocialError(422, `language "${l}" không phải mã ngôn ngữ ISO 639 (ví dụ vi, en)`, { field: 'language' });
  return l;
}

export async function statusRoutes(app: FastifyInstance, { ctx, e }: ApiOptions): Promise<void> {
  app.post('/api/v1/statuses', async (req) => {
    const { account, token } = requireUser(ctx, req, 'write:statuses');
    const p = paramsOf(req);
    if (list(p, 'media_ids', 4).length > 0) throw new SocialError(422, 'Máy chủ này chưa nhận ảnh hay tệp đính kèm', { field: 'media_ids' });
    if (p.poll !== undefined || p['poll[options]'] !== undefined) throw new SocialError(422, 'Máy chủ này chưa hỗ trợ bình chọn', { field: 'poll' });
    if (str(p, 'scheduled_at', 100)) throw new SocialError(422, 'Máy chủ này chưa hỗ trợ hẹn giờ đăng bài', { field: 'scheduled_at' });
    const key = req.headers['idempotency-key'];
    const idempotencyKey = typeof key === 'string' && key !== '' ? key.slice(0, 200) : undefined;
    const inReplyTo = str(p, 'in_reply_to_id', 40);
    const st = ctx.actions.post(account.id, {
      text: str(p, 'status', 20_000) ?? '',
      spoilerText: str(p, 'spoiler_text', 5000),
      sensitive: bool(p, 'sensitive'),
      visibility: visibilityOf(p),
      language: languageOf(p),
      inReplyToId: inReplyTo ? idParam(inReplyTo, 'Không tìm thấy bài viết được trả lời') : null,
      appId: token.appId,
      idempotencyKey,
    });
    return e.status(st, account.id);
  });

  app.get('/api/v1/statuses', async (req) => {
    const viewer = viewerOf(ctx, req, 'read:statuses');
    const out = [];
    for (const id of list(paramsOf(req), 'id', 40)) {
      const st = ctx.store.statuses.byId(idParam(id));
      if (st && ctx.store.statuses.canSee(st, viewer?.id)) out.push(e.status(st, viewer?.id));
    }
    return out;
  });

  app.get('/api/v1/statuses/:id', async (req) => {
    const viewer = viewerOf(ctx, req, 'read:statuses');
    const st = ctx.actions.visibleStatus(idParam((req.params as { id: string }).id, 'Không tìm thấy bài viết này'), viewer?.id);
    return e.status(st, viewer?.id);
  });

  app.delete('/api/v1/statuses/:id', async (req) => {
    const { account } = requireUser(ctx, req, 'write:statuses');
    const gone = ctx.actions.deleteStatus(account.id, idParam((req.params as { id: string }).id, 'Không tìm thấy bài viết này'));
    return e.deletedStatus(gone, account.id);
  });

  app.put('/api/v1/statuses/:id', async (req) => {
    const { account } = requireUser(ctx, req, 'write:statuses');
    const p = paramsOf(req);
    const edited = ctx.actions.editStatus(account.id, idParam((req.params as { id: string }).id, 'Không tìm thấy bài viết này'), {
      text: str(p, 'status', 20_000),
      spoilerText: str(p, 'spoiler_text', 5000),
      sensitive: bool(p, 'sensitive'),
      language: languageOf(p) ?? undefined,
    });
    return e.status(edited, account.id);
  });

  app.get('/api/v1/statuses/:id/source', async (req) => {
    const { account } = requireUser(ctx, req, 'read:statuses');
    const st = ctx.actions.visibleStatus(idParam((req.params as { id: string }).id, 'Không tìm thấy bài viết này'), account.id);
    return { id: st.id, text: st.text, spoiler_text: st.spoilerText };
  });

  app.get('/api/v1/statuses/:id/context', async (req) => {
    const viewer = viewerOf(ctx, req, 'read:statuses');
    const st = ctx.actions.visibleStatus(idParam((req.params as { id: string }).id, 'Không tìm thấy bài viết này'), viewer?.id);
    const seen = (s: { id: string }) => ctx.store.statuses.canSee(ctx.store.statuses.byId(s.id)!, viewer?.id);
    return {
      ancestors: ctx.store.statuses.ancestors(st).filter(seen).map((s) => e.status(s, viewer?.id)),
      descendants: ctx.store.statuses.descendants(st).filter(seen).map((s) => e.status(s, viewer?.id)),
    };
  });

  const action = (name: string, scope: string, run: (accountId: string, statusId: string, p: Params) => { id: string }) =>
    app.post(`/api/v1/statuses/:id/${name}`, async (req) => {
      const { account } = requireUser(ctx, req, scope);
      const id = idParam((req.params as { id: string }).id, 'Không tìm thấy bài viết này');
      const result = run(account.id, id, paramsOf(req));
      const st = ctx.store.statuses.byId(result.id);
      if (!st) throw notFound('Không tìm thấy bài viết này');
      return e.status(st, account.id);
    });
  action('favourite', 'write:favourites', (a, s) => ctx.actions.favourite(a, s));
  action('unfavourite', 'write:favourites', (a, s) => ctx.actions.unfavourite(a, s));
  action('reblog', 'write:statuses', (a, s, p) => ctx.actions.reblog(a, s, visibilityOf(p) ?? 'public'));
  action('unreblog', 'write:statuses', (a, s) => ctx.actions.unreblog(a, s));

  for (const which of ['favourited_by', 'reblogged_by'] as const) {
    app.get(`/api/v1/statuses/:id/${which}`, async (req) => {
      const viewer = viewerOf(ctx, req, 'read:statuses');
      const st = ctx.actions.visibleStatus(idParam((req.params as { id: string }).id, 'Không tìm thấy bài viết này'), viewer?.id);
      const limit = int(paramsOf(req), 'limit', 1, 80) ?? 40;
      const ids = which === 'favourited_by' ? ctx.store.statuses.favouritedBy(st.id, limit) : ctx.store.statuses.rebloggedBy(st.id, limit);
      return ids.map((id) => ctx.store.accounts.byId(id)).filter((a): a is AccountRow => !!a && a.deletedAt === null).map((a) => e.account(a));
    });
  }

  app.get('/api/v1/favourites', async (req, reply) => {
    const { account } = requireUser(ctx, req, 'read:favourites');
    const rows = ctx.store.statuses.favourites(account.id, paging(paramsOf(req)));
    setLinkHeader(req, reply, ctx.urls.origin, pageIds(rows.map((r) => ({ id: r.favouriteId }))));
    return rows.map((r) => e.status(r.status, account.id));
  });
}
