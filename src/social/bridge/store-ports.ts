/**
 * The social store (DIR/social.sqlite) behind federation's ports (src/social/federation/ports.ts):
 *
 * - `LocalActors`, `LocalPosts`, `InstanceInfo` read our accounts, followers and posts;
 * - `SocialInbox` writes what other servers told us: remote accounts and posts with their URIs,
 *   follows (answered with Accept at once unless the account approves followers by hand), likes,
 *   boosts, replies threaded by `inReplyTo`, mentions as notifications, edits and deletions;
 * - `DeliveryFailures` drops the followers behind an inbox that is gone (404/410).
 *
 * Delivery is at least once, so every inbox method is idempotent: a post, a boost or a like is
 * known by its URI and a second copy changes nothing; a follow is one row per pair of accounts.
 *
 * Visibility: the store's `private` is federation's `followers` (followers-only).
 */
import type { SocialContext } from '../http.ts';
import type { AccountRow, StatusRow, Visibility as StoreVisibility } from '../store/rows.ts';
import { tagKey } from '../store/content.ts';
import { escapeHtml } from '../../server/html.ts';
import type {
  DeliveryFailures, FollowDecision, FollowerAddress, FollowersPage, InstanceInfo, LocalAccount, LocalActors, LocalPost,
  LocalPosts, RemoteActor, RemotePost, SocialInbox, UsageCounts, Visibility,
} from '../federation/ports.ts';
import type { Lookup } from '../federation/lookup.ts';
import { sanitizeHtml } from './sanitize.ts';
import { ModerationInbox } from './moderation.ts';
import { isBlocking } from '../moderation/filter.ts';

/** How many ancestors of a reply are fetched when we do not have them yet. */
const MAX_PARENT_FETCH = 3;

export const toFederation = (v: StoreVisibility): Visibility => (v === 'private' ? 'followers' : v);
export const toStore = (v: Visibility): StoreVisibility => (v === 'followers' ? 'private' : v);

/** Where the news-source module says an account's posts are Articles (sources/). */
export interface ArticleInfo {
  /** The article's title (`name`). */
  title: string;
  /** The link to the article on the outlet's site (`url`). */
  link: string;
}

export interface StorePortsOptions {
  /** Is this local account a news source (a `Service` actor whose posts are Articles)? */
  isSource?: (a: AccountRow) => boolean;
  /** An Article's title and link, for a status of a source account. */
  articleOf?: (st: StatusRow) => ArticleInfo | undefined;
  /** Profile fields of a local account (e.g. the newsroom ↔ source link). */
  fieldsOf?: (a: AccountRow) => { name: string; valueHtml: string }[];
  /** Told when something arriving could not be applied (it is then retried by Fedify). */
  log?: (msg: string, err?: unknown) => void;
}

