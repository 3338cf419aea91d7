/**
 * Our rows as the entities of docs.joinmastodon.org (Account, Status, Relationship, Notification,
 * List, Application, Tag): every field a client may read is present, with an empty value where we
 * have nothing (no custom emojis, no media, no polls, no cards).
 */
import type { SocialContext } from '../http.ts';
import type { AccountRow, AppRow, ListRow, NotificationRow, StatusRow } from '../store/rows.ts';
import { htmlToText } from '../store/content.ts';
import { escapeHtml } from '../../server/html.ts';
import { moderationOf } from '../moderation/service.ts';

export const MASTODON_VERSION = '4.3.0 (compatible; Tra 0.2)';
export const DEFAULT_AVATAR_PATH = '/mxh/anh-dai-dien.svg';
export const DEFAULT_HEADER_PATH = '/mxh/anh-bia.svg';

const iso = (ms: number): string => new Date(ms).toISOString();
/** Mastodon gives an account's creation and last-status times as midnight UTC of that day. */
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export type Json = Record<string, unknown>;

export class Entities {
  private readonly ctx: SocialContext;
  constructor(ctx: SocialContext) {
    this.ctx = ctx;
  }

  account(a: AccountRow): Json {
    const u = this.ctx.urls;
    const c = this.ctx.store.accounts.counts(a.id);
    const avatar = a.avatarUrl ?? u.origin + DEFAULT_AVATAR_PATH;
    const header = a.headerUrl ?? u.origin + DEFAULT_HEADER_PATH;
    const note = a.noteHtml ?? (a.note ? `<p>${escapeHtml(a.note)}</p>` : '');
    return {
      id: a.id,
      username: a.username,
      acct: u.acct(a),
      display_name: a.displayName,
      locked: a.locked,
      bot: a.bot,
      discoverable: a.discoverable,
      indexable: a.indexable,
      group: false,
      noindex: !a.indexable,
      created_at: day(a.createdAt) + 'T00:00:00.000Z',
      note,
      url: u.accountUrl(a),
      uri: u.accountUri(a),
      avatar,
      avatar_static: avatar,
      header,
      header_static: header,
      followers_count: c.followers,
      following_count: c.following,
      statuses_count: c.statuses,
      last_status_at: c.lastStatusAt === null ? null : day(c.lastStatusAt),
      hide_collections: false,
      emojis: [],
      fields: [],
      roles: a.role === 'admin' ? [{ id: '3', name: 'Quản trị', color: '' }] : [],
      ...(a.deletedAt !== null ? { suspended: true } : {}),
    };
  }

  /** verify_credentials / update_credentials: the account with its `source` and `role`. */
  credentialAccount(a: AccountRow): Json {
    const followRequests = this.ctx.store.follows.requests(a.id, { limit: 40 }).length;
    return {
      ...this.account(a),
      source: { privacy: 'public', sensitive: false, language: 'vi', note: a.note, fields: [], follow_requests_count: followRequests, hide_collections: false, discoverable: a.discoverable, indexable: a.indexable },
      role: a.role === 'admin'
        ? { id: '3', name: 'Quản trị', color: '', permissions: '1', highlighted: true }
        : { id: '-99', name: '', color: '', permissions: '65536', highlighted: false },
    };
  }

  app(a: AppRow | undefined): Json | null {
    return a ? { name: a.name, website: a.website } : null;
  }

  status(st: StatusRow, viewerId: string | undefined, depth = 0): Json {
    const store = this.ctx.store;
    const u = this.ctx.urls;
    const author = store.accounts.byId(st.accountId)!;
    const reblogOf = st.reblogOfId && depth === 0 ? store.statuses.byId(st.reblogOfId) : undefined;
    const counts = store.statuses.counts(st.id);
    const mine = viewerId ? store.statuses.viewerState(viewerId, st.id) : undefined;
    const mentions = store.statuses.mentions(st.id).map((id) => store.accounts.byId(id)).filter((a): a is AccountRow => !!a);
    const tags = store.statuses.tags([st.id]).get(st.id) ?? [];
    return {
      id: st.id,
      uri: u.statusUri(st, author),
      url: st.reblogOfId ? null : u.statusUrl(st, author),
      created_at: iso(st.createdAt),
      account: this.account(author),
      content: st.content,
      visibility: st.visibility,
      sensitive: st.sensitive,
      spoiler_text: st.spoilerText,
      media_attachments: [],
      application: st.appId && author.domain === null ? this.app(store.oauth.app(st.appId)) : null,
      mentions: mentions.map((a) => ({ id: a.id, username: a.username, url: u.accountUrl(a), acct: u.acct(a) })),
      tags: tags.map((name) => ({ name, url: u.tag(name) })),
      emojis: [],
      reblogs_count: counts.reblogs,
      favourites_count: counts.favourites,
      replies_count: counts.replies,
      in_reply_to_id: st.inReplyToId,
      in_reply_to_account_id: st.inReplyToAccountId,
      reblog: reblogOf && reblogOf.deletedAt === null ? this.status(reblogOf, viewerId, depth + 1) : null,
      poll: null,
      card: null,
      language: st.language,
      text: null,
      edited_at: st.editedAt === null ? null : iso(st.editedAt),
      ...(mine ? { favourited: mine.favourited, reblogged: mine.reblogged, muted: false, bookmarked: false, pinned: false, filtered: [] } : {}),
    };
  }

  /** The answer to DELETE /statuses/:id: the status with its source text, for "delete and redraft". */
  deletedStatus(st: StatusRow, viewerId: string): Json {
    return { ...this.status({ ...st, deletedAt: null }, viewerId), text: st.text || htmlToText(st.content), spoiler_text: st.spoilerText };
  }

  relationship(viewerId: string, otherId: string): Json {
    const r = this.ctx.store.follows.relationship(viewerId, otherId);
    const m = moderationOf(this.ctx).relationship(viewerId, otherId);
    return {
      id: otherId,
      following: r.following,
      showing_reblogs: r.showingReblogs,
      notifying: r.notifying,
      languages: null,
      followed_by: r.followedBy,
      blocking: m.blocking,
      blocked_by: m.blockedBy,
      muting: m.muting,
      muting_notifications: m.mutingNotifications,
      requested: r.requested,
      requested_by: r.requestedBy,
      domain_blocking: m.domainBlocking,
      endorsed: false,
      note: '',
    };
  }

  notification(n: NotificationRow, viewerId: string): Json | undefined {
    const from = this.ctx.store.accounts.byId(n.fromAccountId);
    if (!from) return undefined;
    const st = n.statusId ? this.ctx.store.statuses.byId(n.statusId) : undefined;
    if (n.statusId && (!st || st.deletedAt !== null)) return undefined;
    return {
      id: n.id,
      type: n.type,
      group_key: `ungrouped-${n.id}`,
      created_at: iso(n.createdAt),
      account: this.account(from),
      status: st ? this.status(st, viewerId) : null,
    };
  }

  list(l: ListRow): Json {
    return { id: l.id, title: l.title, replies_policy: l.repliesPolicy, exclusive: l.exclusive };
  }

  tag(name: string, following = false): Json {
    return { name, url: this.ctx.urls.tag(name), history: [], following };
  }
}
