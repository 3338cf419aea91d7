/**
 * The social pages (Vietnamese, server-rendered, no JavaScript needed):
 *
 *   /mang-xa-hoi?bang-tin=&at=&sau=   home: compose, the feed switcher, the chosen feed (default
 *                                     "Theo thời gian"; the choice is kept in a cookie), paging;
 *                                     ranked feeds with "Vì sao tôi thấy bài này?" per item
 *   /mang-xa-hoi/tim-kiem?q=&trang=   post search through the post index (and accounts)
 *   /bai-viet/moi                     compose (GET: the form; POST: post or reply)
 *   POST /bai-viet/:id/thich|bo-thich|dang-lai|bo-dang-lai|xoa
 *   /@name, /@name@domain             a profile and its posts (?sau=)
 *   /@name/dang-theo-doi, /@name/nguoi-theo-doi   following, followers (?sau=)
 *   POST /@name/theo-doi, /@name/bo-theo-doi
 *   /@name/:id                        a post with its thread (ancestors, replies) and a reply form
 *   /thong-bao?sau=                   notifications; POST /thong-bao/yeu-cau/:id/chap-nhan|tu-choi
 *   POST /bang-tin/:id/theo-doi|bo-theo-doi   follow a feed (it joins the switcher and the lists apps see)
 *
 * Every write goes through `ctx.actions` — the same calls the Mastodon API makes — so federation
 * hears about it. Every POST checks the CSRF token first (403), then the session (to sign-in).
 * `/@name` URLs are shared with ActivityPub: federation answers servers asking for JSON; browsers
 * reach these routes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SocialContext } from '../http.ts';
import type { AccountRow, StatusRow, Visibility } from '../store/rows.ts';
import { VISIBILITIES } from '../store/rows.ts';
import { SocialError, notFound } from '../store/errors.ts';
import { normalizeId } from '../store/ids.ts';
import { countableLength } from '../store/content.ts';
import { storedText } from '../store/text.ts';
import { MAX_STATUS_CHARS } from '../store/actions.ts';
import { newSecret } from '../store/secrets.ts';
import { atParam, feedIdParam, feedService } from '../mastodon/feeds.ts';
import { searchStatuses } from '../mastodon/search.ts';
import { postIndexOf } from '../search/services.ts';
import { DEFAULT_FEED } from '../feeds/builtin.ts';
import type { FeedRow } from '../feeds/store.ts';
import { checkCsrf, parseCookies, sessionOf, type PageSession } from './session.ts';
import { safeNext } from './routes.ts';
import { closeFeedFollows, feedFollowsOf, MAX_FOLLOWED_FEEDS } from './feed-follows.ts';
import {
  COMPOSE_PATH,
  COMPOSE_SCRIPT,
  COMPOSE_SCRIPT_PATH,
  composePage,
  HOME_PATH,
  homePage,
  notificationsPage,
  NOTIFICATIONS_PATH,
  postPath,
  profilePage,
  profilePath,
  SEARCH_PATH,
  searchPage,
  threadPage,
  welcomePage,
  type ComposeView,
  type HomeItem,
  type NotificationItem,
  type PostFacts,
  type Viewer,
} from './social-views.ts';

type Body = Record<string, unknown>;
const field = (b: Body, k: string, max = 5000): string => {
  const v = b[k];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s.slice(0, max) : '';
};

/** The cookie that keeps the reader's chosen feed for the home page. */
export const FEED_COOKIE = 'tra_bang_tin';
const PAGE_SIZE = 20;

