/**
 * The feed pages (Vietnamese, no JavaScript needed):
 *
 *   /bang-tin                        the feeds one can read, with the switcher
 *   /bang-tin/:id?at=&sau=           a feed: its rules (generated from the spec), hash, version,
 *                                    the items, "Vì sao tôi thấy bài này?" per item, next page;
 *                                    signed in: copy with other weights; the owner: publish
 *   /bang-tin/:id/vi-sao/:status?at= the explanation of one item
 *   /bang-tin/:id/phien-ban          every version of the spec
 *   POST /bang-tin/:id/sao-chep      copy (CSRF) → the copy's page
 *   POST /bang-tin/:id/cong-bo       publish (CSRF)
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiOptions } from '../mastodon/routes.ts';
import { SocialError } from '../store/errors.ts';
import { normalizeId } from '../store/ids.ts';
import { checkCsrf, csrfFor, sessionOf } from './session.ts';
import { atParam, feedIdParam, feedService, nameOf } from '../mastodon/feeds.ts';
import { BUILTIN_FEEDS, DEFAULT_FEED } from '../feeds/builtin.ts';
import { personalOf } from '../feeds/service.ts';
import type { FeedRow } from '../feeds/store.ts';
import { SIGNALS } from '../feeds/signals.ts';
import { feedFollowsOf } from './feed-follows.ts';
import { directoryPage, feedPage, FEEDS_STYLE, FEEDS_STYLE_PATH, historyPage, whyPage } from './feeds-views.ts';

export function personalText(f: FeedRow): string {
  return BUILTIN_FEEDS.find((b) => b.id === f.id)?.personal ?? personalOf(f.spec);
}

export async function feedPages(app: FastifyInstance, { ctx }: ApiOptions): Promise<void> {
  const svc = () => feedService(ctx);
  const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;

  app.get(FEEDS_STYLE_PATH, async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(FEEDS_STYLE));

  app.get('/bang-tin', async (req, reply) => {
    const session = sessionOf(ctx, req);
    const feeds = svc().feeds.list(session?.account.id);
    return reply.type('text/html; charset=utf-8').send(directoryPage(feeds.map((feed) => ({ feed, personal: personalText(feed) })), DEFAULT_FEED));
  });

  app.get('/bang-tin/:id', async (req, reply) => {
    const session = sessionOf(ctx, req);
    const viewerId = session?.account.id;
    const id = feedIdParam((req.params as { id: string }).id);
    const page = await svc().page(id, viewerId, { at: atParam(q(req).at), maxId: normalizeId(q(req).sau), limit: 20 });
    const feeds = svc().feeds.list(viewerId).map((f) => ({ id: f.id, name: f.spec.name }));
    const da = q(req).da;
    const notice =
      da === 'sao-chep' ? 'Đã sao chép: đây là bảng tin của bạn (bản nháp).'
      : da === 'cong-bo' ? 'Đã công bố: mọi người đọc được bảng tin và quy tắc của nó.'
      : da === 'theo-doi' ? 'Đã theo dõi bảng tin.'
      : da === 'bo-theo-doi' ? 'Đã bỏ theo dõi bảng tin.'
      : undefined;
    return reply.type('text/html; charset=utf-8').send(
      feedPage({
        feed: page.feed,
        feeds,
        personal: personalText(page.feed),
        at: page.at,
        items: page.items,
        authorOf: (a) => ctx.store.accounts.byId(a),
        nameOf: nameOf(ctx),
        next: page.next ? `/bang-tin/${page.feed.id}?at=${page.next.at}&sau=${page.next.maxId}` : undefined,
        signedIn: !!session,
        owner: !!viewerId && page.feed.ownerId === viewerId,
        csrf: session ? csrfFor(ctx, req, reply, session) : undefined,
        notice,
        followed: viewerId ? feedFollowsOf(ctx).has(viewerId, page.feed.id) : undefined,
      }),
    );
  });

  app.get('/bang-tin/:id/vi-sao/:status', async (req, reply) => {
    const session = sessionOf(ctx, req);
    const viewerId = session?.account.id;
    const id = feedIdParam((req.params as { id: string }).id);
    const statusId = normalizeId((req.params as { status: string }).status);
    const st = statusId ? ctx.store.statuses.byId(statusId) : undefined;
    if (!st || !ctx.store.statuses.canSee(st, viewerId)) throw new SocialError(404, 'Không tìm thấy bài này');
    const r = await svc().explain(id, st.id, viewerId, atParam(q(req).at));
    return reply.type('text/html; charset=utf-8').send(whyPage({ feed: r.feed, at: r.at, status: st, author: ctx.store.accounts.byId(st.accountId), item: r.item, refused: r.refused }));
  });

  app.get('/bang-tin/:id/phien-ban', async (req, reply) => {
    const session = sessionOf(ctx, req);
    const f = svc().readable(feedIdParam((req.params as { id: string }).id), session?.account.id);
    return reply.type('text/html; charset=utf-8').send(historyPage(f, svc().feeds.versions(f.id), nameOf(ctx)));
  });

  app.post('/bang-tin/:id/sao-chep', async (req, reply) => {
    const session = sessionOf(ctx, req);
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    checkCsrf(ctx, req, session, body.csrf);
    if (!session) return reply.redirect(`/dang-nhap?tiep=${encodeURIComponent(`/bang-tin/${(req.params as { id: string }).id}`)}`, 303);
    const id = feedIdParam((req.params as { id: string }).id);
    const weights: Record<string, number> = {};
    for (const name of Object.keys(SIGNALS)) {
      const v = body[`w_${name}`];
      if (v === undefined || v.trim() === '') continue;
      const n = Number(v.replace(',', '.'));
      if (!Number.isFinite(n)) throw new SocialError(422, `Trọng số của "${SIGNALS[name as keyof typeof SIGNALS].label}" phải là một số`);
      weights[name] = n;
    }
    const copy = svc().copy(id, session.account.id, { name: body.name?.trim() || undefined, weights });
    return reply.redirect(`/bang-tin/${copy.id}?da=sao-chep`, 303);
  });

  app.post('/bang-tin/:id/cong-bo', async (req, reply) => {
    const session = sessionOf(ctx, req);
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    checkCsrf(ctx, req, session, body.csrf);
    if (!session) throw new SocialError(401, 'Cần đăng nhập');
    const f = svc().publish(feedIdParam((req.params as { id: string }).id), session.account.id);
    return reply.redirect(`/bang-tin/${f.id}?da=cong-bo`, 303);
  });
}
