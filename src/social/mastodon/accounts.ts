/** /api/v1/accounts/… and /api/v1/follow_requests (docs.joinmastodon.org/methods/accounts). */
import type { FastifyInstance } from 'fastify';
import type { ApiOptions } from './routes.ts';
import type { AccountRow } from '../store/rows.ts';
import { SocialError, notFound } from '../store/errors.ts';
import { requireUser, viewerOf } from './auth.ts';
import { bool, idParam, int, list, paging, paramsOf, str } from './params.ts';
import { pageIds, setLinkHeader } from './paging.ts';
import { tagKey } from '../store/content.ts';

export async function accountRoutes(app: FastifyInstance, { ctx, e }: ApiOptions): Promise<void> {
  const live = (id: unknown): AccountRow => {
    const a = ctx.store.accounts.byId(idParam(id, 'Không tìm thấy tài khoản này'));
    if (!a || a.deletedAt !== null) throw notFound('Không tìm thấy tài khoản này');
    return a;
  };

  app.get('/api/v1/accounts/verify_credentials', async (req) => {
    const { account } = requireUser(ctx, req, 'read:accounts');
    return e.credentialAccount(account);
  });

  app.patch('/api/v1/accounts/update_credentials', async (req) => {
    const { account } = requireUser(ctx, req, 'write:accounts');
    const p = paramsOf(req);
    const displayName = str(p, 'display_name', 200);
    const note = str(p, 'note', 2000);
    if (displayName !== undefined && [...displayName].length > 30) throw new SocialError(422, 'Tên hiển thị dài quá 30 ký tự', { field: 'display_name' });
    if (note !== undefined && [...note].length > 500) throw new SocialError(422, 'Phần giới thiệu dài quá 500 ký tự', { field: 'note' });
    const updated = ctx.actions.updateProfile(account.id, {
      displayName,
      note,
      locked: bool(p, 'locked'),
      bot: bool(p, 'bot'),
      discoverable: bool(p, 'discoverable'),
      indexable: bool(p, 'indexable'),
    });
    return e.credentialAccount(updated);
  });

  app.get('/api/v1/accounts/lookup', async (req) => {
    viewerOf(ctx, req, 'read:accounts');
    const acct = (str(paramsOf(req), 'acct', 300) ?? '').replace(/^@/, '');
    const [username, domain] = acct.split('@');
    const local = !domain || domain.toLowerCase() === ctx.urls.host.toLowerCase();
    let a = username ? ctx.store.accounts.byHandle(username, local ? null : domain) : undefined;
    // A remote account we have not met yet is looked up on its server (WebFinger), as Mastodon does.
    if (!a && username && !local && ctx.resolveRemote) a = (await ctx.resolveRemote(`${username}@${domain}`)).accounts[0];
    if (!a || a.deletedAt !== null) throw notFound('Không tìm thấy tài khoản này');
    return e.account(a);
  });

  app.get('/api/v1/accounts/relationships', async (req) => {
    const { account } = requireUser(ctx, req, 'read:follows');
    const ids = list(paramsOf(req), 'id', 100);
    return ids.map((id) => e.relationship(account.id, idParam(id)));
  });

  app.get('/api/v1/accounts/search', async (req) => {
    requireUser(ctx, req, 'read:accounts');
    const p = paramsOf(req);
    const q = (str(p, 'q', 200) ?? '').trim().replace(/^@/, '').normalize('NFC');
    if (!q) return [];
    const limit = int(p, 'limit', 1, 80) ?? 40;
    return ctx.store.accounts.search(q.split('@')[0], limit, int(p, 'offset', 0, 10_000) ?? 0).map((a) => e.account(a));
  });

  app.get('/api/v1/accounts/familiar_followers', async (req) => {
    requireUser(ctx, req, 'read:follows');
    return list(paramsOf(req), 'id', 100).map((id) => ({ id, accounts: [] }));
  });

  app.get('/api/v1/accounts/:id', async (req) => {
    viewerOf(ctx, req, 'read:accounts');
    return e.account(live((req.params as { id: string }).id));
  });

  app.get('/api/v1/accounts/:id/statuses', async (req, reply) => {
    const viewer = viewerOf(ctx, req, 'read:statuses');
    const a = live((req.params as { id: string }).id);
    const p = paramsOf(req);
    if (bool(p, 'pinned') || bool(p, 'only_media')) return [];
    const tagged = str(p, 'tagged', 200);
    const rows = ctx.store.statuses.byAccount(a.id, viewer?.id, paging(p), {
      excludeReplies: bool(p, 'exclude_replies'),
      excludeReblogs: bool(p, 'exclude_reblogs'),
      tag: tagged ? tagKey(tagged.replace(/^#/, '')) : undefined,
    });
    setLinkHeader(req, reply, ctx.urls.origin, pageIds(rows));
    return rows.map((s) => e.status(s, viewer?.id));
  });

  for (const which of ['followers', 'following'] as const) {
    app.get(`/api/v1/accounts/:id/${which}`, async (req, reply) => {
      viewerOf(ctx, req, 'read:accounts');
      const a = live((req.params as { id: string }).id);
      const pg = paging(paramsOf(req), 40, 80);
      const rows = which === 'followers' ? ctx.store.follows.followers(a.id, pg) : ctx.store.follows.following(a.id, pg);
      setLinkHeader(req, reply, ctx.urls.origin, pageIds(rows.map((r) => ({ id: r.followId }))));
      return rows.map((r) => ctx.store.accounts.byId(r.accountId)).filter((x): x is AccountRow => !!x).map((x) => e.account(x));
    });
  }

  app.post('/api/v1/accounts/:id/follow', async (req) => {
    const { account } = requireUser(ctx, req, 'write:follows');
    const target = live((req.params as { id: string }).id);
    const p = paramsOf(req);
    ctx.actions.follow(account.id, target.id, { reblogs: bool(p, 'reblogs'), notify: bool(p, 'notify') });
    return e.relationship(account.id, target.id);
  });

  app.post('/api/v1/accounts/:id/unfollow', async (req) => {
    const { account } = requireUser(ctx, req, 'write:follows');
    const target = live((req.params as { id: string }).id);
    ctx.actions.unfollow(account.id, target.id);
    return e.relationship(account.id, target.id);
  });

  app.get('/api/v1/accounts/:id/lists', async (req) => {
    const { account } = requireUser(ctx, req, 'read:lists');
    const target = live((req.params as { id: string }).id);
    return ctx.store.lists.containing(account.id, target.id).map((l) => e.list(l));
  });

  app.get('/api/v1/follow_requests', async (req, reply) => {
    const { account } = requireUser(ctx, req, 'read:follows');
    const rows = ctx.store.follows.requests(account.id, paging(paramsOf(req), 40, 80));
    setLinkHeader(req, reply, ctx.urls.origin, pageIds(rows.map((r) => ({ id: r.followId }))));
    return rows.map((r) => ctx.store.accounts.byId(r.accountId)).filter((x): x is AccountRow => !!x).map((x) => e.account(x));
  });

  for (const answer of ['authorize', 'reject'] as const) {
    app.post(`/api/v1/follow_requests/:id/${answer}`, async (req) => {
      const { account } = requireUser(ctx, req, 'write:follows');
      const requester = live((req.params as { id: string }).id);
      ctx.actions.answerFollowRequest(account.id, requester.id, answer === 'authorize');
      return e.relationship(account.id, requester.id);
    });
  }
}
