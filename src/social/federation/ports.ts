/**
 * The seams between federation and the rest of the social layer. Federation knows nothing of how
 * accounts, follows and posts are stored; it asks and tells through these interfaces, in plain
 * typed records (URLs as strings, times as Date) so an implementation needs no Fedify types.
 *
 * - `LocalActors`  — who our accounts are and who follows them (read).
 * - `LocalPosts`   — our posts, so remote servers can fetch them by id (read).
 * - `SocialInbox`  — what arrived from other servers (write; called after signatures are checked).
 * - `DeliveryFailures` — an inbox that is gone for good (write).
 * - `InstanceInfo` — counts and settings for NodeInfo (read).
 *
 * The social store implements them; tests use the in-memory versions in test/federation.
 */

export type Awaitable<T> = T | Promise<T>;

/** A local account as the fediverse sees it. */
export interface LocalAccount {
  /** The handle: immutable, `[a-z0-9_]`; the actor is `/users/{username}`, WebFinger `acct:{username}@{host}`. */
  username: string;
  displayName: string;
  /** The profile text, as safe HTML (the store escapes or sanitises it). */
  bioHtml: string;
  avatarUrl?: string | null;
  headerUrl?: string | null;
  /** The account's HTML profile page (default `/@{username}` on our origin). */
  profileUrl?: string | null;
  createdAt: Date;
  /** Willing to be suggested and shown in ranked feeds and directories. */
  discoverable: boolean;
  /** Posts may be indexed for search, here and elsewhere. */
  indexable: boolean;
  /** Follows wait for the owner's decision instead of being accepted at once. */
  manuallyApprovesFollowers?: boolean;
  /** `Service` for automated accounts such as a news source; `Person` otherwise. */
  actorType?: 'Person' | 'Service';
  /**
   * Set when the account was deleted. Until `TOMBSTONE_AFTER_MS` later the actor is still served,
   * emptied but with its keys, so servers can check the signature of its Delete while the
   * deliveries drain; after that it answers `410 Gone` with a Tombstone.
   */
  deletedAt?: Date | null;
  /** Profile fields (Mastodon's `PropertyValue` attachments): a label and an HTML value. */
  fields?: { name: string; valueHtml: string }[];
}

/** An actor on another server, as far as one activity told us. */
export interface RemoteActor {
  id: string;
  inbox: string | null;
  sharedInbox: string | null;
  /** `preferredUsername` (without host). */
  username: string | null;
  name: string | null;
  /** The actor's HTML page. */
  url: string | null;
  avatarUrl: string | null;
  summaryHtml: string | null;
  discoverable: boolean | null;
  indexable: boolean | null;
  type: string;
  /** `manuallyApprovesFollowers`. */
  locked?: boolean;
  headerUrl?: string | null;
  published?: Date | null;
}

/** Where a follower's deliveries go. */
export interface FollowerAddress {
  /** The follower's actor id. */
  id: string;
  inbox: string;
  sharedInbox?: string | null;
}

export interface FollowersPage {
  items: FollowerAddress[];
  /** The cursor of the next page, or null when this page is the last. */
  nextCursor: string | null;
}

export interface LocalActors {
  byUsername(username: string): Awaitable<LocalAccount | undefined>;
  /** One page of followers, oldest first; `cursor` null means the first page. */
  followers(username: string, cursor: string | null, limit: number): Awaitable<FollowersPage>;
  followersCount(username: string): Awaitable<number>;
}

export type Visibility = 'public' | 'unlisted' | 'followers' | 'direct';

/** A post of ours, as served to other servers. Only `public` and `unlisted` posts are served. */
export interface LocalPost {
  /** The store's id of the post (a path segment: no `/`). */
  id: string;
  username: string;
  /** `Article` for news (title in `name`, link in `url`), `Note` otherwise. */
  type: 'Note' | 'Article';
  contentHtml: string;
  /** For a Note, the content warning; never the lede of an Article (Mastodon shows it as a warning). */
  summary?: string | null;
  /** An Article's title. */
  name?: string | null;
  /** The post's HTML page, or for an Article the link to the news item. */
  url?: string | null;
  language?: string | null;
  published: Date;
  updated?: Date | null;
  /** The id (URL) of the post this one answers. */
  inReplyTo?: string | null;
  visibility: Visibility;
  sensitive?: boolean;
  /** Hashtags without `#`. */
  hashtags?: string[];
  /** Mentioned actors. */
  mentions?: { id: string; handle: string }[];
}

