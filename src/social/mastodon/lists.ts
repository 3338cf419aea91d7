/**
 * /api/v1/lists (docs.joinmastodon.org/methods/lists): create, read, rename, delete, members.
 *
 * Feeds are lists too: the feeds a reader owns or follows (src/social/pages/feed-follows.ts) are
 * listed after their own lists with the id `bang-tin-<feed id>`, so Mastodon apps show them as
 * tabs and read them through `timelines/list/:id` (timelines.ts). Such a list has no members; it
 * cannot be renamed or given members (422: its rules are changed on its feed page); deleting it
 * unfollows the feed (one's own feeds are always listed: 422).
 */
import type { FastifyInstance } from 'fastify';
import type { ApiOptions } from './routes.ts';
import type { AccountRow, ListRow } from '../store/rows.ts';
import { SocialError, notFound } from '../store/errors.ts';
import { MAX_LIST_MEMBERS, MAX_LISTS } from '../store/lists.ts';
import { requireUser } from './auth.ts';
import { bool, idParam, int, list, paramsOf, str, type Params } from './params.ts';
import { feedService } from './feeds.ts';
import { feedFollowsOf } from '../pages/feed-follows.ts';
import type { SocialContext } from '../http.ts';
import type { FeedRow } from '../feeds/store.ts';

/** The prefix of a feed's id as a list. */
export const FEED_LIST_PREFIX = 'bang-tin-';

/** The feed a list id names (`bang-tin-…`), if the reader may read it; undefined for ordinary ids. */
export function feedOfList(ctx: SocialContext, accountId: string, id: unknown): FeedRow | undefined {
  const s = String(id ?? '');
  if (!s.startsWith(FEED_LIST_PREFIX)) return undefined;
  const feedId = s.slice(FEED_LIST_PREFIX.length);
  if (!/^(?:[a-z0-9-]{1,40}|\d{1,30})$/.test(feedId)) throw notFound('Không tìm thấy danh sách này');
  const f = feedService(ctx).feeds.get(feedId);
  if (!f || (!f.published && f.ownerId !== accountId)) throw notFound('Không tìm thấy danh sách này');
  return f;
}

/** The feeds a reader owns or follows, as they appear among the lists. */
export function feedsAsLists(ctx: SocialContext, accountId: string): FeedRow[] {
  const feeds = feedService(ctx).feeds;
  const out = feeds.list(accountId).filter((f) => f.ownerId === accountId);
  for (const id of feedFollowsOf(ctx).list(accountId)) {
    if (out.some((f) => f.id === id)) continue;
    const f = feeds.get(id);
    if (f && (f.published || f.ownerId === accountId)) out.push(f);
  }
  return out;
}

const feedList = (f: FeedRow) => ({ id: FEED_LIST_PREFIX + f.id, title: f.spec.name, replies_policy: 'list', exclusive: false });
const notAList = () => new SocialError(422, 'Danh sách này là một bảng tin: quy tắc của nó đổi ở trang bảng tin (/bang-tin), không thêm bớt thành viên được');

const POLICIES = ['followed', 'list', 'none'] as const;

function policyOf(p: Params): ListRow['repliesPolicy'] | undefined {
  const v = str(p, 'replies_policy', 20);
  if (v === undefined || v === '') return undefined;
  if (!(POLICIES as readonly string[]).includes(v)) throw new SocialError(422, `replies_policy phải là một trong: ${POLICIES.join(', ')}`);
  return v as ListRow['repliesPolicy'];
}

function titleOf(p: Params, required: boolean): string | undefined {
  const t = str(p, 'title', 500)?.trim();
  if (required && !t) throw new SocialError(422, 'Thiếu title: tên danh sách', { field: 'title' });
  if (t !== undefined && [...t].length > 100) throw new SocialError(422, 'Tên danh sách dài quá 100 ký tự', { field: 'title' });
  return t || undefined;
}

