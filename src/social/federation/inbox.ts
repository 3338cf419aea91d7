/**
 * Inbox listeners: what other servers send us, after Fedify has checked the HTTP signature (or
 * the object proof) against the sender's key, turned into calls on `SocialInbox`.
 *
 * Beyond the signature, each listener checks that the sender speaks only for itself: a post must
 * be attributed to the actor that creates or updates it, a Delete must name an object on the
 * actor's own server, an Undo must take back an activity of the same actor. Anything else is
 * dropped. Embedded objects from another origin are not trusted; Fedify fetches them by id.
 *
 * Personal inboxes are `/users/{username}/inbox`, the shared inbox `/inbox`; fetches made while
 * handling the shared inbox are signed with the instance actor's key.
 */
import {
  Accept, Announce, Block, Create, Delete, Flag, Follow, Like, Reject, Undo, Update, isActor, type Activity,
} from '@fedify/vocab';
import type { Federation, InboxContext, InboxListenerSetters } from '@fedify/fedify';
import type { LocalActors, SocialInbox } from './ports.ts';
import { INSTANCE_ACTOR } from './actors.ts';
import { answerFollow, parseFollowId } from './activities.ts';
import { isPost, remoteActor, remotePost, type Loaders } from './convert.ts';

export interface InboxDeps {
  actors: LocalActors;
  inbox: SocialInbox;
  /** Told when a listener throws (Fedify then retries the activity with backoff). */
  onError: (error: Error) => void;
}

function loaders(ctx: InboxContext<void>): Loaders & { suppressError: true } {
  return { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, suppressError: true };
}

/** The local username an actor URL names, or null. */
function localUsername(ctx: InboxContext<void>, url: URL | null): string | null {
  const parsed = ctx.parseUri(url);
  return parsed?.type === 'actor' && parsed.identifier !== INSTANCE_ACTOR ? parsed.identifier : null;
}

/** Our username and the store's follow id behind an Accept/Reject of one of our Follows. */
async function ourFollow(ctx: InboxContext<void>, answer: Activity): Promise<{ username: string; followId: string | null } | null> {
  const byId = parseFollowId(ctx, answer.objectId);
  if (byId) return byId;
  const object = await answer.getObject(loaders(ctx));
  if (!(object instanceof Follow)) return null;
  const username = localUsername(ctx, object.actorId);
  return username ? { username, followId: null } : null;
}

type Listener<T> = (ctx: InboxContext<void>, activity: T) => Promise<void>;
interface Setters {
  on<T extends Activity>(type: new (...args: never[]) => T, listener: Listener<T>): Setters;
  onError(fn: (ctx: unknown, error: Error) => void): Setters;
}

/** Every listener behind the domain policy: an activity from a suspended server is dropped unread. */
function behindPolicy(setters: InboxListenerSetters<void>, refuses: ((actorId: string) => boolean) | undefined): Setters {
  const wrapped: Setters = {
    on(type, listener) {
      setters.on(type as never, (async (ctx: InboxContext<void>, activity: Activity) => {
        if (refuses && activity.actorId && refuses(activity.actorId.href)) return;
        await listener(ctx, activity as never);
      }) as never);
      return wrapped;
    },
    onError(fn) {
      setters.onError(fn);
      return wrapped;
    },
  };
  return wrapped;
}

