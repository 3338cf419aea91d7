/**
 * Committed changes in the social store (store/events.ts) turned into outgoing activities:
 *
 *   status posted / edited / deleted   Create / Update / Delete of the Note (or Article)
 *   follow, unfollow of a remote account  Follow, Undo(Follow)
 *   follow request answered             Accept / Reject (to the remote follower)
 *   favourite, unfavourite             Like, Undo(Like)            (to the post's author)
 *   reblog, unreblog                   Announce, Undo(Announce)    (followers and the author)
 *   profile changed                    Update of the actor         (followers)
 *   account deleted                    Delete of the actor         (every server we know)
 *
 * Addressing follows the post's visibility (activities.ts `audience`): public, unlisted and
 * followers-only posts go to the author's followers plus the remote accounts they mention; direct
 * ones only to those mentioned. Everything goes through Fedify's persistent queue, so a listener
 * returns once the activity is queued (signed and committed), not delivered.
 *
 * **Nothing posted is lost to a crash.** Status changes (post, edit, deletion, boost, unboost)
 * are not sent from the event itself but by one loop that follows the store's change sequence
 * (`seq`) from a mark kept in federation.sqlite: the event only wakes it. A kill -9 between the
 * store's commit and the queue's leaves the change after the mark, and the loop sends it at the
 * next start; a change queued but not yet marked is sent twice, which is harmless (receivers know
 * a post by its id; Fedify drops an activity id it has already seen). Changes made by another
 * process (the CLI) are found by the loop's poll. Likes, follows and profile changes carry no
 * change number: they are sent from their event, and a crash in the few milliseconds before they
 * are queued loses them.
 */
import type { SocialEvents } from '../store/events.ts';
import type { AccountRow, FavouriteRow, FollowRow, StatusRow } from '../store/rows.ts';
import type { SocialContext } from '../http.ts';
import type { TraFederation } from '../federation/federation.ts';
import type { FollowerAddress } from '../federation/ports.ts';
import * as A from '../federation/activities.ts';
import type { StorePorts } from './store-ports.ts';
import { ModerationOutgoing } from './moderation.ts';

const MARK = ['tra', 'outbox', 'status-seq'] as const;

export class OutgoingActivities implements SocialEvents {
  private readonly social: SocialContext;
  private readonly fed: TraFederation;
  private readonly ports: StorePorts;
  /** Other listeners (a post index, feeds) called after ours with the same arguments. */
  private readonly next: SocialEvents;
  private readonly onError: (e: Error) => void;
  private draining: Promise<unknown> | undefined;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly moderation: ModerationOutgoing;

  constructor(social: SocialContext, fed: TraFederation, ports: StorePorts, next: SocialEvents = {}, onError: (e: Error) => void = () => {}) {
    this.onError = onError;
    this.social = social;
    this.fed = fed;
    this.ports = ports;
    this.next = next;
    this.moderation = new ModerationOutgoing(social, fed, (a) => ports.address(a));
  }

  private get store() {
    return this.social.store;
  }

  /** The listeners this one passes events on to. */
  nextListeners(): SocialEvents {
    return this.next;
  }

  /**
   * Status changes are sent in the store's change order by one loop: it reads what was committed
   * after the durable mark, queues the activities, and moves the mark. A committed change wakes it
   * at once; it also looks every `pollMs` for changes made by another process (`tra accounts
   * delete`, an admin tool).
   */
  start(pollMs = 5_000): void {
    const tick = () => {
      this.wake();
      this.timer = setTimeout(tick, pollMs);
      this.timer.unref();
    };
    tick();
  }

