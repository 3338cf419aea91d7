/**
 * What the social layer tells federation after a change is committed. The federation module
 * (src/social/federation/) implements these to send the matching activities: Create/Update/Delete
 * of a Note, Follow/Undo, Like/Undo, Announce/Undo, Update/Delete of an actor, Accept/Reject of a
 * follow request. Every member is optional; a listener that throws is logged by the caller and
 * never undoes the change (the store is the truth, delivery is retried by the federation queue).
 */
import type { AccountRow, StatusRow, FollowRow, FavouriteRow } from './rows.ts';

export interface SocialEvents {
  statusCreated?(status: StatusRow, author: AccountRow): void | Promise<void>;
  /** A status was edited (Update of the Note). */
  statusUpdated?(status: StatusRow, author: AccountRow): void | Promise<void>;
  statusDeleted?(status: StatusRow, author: AccountRow): void | Promise<void>;
  /** A local account's profile changed (Update of the actor). */
  accountUpdated?(account: AccountRow): void | Promise<void>;
  /** A local account was deleted (Delete of the actor). */
  accountDeleted?(account: AccountRow): void | Promise<void>;
  /** A local account asked to follow someone (a Follow to send when the target is remote). */
  followRequested?(follow: FollowRow, follower: AccountRow, target: AccountRow): void | Promise<void>;
  /** A local account stopped following (or withdrew its request). */
  unfollowed?(follow: FollowRow, follower: AccountRow, target: AccountRow): void | Promise<void>;
  /** A local account accepted a follow request (Accept to send when the follower is remote). */
  followAccepted?(follow: FollowRow, follower: AccountRow, target: AccountRow): void | Promise<void>;
  followRejected?(follow: FollowRow, follower: AccountRow, target: AccountRow): void | Promise<void>;
  favourited?(favourite: FavouriteRow, status: StatusRow, by: AccountRow): void | Promise<void>;
  unfavourited?(favourite: FavouriteRow, status: StatusRow, by: AccountRow): void | Promise<void>;
  /** `reblog` is the new status whose reblog_of_id is the boosted one. */
  reblogged?(reblog: StatusRow, status: StatusRow, by: AccountRow): void | Promise<void>;
  unreblogged?(reblog: StatusRow, status: StatusRow, by: AccountRow): void | Promise<void>;
  /** A local account blocked another (a Block to send when the target is remote); `block.id` is the store's id. */
  blocked?(block: { id: string }, by: AccountRow, target: AccountRow): void | Promise<void>;
  /** A local account lifted a block (Undo of the Block). */
  unblocked?(block: { id: string }, by: AccountRow, target: AccountRow): void | Promise<void>;
  /** A report about a remote account that the reporter asked to forward (a Flag to its server, from the instance actor). */
  reportForwarded?(report: { id: string; comment: string }, target: AccountRow, statuses: StatusRow[]): void | Promise<void>;
}

export type SocialEventName = keyof SocialEvents;
