/**
 * Moderation without censorship machinery: what a reader decides for themselves (mute, block,
 * hide a server), what the operator decides for the instance (a domain policy shown publicly with
 * its reason, reports handled one by one, a single post taken down with a note in the public log),
 * and what arrives from other servers (their users' Blocks, Flags of our accounts).
 *
 * There is no imported blocklist, no keyword filter and no score of any person: every rule here
 * is a named choice by a reader or by the operator, and the operator's choices are public
 * (/api/v1/instance/domain_blocks, the page /may-chu/chinh-sach).
 *
 * Each write commits first and then tells federation through `SocialEvents` (blocked,
 * unblocked, reportForwarded, statusDeleted, unfollowed, followRejected), like store/actions.ts.
 */
import type { SocialContext } from '../http.ts';
import type { SocialEvents } from '../store/events.ts';
import type { AccountRow, StatusRow } from '../store/rows.ts';
import { SocialError, notFound } from '../store/errors.ts';
import { storedText } from '../store/text.ts';
import { ModerationStore, REPORT_CATEGORIES, normalizeDomain, type BlockRow, type DomainPolicyRow, type MuteRow, type ReportCategory, type ReportRow } from './store.ts';
import { domainMatches, type Severity } from './filter.ts';

export const MAX_REPORT_COMMENT = 1000;
export const MAX_POLICY_COMMENT = 1000;
/** At most this many posts in one report. */
export const MAX_REPORT_STATUSES = 40;

export interface ReportInput {
  accountId: string;
  statusIds?: string[];
  comment?: string;
  category?: string;
  ruleIds?: string[];
  forward?: boolean;
}

const services = new WeakMap<SocialContext, ModerationService>();

/** The moderation service of a social context (made once). */
export function moderationOf(ctx: SocialContext): ModerationService {
  let s = services.get(ctx);
  if (!s) {
    s = new ModerationService(ctx);
    services.set(ctx, s);
  }
  return s;
}

export class ModerationService {
  readonly ctx: SocialContext;
  readonly store: ModerationStore;

  constructor(ctx: SocialContext) {
    this.ctx = ctx;
    this.store = new ModerationStore(ctx.store.db);
  }

  private get social() {
    return this.ctx.store;
  }

  private emit<K extends keyof SocialEvents>(name: K, ...args: Parameters<NonNullable<SocialEvents[K]>>): void {
    const events = this.ctx.actions.events;
    const fn = events[name] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (!fn) return;
    const report = (err: unknown) => process.stderr.write(`tra: kiểm duyệt: gửi sự kiện ${name} thất bại: ${(err as Error)?.message ?? err}\n`);
    try {
      const r = fn.apply(events, args);
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(report);
    } catch (err) {
      report(err);
    }
  }

  private live(id: string): AccountRow {
    const a = this.social.accounts.byId(id);
    if (!a || a.deletedAt !== null) throw notFound('Không tìm thấy tài khoản này');
    return a;
  }

  private other(meId: string, targetId: string): { me: AccountRow; target: AccountRow } {
    const me = this.live(meId);
    const target = this.live(targetId);
    if (me.id === target.id) throw new SocialError(422, 'Không thể chặn hay ẩn chính mình');
    return { me, target };
  }

  // ------------------------------------------------------------------ a reader's own choices

  /**
   * Block: follows both ways end (an Undo of one's follow, a Reject of theirs when they are on
   * another server), they leave one's lists, and a remote target's server gets a Block.
   */
  block(meId: string, targetId: string): BlockRow {
    const { me, target } = this.other(meId, targetId);
    if (this.social.follows.get(me.id, target.id)) this.ctx.actions.unfollow(me.id, target.id);
    const { row, created, theirs } = this.social.tx(() => {
      const theirs = this.social.follows.remove(target.id, me.id);
      this.social.db.run('DELETE FROM list_accounts WHERE account_id = ? AND list_id IN (SELECT id FROM lists WHERE account_id = ?)', [target.id, me.id]);
      this.social.db.run("UPDATE notifications SET dismissed = 1 WHERE account_id = ? AND from_account_id = ? AND type IN ('follow', 'follow_request')", [me.id, target.id]);
      return { ...this.store.block(me.id, target.id), theirs };
    });
    if (theirs && target.domain !== null) this.emit('followRejected', theirs, target, me);
    if (created) this.emit('blocked', row, me, target);
    return row;
  }

  unblock(meId: string, targetId: string): void {
    const { me, target } = this.other(meId, targetId);
    const gone = this.store.unblock(me.id, target.id);
    if (gone) this.emit('unblocked', gone, me, target);
  }

