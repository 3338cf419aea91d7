/**
 * The federation layer's public surface: what the server and the social store use.
 * See docs/FEDERATION.md.
 */
export { createTraFederation, FEDERATION_FILE, type TraFederation, type TraFederationOptions } from './federation.ts';
export { federationPlugin, type FederationPluginOptions } from './fastify-adapter.ts';
export { SqliteKvStore } from './kv-store.ts';
export { SqliteMessageQueue, fedifyDedupKey, type SqliteMessageQueueOptions } from './message-queue.ts';
export { ActorKeyStore } from './keys.ts';
export { Outbox, type Recipients, type SendOptions } from './outbox.ts';
export { Lookup } from './lookup.ts';
export { INSTANCE_ACTOR, INSTANCE_ACTOR_PATH } from './actors.ts';
export * as activities from './activities.ts';
export type * from './ports.ts';
