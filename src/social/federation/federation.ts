/**
 * `createTraFederation`: Tra's Fedify federation, assembled from the parts in this folder — the
 * SQLite kv store and queues (one file), actor keys, actors and WebFinger, NodeInfo, our posts as
 * objects, the inbox listeners, the outbox and remote lookups — and wired to the social layer
 * through the interfaces of ports.ts.
 *
 * Fedify's protection against server-side request forgery stays on (remote documents and inboxes
 * on private or loopback addresses are refused) unless the operator passed
 * `--allow-private-addresses` (`allowPrivateAddresses: true`), which is for tests on one machine.
 */
import path from 'node:path';
import { createFederation, type Context, type Federation, type RetryPolicy } from '@fedify/fedify';
import { SqliteKvStore } from './kv-store.ts';
import { SqliteMessageQueue, type SqliteMessageQueueOptions } from './message-queue.ts';
import { ActorKeyStore } from './keys.ts';
import { INSTANCE_ACTOR, registerActors } from './actors.ts';
import { registerInbox } from './inbox.ts';
import { registerNodeInfo, traVersion } from './nodeinfo.ts';
import { registerPostObjects } from './objects.ts';
import { Outbox } from './outbox.ts';
import { Lookup } from './lookup.ts';
import type { DeliveryFailures, InstanceInfo, LocalActors, LocalPosts, SocialInbox } from './ports.ts';

/** The file name of the federation store inside a data directory. */
export const FEDERATION_FILE = 'federation.sqlite';

export interface TraFederationOptions {
  /** The SQLite file for the kv store, the queues and the keys (the product: DIR/federation.sqlite). */
  file: string;
  /** The public URL (`--origin`): scheme, host and port, no path. Actor ids and handles are built from it. */
  origin: string;
  /** `--allow-private-addresses`: reach loopback and private addresses, and plain-HTTP WebFinger. */
  allowPrivateAddresses?: boolean;
  actors: LocalActors;
  posts: LocalPosts;
  inbox: SocialInbox;
  deliveryFailures: DeliveryFailures;
  instance: InstanceInfo;
  /** The instance's name (NodeInfo and the instance actor). Default "Tra". */
  instanceName?: string;
  /** The software version NodeInfo reports. Default: package.json's. */
  version?: string;
  /** Queue tuning (poll interval, lease, concurrency). */
  queue?: Pick<SqliteMessageQueueOptions, 'pollIntervalMs' | 'leaseMs' | 'concurrency'>;
  /** Start handling queued work now (default true). A process that only sends may say false. */
  startQueue?: boolean;
  /** Fedify's retry policies (default: exponential backoff, 10 attempts, up to 12 hours apart). */
  outboxRetryPolicy?: RetryPolicy;
  inboxRetryPolicy?: RetryPolicy;
  /** Told about errors in inbox listeners and deliveries (default: one line on stderr). */
  onError?: (error: Error, where: 'inbox' | 'outbox' | 'queue') => void;
}

export interface TraFederation {
  readonly federation: Federation<void>;
  readonly origin: URL;
  readonly outbox: Outbox;
  readonly lookup: Lookup;
  readonly kv: SqliteKvStore;
  readonly keys: ActorKeyStore;
  readonly queues: { inbox: SqliteMessageQueue; outbox: SqliteMessageQueue; fanout: SqliteMessageQueue };
  /** A context for work outside a request (building activities, sending). */
  context(): Context<void>;
  /** Stops the queue listeners (running handlers finish within a grace period) and closes the file. */
  close(): Promise<void>;
}

function parseOrigin(origin: string): URL {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new Error(`Địa chỉ gốc (--origin) không hợp lệ: "${origin}". Hãy dùng dạng https://ten-mien hoặc http://host:cổng.`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw new Error(`Địa chỉ gốc (--origin) phải chỉ gồm giao thức http/https, tên máy và cổng, không có đường dẫn: "${origin}".`);
  }
  return new URL(url.origin);
}

function defaultOnError(error: Error, where: string): void {
  process.stderr.write(`tra: liên hợp (${where}): ${error.message}\n`);
}

export function createTraFederation(o: TraFederationOptions): TraFederation {
  const origin = parseOrigin(o.origin);
  const onError = o.onError ?? defaultOnError;
  const file = path.resolve(o.file);
  const version = o.version ?? traVersion();
  const instanceName = o.instanceName ?? 'Tra';

  const kv = new SqliteKvStore(file);
  const keys = new ActorKeyStore(file);
  const queueOptions = (queue: string): SqliteMessageQueueOptions => ({
    ...o.queue,
    queue,
    onHandlerError: (e) => onError(e instanceof Error ? e : new Error(String(e)), 'queue'),
  });
  const queues = {
    inbox: new SqliteMessageQueue(file, queueOptions('inbox')),
    outbox: new SqliteMessageQueue(file, queueOptions('outbox')),
    fanout: new SqliteMessageQueue(file, queueOptions('fanout')),
  };

  const federation = createFederation<void>({
    kv,
    queue: queues,
    manuallyStartQueue: true,
    origin: origin.origin,
    allowPrivateAddress: o.allowPrivateAddresses === true,
    userAgent: { software: `Tra/${version}`, url: origin },
    outboxRetryPolicy: o.outboxRetryPolicy,
    inboxRetryPolicy: o.inboxRetryPolicy,
    onOutboxError: (error) => onError(error, 'outbox'),
  });

  registerActors(federation, { actors: o.actors, keys, instanceName });
  registerPostObjects(federation, o.posts);
  registerInbox(federation, { actors: o.actors, inbox: o.inbox, onError: (e) => onError(e, 'inbox') });
  registerNodeInfo(federation, o.instance, version, instanceName);
  federation.setOutboxPermanentFailureHandler(async (_ctx, v) => {
    await o.deliveryFailures.inboxGone({
      inbox: v.inbox.href,
      actorIds: v.actorIds.map((u) => u.href),
      statusCode: v.statusCode,
      activityId: v.activity.id?.href ?? null,
    });
  });

  const context = () => federation.createContext(origin, undefined);
  // The instance actor signs our lookups: make its keys now (once per server, then kept) rather
  // than during the first lookup.
  keys.keyPairs(INSTANCE_ACTOR).catch((e: Error) => onError(e, 'queue'));
  const stop = new AbortController();
  const started = o.startQueue === false ? Promise.resolve() : federation.startQueue(undefined, { signal: stop.signal });

  return {
    federation,
    origin,
    outbox: new Outbox(federation, origin, o.actors),
    lookup: new Lookup(context, o.allowPrivateAddresses === true),
    kv,
    keys,
    queues,
    context,
    async close() {
      stop.abort();
      await Promise.allSettled([started, queues.inbox.close(), queues.outbox.close(), queues.fanout.close()]);
      kv.close();
      keys.close();
    },
  };
}
