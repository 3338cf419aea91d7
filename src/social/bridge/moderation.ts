/**
 * Moderation across servers, both ways:
 *
 * - out: a block of a remote account is a `Block` to its server (as Mastodon sends it, so their
 *   server stops showing our user to them), an unblock its `Undo`; a report the reader asked to
 *   forward is a `Flag` from our instance actor (not from the reader: who reported stays here)
 *   naming the account and the posts, with the reader's comment;
 * - in: a remote user's `Block` of one of ours is recorded (follows both ways end), its `Undo`
 *   lifts it; a `Flag` of our accounts or posts becomes a report on the operator's page;
 * - the operator's domain policy: `refuses` (suspended servers' activities are dropped by the
 *   inbox) and `delivers` (nothing is sent to them: followers collections, mentions, known inboxes).
 *
 * Ids: Block `/users/{u}/blocks/{id}` (the store's block id), its Undo `{block}#undo`, Flag
 * `/actor#flags/{report id}`.
 */
import { Block, Flag } from '@fedify/vocab';
import type { Context } from '@fedify/fedify';
import type { SocialContext } from '../http.ts';
import type { AccountRow, StatusRow } from '../store/rows.ts';
import type { TraFederation } from '../federation/federation.ts';
import type { FollowerAddress } from '../federation/ports.ts';
import { INSTANCE_ACTOR } from '../federation/actors.ts';
import * as A from '../federation/activities.ts';
import { moderationOf } from '../moderation/service.ts';

export function blockActivity(ctx: Context<void>, username: string, blockId: string, target: URL): Block {
  const actor = ctx.getActorUri(username);
  return new Block({ id: new URL(`${actor.href}/blocks/${encodeURIComponent(blockId)}`), actor, object: target, tos: [target] });
}

export function flagActivity(ctx: Context<void>, reportId: string, objects: URL[], comment: string): Flag {
  const actor = ctx.getActorUri(INSTANCE_ACTOR);
  return new Flag({ id: new URL(`${actor.href}#flags/${encodeURIComponent(reportId)}`), actor, objects, content: comment });
}

/** Outgoing Block, Undo(Block) and Flag. */
export class ModerationOutgoing {
  private readonly social: SocialContext;
  private readonly fed: TraFederation;
  private readonly address: (a: AccountRow) => FollowerAddress | undefined;

  constructor(social: SocialContext, fed: TraFederation, address: (a: AccountRow) => FollowerAddress | undefined) {
    this.social = social;
    this.fed = fed;
    this.address = address;
  }

  async block(block: { id: string }, by: AccountRow, target: AccountRow, undo: boolean): Promise<void> {
    const to = this.address(target);
    if (by.domain !== null || !to) return;
    const ctx = this.fed.context();
    const activity = blockActivity(ctx, by.username, block.id, new URL(to.id));
    await this.fed.outbox.send(by.username, undo ? A.undo(ctx, by.username, activity) : activity, [to]);
  }

  async flag(report: { id: string; comment: string }, target: AccountRow, statuses: StatusRow[]): Promise<void> {
    const to = this.address(target);
    if (!to) return;
    const ctx = this.fed.context();
    const objects = [new URL(to.id), ...statuses.filter((s) => s.uri).map((s) => new URL(s.uri!))];
    const recipient = { id: new URL(to.id), inboxId: new URL(to.inbox), endpoints: to.sharedInbox ? { sharedInbox: new URL(to.sharedInbox) } : null };
    await ctx.sendActivity({ identifier: INSTANCE_ACTOR }, recipient, flagActivity(ctx, report.id, objects, report.comment), { preferSharedInbox: true });
  }
}

/** The inbox side of moderation, on the store (called by StorePorts). */
export class ModerationInbox {
  private readonly social: SocialContext;
  private readonly accountFor: (actorId: string) => Promise<AccountRow | undefined>;
  private readonly statusByUri: (uri: string) => StatusRow | undefined;

  constructor(social: SocialContext, accountFor: (actorId: string) => Promise<AccountRow | undefined>, statusByUri: (uri: string) => StatusRow | undefined) {
    this.social = social;
    this.accountFor = accountFor;
    this.statusByUri = statusByUri;
  }

  private get store() {
    return this.social.store;
  }

  refuses(actorId: string): boolean {
    return moderationOf(this.social).refuses(actorId);
  }

  async blocked(e: { actorId: string; username: string; blockId: string | null }): Promise<void> {
    const target = this.store.accounts.local(e.username);
    if (!target || target.deletedAt !== null) return;
    const by = await this.accountFor(e.actorId);
    if (!by || by.domain === null) return;
    this.store.tx(() => {
      // Their block ends follows both ways, as it does on their server.
      this.store.follows.remove(by.id, target.id);
      this.store.follows.remove(target.id, by.id);
      moderationOf(this.social).store.block(by.id, target.id, e.blockId);
    });
  }

  blockUndone(e: { actorId: string; username: string; blockId: string | null }): void {
    const target = this.store.accounts.local(e.username);
    const by = this.store.accounts.byUri(e.actorId);
    if (!target || !by) return;
    moderationOf(this.social).store.unblock(by.id, target.id);
  }

  flagged(e: { flagId: string | null; actorId: string; objectIds: string[]; content: string }): void {
    const host = new URL(e.actorId).host;
    const accounts: AccountRow[] = [];
    const statuses: StatusRow[] = [];
    for (const id of e.objectIds.slice(0, 100)) {
      const username = this.social.urls.usernameOf(id);
      const local = username !== undefined ? this.store.accounts.local(username) : undefined;
      if (local && local.deletedAt === null) {
        if (!accounts.some((a) => a.id === local.id)) accounts.push(local);
        continue;
      }
      const st = this.statusByUri(id);
      if (st && this.store.accounts.byId(st.accountId)?.domain === null) statuses.push(st);
    }
    // A Flag naming only posts reports their authors.
    for (const st of statuses) if (!accounts.some((a) => a.id === st.accountId)) accounts.push(this.store.accounts.byId(st.accountId)!);
    const reporter = this.store.accounts.byUri(e.actorId);
    for (const a of accounts) {
      moderationOf(this.social).flagReceived({
        uri: e.flagId ? (accounts.length > 1 ? `${e.flagId}#${a.id}` : e.flagId) : null,
        reporterId: reporter?.id ?? null,
        targetAccountId: a.id,
        statusIds: statuses.filter((s) => s.accountId === a.id).map((s) => s.id),
        comment: `[Từ máy chủ ${host}] ${e.content.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim()}`,
      });
    }
  }
}
