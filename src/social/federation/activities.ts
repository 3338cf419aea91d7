/**
 * The activities we send, built from the plain records of ports.ts. Ids follow one scheme so that
 * an answer that names our activity only by id (an Accept of our Follow) can be traced back:
 *
 *   post     /users/{u}/statuses/{id}   (Note)     /users/{u}/articles/{id}   (Article)
 *   Create   {post}#create               Update {post}#update-{ms}    Delete {post}#delete
 *   Follow   /users/{u}/follows/{id}     Like   /users/{u}/likes/{id}  Announce /users/{u}/announces/{id}
 *   Undo     {activity}#undo             Accept/Reject {actor}#accepts|rejects/{uuid}
 *   Update of a profile {actor}#update-{ms}      Delete of an account {actor}#delete
 *
 * `{id}` is the store's own id of the post, follow, favourite or boost, so an Undo can name the
 * activity it takes back.
 */
import { randomUUID } from 'node:crypto';
import {
  Accept, Announce, Article, Create, Delete, Follow, Hashtag, LanguageString, Like, Mention, Note,
  PUBLIC_COLLECTION, Reject, Tombstone, Undo, Update, type Activity,
} from '@fedify/vocab';
import type { Context } from '@fedify/fedify';
import type { LocalAccount, LocalPost, Visibility } from './ports.ts';
import { instant } from './temporal.ts';
import { accountActor } from './actors.ts';

export const POST_PATHS = { Note: '/users/{identifier}/statuses/{id}', Article: '/users/{identifier}/articles/{id}' } as const;

export function postUri(ctx: Context<void>, username: string, type: LocalPost['type'], id: string): URL {
  const values = { identifier: username, id };
  return type === 'Article' ? ctx.getObjectUri(Article, values) : ctx.getObjectUri(Note, values);
}

function path(ctx: Context<void>, username: string, kind: string, id: string): URL {
  return new URL(`${ctx.getActorUri(username).href}/${kind}/${encodeURIComponent(id)}`);
}

/** `to` and `cc` for a visibility, the way Mastodon addresses them. */
export function audience(ctx: Context<void>, username: string, visibility: Visibility, mentioned: URL[] = []): { tos: URL[]; ccs: URL[] } {
  const followers = ctx.getFollowersUri(username);
  switch (visibility) {
    case 'public': return { tos: [PUBLIC_COLLECTION], ccs: [followers, ...mentioned] };
    case 'unlisted': return { tos: [followers], ccs: [PUBLIC_COLLECTION, ...mentioned] };
    case 'followers': return { tos: [followers], ccs: mentioned };
    case 'direct': return { tos: mentioned, ccs: [] };
  }
}

/** A local post as a Note or an Article. */
export function postObject(ctx: Context<void>, post: LocalPost): Note | Article {
  const mentioned = (post.mentions ?? []).map((m) => new URL(m.id));
  const { tos, ccs } = audience(ctx, post.username, post.visibility, mentioned);
  const tags = [
    ...(post.hashtags ?? []).map((t) => new Hashtag({ href: new URL(`/tags/${encodeURIComponent(t)}`, ctx.canonicalOrigin), name: `#${t}` })),
    ...(post.mentions ?? []).map((m) => new Mention({ href: new URL(m.id), name: m.handle.startsWith('@') ? m.handle : `@${m.handle}` })),
  ];
  const values = {
    id: postUri(ctx, post.username, post.type, post.id),
    attribution: ctx.getActorUri(post.username),
    content: post.language ? new LanguageString(post.contentHtml, post.language) : post.contentHtml,
    name: post.type === 'Article' ? (post.name ?? null) : null,
    summary: post.type === 'Note' ? (post.summary ?? null) : null,
    sensitive: post.sensitive ?? Boolean(post.summary),
    url: post.url ? new URL(post.url) : null,
    published: instant(post.published),
    updated: post.updated ? instant(post.updated) : null,
    replyTarget: post.inReplyTo ? new URL(post.inReplyTo) : null,
    tos,
    ccs,
    tags,
  };
  return post.type === 'Article' ? new Article(values) : new Note(values);
}

