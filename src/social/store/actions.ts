/**
 * The writes the Mastodon API and the pages share. Each one checks what the acting account may
 * do, writes its rows in one transaction (the status, its tags and mentions, the notifications),
 * and then tells federation through `SocialEvents` — after the commit, so a listener never sees
 * a change that was rolled back, and a failing listener never undoes one.
 */
import type { SocialStore } from './index.ts';
import type { SocialEvents } from './events.ts';
import type { AccountRow, FollowRow, StatusRow, Visibility } from './rows.ts';
import type { ProfileChange } from './accounts.ts';
import type { LocalUrls } from './urls.ts';
import { SocialError, notFound } from './errors.ts';
import { countableLength, renderText, type MentionTarget } from './content.ts';
import { storedText } from './text.ts';
import { blockedEitherWay, isBlocking } from '../moderation/filter.ts';

export const MAX_STATUS_CHARS = 500;
export const MAX_SPOILER_CHARS = 500;

export interface PostInput {
  text: string;
  spoilerText?: string;
  sensitive?: boolean;
  visibility?: Visibility;
  language?: string | null;
  inReplyToId?: string | null;
  appId?: string | null;
  idempotencyKey?: string;
}

export interface ActionLog {
  error(obj: object, msg: string): void;
}

export class SocialActions {
  readonly store: SocialStore;
  events: SocialEvents;
  private readonly log: ActionLog;
  private readonly getUrls: () => LocalUrls;

  /** `urls` may be a function: the origin can be known only once the server listens. */
  constructor(store: SocialStore, urls: LocalUrls | (() => LocalUrls), events: SocialEvents = {}, log: ActionLog = { error: () => {} }) {
    this.store = store;
    this.getUrls = typeof urls === 'function' ? urls : () => urls;
    this.events = events;
    this.log = log;
  }

  get urls(): LocalUrls {
    return this.getUrls();
  }

  /** Call a federation listener; its failure is logged, never thrown. */
  private emit<K extends keyof SocialEvents>(name: K, ...args: Parameters<NonNullable<SocialEvents[K]>>): void {
    const fn = this.events[name] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (!fn) return;
    try {
      const r = fn.apply(this.events, args);
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((err: unknown) => this.log.error({ err, event: name }, 'social event listener failed'));
    } catch (err) {
      this.log.error({ err, event: name }, 'social event listener failed');
    }
  }

  private account(id: string): AccountRow {
    const a = this.store.accounts.byId(id);
    if (!a || a.deletedAt !== null) throw notFound('Không tìm thấy tài khoản này');
    return a;
  }

  /** A status the viewer may see, or 404 (a status one may not see does not exist for one). */
  visibleStatus(id: string, viewerId: string | undefined): StatusRow {
    const st = this.store.statuses.byId(id);
    if (!st || !this.store.statuses.canSee(st, viewerId)) throw notFound('Không tìm thấy bài viết này');
    return st;
  }

  private mentionResolver() {
    return (username: string, domain: string | null): MentionTarget | undefined => {
      const local = domain === null || domain.toLowerCase() === this.urls.host.toLowerCase();
      const a = this.store.accounts.byHandle(username, local ? null : domain);
      if (!a || a.deletedAt !== null) return undefined;
      return { username: a.username, domain: a.domain, url: this.urls.accountUrl(a), accountId: a.id };
    };
  }

  /** Post a status (or a reply). */
  post(authorId: string, input: PostInput): StatusRow {
    const author = this.account(authorId);
    if (author.domain !== null) throw new SocialError(403, 'Chỉ tài khoản của máy chủ này mới đăng bài qua đây');
    if (this.store.settings.get().verifiedOnlyPosting && !author.verified) {
      throw new SocialError(403, 'Máy chủ này chỉ cho tài khoản đã xác minh đăng bài (theo Nghị định 147/2024/NĐ-CP); hãy liên hệ người vận hành để xác minh tài khoản');
    }
    if (input.idempotencyKey) {
      const done = this.store.statuses.idempotent(author.id, input.idempotencyKey);
      const st = done ? this.store.statuses.byId(done) : undefined;
      if (st) return st;
    }
    const text = storedText(input.text ?? '');
    const spoiler = storedText(input.spoilerText ?? '');
    if (text.trim() === '') throw new SocialError(422, 'Bài viết trống: hãy viết nội dung', { field: 'status' });
    const length = countableLength(text);
    if (length > MAX_STATUS_CHARS) throw new SocialError(422, `Bài viết dài ${length} ký tự, quá giới hạn ${MAX_STATUS_CHARS} ký tự: hãy rút ngắn`, { field: 'status' });
    if ([...spoiler].length > MAX_SPOILER_CHARS) throw new SocialError(422, `Cảnh báo nội dung dài quá ${MAX_SPOILER_CHARS} ký tự`, { field: 'spoiler_text' });
    let visibility = input.visibility ?? 'public';
    let parent: StatusRow | undefined;
    if (input.inReplyToId) {
      parent = this.visibleStatus(input.inReplyToId, author.id);
      if (parent.reblogOfId) throw new SocialError(422, 'Không trả lời được một lượt đăng lại; hãy trả lời bài gốc', { field: 'in_reply_to_id' });
      // A reply is never more public than a direct message it answers.
      if (parent.visibility === 'direct') visibility = 'direct';
    }
    const rendered = renderText(text, { tagUrl: (n) => this.urls.tag(n), resolveMention: this.mentionResolver() });
    // Someone who blocked the author is not mentioned (no mention, no notification, no delivery).
    const mentioned = rendered.mentions.map((m) => m.accountId).filter((id) => !isBlocking(this.store.db, id, author.id));
    if (parent && parent.accountId !== author.id && !mentioned.includes(parent.accountId)) mentioned.push(parent.accountId);
    const st = this.store.tx(() => {
      const created = this.store.statuses.create({
        accountId: author.id,
        text,
        content: rendered.html,
        spoilerText: spoiler,
        sensitive: input.sensitive,
        visibility,
        language: input.language ?? null,
        inReplyToId: parent?.id ?? null,
        inReplyToAccountId: parent?.accountId ?? null,
        appId: input.appId ?? null,
        tags: rendered.tags,
        mentionedAccountIds: mentioned,
      });
      for (const id of mentioned) {
        const a = this.store.accounts.byId(id);
        if (a && a.domain === null) this.store.notifications.add(id, 'mention', author.id, created.id);
      }
      if (input.idempotencyKey) this.store.statuses.rememberIdempotent(author.id, input.idempotencyKey, created.id);
      return created;
    });
    this.emit('statusCreated', st, author);
    return st;
  }

