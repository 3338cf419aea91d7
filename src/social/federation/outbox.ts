/**
 * Sending: `send(fromUsername, activity, recipients)` hands an activity to Fedify, which signs it
 * with the sender's keys, fans it out to the recipients' inboxes (shared inboxes where they have
 * one) through the persistent queue and retries failed deliveries with backoff. Create, Update
 * and Delete of the same object carry the object's id as ordering key, so they reach each server
 * in the order they were sent.
 */
import type { Activity } from '@fedify/vocab';
import { Follow } from '@fedify/vocab';
import type { Context, Federation } from '@fedify/fedify';
import type { FollowerAddress, LocalActors } from './ports.ts';
import { answerFollow } from './activities.ts';

export type Recipients = 'followers' | FollowerAddress[];

export interface SendOptions {
  /** Also deliver to these (e.g. the people a post mentions) when sending to followers. */
  alsoTo?: FollowerAddress[];
  /** Deliver now, without the queue (no retries): for tests and one-off tools only. */
  immediate?: boolean;
}

export class Outbox {
  private readonly federation: Federation<void>;
  private readonly origin: URL;
  private readonly actors: LocalActors;

  constructor(federation: Federation<void>, origin: URL, actors: LocalActors) {
    this.federation = federation;
    this.origin = origin;
    this.actors = actors;
  }

  context(): Context<void> {
    return this.federation.createContext(this.origin, undefined);
  }

  async send(fromUsername: string, activity: Activity, recipients: Recipients, options: SendOptions = {}): Promise<void> {
    if (!(await this.actors.byUsername(fromUsername))) {
      throw new Error(`Không gửi được hoạt động: không có tài khoản "${fromUsername}" trên máy chủ này.`);
    }
    const ctx = this.context();
    const orderingKey = activity.objectId?.href ?? activity.id?.href;
    const common = { preferSharedInbox: true, orderingKey, immediate: options.immediate };
    const list = (addresses: FollowerAddress[]) =>
      addresses.map((a) => ({
        id: new URL(a.id),
        inboxId: new URL(a.inbox),
        endpoints: a.sharedInbox ? { sharedInbox: new URL(a.sharedInbox) } : null,
      }));
    if (recipients === 'followers') {
      await ctx.sendActivity({ identifier: fromUsername }, 'followers', activity, { ...common, syncCollection: true });
      if (options.alsoTo?.length) await ctx.sendActivity({ identifier: fromUsername }, list(options.alsoTo), activity, common);
    } else if (recipients.length > 0) {
      await ctx.sendActivity({ identifier: fromUsername }, list(recipients), activity, common);
    }
  }

  /** Answers a follow request that `SocialInbox.followRequested` left pending. */
  async answerFollow(username: string, request: { followId: string; follower: FollowerAddress }, accept: boolean): Promise<void> {
    const ctx = this.context();
    const follow = new Follow({ id: new URL(request.followId), actor: new URL(request.follower.id), object: ctx.getActorUri(username) });
    await this.send(username, answerFollow(ctx, username, follow, accept), [request.follower]);
  }
}