export function createPost(ctx: Context<void>, post: LocalPost): Create {
  const object = postObject(ctx, post);
  return new Create({
    id: new URL(`${object.id!.href}#create`),
    actor: ctx.getActorUri(post.username),
    object,
    tos: object.toIds,
    ccs: object.ccIds,
    published: instant(post.published),
  });
}

export function updatePost(ctx: Context<void>, post: LocalPost): Update {
  const object = postObject(ctx, post);
  const when = post.updated ?? new Date();
  return new Update({
    id: new URL(`${object.id!.href}#update-${when.getTime()}`),
    actor: ctx.getActorUri(post.username),
    object,
    tos: object.toIds,
    ccs: object.ccIds,
    updated: instant(when),
  });
}

export function deletePost(ctx: Context<void>, post: Pick<LocalPost, 'username' | 'type' | 'id' | 'visibility'>): Delete {
  const id = postUri(ctx, post.username, post.type, post.id);
  const { tos, ccs } = audience(ctx, post.username, post.visibility);
  return new Delete({
    id: new URL(`${id.href}#delete`),
    actor: ctx.getActorUri(post.username),
    object: new Tombstone({ id }),
    tos,
    ccs,
  });
}

export function follow(ctx: Context<void>, username: string, followId: string, target: URL): Follow {
  return new Follow({ id: path(ctx, username, 'follows', followId), actor: ctx.getActorUri(username), object: target });
}

export function like(ctx: Context<void>, username: string, likeId: string, object: URL): Like {
  return new Like({ id: path(ctx, username, 'likes', likeId), actor: ctx.getActorUri(username), object });
}

export function announce(ctx: Context<void>, username: string, announceId: string, object: URL, objectAuthor: URL | null, published = new Date()): Announce {
  return new Announce({
    id: path(ctx, username, 'announces', announceId),
    actor: ctx.getActorUri(username),
    object,
    tos: [PUBLIC_COLLECTION],
    ccs: [ctx.getFollowersUri(username), ...(objectAuthor ? [objectAuthor] : [])],
    published: instant(published),
  });
}

/** A changed profile (name, bio, avatar, consent flags), sent to followers. */
export async function updateProfile(ctx: Context<void>, account: LocalAccount, when = new Date()): Promise<Update> {
  const actor = await accountActor(ctx, account);
  return new Update({
    id: new URL(`${actor.id!.href}#update-${when.getTime()}`),
    actor: actor.id,
    object: actor,
    tos: [PUBLIC_COLLECTION],
    ccs: [ctx.getFollowersUri(account.username)],
    updated: instant(when),
  });
}

/**
 * The account `username` is gone: sent to every server we know, signed with the account's own
 * keys, which stay fetchable for a while (actors.ts, TOMBSTONE_AFTER_MS).
 */
export function deleteActor(ctx: Context<void>, username: string, when = new Date()): Delete {
  const actor = ctx.getActorUri(username);
  return new Delete({
    id: new URL(`${actor.href}#delete`),
    actor,
    object: actor,
    tos: [PUBLIC_COLLECTION],
    published: instant(when),
  });
}

/** Takes back an activity of ours; the activity is embedded so the receiver need not fetch it. */
export function undo(ctx: Context<void>, username: string, activity: Activity): Undo {
  return new Undo({
    id: new URL(`${activity.id!.href}#undo`),
    actor: ctx.getActorUri(username),
    object: activity,
    tos: activity.toIds,
    ccs: activity.ccIds,
  });
}

export function answerFollow(ctx: Context<void>, username: string, request: Follow, accept: boolean): Accept | Reject {
  const actor = ctx.getActorUri(username);
  const values = { id: new URL(`${actor.href}#${accept ? 'accepts' : 'rejects'}/${randomUUID()}`), actor, object: request };
  return accept ? new Accept(values) : new Reject(values);
}

/** The local username and follow id of one of our Follow ids, or null when `id` is not one. */
export function parseFollowId(ctx: Context<void>, id: URL | null): { username: string; followId: string } | null {
  if (id === null || id.origin !== new URL(ctx.canonicalOrigin).origin) return null;
  const m = /^\/users\/([^/]+)\/follows\/([^/]+)$/.exec(id.pathname);
  if (!m) return null;
  return { username: decodeURIComponent(m[1]), followId: decodeURIComponent(m[2]) };
}
