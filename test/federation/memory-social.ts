/**
 * An in-memory implementation of every federation port (ports.ts), for tests: accounts, posts,
 * followers, and a log of everything the inbox was told.
 */
import type {
  DeliveryFailures, FollowDecision, FollowerAddress, FollowersPage, InstanceInfo, LocalAccount, LocalActors,
  LocalPost, LocalPosts, RemoteActor, RemotePost, SocialInbox, UsageCounts,
} from '../../src/social/federation/ports.ts';

export type InboxEvent = { kind: keyof SocialInbox | 'inboxGone'; [k: string]: unknown };

export class MemorySocial implements LocalActors, LocalPosts, SocialInbox, DeliveryFailures, InstanceInfo {
  readonly accounts = new Map<string, LocalAccount>();
  readonly posts = new Map<string, LocalPost>();
  /** username → follower id → address, in the order they followed. */
  readonly followerMap = new Map<string, Map<string, FollowerAddress>>();
  readonly events: InboxEvent[] = [];
  decision: FollowDecision = 'accept';

  addAccount(username: string, extra: Partial<LocalAccount> = {}): LocalAccount {
    const a: LocalAccount = {
      username,
      displayName: `Tên ${username}`,
      bioHtml: `<p>Xin chào, tôi là ${username}.</p>`,
      createdAt: new Date('2025-01-02T03:04:05Z'),
      discoverable: true,
      indexable: true,
      ...extra,
    };
    this.accounts.set(username, a);
    return a;
  }

  addPost(p: LocalPost): LocalPost {
    this.posts.set(`${p.username}/${p.id}`, p);
    return p;
  }

  of(kind: InboxEvent['kind']): InboxEvent[] {
    return this.events.filter((e) => e.kind === kind);
  }

  // LocalActors
  byUsername(username: string): LocalAccount | undefined {
    return this.accounts.get(username);
  }
  followers(username: string, cursor: string | null, limit: number): FollowersPage {
    const all = [...(this.followerMap.get(username)?.values() ?? [])];
    const start = cursor === null ? 0 : Number(cursor);
    const items = all.slice(start, start + limit);
    return { items, nextCursor: start + limit < all.length ? String(start + limit) : null };
  }
  followersCount(username: string): number {
    return this.followerMap.get(username)?.size ?? 0;
  }

  // LocalPosts
  byId(username: string, id: string): LocalPost | undefined {
    return this.posts.get(`${username}/${id}`);
  }

  // SocialInbox
  followRequested(e: { local: LocalAccount; follower: RemoteActor; followId: string | null }): FollowDecision {
    this.events.push({ kind: 'followRequested', ...e });
    if (this.decision === 'accept' && e.follower.inbox) {
      let m = this.followerMap.get(e.local.username);
      if (!m) this.followerMap.set(e.local.username, (m = new Map()));
      m.set(e.follower.id, { id: e.follower.id, inbox: e.follower.inbox, sharedInbox: e.follower.sharedInbox });
    }
    return this.decision;
  }
  followUndone(e: { username: string; followerId: string; followId: string | null }): void {
    this.events.push({ kind: 'followUndone', ...e });
    this.followerMap.get(e.username)?.delete(e.followerId);
  }
  followAccepted(e: { username: string; followeeId: string; followId: string | null }): void {
    this.events.push({ kind: 'followAccepted', ...e });
  }
  followRejected(e: { username: string; followeeId: string; followId: string | null }): void {
    this.events.push({ kind: 'followRejected', ...e });
  }
  postCreated(e: { post: RemotePost; recipient: string | null; activityId: string | null }): void {
    this.events.push({ kind: 'postCreated', ...e });
  }
  postUpdated(e: { post: RemotePost; activityId: string | null }): void {
    this.events.push({ kind: 'postUpdated', ...e });
  }
  objectDeleted(e: { objectId: string; actorId: string; activityId: string | null }): void {
    this.events.push({ kind: 'objectDeleted', ...e });
  }
  liked(e: { likeId: string | null; actorId: string; objectId: string }): void {
    this.events.push({ kind: 'liked', ...e });
  }
  likeUndone(e: { likeId: string | null; actorId: string; objectId: string | null }): void {
    this.events.push({ kind: 'likeUndone', ...e });
  }
  announced(e: { announceId: string | null; actorId: string; objectId: string; post: RemotePost | null; published: Date | null }): void {
    this.events.push({ kind: 'announced', ...e });
  }
  announceUndone(e: { announceId: string | null; actorId: string; objectId: string | null }): void {
    this.events.push({ kind: 'announceUndone', ...e });
  }
  actorUpdated(e: { actor: RemoteActor }): void {
    this.events.push({ kind: 'actorUpdated', ...e });
  }

  // DeliveryFailures
  inboxGone(e: { inbox: string; actorIds: string[]; statusCode: number; activityId: string | null }): void {
    this.events.push({ kind: 'inboxGone', ...e });
    for (const m of this.followerMap.values()) for (const id of e.actorIds) m.delete(id);
  }

  // InstanceInfo
  usage(): UsageCounts {
    return { users: { total: this.accounts.size, activeMonth: this.accounts.size, activeHalfyear: this.accounts.size }, localPosts: this.posts.size };
  }
  openRegistrations(): boolean {
    return false;
  }
}

/** Resolves once `pred` holds, polling every 20 ms; rejects with `what` after `ms`. */
export async function eventually(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