export async function listRoutes(app: FastifyInstance, { ctx, e }: ApiOptions): Promise<void> {
  const own = (accountId: string, id: unknown): ListRow => {
    const l = ctx.store.lists.get(accountId, idParam(id, 'Không tìm thấy danh sách này'));
    if (!l) throw notFound('Không tìm thấy danh sách này');
    return l;
  };

  app.get('/api/v1/lists', async (req) => {
    const { account } = requireUser(ctx, req, 'read:lists');
    return [...ctx.store.lists.all(account.id).map((l) => e.list(l)), ...feedsAsLists(ctx, account.id).map(feedList)];
  });

  app.get('/api/v1/lists/:id', async (req) => {
    const { account } = requireUser(ctx, req, 'read:lists');
    const id = (req.params as { id: string }).id;
    const f = feedOfList(ctx, account.id, id);
    return f ? feedList(f) : e.list(own(account.id, id));
  });

  app.post('/api/v1/lists', async (req) => {
    const { account } = requireUser(ctx, req, 'write:lists');
    const p = paramsOf(req);
    if (ctx.store.lists.count(account.id) >= MAX_LISTS) throw new SocialError(422, `Mỗi tài khoản có tối đa ${MAX_LISTS} danh sách`);
    return e.list(ctx.store.lists.create(account.id, { title: titleOf(p, true)!, repliesPolicy: policyOf(p), exclusive: bool(p, 'exclusive') }));
  });

  app.put('/api/v1/lists/:id', async (req) => {
    const { account } = requireUser(ctx, req, 'write:lists');
    if (feedOfList(ctx, account.id, (req.params as { id: string }).id)) throw notAList();
    const l = own(account.id, (req.params as { id: string }).id);
    const p = paramsOf(req);
    return e.list(ctx.store.lists.update(account.id, l.id, { title: titleOf(p, false), repliesPolicy: policyOf(p), exclusive: bool(p, 'exclusive') })!);
  });

  app.delete('/api/v1/lists/:id', async (req) => {
    const { account } = requireUser(ctx, req, 'write:lists');
    const f = feedOfList(ctx, account.id, (req.params as { id: string }).id);
    if (f) {
      if (f.ownerId === account.id) throw new SocialError(422, 'Bảng tin của bạn luôn có trong danh sách; muốn bỏ nó thì hãy làm ở trang bảng tin');
      feedFollowsOf(ctx).unfollow(account.id, f.id);
      return {};
    }
    const l = own(account.id, (req.params as { id: string }).id);
    ctx.store.lists.delete(account.id, l.id);
    return {};
  });

  app.get('/api/v1/lists/:id/accounts', async (req) => {
    const { account } = requireUser(ctx, req, 'read:lists');
    if (feedOfList(ctx, account.id, (req.params as { id: string }).id)) return [];
    const l = own(account.id, (req.params as { id: string }).id);
    const p = paramsOf(req);
    const limit = int(p, 'limit', 0, 80) ?? 40;
    const ids = ctx.store.lists.members(l.id, limit === 0 ? MAX_LIST_MEMBERS : limit);
    return ids.map((id) => ctx.store.accounts.byId(id)).filter((a): a is AccountRow => !!a && a.deletedAt === null).map((a) => e.account(a));
  });

  app.post('/api/v1/lists/:id/accounts', async (req) => {
    const { account } = requireUser(ctx, req, 'write:lists');
    if (feedOfList(ctx, account.id, (req.params as { id: string }).id)) throw notAList();
    const l = own(account.id, (req.params as { id: string }).id);
    const ids = list(paramsOf(req), 'account_ids', 100).map((id) => idParam(id, 'Không tìm thấy tài khoản này'));
    if (ids.length === 0) throw new SocialError(422, 'Thiếu account_ids: các tài khoản cần thêm');
    for (const id of ids) {
      const a = ctx.store.accounts.byId(id);
      if (!a || a.deletedAt !== null) throw notFound('Không tìm thấy tài khoản này');
      if (ctx.store.follows.get(account.id, id)?.state !== 'accepted') throw new SocialError(422, `Chỉ thêm được vào danh sách những tài khoản bạn đang theo dõi (@${a.username} chưa được theo dõi)`);
    }
    if (ctx.store.lists.memberCount(l.id) + ids.length > MAX_LIST_MEMBERS) throw new SocialError(422, `Mỗi danh sách có tối đa ${MAX_LIST_MEMBERS} tài khoản`);
    ctx.store.lists.addMembers(l.id, ids);
    return {};
  });

  app.delete('/api/v1/lists/:id/accounts', async (req) => {
    const { account } = requireUser(ctx, req, 'write:lists');
    if (feedOfList(ctx, account.id, (req.params as { id: string }).id)) throw notAList();
    const l = own(account.id, (req.params as { id: string }).id);
    ctx.store.lists.removeMembers(l.id, list(paramsOf(req), 'account_ids', 100).map((id) => idParam(id)));
    return {};
  });
}