export interface LocalPosts {
  byId(username: string, id: string): Awaitable<LocalPost | undefined>;
}

/** A post from another server. */
export interface RemotePost {
  id: string;
  type: 'Note' | 'Article';
  authorId: string;
  url: string | null;
  name: string | null;
  summary: string | null;
  contentHtml: string;
  language: string | null;
  published: Date | null;
  updated: Date | null;
  inReplyTo: string | null;
  visibility: Visibility;
  sensitive: boolean;
  to: string[];
  cc: string[];
  hashtags: string[];
  mentions: string[];
  attachments: { url: string; mediaType: string | null; description: string | null }[];
}

export type FollowDecision = 'accept' | 'reject' | 'pending';

/**
 * What other servers told us, after Fedify verified who sent it. Each method is called at least
 * once per activity (a retried delivery may repeat one): implementations must be idempotent,
 * keyed by the activity or object id.
 */
export interface SocialInbox {
  /** A remote actor asks to follow `local`. `accept` and `reject` are answered at once; `pending` waits for `Outbox.answerFollow`. */
  followRequested(e: { local: LocalAccount; follower: RemoteActor; followId: string | null }): Awaitable<FollowDecision>;
  /** A follower of `username` unfollowed. */
  followUndone(e: { username: string; followerId: string; followId: string | null }): Awaitable<void>;
  /** A remote actor accepted the follow `followId` sent by our `username`. */
  followAccepted(e: { username: string; followeeId: string; followId: string | null }): Awaitable<void>;
  followRejected(e: { username: string; followeeId: string; followId: string | null }): Awaitable<void>;
  /** A post was created; `recipient` is the local username whose inbox received it (null: the shared inbox). */
  postCreated(e: { post: RemotePost; recipient: string | null; activityId: string | null }): Awaitable<void>;
  postUpdated(e: { post: RemotePost; activityId: string | null }): Awaitable<void>;
  /** `actorId` deleted its object `objectId` (a post, or the actor itself when both are equal). */
  objectDeleted(e: { objectId: string; actorId: string; activityId: string | null }): Awaitable<void>;
  liked(e: { likeId: string | null; actorId: string; objectId: string }): Awaitable<void>;
  likeUndone(e: { likeId: string | null; actorId: string; objectId: string | null }): Awaitable<void>;
  /** `actorId` boosted `objectId`; `post` is the boosted post when it is not ours and could be read. */
  announced(e: { announceId: string | null; actorId: string; objectId: string; post: RemotePost | null; published: Date | null }): Awaitable<void>;
  announceUndone(e: { announceId: string | null; actorId: string; objectId: string | null }): Awaitable<void>;
  /** A remote actor changed its profile. */
  actorUpdated(e: { actor: RemoteActor }): Awaitable<void>;
  /** Domain policy: true when activities from this actor's server are refused (suspended). Checked before every listener. */
  refuses?(actorId: string): boolean;
  /** A remote actor blocked our `username` (idempotent by the Block's id / the pair). */
  blocked?(e: { actorId: string; username: string; blockId: string | null }): Awaitable<void>;
  blockUndone?(e: { actorId: string; username: string; blockId: string | null }): Awaitable<void>;
  /** A report (Flag) from another server naming some of `objectIds` (our actors and posts). */
  flagged?(e: { flagId: string | null; actorId: string; objectIds: string[]; content: string }): Awaitable<void>;
}

/** Deliveries that will never succeed (the inbox answered 404 or 410). */
export interface DeliveryFailures {
  inboxGone(e: { inbox: string; actorIds: string[]; statusCode: number; activityId: string | null }): Awaitable<void>;
}

export interface UsageCounts {
  users: { total: number; activeMonth: number; activeHalfyear: number };
  localPosts: number;
}

export interface InstanceInfo {
  usage(): Awaitable<UsageCounts>;
  openRegistrations(): Awaitable<boolean>;
}
