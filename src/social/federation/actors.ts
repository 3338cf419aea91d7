/**
 * Actors: one per local account (`/users/{username}`, a Person or a Service) and the instance
 * actor (`/actor`, an Application) that signs the fetches our server makes on its own behalf —
 * some servers (Mastodon in secure mode, GoToSocial) answer only signed requests. WebFinger is
 * derived by Fedify from the actor dispatcher: `acct:{username}@{host}` for accounts and
 * `acct:{hostname}@{host}` for the instance actor. Each actor carries its RSA key (`publicKey`)
 * and both keys as Multikeys (`assertionMethod`). The followers collection is paged through
 * `LocalActors.followers`.
 */
import { Application, Endpoints, Image, Person, PropertyValue, Service, Tombstone, type Actor, type Recipient } from '@fedify/vocab';
import type { Context, Federation } from '@fedify/fedify';
import type { ActorKeyStore } from './keys.ts';
import type { LocalAccount, LocalActors } from './ports.ts';
import { instant } from './temporal.ts';

/** The instance actor's identifier: not a valid username, so it can never belong to an account. */
export const INSTANCE_ACTOR = '~instance';
export const INSTANCE_ACTOR_PATH = '/actor';
export const FOLLOWERS_PAGE = 100;
/**
 * How long a deleted account's actor (emptied, with its keys) stays up after the deletion, so
 * every server can verify the signed Delete while the deliveries drain: longer than Fedify's
 * whole retry schedule (10 attempts, up to 12 hours apart). After that: 410 with a Tombstone.
 */
export const TOMBSTONE_AFTER_MS = 14 * 86_400_000;

/** Whether a deleted account is past its grace period (answered with a Tombstone, no keys). */
export function isTombstoned(account: LocalAccount, now = Date.now()): boolean {
  return account.deletedAt != null && now - account.deletedAt.getTime() > TOMBSTONE_AFTER_MS;
}

function httpUrl(s: string | null | undefined): URL | null {
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u : null;
  } catch {
    return null;
  }
}
const FIRST_PAGE = 'start';
const AFTER = 'after:';

export interface ActorDeps {
  actors: LocalActors;
  keys: ActorKeyStore;
  /** The name the instance actor shows. */
  instanceName: string;
}

/** The ActivityPub actor of a local account. */
export async function accountActor(ctx: Context<void>, account: LocalAccount): Promise<Actor> {
  const id = account.username;
  const keys = await ctx.getActorKeyPairs(id);
  const gone = account.deletedAt != null; // emptied while the Delete drains
  const avatar = gone ? null : httpUrl(account.avatarUrl);
  const header = gone ? null : httpUrl(account.headerUrl);
  const values = {
    id: ctx.getActorUri(id),
    preferredUsername: account.username,
    name: gone ? '' : account.displayName,
    summary: gone ? '' : account.bioHtml,
    url: new URL(account.profileUrl ?? `/@${account.username}`, ctx.canonicalOrigin),
    icon: avatar ? new Image({ url: avatar }) : null,
    image: header ? new Image({ url: header }) : null,
    attachments: gone ? [] : (account.fields ?? []).map((f) => new PropertyValue({ name: f.name, value: f.valueHtml })),
    published: instant(account.createdAt),
    inbox: ctx.getInboxUri(id),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    followers: ctx.getFollowersUri(id),
    manuallyApprovesFollowers: account.manuallyApprovesFollowers ?? false,
    discoverable: gone ? false : account.discoverable,
    indexable: gone ? false : account.indexable,
    publicKey: keys[0]?.cryptographicKey ?? null,
    assertionMethods: keys.map((k) => k.multikey),
  };
  return account.actorType === 'Service' ? new Service(values) : new Person(values);
}

async function instanceActor(ctx: Context<void>, name: string): Promise<Actor> {
  const keys = await ctx.getActorKeyPairs(INSTANCE_ACTOR);
  return new Application({
    id: ctx.getActorUri(INSTANCE_ACTOR),
    preferredUsername: ctx.hostname,
    name,
    url: new URL('/', ctx.canonicalOrigin),
    inbox: ctx.getInboxUri(INSTANCE_ACTOR),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    manuallyApprovesFollowers: true,
    discoverable: false,
    indexable: false,
    publicKey: keys[0]?.cryptographicKey ?? null,
    assertionMethods: keys.map((k) => k.multikey),
  });
}

export function registerActors(federation: Federation<void>, d: ActorDeps): void {
  federation
    .setActorDispatcher('/users/{identifier}', async (ctx, identifier) => {
      if (identifier === INSTANCE_ACTOR) return instanceActor(ctx, d.instanceName);
      const account = await d.actors.byUsername(identifier);
      if (!account) return null;
      if (isTombstoned(account)) return new Tombstone({ id: ctx.getActorUri(identifier), deleted: instant(account.deletedAt!) });
      return accountActor(ctx, account);
    })
    .mapActorAlias(INSTANCE_ACTOR_PATH, INSTANCE_ACTOR)
    .mapHandle((ctx, username) => {
      if (username.toLowerCase() === ctx.hostname.toLowerCase()) return INSTANCE_ACTOR;
      return username.toLowerCase();
    })
    .setKeyPairsDispatcher(async (_ctx, identifier) => {
      if (identifier !== INSTANCE_ACTOR) {
        const account = await d.actors.byUsername(identifier);
        if (!account || isTombstoned(account)) return [];
      }
      return d.keys.keyPairs(identifier);
    });

  federation
    .setFollowersDispatcher('/users/{identifier}/followers', async (_ctx, identifier, cursor) => {
      if (cursor === null) return null; // always paged: Fedify walks the pages to deliver to followers
      let storeCursor: string | null;
      if (cursor === FIRST_PAGE) storeCursor = null;
      else if (cursor.startsWith(AFTER)) storeCursor = cursor.slice(AFTER.length);
      else return null;
      const owner = await d.actors.byUsername(identifier);
      if (!owner || owner.deletedAt != null) return null;
      const page = await d.actors.followers(identifier, storeCursor, FOLLOWERS_PAGE);
      const items: Recipient[] = page.items.map((f) => ({
        id: new URL(f.id),
        inboxId: new URL(f.inbox),
        endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null,
      }));
      return { items, nextCursor: page.nextCursor === null ? null : AFTER + page.nextCursor };
    })
    .setCounter(async (_ctx, identifier) => {
      const owner = await d.actors.byUsername(identifier);
      if (!owner) return null;
      return owner.deletedAt != null ? 0 : d.actors.followersCount(identifier);
    })
    .setFirstCursor(() => FIRST_PAGE);
}