export function registerInbox(federation: Federation<void>, d: InboxDeps): void {
  const setters = federation.setInboxListeners('/users/{identifier}/inbox', '/inbox').setSharedKeyDispatcher(() => ({ identifier: INSTANCE_ACTOR }));
  behindPolicy(setters, d.inbox.refuses ? (id) => d.inbox.refuses!(id) : undefined)
    .on(Follow, async (ctx, follow) => {
      const username = localUsername(ctx, follow.objectId);
      if (!username || !follow.actorId) return;
      const local = await d.actors.byUsername(username);
      if (!local || local.deletedAt != null) return;
      const actor = await follow.getActor(loaders(ctx));
      if (!isActor(actor) || actor.id?.href !== follow.actorId.href) return;
      const follower = await remoteActor(actor, loaders(ctx));
      const decision = await d.inbox.followRequested({ local, follower, followId: follow.id?.href ?? null });
      if (decision === 'pending') return;
      await ctx.sendActivity({ identifier: username }, actor, answerFollow(ctx, username, follow, decision === 'accept'));
    })
    .on(Undo, async (ctx, undo) => {
      const actorId = undo.actorId?.href;
      if (!actorId) return;
      const object = await undo.getObject(loaders(ctx));
      if (!object || !(object instanceof Follow || object instanceof Like || object instanceof Announce || object instanceof Block)) return;
      if (object.actorId?.href !== actorId) return;
      if (object instanceof Block) {
        const username = localUsername(ctx, object.objectId);
        if (username) await d.inbox.blockUndone?.({ actorId, username, blockId: object.id?.href ?? null });
      } else if (object instanceof Follow) {
        const username = localUsername(ctx, object.objectId);
        if (username) await d.inbox.followUndone({ username, followerId: actorId, followId: object.id?.href ?? null });
      } else if (object instanceof Like) {
        await d.inbox.likeUndone({ likeId: object.id?.href ?? null, actorId, objectId: object.objectId?.href ?? null });
      } else {
        await d.inbox.announceUndone({ announceId: object.id?.href ?? null, actorId, objectId: object.objectId?.href ?? null });
      }
    })
    .on(Accept, async (ctx, accept) => {
      const ours = accept.actorId ? await ourFollow(ctx, accept) : null;
      if (ours) await d.inbox.followAccepted({ ...ours, followeeId: accept.actorId!.href });
    })
    .on(Reject, async (ctx, reject) => {
      const ours = reject.actorId ? await ourFollow(ctx, reject) : null;
      if (ours) await d.inbox.followRejected({ ...ours, followeeId: reject.actorId!.href });
    })
    .on(Create, async (ctx, create) => {
      const object = await create.getObject(loaders(ctx));
      if (!isPost(object) || !create.actorId || object.attributionId?.href !== create.actorId.href) return;
      const author = await create.getActor(loaders(ctx));
      const post = await remotePost(object, loaders(ctx), author?.followersId?.href ?? null);
      await d.inbox.postCreated({ post, recipient: ctx.recipient, activityId: create.id?.href ?? null });
    })
    .on(Update, async (ctx, update) => {
      const actorId = update.actorId;
      if (!actorId) return;
      const object = await update.getObject(loaders(ctx));
      if (isPost(object)) {
        if (object.attributionId?.href !== actorId.href) return;
        const author = await update.getActor(loaders(ctx));
        const post = await remotePost(object, loaders(ctx), author?.followersId?.href ?? null);
        await d.inbox.postUpdated({ post, activityId: update.id?.href ?? null });
      } else if (isActor(object) && object.id?.href === actorId.href) {
        await d.inbox.actorUpdated({ actor: await remoteActor(object, loaders(ctx)) });
      }
    })
    .on(Delete, async (_ctx, del) => {
      const actorId = del.actorId;
      const objectId = del.objectId;
      if (!actorId || !objectId || objectId.origin !== actorId.origin) return;
      await d.inbox.objectDeleted({ objectId: objectId.href, actorId: actorId.href, activityId: del.id?.href ?? null });
    })
    .on(Like, async (_ctx, like) => {
      if (!like.actorId || !like.objectId) return;
      await d.inbox.liked({ likeId: like.id?.href ?? null, actorId: like.actorId.href, objectId: like.objectId.href });
    })
    .on(Announce, async (ctx, announce) => {
      if (!announce.actorId || !announce.objectId) return;
      let post = null;
      if (ctx.parseUri(announce.objectId) === null) {
        const object = await announce.getObject(loaders(ctx));
        if (isPost(object)) post = await remotePost(object, loaders(ctx));
      }
      await d.inbox.announced({
        announceId: announce.id?.href ?? null,
        actorId: announce.actorId.href,
        objectId: announce.objectId.href,
        post,
        published: announce.published ? new Date(announce.published.epochMilliseconds) : null,
      });
    })
    .on(Block, async (ctx, block) => {
      const username = localUsername(ctx, block.objectId);
      if (!username || !block.actorId) return;
      await d.inbox.blocked?.({ actorId: block.actorId.href, username, blockId: block.id?.href ?? null });
    })
    .on(Flag, async (_ctx, flag) => {
      if (!flag.actorId) return;
      await d.inbox.flagged?.({ flagId: flag.id?.href ?? null, actorId: flag.actorId.href, objectIds: flag.objectIds.map((u) => u.href), content: flag.content?.toString() ?? '' });
    })
    .onError((_ctx, error) => d.onError(error));
}