function send(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

/** The path and query of this request (where forms on its page come back to). */
function here(req: FastifyRequest): string {
  return safeNext(req.url) ?? HOME_PATH;
}

function toSignIn(reply: FastifyReply, back: string): FastifyReply {
  return reply.redirect(`/dang-nhap?tiep=${encodeURIComponent(back)}`, 303);
}

/** `/@name` or `/@name@domain` → the account (404 when unknown or deleted). */
function accountOf(ctx: SocialContext, acct: string): AccountRow {
  const m = /^([A-Za-z0-9_][A-Za-z0-9_.-]{0,99})(?:@([A-Za-z0-9.-]{1,253}(?::\d{1,5})?))?$/.exec(acct);
  if (!m) throw notFound('Không tìm thấy tài khoản này');
  const local = !m[2] || m[2].toLowerCase() === ctx.urls.host.toLowerCase();
  const a = ctx.store.accounts.byHandle(m[1], local ? null : m[2].toLowerCase());
  if (!a || a.deletedAt !== null) throw notFound('Không tìm thấy tài khoản này (có thể đã bị xoá)');
  return a;
}

export async function socialPages(app: FastifyInstance, { ctx }: { ctx: SocialContext }): Promise<void> {
  const svc = () => feedService(ctx);
  app.addHook('onClose', async () => closeFeedFollows(ctx));

  const viewerOf = (s: PageSession | undefined): Viewer | undefined => (s ? { account: s.account, csrf: s.csrf } : undefined);

  const facts = (st: StatusRow, viewerId: string | undefined): PostFacts => {
    const author = ctx.store.accounts.byId(st.accountId);
    const original = st.reblogOfId ? ctx.store.statuses.byId(st.reblogOfId) : undefined;
    const target = original ?? st;
    const parent = target.inReplyToAccountId ? ctx.store.accounts.byId(target.inReplyToAccountId) : undefined;
    return {
      status: st,
      author,
      original,
      originalAuthor: original ? ctx.store.accounts.byId(original.accountId) : undefined,
      counts: ctx.store.statuses.counts(target.id),
      mine: viewerId ? ctx.store.statuses.viewerState(viewerId, target.id) : { favourited: false, reblogged: false },
      parentAuthor: parent && parent.id !== author?.id ? parent : undefined,
    };
  };
  const visibleFacts = (rows: StatusRow[], viewerId: string | undefined): PostFacts[] =>
    rows.filter((st) => {
      if (st.reblogOfId) {
        const o = ctx.store.statuses.byId(st.reblogOfId);
        return !!o && ctx.store.statuses.canSee(o, viewerId);
      }
      return true;
    }).map((st) => facts(st, viewerId));

  const composeView = (s: PageSession, tiep: string, extra: Partial<ComposeView> = {}): ComposeView => ({ csrf: s.csrf, tiep, key: newSecret(12), ...extra });

  app.get(COMPOSE_SCRIPT_PATH, async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(COMPOSE_SCRIPT));

  // --- Home.
  const switcherFeeds = (viewerId: string | undefined): FeedRow[] => {
    const all = svc().feeds.list(viewerId);
    if (!viewerId) return all;
    // Built-in feeds, the reader's own, and the ones they follow; the rest stay in /bang-tin.
    const followed = new Set(feedFollowsOf(ctx).list(viewerId));
    const out = all.filter((f) => f.ownerId === null || f.ownerId === viewerId || followed.has(f.id));
    for (const id of followed) {
      if (out.some((f) => f.id === id)) continue;
      const f = svc().feeds.get(id);
      if (f && (f.published || f.ownerId === viewerId)) out.push(f);
    }
    return out;
  };

  app.get(HOME_PATH, async (req, reply) => {
    const s = sessionOf(ctx, req);
    const q = req.query as Record<string, string | undefined>;
    if (!s) return send(reply, 200, welcomePage({ feeds: svc().feeds.list(undefined).map((f) => ({ id: f.id, name: f.spec.name })) }));
    const chosen = q['bang-tin'];
    let feedId = DEFAULT_FEED;
    if (chosen) feedId = feedIdParam(chosen);
    else {
      const kept = parseCookies(req.headers.cookie)[FEED_COOKIE];
      if (kept && /^[a-z0-9-]{1,40}$/.test(kept) && svc().feeds.get(kept)) feedId = kept;
    }
    let feed: FeedRow;
    try {
      feed = svc().readable(feedId, s.account.id);
    } catch (e) {
      if (chosen) throw e;
      feed = svc().readable(DEFAULT_FEED, s.account.id);
    }
    if (chosen) {
      reply.header('set-cookie', `${FEED_COOKIE}=${encodeURIComponent(feed.id)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${365 * 86_400}${ctx.secureCookies ? '; Secure' : ''}`);
    }
    // The clock: the given one, else the next whole minute — a post made a moment ago is in, and
    // ranked results computed for this minute are shared by every page of it.
    const at = atParam(q.at) ?? Math.ceil(Date.now() / 60_000) * 60_000;
    const page = await svc().page(feed.id, s.account.id, { at, maxId: normalizeId(q.sau), limit: PAGE_SIZE });
    const ranked = feed.spec.order === 'ranked';
    const items: HomeItem[] = page.items
      .filter((it) => !it.status.reblogOfId || visibleFacts([it.status], s.account.id).length > 0)
      .map((it) => ({
        facts: facts(it.status, s.account.id),
        rank: it.rank,
        scoreMicro: it.scoreMicro,
        why: `/bang-tin/${feed.id}/vi-sao/${it.status.id}?at=${page.at}`,
      }));
    const feedParam = chosen ? `bang-tin=${encodeURIComponent(feed.id)}&` : '';
    const da = q.da;
    return send(
      reply,
      200,
      homePage({
        viewer: { account: s.account, csrf: s.csrf },
        feeds: switcherFeeds(s.account.id).map((f) => ({ id: f.id, name: f.spec.name })),
        feed: { id: feed.id, name: feed.spec.name, ranked, rulesUrl: `/bang-tin/${feed.id}` },
        at: page.at,
        items,
        next: page.next ? `${HOME_PATH}?${feedParam}at=${page.next.at}&sau=${page.next.maxId}` : undefined,
        tiep: here(req),
        compose: composeView(s, HOME_PATH, { idPrefix: 'soan' }),
        notice: da === 'dang-bai' ? 'Đã đăng bài.' : da === 'xoa' ? 'Đã xoá bài.' : undefined,
      }),
    );
  });

  // --- Compose, reply.
  app.get(COMPOSE_PATH, async (req, reply) => {
    const s = sessionOf(ctx, req);
    if (!s) return toSignIn(reply, here(req));
    const q = req.query as Record<string, string | undefined>;
    const replyId = normalizeId(q.tra_loi);
    const parent = replyId ? ctx.actions.visibleStatus(replyId, s.account.id) : undefined;
    const parentAuthor = parent ? ctx.store.accounts.byId(parent.accountId) : undefined;
    const tiep = parent && parentAuthor ? postPath(parent, parentAuthor) : HOME_PATH;
    return send(
      reply,
      200,
      composePage({
        ...composeView(s, tiep, { replyTo: parent, text: parent ? mentionPrefix(parentAuthor, s.account) : undefined, visibility: parent ? replyVisibility(parent) : undefined }),
        viewer: { account: s.account, csrf: s.csrf },
        replyFacts: parent ? facts(parent, s.account.id) : undefined,
      }),
    );
  });

  app.post(COMPOSE_PATH, async (req, reply) => {
    const s = sessionOf(ctx, req);
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, s, b.csrf);
    if (!s) return toSignIn(reply, COMPOSE_PATH);
    const tiep = safeNext(field(b, 'tiep', 2000)) ?? HOME_PATH;
    const text = field(b, 'status', 20_000);
    const spoiler = field(b, 'spoiler_text', 2000);
    const visRaw = field(b, 'visibility', 20);
    const visibility: Visibility = (VISIBILITIES as readonly string[]).includes(visRaw) ? (visRaw as Visibility) : 'public';
    const replyId = normalizeId(field(b, 'in_reply_to_id', 40)) ?? null;
    const again = (status: number, message: string) => {
      const parent = replyId ? ctx.store.statuses.byId(replyId) : undefined;
      const visibleParent = parent && ctx.store.statuses.canSee(parent, s.account.id) ? parent : undefined;
      return send(
        reply,
        status,
        composePage({
          ...composeView(s, tiep, { replyTo: visibleParent, text, spoiler, visibility, counted: countableLength(storedText(text)), errors: [message] }),
          viewer: { account: s.account, csrf: s.csrf },
          replyFacts: visibleParent ? facts(visibleParent, s.account.id) : undefined,
        }),
      );
    };
    // The same limit the API applies, said here with the count so the writer knows how much to cut.
    const length = countableLength(storedText(text));
    if (length > MAX_STATUS_CHARS) return again(422, `Bài viết dài ${length} ký tự, quá giới hạn ${MAX_STATUS_CHARS} ký tự: hãy rút ngắn ${length - MAX_STATUS_CHARS} ký tự rồi gửi lại.`);
    const key = field(b, 'khoa', 64);
    let st: StatusRow;
    try {
      st = ctx.actions.post(s.account.id, { text, spoilerText: spoiler, sensitive: spoiler.trim() !== '', visibility, inReplyToId: replyId, idempotencyKey: key ? `trang:${key}` : undefined });
    } catch (err) {
      if (err instanceof SocialError) return again(err.statusCode, err.message);
      throw err;
    }
    const back = tiep === HOME_PATH ? `${HOME_PATH}?da=dang-bai` : tiep.split('#')[0];
    return reply.redirect(`${back}#bai-${st.id}`, 303);
  });

  // --- Favourite, boost, delete.
  const postAction = (path: string, act: (accountId: string, statusId: string) => void, after?: (st: StatusRow, tiep: string) => string) => {
    app.post(`/bai-viet/:id/${path}`, async (req, reply) => {
      const s = sessionOf(ctx, req);
      const b = (req.body ?? {}) as Body;
      checkCsrf(ctx, req, s, b.csrf);
      const id = normalizeId((req.params as { id: string }).id);
      const tiep = safeNext(field(b, 'tiep', 2000)) ?? HOME_PATH;
      if (!s) return toSignIn(reply, tiep);
      if (!id) throw notFound('Không tìm thấy bài viết này');
      const st = ctx.actions.visibleStatus(id, s.account.id);
      act(s.account.id, st.id);
      return reply.redirect(after ? after(st, tiep) : `${tiep.split('#')[0]}#bai-${st.id}`, 303);
    });
  };
  postAction('thich', (a, id) => ctx.actions.favourite(a, id));
  postAction('bo-thich', (a, id) => ctx.actions.unfavourite(a, id));
  postAction('dang-lai', (a, id) => ctx.actions.reblog(a, id));
  postAction('bo-dang-lai', (a, id) => ctx.actions.unreblog(a, id));
  postAction(
    'xoa',
    (a, id) => ctx.actions.deleteStatus(a, id),
    (st, tiep) => (tiep.includes(st.id) || tiep.startsWith(HOME_PATH) ? `${HOME_PATH}?da=xoa` : tiep),
  );

  // --- Notifications.
  app.get(NOTIFICATIONS_PATH, async (req, reply) => {
    const s = sessionOf(ctx, req);
    if (!s) return toSignIn(reply, here(req));
    const q = req.query as Record<string, string | undefined>;
    const rows = ctx.store.notifications.list(s.account.id, { limit: PAGE_SIZE, maxId: normalizeId(q.sau) });
    const items: NotificationItem[] = rows.map((n) => {
      const st = n.statusId ? ctx.store.statuses.byId(n.statusId) : undefined;
      return {
        n,
        from: ctx.store.accounts.byId(n.fromAccountId),
        status: st && ctx.store.statuses.canSee(st, s.account.id) ? facts(st, s.account.id) : undefined,
        pending: n.type === 'follow_request' && ctx.store.follows.get(n.fromAccountId, s.account.id)?.state === 'pending',
      };
    });
    const da = q.da;
    return send(
      reply,
      200,
      notificationsPage({
        viewer: { account: s.account, csrf: s.csrf },
        items,
        next: rows.length === PAGE_SIZE ? `${NOTIFICATIONS_PATH}?sau=${rows[rows.length - 1].id}` : undefined,
        tiep: here(req),
        notice: da === 'chap-nhan' ? 'Đã chấp nhận yêu cầu theo dõi.' : da === 'tu-choi' ? 'Đã từ chối yêu cầu theo dõi.' : undefined,
      }),
    );
  });

  for (const [path, accept] of [['chap-nhan', true], ['tu-choi', false]] as const) {
    app.post(`/thong-bao/yeu-cau/:id/${path}`, async (req, reply) => {
      const s = sessionOf(ctx, req);
      const b = (req.body ?? {}) as Body;
      checkCsrf(ctx, req, s, b.csrf);
      if (!s) return toSignIn(reply, NOTIFICATIONS_PATH);
      const id = normalizeId((req.params as { id: string }).id);
      if (!id) throw notFound('Không có yêu cầu theo dõi nào từ tài khoản này');
      ctx.actions.answerFollowRequest(s.account.id, id, accept);
      return reply.redirect(`${NOTIFICATIONS_PATH}?da=${path}`, 303);
    });
  }

  // --- Post search.
  app.get(SEARCH_PATH, async (req, reply) => {
    const s = sessionOf(ctx, req);
    const q = req.query as Record<string, string | undefined>;
    const query = String(q.q ?? '').slice(0, 500).trim().normalize('NFC');
    const pageNo = Math.min(Math.max(1, Number.parseInt(String(q.trang ?? '1'), 10) || 1), 50);
    let accounts: AccountRow[] = [];
    let posts: PostFacts[] = [];
    let more = false;
    if (query) {
      if (pageNo === 1) {
        const handle = query.replace(/^@/, '');
        const [username, domain] = handle.split('@');
        const exact = domain ? ctx.store.accounts.byHandle(username, domain.toLowerCase() === ctx.urls.host.toLowerCase() ? null : domain.toLowerCase()) : undefined;
        accounts = exact && exact.deletedAt === null ? [exact] : query.startsWith('@') || !/\s/.test(query) ? ctx.store.accounts.search(username, 5) : [];
      }
      if (!query.startsWith('@')) {
        const index = await postIndexOf(ctx);
        await index.fresh();
        const rows = searchStatuses(ctx, index, { query, limit: PAGE_SIZE + 1, offset: (pageNo - 1) * PAGE_SIZE });
        more = rows.length > PAGE_SIZE;
        posts = rows.slice(0, PAGE_SIZE).map((st) => facts(st, s?.account.id));
      }
    }
    return send(
      reply,
      200,
      searchPage({
        viewer: viewerOf(s),
        q: query,
        accounts,
        posts,
        next: more ? `${SEARCH_PATH}?q=${encodeURIComponent(query)}&trang=${pageNo + 1}` : undefined,
        tiep: here(req),
      }),
    );
  });

  // --- Following feeds.
  for (const [path, on] of [['theo-doi', true], ['bo-theo-doi', false]] as const) {
    app.post(`/bang-tin/:id/${path}`, async (req, reply) => {
      const s = sessionOf(ctx, req);
      const b = (req.body ?? {}) as Body;
      checkCsrf(ctx, req, s, b.csrf);
      const id = feedIdParam((req.params as { id: string }).id);
      if (!s) return toSignIn(reply, `/bang-tin/${id}`);
      const f = svc().readable(id, s.account.id);
      const follows = feedFollowsOf(ctx);
      if (on) {
        if (!follows.has(s.account.id, f.id) && follows.count(s.account.id) >= MAX_FOLLOWED_FEEDS) throw new SocialError(422, `Bạn đã theo dõi ${MAX_FOLLOWED_FEEDS} bảng tin, nhiều nhất có thể: hãy bỏ theo dõi bớt một bảng tin`);
        follows.follow(s.account.id, f.id);
      } else follows.unfollow(s.account.id, f.id);
      return reply.redirect(safeNext(field(b, 'tiep', 2000)) ?? `/bang-tin/${f.id}?da=${path}`, 303);
    });
  }

  // --- Profiles and threads. `/@name` is shared with ActivityPub (JSON to servers, pages here).
  const relation = (viewerId: string | undefined, a: AccountRow) => {
    if (!viewerId || viewerId === a.id) return undefined;
    const f = ctx.store.follows.get(viewerId, a.id);
    return { following: !f ? ('no' as const) : f.state === 'pending' ? ('pending' as const) : ('yes' as const), followedBy: ctx.store.follows.get(a.id, viewerId)?.state === 'accepted' };
  };
  const fullHandle = (a: AccountRow) => `@${a.username}@${a.domain ?? ctx.urls.host}`;

  app.get('/@:acct', async (req, reply) => {
    const s = sessionOf(ctx, req);
    const a = accountOf(ctx, (req.params as { acct: string }).acct);
    const q = req.query as Record<string, string | undefined>;
    const rows = ctx.store.statuses.byAccount(a.id, s?.account.id, { limit: PAGE_SIZE, maxId: normalizeId(q.sau) });
    return send(
      reply,
      200,
      profilePage({
        viewer: viewerOf(s),
        account: a,
        counts: ctx.store.accounts.counts(a.id),
        fullHandle: fullHandle(a),
        relation: relation(s?.account.id, a),
        tab: 'posts',
        posts: visibleFacts(rows, s?.account.id),
        next: rows.length === PAGE_SIZE ? `${profilePath(a)}?sau=${rows[rows.length - 1].id}` : undefined,
        tiep: here(req),
        notice: q.da === 'theo-doi' ? (a.locked || a.domain ? 'Đã gửi yêu cầu theo dõi.' : `Bạn đang theo dõi @${a.username}.`) : q.da === 'bo-theo-doi' ? 'Đã bỏ theo dõi.' : undefined,
      }),
    );
  });

  for (const [path, tab] of [['dang-theo-doi', 'following'], ['nguoi-theo-doi', 'followers']] as const) {
    app.get(`/@:acct/${path}`, async (req, reply) => {
      const s = sessionOf(ctx, req);
      const a = accountOf(ctx, (req.params as { acct: string }).acct);
      const q = req.query as Record<string, string | undefined>;
      const paging = { limit: 40, maxId: normalizeId(q.sau) };
      const rows = tab === 'following' ? ctx.store.follows.following(a.id, paging) : ctx.store.follows.followers(a.id, paging);
      const people = [...ctx.store.accounts.byIds(rows.map((r) => r.accountId)).values()].filter((x) => x.deletedAt === null);
      const order = new Map(rows.map((r, i) => [r.accountId, i]));
      people.sort((x, y) => (order.get(x.id) ?? 0) - (order.get(y.id) ?? 0));
      return send(
        reply,
        200,
        profilePage({
          viewer: viewerOf(s),
          account: a,
          counts: ctx.store.accounts.counts(a.id),
          fullHandle: fullHandle(a),
          relation: relation(s?.account.id, a),
          tab,
          people,
          next: rows.length === 40 ? `${profilePath(a)}/${path}?sau=${rows[rows.length - 1].followId}` : undefined,
          tiep: here(req),
        }),
      );
    });
  }

  for (const [path, on] of [['theo-doi', true], ['bo-theo-doi', false]] as const) {
    app.post(`/@:acct/${path}`, async (req, reply) => {
      const s = sessionOf(ctx, req);
      const b = (req.body ?? {}) as Body;
      checkCsrf(ctx, req, s, b.csrf);
      const a = accountOf(ctx, (req.params as { acct: string }).acct);
      if (!s) return toSignIn(reply, profilePath(a));
      if (on) ctx.actions.follow(s.account.id, a.id);
      else ctx.actions.unfollow(s.account.id, a.id);
      const tiep = safeNext(field(b, 'tiep', 2000));
      const back = tiep && tiep.split(/[?#]/)[0] !== profilePath(a) ? tiep : `${profilePath(a)}?da=${path}`;
      return reply.redirect(back, 303);
    });
  }

  app.get('/@:acct/:id', async (req, reply) => {
    const s = sessionOf(ctx, req);
    const viewerId = s?.account.id;
    const params = req.params as { acct: string; id: string };
    const a = accountOf(ctx, params.acct);
    const id = normalizeId(params.id);
    if (!id) throw notFound('Không tìm thấy bài viết này');
    const st = ctx.actions.visibleStatus(id, viewerId);
    if (st.accountId !== a.id) throw notFound('Không tìm thấy bài viết này');
    if (st.reblogOfId) {
      const o = ctx.actions.visibleStatus(st.reblogOfId, viewerId);
      const oa = ctx.store.accounts.byId(o.accountId);
      if (!oa) throw notFound('Không tìm thấy bài viết này');
      return reply.redirect(postPath(o, oa), 303);
    }
    const see = (x: StatusRow) => ctx.store.statuses.canSee(x, viewerId);
    const self = here(req);
    return send(
      reply,
      200,
      threadPage({
        viewer: viewerOf(s),
        ancestors: ctx.store.statuses.ancestors(st).filter(see).map((x) => facts(x, viewerId)),
        focus: facts(st, viewerId),
        descendants: ctx.store.statuses.descendants(st).filter(see).map((x) => facts(x, viewerId)),
        tiep: self,
        compose: s ? composeView(s, postPath(st, a), { idPrefix: 'tra-loi-bai', replyTo: st, text: mentionPrefix(a, s.account), visibility: replyVisibility(st) }) : undefined,
      }),
    );
  });
}

/** A reply starts by naming whom it answers (not oneself), as Mastodon's composer does. */
function mentionPrefix(author: AccountRow | undefined, me: AccountRow): string | undefined {
  if (!author || author.id === me.id) return undefined;
  return author.domain ? `@${author.username}@${author.domain} ` : `@${author.username} `;
}

/** A reply starts with the visibility of the post it answers (the writer may change it). */
function replyVisibility(parent: StatusRow): Visibility {
  return parent.visibility;
}