  /** Stop the loop; the change being sent finishes first. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.draining;
  }

  /** Run the loop now (or once more when it is running). */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((e: Error) => this.onError(e))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves when every change committed so far has been queued (tests, measurements). */
  async settled(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Queue the activities of every status change after the mark; returns how many were sent. */
  async drain(): Promise<number> {
    let mark = await this.fed.kv.get<number>(MARK);
    if (mark === undefined) {
      // The first start: what is already stored is history, not news to send.
      await this.fed.kv.set(MARK, this.store.statuses.lastSeq());
      return 0;
    }
    let sent = 0;
    while (!this.stopped) {
      const rows = this.store.statuses.changesSince(mark, 100);
      if (!rows.length) break;
      for (const st of rows) {
        if (this.stopped) break;
        try {
          if (await this.sendChange(st)) sent++;
        } catch (e) {
          // A change that cannot be sent (a bug, a vanished row) must not hold back the rest.
          this.onError(e as Error);
        }
        mark = st.seq;
        await this.fed.kv.set(MARK, mark);
      }
    }
    return sent;
  }

  private async sendChange(st: StatusRow): Promise<boolean> {
    const author = this.store.accounts.byId(st.accountId);
    // Remote posts are not ours to send; a deleted account's posts go with its Delete.
    if (!author || author.domain !== null || author.deletedAt !== null) return false;
    const ctx = this.fed.context();
    if (st.reblogOfId !== null) {
      const target = this.store.statuses.byId(st.reblogOfId);
      const a = target && this.announce(st, target, author);
      if (!a) return false;
      const activity = st.deletedAt === null ? a.activity : A.undo(ctx, author.username, a.activity);
      await this.fed.outbox.send(author.username, activity, 'followers', { alsoTo: a.alsoTo });
      return true;
    }
    if (st.deletedAt !== null) {
      const type = this.ports.localPost(st, author)?.type ?? 'Note';
      await this.toAudience(st, author, A.deletePost(ctx, { username: author.username, type, id: st.id, visibility: st.visibility === 'private' ? 'followers' : st.visibility }));
      return true;
    }
    const post = this.ports.localPost(st, author);
    if (!post) return false;
    await this.toAudience(st, author, st.editedAt === null ? A.createPost(ctx, post) : A.updatePost(ctx, post));
    return true;
  }

  private remoteMentions(st: StatusRow): FollowerAddress[] {
    return this.store.statuses
      .mentions(st.id)
      .map((id) => this.store.accounts.byId(id))
      .map((a) => (a ? this.ports.address(a) : undefined))
      .filter((x): x is FollowerAddress => !!x);
  }

  /** Send a post-shaped activity to the post's audience. */
  private async toAudience(st: StatusRow, author: AccountRow, activity: Parameters<TraFederation['outbox']['send']>[1]): Promise<void> {
    const mentioned = this.remoteMentions(st);
    if (st.visibility === 'direct') await this.fed.outbox.send(author.username, activity, mentioned);
    else await this.fed.outbox.send(author.username, activity, 'followers', { alsoTo: mentioned });
  }

  async statusCreated(st: StatusRow, author: AccountRow): Promise<void> {
    this.wake();
    await this.next.statusCreated?.(st, author);
  }

  async statusUpdated(st: StatusRow, author: AccountRow): Promise<void> {
    this.wake();
    await this.next.statusUpdated?.(st, author);
  }

  async statusDeleted(st: StatusRow, author: AccountRow): Promise<void> {
    this.wake();
    await this.next.statusDeleted?.(st, author);
  }

  async accountUpdated(account: AccountRow): Promise<void> {
    try {
      if (account.domain !== null || account.deletedAt !== null) return;
      const local = this.ports.localAccount(account);
      await this.fed.outbox.send(account.username, await A.updateProfile(this.fed.context(), local), 'followers');
    } finally {
      await this.next.accountUpdated?.(account);
    }
  }

  async accountDeleted(account: AccountRow): Promise<void> {
    try {
      if (account.domain !== null) return;
      // The follows are gone with the account, and servers that only saw its posts boosted should
      // drop them too: the Delete goes to every server we know, as Mastodon does.
      await this.fed.outbox.send(account.username, A.deleteActor(this.fed.context(), account.username), this.ports.knownInboxes());
    } finally {
      await this.next.accountDeleted?.(account);
    }
  }

  async followRequested(follow: FollowRow, follower: AccountRow, target: AccountRow): Promise<void> {
    try {
      const to = this.ports.address(target);
      if (follower.domain !== null || !to) return;
      await this.fed.outbox.send(follower.username, A.follow(this.fed.context(), follower.username, follow.id, new URL(to.id)), [to]);
    } finally {
      await this.next.followRequested?.(follow, follower, target);
    }
  }

  async unfollowed(follow: FollowRow, follower: AccountRow, target: AccountRow): Promise<void> {
    try {
      const to = this.ports.address(target);
      if (follower.domain !== null || !to) return;
      const ctx = this.fed.context();
      await this.fed.outbox.send(follower.username, A.undo(ctx, follower.username, A.follow(ctx, follower.username, follow.id, new URL(to.id))), [to]);
    } finally {
      await this.next.unfollowed?.(follow, follower, target);
    }
  }

  private async answer(follow: FollowRow, follower: AccountRow, target: AccountRow, accept: boolean): Promise<void> {
    const to = this.ports.address(follower);
    if (target.domain !== null || !to || !follow.uri) return;
    await this.fed.outbox.answerFollow(target.username, { followId: follow.uri, follower: to }, accept);
  }

  async followAccepted(follow: FollowRow, follower: AccountRow, target: AccountRow): Promise<void> {
    try {
      await this.answer(follow, follower, target, true);
    } finally {
      await this.next.followAccepted?.(follow, follower, target);
    }
  }

  async followRejected(follow: FollowRow, follower: AccountRow, target: AccountRow): Promise<void> {
    try {
      await this.answer(follow, follower, target, false);
    } finally {
      await this.next.followRejected?.(follow, follower, target);
    }
  }

  private like(fav: FavouriteRow, st: StatusRow, by: AccountRow) {
    const author = this.store.accounts.byId(st.accountId);
    const to = author ? this.ports.address(author) : undefined;
    if (by.domain !== null || !author || !to) return undefined;
    const ctx = this.fed.context();
    return { to, activity: A.like(ctx, by.username, fav.id, new URL(this.social.urls.statusUri(st, author))) };
  }

  async favourited(fav: FavouriteRow, st: StatusRow, by: AccountRow): Promise<void> {
    try {
      const l = this.like(fav, st, by);
      if (l) await this.fed.outbox.send(by.username, l.activity, [l.to]);
    } finally {
      await this.next.favourited?.(fav, st, by);
    }
  }

  async unfavourited(fav: FavouriteRow, st: StatusRow, by: AccountRow): Promise<void> {
    try {
      const l = this.like(fav, st, by);
      if (l) await this.fed.outbox.send(by.username, A.undo(this.fed.context(), by.username, l.activity), [l.to]);
    } finally {
      await this.next.unfavourited?.(fav, st, by);
    }
  }

  private announce(reblog: StatusRow, st: StatusRow, by: AccountRow) {
    const author = this.store.accounts.byId(st.accountId);
    if (by.domain !== null || !author) return undefined;
    const to = this.ports.address(author);
    const ctx = this.fed.context();
    const activity = A.announce(ctx, by.username, reblog.id, new URL(this.social.urls.statusUri(st, author)), new URL(this.social.urls.accountUri(author)), new Date(reblog.createdAt));
    return { activity, alsoTo: to ? [to] : [] };
  }

  async reblogged(reblog: StatusRow, st: StatusRow, by: AccountRow): Promise<void> {
    this.wake();
    await this.next.reblogged?.(reblog, st, by);
  }

  async unreblogged(reblog: StatusRow, st: StatusRow, by: AccountRow): Promise<void> {
    this.wake();
    await this.next.unreblogged?.(reblog, st, by);
  }

  // Moderation (bridge/moderation.ts): Block / Undo(Block) to a remote target, Flag of a forwarded report.

  async blocked(block: { id: string }, by: AccountRow, target: AccountRow): Promise<void> {
    try {
      await this.moderation.block(block, by, target, false);
    } finally {
      await this.next.blocked?.(block, by, target);
    }
  }

  async unblocked(block: { id: string }, by: AccountRow, target: AccountRow): Promise<void> {
    try {
      await this.moderation.block(block, by, target, true);
    } finally {
      await this.next.unblocked?.(block, by, target);
    }
  }

  async reportForwarded(report: { id: string; comment: string }, target: AccountRow, statuses: StatusRow[]): Promise<void> {
    try {
      await this.moderation.flag(report, target, statuses);
    } finally {
      await this.next.reportForwarded?.(report, target, statuses);
    }
  }
}