function httpUrl(s: string | null | undefined): string | null {
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

export class StorePorts implements LocalActors, LocalPosts, SocialInbox, DeliveryFailures, InstanceInfo {
  private readonly social: SocialContext;
  private readonly o: StorePortsOptions;
  private lookupRef: Lookup | undefined;
  /** Blocks and Flags from other servers, and the domain policy (moderation.ts). */
  readonly moderation: ModerationInbox;

  constructor(social: SocialContext, o: StorePortsOptions = {}) {
    this.social = social;
    this.o = o;
    this.moderation = new ModerationInbox(social, (id) => this.accountFor(id), (uri) => this.statusByUri(uri));
  }

  /** Federation is made with these ports, then handed back here for fetching remote actors and posts. */
  attach(lookup: Lookup): void {
    this.lookupRef = lookup;
  }

  private get store() {
    return this.social.store;
  }

  private get urls() {
    return this.social.urls;
  }

  // ---------------------------------------------------------------- LocalActors

  localAccount(a: AccountRow): LocalAccount {
    return {
      username: a.username,
      displayName: a.displayName,
      bioHtml: a.noteHtml ?? (a.note ? `<p>${escapeHtml(a.note).replace(/\n/g, '<br>')}</p>` : ''),
      avatarUrl: httpUrl(a.avatarUrl),
      headerUrl: httpUrl(a.headerUrl),
      profileUrl: this.urls.profile(a.username),
      createdAt: new Date(a.createdAt),
      discoverable: a.discoverable,
      indexable: a.indexable,
      manuallyApprovesFollowers: a.locked,
      actorType: a.bot || this.o.isSource?.(a) ? 'Service' : 'Person',
      deletedAt: a.deletedAt === null ? null : new Date(a.deletedAt),
      fields: this.o.fieldsOf?.(a) ?? [],
    };
  }

  byUsername(username: string): LocalAccount | undefined {
    const a = this.store.accounts.local(username);
    // The handle is exact: `Alice` is not `alice`'s actor URL (WebFinger lower-cases before asking).
    if (!a || a.username !== username) return undefined;
    return this.localAccount(a);
  }

  followers(username: string, cursor: string | null, limit: number): FollowersPage {
    const a = this.store.accounts.local(username);
    if (!a || a.deletedAt !== null) return { items: [], nextCursor: null };
    const rows = this.store.db.all<{ id: string; uri: string; inbox_url: string; shared_inbox_url: string | null }>(
      `SELECT f.id, a.uri, a.inbox_url, a.shared_inbox_url FROM follows f JOIN accounts a ON a.id = f.account_id
        WHERE f.target_account_id = ? AND f.state = 'accepted' AND a.domain IS NOT NULL AND a.deleted_at IS NULL
          AND a.uri IS NOT NULL AND a.inbox_url IS NOT NULL AND f.id > ? ORDER BY f.id LIMIT ?`,
      [a.id, cursor ?? '', limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      // Nothing is delivered to a suspended server (the page may then be short; the cursor goes on).
      items: page.filter((r) => !this.refuses(r.uri)).map((r) => ({ id: r.uri, inbox: r.inbox_url, sharedInbox: r.shared_inbox_url })),
      nextCursor: rows.length > limit ? page[page.length - 1].id : null,
    };
  }

  followersCount(username: string): number {
    const a = this.store.accounts.local(username);
    return a ? this.store.accounts.counts(a.id).followers : 0;
  }

  // ---------------------------------------------------------------- LocalPosts

  /** A local status as federation sends and serves it (undefined for reblogs and deleted ones). */
  localPost(st: StatusRow, author: AccountRow): LocalPost | undefined {
    if (st.reblogOfId !== null || author.domain !== null) return undefined;
    let inReplyTo: string | null = null;
    if (st.inReplyToId) {
      const parent = this.store.statuses.byId(st.inReplyToId);
      const parentAuthor = parent && this.store.accounts.byId(parent.accountId);
      if (parent && parentAuthor) inReplyTo = this.urls.statusUri(parent, parentAuthor);
    }
    const mentions = this.store.statuses
      .mentions(st.id)
      .map((id) => this.store.accounts.byId(id))
      .filter((m): m is AccountRow => !!m)
      .map((m) => ({ id: this.urls.accountUri(m), handle: `@${m.username}@${m.domain ?? this.urls.host}` }));
    const article = this.o.articleOf?.(st);
    return {
      id: st.id,
      username: author.username,
      type: article ? 'Article' : 'Note',
      contentHtml: st.content,
      summary: article ? null : st.spoilerText || null,
      name: article?.title ?? null,
      url: article?.link ?? this.urls.statusUrl(st, author),
      language: st.language,
      published: new Date(st.createdAt),
      updated: st.editedAt === null ? null : new Date(st.editedAt),
      inReplyTo,
      visibility: toFederation(st.visibility),
      sensitive: st.sensitive,
      hashtags: this.store.statuses.tags([st.id]).get(st.id) ?? [],
      mentions,
    };
  }

  byId(username: string, id: string): LocalPost | undefined {
    const st = this.store.statuses.byId(id);
    const author = this.store.accounts.local(username);
    if (!st || !author || st.accountId !== author.id || st.deletedAt !== null || author.deletedAt !== null) return undefined;
    return this.localPost(st, author);
  }

  // ---------------------------------------------------------------- InstanceInfo

  usage(): UsageCounts {
    const now = Date.now();
    const active = (days: number) =>
      this.store.db.get<{ n: number }>(
        'SELECT count(DISTINCT s.account_id) AS n FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE a.domain IS NULL AND a.deleted_at IS NULL AND s.created_at > ?',
        [now - days * 86_400_000],
      )?.n ?? 0;
    return { users: { total: this.store.accounts.localCount(), activeMonth: active(30), activeHalfyear: active(180) }, localPosts: this.store.statuses.localCount() };
  }

  openRegistrations(): boolean {
    return this.store.settings.get().registrations === 'open';
  }

  // ---------------------------------------------------------------- remote accounts and posts

  private lookup(): Lookup {
    if (!this.lookupRef) throw new Error('federation is not attached to the store bridge');
    return this.lookupRef;
  }

  /** Store (or refresh) a remote actor; undefined for one of our own URLs. */
  saveActor(actor: RemoteActor): AccountRow | undefined {
    const id = new URL(actor.id);
    if (id.origin === this.urls.origin) return undefined;
    const username = actor.username || decodeURIComponent(id.pathname.split('/').filter(Boolean).pop() ?? '') || id.host;
    return this.store.accounts.upsertRemote({
      uri: actor.id,
      username,
      domain: id.host,
      url: httpUrl(actor.url) ?? actor.id,
      inboxUrl: httpUrl(actor.inbox),
      sharedInboxUrl: httpUrl(actor.sharedInbox),
      displayName: (actor.name ?? '').slice(0, 200),
      noteHtml: actor.summaryHtml ? sanitizeHtml(actor.summaryHtml, 20_000) : null,
      avatarUrl: httpUrl(actor.avatarUrl),
      headerUrl: httpUrl(actor.headerUrl),
      locked: actor.locked ?? false,
      bot: actor.type === 'Service' || actor.type === 'Application',
      discoverable: actor.discoverable ?? false,
      indexable: actor.indexable ?? false,
      createdAt: actor.published?.getTime(),
    });
  }

  /** The account behind an actor id: ours, one we know, or fetched (instance-actor signed) and stored. */
  async accountFor(actorId: string): Promise<AccountRow | undefined> {
    const own = this.urls.usernameOf(actorId);
    if (own !== undefined) {
      const a = this.store.accounts.local(own);
      return a && a.deletedAt === null ? a : undefined;
    }
    const known = this.store.accounts.byUri(actorId);
    if (known) return known.deletedAt === null ? known : undefined;
    const actor = await this.lookup().actor(actorId);
    if (!actor || actor.id !== actorId) return undefined;
    return this.saveActor(actor);
  }

  /** One of our statuses or a stored remote one, by its URI or URL. */
  statusByUri(uri: string): StatusRow | undefined {
    const byUri = this.store.statuses.byUri(uri);
    if (byUri) return byUri;
    const id = this.urls.statusIdOf(uri);
    if (id === undefined) return undefined;
    const st = this.store.statuses.byId(id);
    if (!st) return undefined;
    const author = this.store.accounts.byId(st.accountId);
    return author?.domain === null ? st : undefined;
  }

  private isFollowedLocally(accountId: string): boolean {
    return !!this.store.db.get(
      "SELECT 1 AS x FROM follows f JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = ? AND f.state = 'accepted' AND a.domain IS NULL AND a.deleted_at IS NULL LIMIT 1",
      [accountId],
    );
  }

  private contentOf(post: RemotePost): string {
    const body = sanitizeHtml(post.contentHtml);
    if (post.type !== 'Article') return body;
    // An Article: its title linked to the page, then whatever content it carries.
    const link = httpUrl(post.url) ?? post.id;
    const title = post.name?.trim() ? escapeHtml(post.name.trim()) : escapeHtml(link);
    return `<p><a href="${escapeHtml(link)}" rel="nofollow noopener noreferrer" target="_blank">${title}</a></p>${body}`;
  }

  /**
   * Store a remote post (once: a second copy returns the first). Its author is fetched when
   * unknown, its parent too (a few levels up) so that a thread reads whole.
   */
  async saveRemotePost(post: RemotePost, depth = 0): Promise<StatusRow | undefined> {
    const have = this.store.statuses.byUri(post.id);
    if (have) return have;
    if (new URL(post.id).origin === this.urls.origin) return this.statusByUri(post.id);
    const author = await this.accountFor(post.authorId);
    if (!author || author.domain === null || new URL(post.id).origin !== new URL(post.authorId).origin) return undefined;
    let parent: StatusRow | undefined;
    if (post.inReplyTo) {
      parent = this.statusByUri(post.inReplyTo);
      if (!parent && depth < MAX_PARENT_FETCH) {
        const fetched = await this.lookup().post(post.inReplyTo).catch(() => null);
        if (fetched && fetched.id === post.inReplyTo) parent = await this.saveRemotePost(fetched, depth + 1);
      }
    }
    const mentioned: string[] = [];
    for (const uri of post.mentions) {
      const local = this.urls.usernameOf(uri);
      const a = local !== undefined ? this.store.accounts.local(local) : this.store.accounts.byUri(uri);
      if (a && a.deletedAt === null) mentioned.push(a.id);
    }
    const published = post.published?.getTime() ?? Date.now();
    const content = this.contentOf(post);
    return this.store.tx(() => {
      const again = this.store.statuses.byUri(post.id);
      if (again) return again;
      const st = this.store.statuses.create({
        accountId: author.id,
        content,
        spoilerText: post.type === 'Note' ? (post.summary ?? '').slice(0, 1000) : '',
        sensitive: post.sensitive,
        visibility: toStore(post.visibility),
        language: post.language,
        inReplyToId: parent?.id ?? null,
        inReplyToAccountId: parent?.accountId ?? null,
        uri: post.id,
        url: httpUrl(post.url) ?? post.id,
        createdAt: Math.min(published, Date.now()),
        tags: post.hashtags.filter((t) => t.trim()).slice(0, 30).map((name) => ({ key: tagKey(name), name })),
        mentionedAccountIds: mentioned,
      });
      for (const id of mentioned) {
        const a = this.store.accounts.byId(id);
        if (a && a.domain === null) this.store.notifications.add(id, 'mention', author.id, st.id);
      }
      return st;
    });
  }

  /** Fetch and store a remote account (`@user@host`, `user@host` or an actor URL) or post (URL). */
  async resolve(q: string): Promise<{ accounts: AccountRow[]; statuses: StatusRow[] }> {
    const none = { accounts: [], statuses: [] };
    const query = q.trim();
    if (!query) return none;
    const isUrl = /^https?:\/\//i.test(query);
    if (isUrl) {
      const ownUser = this.urls.usernameOf(query);
      if (ownUser !== undefined) {
        const a = this.store.accounts.local(ownUser);
        return a && a.deletedAt === null ? { accounts: [a], statuses: [] } : none;
      }
      const own = this.statusByUri(query);
      if (own) return own.deletedAt === null ? { accounts: [], statuses: [own] } : none;
      if (new URL(query).origin === this.urls.origin) return none;
    } else {
      const m = /^@?([^@\s/]+)@([^@\s/]+)$/.exec(query);
      if (!m) return none;
      if (m[2].toLowerCase() === this.urls.host.toLowerCase()) {
        const a = this.store.accounts.local(m[1]);
        return a && a.deletedAt === null ? { accounts: [a], statuses: [] } : none;
      }
    }
    const found = await this.lookup().resolve(query);
    if (!found) return none;
    if ('actor' in found) {
      const a = this.saveActor(found.actor);
      return a && a.deletedAt === null ? { accounts: [a], statuses: [] } : none;
    }
    if (!isUrl) return none;
    const st = await this.saveRemotePost(found.post);
    return st && st.deletedAt === null ? { accounts: [], statuses: [st] } : none;
  }

  // ---------------------------------------------------------------- SocialInbox

  async followRequested(e: { local: LocalAccount; follower: RemoteActor; followId: string | null }): Promise<FollowDecision> {
    const target = this.store.accounts.local(e.local.username);
    const follower = this.saveActor(e.follower);
    if (!target || target.deletedAt !== null || !follower) return 'reject';
    // Someone our account blocked cannot follow it.
    if (isBlocking(this.store.db, target.id, follower.id)) return 'reject';
    const have = this.store.follows.get(follower.id, target.id);
    if (have) {
      if (e.followId && have.uri !== e.followId) this.store.db.run('UPDATE follows SET uri = ? WHERE id = ?', [e.followId, have.id]);
      // A repeated Follow (their server lost our Accept, or retried): answer it again the same way.
      return have.state === 'accepted' ? 'accept' : 'pending';
    }
    const pending = target.locked;
    this.store.tx(() => {
      const r = this.store.follows.follow(follower.id, target.id, { state: pending ? 'pending' : 'accepted', uri: e.followId });
      if (r.created) this.store.notifications.add(target.id, pending ? 'follow_request' : 'follow', follower.id);
    });
    return pending ? 'pending' : 'accept';
  }

  followUndone(e: { username: string; followerId: string; followId: string | null }): void {
    const target = this.store.accounts.local(e.username);
    const follower = this.store.accounts.byUri(e.followerId);
    if (!target || !follower) return;
    this.store.tx(() => {
      if (this.store.follows.remove(follower.id, target.id)) this.store.notifications.dismissOf(target.id, 'follow_request', follower.id);
    });
  }

  followAccepted(e: { username: string; followeeId: string; followId: string | null }): void {
    const me = this.store.accounts.local(e.username);
    const them = this.store.accounts.byUri(e.followeeId);
    if (!me || !them) return;
    const f = this.store.follows.get(me.id, them.id);
    if (f && f.state === 'pending' && (e.followId === null || e.followId === f.id)) this.store.follows.accept(me.id, them.id);
  }

  followRejected(e: { username: string; followeeId: string; followId: string | null }): void {
    const me = this.store.accounts.local(e.username);
    const them = this.store.accounts.byUri(e.followeeId);
    if (!me || !them) return;
    const f = this.store.follows.get(me.id, them.id);
    // A Reject of an accepted follow is how a server removes a follower: either way the row goes.
    if (f && (e.followId === null || e.followId === f.id)) this.store.follows.remove(me.id, them.id);
  }

  /** Is a post worth keeping: someone here follows its author, it names or answers one of us, or came to a personal inbox? */
  private async wanted(post: RemotePost, recipient: string | null): Promise<boolean> {
    if (recipient !== null) return true;
    if (post.mentions.some((m) => this.urls.usernameOf(m) !== undefined)) return true;
    if (post.inReplyTo && this.statusByUri(post.inReplyTo)) return true;
    const author = this.store.accounts.byUri(post.authorId);
    return !!author && this.isFollowedLocally(author.id);
  }

  async postCreated(e: { post: RemotePost; recipient: string | null; activityId: string | null }): Promise<void> {
    if (this.store.statuses.byUri(e.post.id)) return;
    if (!(await this.wanted(e.post, e.recipient))) return;
    await this.saveRemotePost(e.post);
  }

  async postUpdated(e: { post: RemotePost; activityId: string | null }): Promise<void> {
    const st = this.store.statuses.byUri(e.post.id);
    if (!st || st.deletedAt !== null) return;
    const author = this.store.accounts.byId(st.accountId);
    if (!author || author.uri !== e.post.authorId) return;
    const editedAt = e.post.updated?.getTime() ?? Date.now();
    // The same Update twice, or an older one arriving late, changes nothing.
    if (st.editedAt !== null && editedAt <= st.editedAt) return;
    this.store.statuses.edit(st.id, {
      content: this.contentOf(e.post),
      spoilerText: e.post.type === 'Note' ? (e.post.summary ?? '').slice(0, 1000) : '',
      sensitive: e.post.sensitive,
      language: e.post.language,
      tags: e.post.hashtags.filter((t) => t.trim()).slice(0, 30).map((name) => ({ key: tagKey(name), name })),
      editedAt: Math.min(editedAt, Date.now()),
    });
  }

  objectDeleted(e: { objectId: string; actorId: string; activityId: string | null }): void {
    if (e.objectId === e.actorId) {
      const a = this.store.accounts.byUri(e.actorId);
      if (a && a.domain !== null && a.deletedAt === null) this.store.accounts.markDeleted(a.id, () => this.store.statuses.nextSeq());
      return;
    }
    const st = this.store.statuses.byUri(e.objectId);
    if (!st || st.deletedAt !== null) return;
    const author = this.store.accounts.byId(st.accountId);
    if (author?.uri !== e.actorId) return;
    this.store.statuses.delete(st.id);
  }

  async liked(e: { likeId: string | null; actorId: string; objectId: string }): Promise<void> {
    const st = this.statusByUri(e.objectId);
    if (!st || st.deletedAt !== null) return;
    const target = this.store.accounts.byId(st.accountId);
    if (target?.domain !== null) return; // only likes of our posts are kept
    const by = await this.accountFor(e.actorId);
    if (!by || by.domain === null) return;
    this.store.tx(() => {
      const r = this.store.statuses.favourite(by.id, st.id, e.likeId);
      if (r.created) this.store.notifications.add(st.accountId, 'favourite', by.id, st.id);
    });
  }

  likeUndone(e: { likeId: string | null; actorId: string; objectId: string | null }): void {
    const by = this.store.accounts.byUri(e.actorId);
    if (!by) return;
    let statusId: string | undefined;
    if (e.likeId) statusId = this.store.db.get<{ status_id: string }>('SELECT status_id FROM favourites WHERE uri = ? AND account_id = ?', [e.likeId, by.id])?.status_id;
    if (!statusId && e.objectId) statusId = this.statusByUri(e.objectId)?.id;
    if (statusId) this.store.statuses.unfavourite(by.id, statusId);
  }

  async announced(e: { announceId: string | null; actorId: string; objectId: string; post: RemotePost | null; published: Date | null }): Promise<void> {
    if (!e.announceId || this.store.statuses.byUri(e.announceId)) return;
    let target = this.statusByUri(e.objectId);
    const booster = this.store.accounts.byUri(e.actorId);
    const ourPost = !!target && this.store.accounts.byId(target.accountId)?.domain === null;
    // A boost is kept when it is of our post, or when someone here follows the booster.
    if (!ourPost && !(booster && this.isFollowedLocally(booster.id))) return;
    if (!target && e.post && e.post.id === e.objectId) target = await this.saveRemotePost(e.post);
    if (!target || target.deletedAt !== null || target.reblogOfId !== null) return;
    if (target.visibility !== 'public' && target.visibility !== 'unlisted') return;
    const by = booster ?? (await this.accountFor(e.actorId));
    if (!by || by.domain === null) return;
    const boosted = target;
    const published = Math.min(e.published?.getTime() ?? Date.now(), Date.now());
    this.store.tx(() => {
      if (this.store.statuses.byUri(e.announceId!)) return;
      this.store.statuses.create({ accountId: by.id, content: '', visibility: 'public', reblogOfId: boosted.id, uri: e.announceId, createdAt: published });
      if (ourPost) this.store.notifications.add(boosted.accountId, 'reblog', by.id, boosted.id);
    });
  }

  announceUndone(e: { announceId: string | null; actorId: string; objectId: string | null }): void {
    const by = this.store.accounts.byUri(e.actorId);
    if (!by) return;
    let reblog = e.announceId ? this.store.statuses.byUri(e.announceId) : undefined;
    if (!reblog && e.objectId) {
      const target = this.statusByUri(e.objectId);
      reblog = target ? this.store.statuses.reblogBy(by.id, target.id) : undefined;
    }
    if (reblog && reblog.accountId === by.id && reblog.reblogOfId !== null) this.store.statuses.delete(reblog.id);
  }

  actorUpdated(e: { actor: RemoteActor }): void {
    const have = this.store.accounts.byUri(e.actor.id);
    if (have && have.deletedAt === null) this.saveActor(e.actor);
  }

  // ---------------------------------------------------------------- moderation (bridge/moderation.ts)

  refuses(actorId: string): boolean {
    return this.moderation.refuses(actorId);
  }

  blocked(e: { actorId: string; username: string; blockId: string | null }): Promise<void> {
    return this.moderation.blocked(e);
  }

  blockUndone(e: { actorId: string; username: string; blockId: string | null }): void {
    this.moderation.blockUndone(e);
  }

  flagged(e: { flagId: string | null; actorId: string; objectIds: string[]; content: string }): void {
    this.moderation.flagged(e);
  }

  // ---------------------------------------------------------------- DeliveryFailures

  inboxGone(e: { inbox: string; actorIds: string[]; statusCode: number; activityId: string | null }): void {
    this.store.tx(() => {
      const ids = new Set<string>();
      for (const uri of e.actorIds) {
        const a = this.store.accounts.byUri(uri);
        if (a && a.domain !== null) ids.add(a.id);
      }
      // Delivered to a personal inbox: that account's inbox is gone. A shared inbox that is gone
      // means the whole server is: every follower behind it goes.
      for (const r of this.store.db.all<{ id: string }>('SELECT id FROM accounts WHERE domain IS NOT NULL AND (inbox_url = ? OR shared_inbox_url = ?)', [e.inbox, e.inbox])) ids.add(r.id);
      for (const id of ids) this.store.db.run('DELETE FROM follows WHERE account_id = ?', [id]);
    });
    this.o.log?.(`hộp thư ${e.inbox} không còn (${e.statusCode}): đã bỏ ${e.actorIds.length || 'mọi'} người theo dõi ở đó`);
  }

  // ---------------------------------------------------------------- addresses for sending

  /** Where to deliver to a remote account, or undefined for local ones and ones without an inbox. */
  address(a: AccountRow): FollowerAddress | undefined {
    if (a.domain === null || !a.uri || !a.inboxUrl || this.refuses(a.uri)) return undefined;
    return { id: a.uri, inbox: a.inboxUrl, sharedInbox: a.sharedInboxUrl };
  }

  /** Every inbox we know on other servers, one per server where it has a shared inbox. */
  knownInboxes(): FollowerAddress[] {
    const rows = this.store.db.all<{ uri: string; inbox_url: string; shared_inbox_url: string | null }>(
      'SELECT uri, inbox_url, shared_inbox_url FROM accounts WHERE domain IS NOT NULL AND deleted_at IS NULL AND uri IS NOT NULL AND inbox_url IS NOT NULL',
    );
    const seen = new Set<string>();
    const out: FollowerAddress[] = [];
    for (const r of rows) {
      const key = r.shared_inbox_url ?? r.inbox_url;
      if (seen.has(key) || this.refuses(r.uri)) continue;
      seen.add(key);
      out.push({ id: r.uri, inbox: r.inbox_url, sharedInbox: r.shared_inbox_url });
    }
    return out;
  }
}