  /** Mute: their posts leave one's timelines and feeds; `notifications` (default true) hides their notifications too. */
  mute(meId: string, targetId: string, o: { notifications?: boolean; durationSeconds?: number } = {}): MuteRow {
    const { me, target } = this.other(meId, targetId);
    const d = o.durationSeconds ?? 0;
    if (!Number.isInteger(d) || d < 0) throw new SocialError(422, 'Thời hạn ẩn (duration) phải là số giây, 0 là không thời hạn', { field: 'duration' });
    return this.store.mute(me.id, target.id, { hideNotifications: o.notifications ?? true, expiresAt: d > 0 ? Date.now() + d * 1000 : null });
  }

  unmute(meId: string, targetId: string): void {
    const { me, target } = this.other(meId, targetId);
    this.store.unmute(me.id, target.id);
  }

  /** Hide a whole server for oneself; its accounts that follow one stop following (as Mastodon does). */
  blockDomain(meId: string, input: string): string {
    const me = this.live(meId);
    const domain = this.domain(input);
    if (domain === this.ctx.urls.host.toLowerCase()) throw new SocialError(422, 'Không thể ẩn chính máy chủ này', { field: 'domain' });
    this.social.tx(() => {
      this.store.blockDomain(me.id, domain);
      const followers = this.social.db.all<{ id: string; domain: string }>(
        'SELECT a.id, a.domain FROM follows f JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = ? AND a.domain IS NOT NULL',
        [me.id],
      );
      for (const f of followers) if (domainMatches(f.domain, domain)) this.social.follows.remove(f.id, me.id);
    });
    return domain;
  }

  unblockDomain(meId: string, input: string): void {
    const me = this.live(meId);
    this.store.unblockDomain(me.id, this.domain(input));
  }

  private domain(input: string): string {
    const d = normalizeDomain(input);
    if (!d) throw new SocialError(422, `"${input.slice(0, 100)}" không phải tên một máy chủ`, { field: 'domain' });
    return d;
  }

  /** What `relationships` shows beside the follow state. */
  relationship(viewerId: string, otherId: string): { blocking: boolean; blockedBy: boolean; muting: boolean; mutingNotifications: boolean; domainBlocking: boolean } {
    const mute = this.store.muteOf(viewerId, otherId);
    const other = this.social.accounts.byId(otherId);
    const domainBlocking = !!other?.domain && this.social.db
      .all<{ domain: string }>('SELECT domain FROM account_domain_blocks WHERE account_id = ?', [viewerId])
      .some((r) => domainMatches(other.domain, r.domain));
    return {
      blocking: !!this.store.blockOf(viewerId, otherId),
      blockedBy: !!this.store.blockOf(otherId, viewerId),
      muting: !!mute,
      mutingNotifications: !!mute?.hideNotifications,
      domainBlocking,
    };
  }

  // ------------------------------------------------------------------ reports

  /** A reader reports an account (and some of its posts) to the operator; optionally forwarded to its server as a Flag. */
  report(reporterId: string, input: ReportInput): ReportRow {
    const reporter = this.live(reporterId);
    const target = this.live(input.accountId);
    if (target.id === reporter.id) throw new SocialError(422, 'Không thể báo cáo chính mình', { field: 'account_id' });
    const comment = storedText(input.comment ?? '');
    if ([...comment].length > MAX_REPORT_COMMENT) throw new SocialError(422, `Lời nhắn dài quá ${MAX_REPORT_COMMENT} ký tự`, { field: 'comment' });
    const category = (input.category ?? 'other') as ReportCategory;
    if (!REPORT_CATEGORIES.includes(category)) throw new SocialError(422, `Loại báo cáo phải là một trong: ${REPORT_CATEGORIES.join(', ')}`, { field: 'category' });
    const ids = [...new Set(input.statusIds ?? [])];
    if (ids.length > MAX_REPORT_STATUSES) throw new SocialError(422, `Một báo cáo có tối đa ${MAX_REPORT_STATUSES} bài`, { field: 'status_ids' });
    const statuses: StatusRow[] = [];
    for (const id of ids) {
      const st = this.social.statuses.byId(id);
      if (!st || st.accountId !== target.id || !this.social.statuses.canSee(st, reporter.id)) throw new SocialError(422, `Bài ${id} không phải bài của tài khoản bị báo cáo mà bạn xem được`, { field: 'status_ids' });
      statuses.push(st);
    }
    const forward = !!input.forward && target.domain !== null;
    const row = this.store.addReport({ accountId: reporter.id, targetAccountId: target.id, statusIds: statuses.map((s) => s.id), comment, category, ruleIds: input.ruleIds, forwarded: forward });
    if (forward) this.emit('reportForwarded', row, target, statuses);
    return row;
  }