  deleteStatus(accountId: string, id: string): StatusRow {
    const st = this.store.statuses.byId(id);
    if (!st || st.deletedAt !== null || st.reblogOfId !== null) throw notFound('Không tìm thấy bài viết này');
    if (st.accountId !== accountId) {
      const who = this.store.accounts.byId(accountId);
      if (who?.role !== 'admin' || this.store.accounts.byId(st.accountId)?.domain !== null) throw new SocialError(403, 'Chỉ tác giả mới xoá được bài viết này');
    }
    const gone = this.store.statuses.delete(id) ?? st;
    this.emit('statusDeleted', gone, this.store.accounts.byId(gone.accountId)!);
    return gone;
  }

  /** Edit one's own status: new text (re-rendered), content warning, sensitivity, language. */
  editStatus(accountId: string, id: string, c: { text?: string; spoilerText?: string; sensitive?: boolean; language?: string | null }): StatusRow {
    const st = this.visibleStatus(id, accountId);
    if (st.accountId !== accountId || st.reblogOfId) throw new SocialError(403, 'Chỉ tác giả mới sửa được bài viết này');
    if (this.store.settings.get().verifiedOnlyPosting && !this.account(accountId).verified) {
      throw new SocialError(403, 'Máy chủ này chỉ cho tài khoản đã xác minh đăng bài (theo Nghị định 147/2024/NĐ-CP); hãy liên hệ người vận hành để xác minh tài khoản');
    }
    const text = storedText(c.text ?? st.text);
    if (text.trim() === '') throw new SocialError(422, 'Bài viết trống: hãy viết nội dung', { field: 'status' });
    const length = countableLength(text);
    if (length > MAX_STATUS_CHARS) throw new SocialError(422, `Bài viết dài ${length} ký tự, quá giới hạn ${MAX_STATUS_CHARS} ký tự: hãy rút ngắn`, { field: 'status' });
    const spoiler = storedText(c.spoilerText ?? st.spoilerText);
    if ([...spoiler].length > MAX_SPOILER_CHARS) throw new SocialError(422, `Cảnh báo nội dung dài quá ${MAX_SPOILER_CHARS} ký tự`, { field: 'spoiler_text' });
    const rendered = renderText(text, { tagUrl: (n) => this.urls.tag(n), resolveMention: this.mentionResolver() });
    const edited = this.store.statuses.edit(st.id, { text, content: rendered.html, spoilerText: spoiler, sensitive: c.sensitive ?? st.sensitive, language: c.language === undefined ? st.language : c.language, tags: rendered.tags });
    this.emit('statusUpdated', edited, this.store.accounts.byId(accountId)!);
    return edited;
  }

  favourite(accountId: string, statusId: string): StatusRow {
    const by = this.account(accountId);
    const st = this.visibleStatus(statusId, accountId);
    const target = st.reblogOfId ? this.visibleStatus(st.reblogOfId, accountId) : st;
    const { row, created } = this.store.tx(() => {
      const r = this.store.statuses.favourite(by.id, target.id);
      if (r.created) this.store.notifications.add(target.accountId, 'favourite', by.id, target.id);
      return r;
    });
    if (created) this.emit('favourited', row, target, by);
    return target;
  }

  unfavourite(accountId: string, statusId: string): StatusRow {
    const by = this.account(accountId);
    const st = this.visibleStatus(statusId, accountId);
    const target = st.reblogOfId ? this.visibleStatus(st.reblogOfId, accountId) : st;
    const gone = this.store.statuses.unfavourite(by.id, target.id);
    if (gone) this.emit('unfavourited', gone, target, by);
    return target;
  }

  /** Reblog (boost); returns the reblog status. Only public and unlisted statuses can be boosted. */
  reblog(accountId: string, statusId: string, visibility: Visibility = 'public'): StatusRow {
    const by = this.account(accountId);
    const st = this.visibleStatus(statusId, accountId);
    const target = st.reblogOfId ? this.visibleStatus(st.reblogOfId, accountId) : st;
    if (target.visibility !== 'public' && target.visibility !== 'unlisted') throw new SocialError(422, 'Bài viết riêng tư hoặc tin nhắn riêng không đăng lại được');
    if (this.store.settings.get().verifiedOnlyPosting && !by.verified) {
      throw new SocialError(403, 'Máy chủ này chỉ cho tài khoản đã xác minh đăng bài (theo Nghị định 147/2024/NĐ-CP); hãy liên hệ người vận hành để xác minh tài khoản');
    }
    const have = this.store.statuses.reblogBy(by.id, target.id);
    if (have) return have;
    const reblog = this.store.tx(() => {
      const r = this.store.statuses.create({ accountId: by.id, content: '', visibility: visibility === 'unlisted' || visibility === 'private' ? visibility : 'public', reblogOfId: target.id });
      this.store.notifications.add(target.accountId, 'reblog', by.id, target.id);
      return r;
    });
    this.emit('reblogged', reblog, target, by);
    return reblog;
  }

  unreblog(accountId: string, statusId: string): StatusRow {
    const by = this.account(accountId);
    const st = this.store.statuses.byId(statusId);
    if (!st || st.deletedAt !== null) throw notFound('Không tìm thấy bài viết này');
    const target = st.reblogOfId ? (this.store.statuses.byId(st.reblogOfId) ?? st) : st;
    const reblog = this.store.statuses.reblogBy(by.id, target.id);
    if (reblog) {
      this.store.statuses.delete(reblog.id);
      this.emit('unreblogged', reblog, target, by);
    }
    return target;
  }

  /** Follow: accepted at once for an open local account, a request for a locked or remote one. */
  follow(accountId: string, targetId: string, o: { reblogs?: boolean; notify?: boolean } = {}): FollowRow {
    const me = this.account(accountId);
    const target = this.account(targetId);
    if (me.id === target.id) throw new SocialError(403, 'Không thể tự theo dõi chính mình');
    if (blockedEitherWay(this.store.db, me.id, target.id)) throw new SocialError(403, 'Không theo dõi được: một trong hai tài khoản đã chặn tài khoản kia (bỏ chặn trước nếu bạn là người chặn)');
    const pending = target.locked || target.domain !== null;
    const { row, created } = this.store.tx(() => {
      const r = this.store.follows.follow(me.id, target.id, { state: pending ? 'pending' : 'accepted', showReblogs: o.reblogs, notify: o.notify });
      if (r.created && target.domain === null) this.store.notifications.add(target.id, pending ? 'follow_request' : 'follow', me.id);
      return r;
    });
    if (created) this.emit('followRequested', row, me, target);
    return row;
  }

  unfollow(accountId: string, targetId: string): void {
    const me = this.account(accountId);
    const target = this.account(targetId);
    const gone = this.store.follows.remove(me.id, target.id);
    if (gone) this.emit('unfollowed', gone, me, target);
  }

  /** Answer a follow request made to `accountId`. */
  answerFollowRequest(accountId: string, requesterId: string, accept: boolean): void {
    const me = this.account(accountId);
    const requester = this.account(requesterId);
    const req = this.store.follows.get(requester.id, me.id);
    if (!req || req.state !== 'pending') throw notFound('Không có yêu cầu theo dõi nào từ tài khoản này');
    this.store.tx(() => {
      this.store.notifications.dismissOf(me.id, 'follow_request', requester.id);
      if (accept) {
        this.store.follows.accept(requester.id, me.id);
        this.store.notifications.add(me.id, 'follow', requester.id);
      } else this.store.follows.remove(requester.id, me.id);
    });
    if (accept) this.emit('followAccepted', this.store.follows.get(requester.id, me.id)!, requester, me);
    else this.emit('followRejected', req, requester, me);
  }

  updateProfile(accountId: string, c: ProfileChange): AccountRow {
    const a = this.account(accountId);
    if (c.note !== undefined) c = { ...c, noteHtml: renderText(storedText(c.note), { tagUrl: (n) => this.urls.tag(n), resolveMention: this.mentionResolver() }).html };
    const updated = this.store.accounts.updateProfile(a.id, c);
    this.emit('accountUpdated', updated);
    return updated;
  }

  /** Delete a local account (its posts go with it); federation sends the Delete. */
  deleteAccount(accountId: string): void {
    const a = this.account(accountId);
    this.store.accounts.markDeleted(a.id, () => this.store.statuses.nextSeq());
    this.emit('accountDeleted', this.store.accounts.byId(a.id)!);
  }
}