  /** A Flag from another server about one of our accounts (or posts); idempotent by the Flag's id. */
  flagReceived(o: { uri: string | null; reporterId: string | null; targetAccountId: string; statusIds: string[]; comment: string }): ReportRow {
    const have = o.uri ? this.store.reportByUri(o.uri) : undefined;
    if (have) return have;
    return this.store.addReport({ accountId: o.reporterId, targetAccountId: o.targetAccountId, statusIds: o.statusIds, comment: o.comment.slice(0, 5000), category: 'other', uri: o.uri });
  }

  // ------------------------------------------------------------------ the operator

  private operator(id: string): AccountRow {
    const a = this.live(id);
    if (a.role !== 'admin' || a.domain !== null) throw new SocialError(403, 'Chỉ quản trị viên mới làm được việc này');
    return a;
  }

  /** Resolve a report with a note (what was done, or why nothing was). */
  resolve(operatorId: string, reportId: string, note: string): ReportRow {
    const op = this.operator(operatorId);
    const r = this.store.report(reportId);
    if (!r) throw notFound('Không tìm thấy báo cáo này');
    if (r.resolvedAt !== null) throw new SocialError(422, 'Báo cáo này đã được xử lý');
    const text = storedText(note).trim();
    if (!text) throw new SocialError(422, 'Hãy ghi lại cách xử lý báo cáo', { field: 'note' });
    const done = this.social.tx(() => {
      this.store.log({ action: 'report_resolved', operatorId: op.id, reportId: r.id, targetAccountId: r.targetAccountId, note: text });
      return this.store.resolveReport(r.id, op.id, text)!;
    });
    return done;
  }

  /**
   * Take one post down: it is deleted here (a local post's Delete federates to every server that
   * had it; a remote post is removed from this server only) and the log keeps when, why and under
   * which report — not the content.
   */
  takedown(operatorId: string, statusId: string, note: string, reportId?: string): StatusRow {
    const op = this.operator(operatorId);
    const st = this.social.statuses.byId(statusId);
    if (!st || st.deletedAt !== null || st.reblogOfId !== null) throw notFound('Không tìm thấy bài viết này');
    const text = storedText(note).trim();
    if (!text) throw new SocialError(422, 'Hãy ghi lý do gỡ bài (hiện công khai trong nhật ký kiểm duyệt)', { field: 'note' });
    const author = this.social.accounts.byId(st.accountId)!;
    const gone = this.social.tx(() => {
      const g = this.social.statuses.delete(st.id) ?? st;
      this.store.log({ action: 'takedown', operatorId: op.id, statusId: st.id, targetAccountId: author.id, domain: author.domain, reportId: reportId ?? null, note: text });
      return g;
    });
    this.emit('statusDeleted', gone, author);
    return gone;
  }

  /** Set a server's policy: none (removes it), silence or suspend, with the public reason. */
  setPolicy(operatorId: string, input: string, severity: Severity | 'none', publicComment: string, privateComment = ''): DomainPolicyRow | undefined {
    const op = this.operator(operatorId);
    const domain = this.domain(input);
    if (domain === this.ctx.urls.host.toLowerCase()) throw new SocialError(422, 'Không đặt chính sách cho chính máy chủ này', { field: 'domain' });
    if (severity !== 'none' && severity !== 'silence' && severity !== 'suspend') throw new SocialError(422, 'Mức chính sách phải là none, silence hoặc suspend', { field: 'severity' });
    const reason = storedText(publicComment).trim();
    if ([...reason].length > MAX_POLICY_COMMENT || [...privateComment].length > MAX_POLICY_COMMENT) throw new SocialError(422, `Lý do dài quá ${MAX_POLICY_COMMENT} ký tự`, { field: 'public_comment' });
    if (severity !== 'none' && !reason) throw new SocialError(422, 'Hãy ghi lý do công khai: chính sách với máy chủ khác được công bố kèm lý do', { field: 'public_comment' });
    return this.social.tx(() => {
      if (severity === 'none') {
        const gone = this.store.removePolicy(domain);
        if (gone) this.store.log({ action: 'domain_policy_removed', operatorId: op.id, domain, note: reason || gone.publicComment });
        return undefined;
      }
      const row = this.store.setPolicy(domain, severity, reason, privateComment);
      this.store.log({ action: `domain_${severity}`, operatorId: op.id, domain, note: reason });
      return row;
    });
  }

  /** The policy for an actor id or host (what the inbox and delivery ask). */
  refuses(hostOrUrl: string): boolean {
    let host = hostOrUrl;
    try {
      if (/^https?:\/\//i.test(hostOrUrl)) host = new URL(hostOrUrl).host;
    } catch {
      return false;
    }
    host = host.toLowerCase();
    return this.store.policies().some((p) => p.severity === 'suspend' && domainMatches(host, p.domain));
  }
}
