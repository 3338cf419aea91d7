/**
 * Federation wired to the social store: `connectFederation(social, options)` makes the Fedify
 * federation on DIR/federation.sqlite with the store behind its ports (store-ports.ts), sends an
 * activity for every committed change (outgoing.ts), publishes news sources as actors
 * (../sources/), and gives the social context its `resolveRemote` hook.
 *
 * The federation is made on first use (`get()`): its origin may be known only once the server
 * listens (`tra serve` without `--origin` on port 0). `tra serve` calls `start()` right after
 * listening so queued deliveries resume at once.
 */
import path from 'node:path';
import type { Federation } from '@fedify/fedify';
import type { SocialContext } from '../http.ts';
import type { SocialEvents } from '../store/events.ts';
import { createTraFederation, FEDERATION_FILE, type TraFederation, type TraFederationOptions } from '../federation/federation.ts';
import type { FederationPluginOptions } from '../federation/fastify-adapter.ts';
import { StorePorts } from './store-ports.ts';
import { OutgoingActivities } from './outgoing.ts';
import { NewsSources, type NewsSourcesOptions } from '../sources/index.ts';

export { StorePorts, toFederation, toStore } from './store-ports.ts';
export { OutgoingActivities } from './outgoing.ts';
export { sanitizeHtml } from './sanitize.ts';

export interface ConnectOptions {
  /** The data directory: DIR/federation.sqlite, and the news sources of DIR. */
  dataDir: string;
  /** `--origin`, or a function giving it once the server listens. */
  origin: string | (() => string);
  /** `--allow-private-addresses`. */
  allowPrivateAddresses?: boolean;
  /** Queue and retry tuning (tests). */
  queue?: TraFederationOptions['queue'];
  outboxRetryPolicy?: TraFederationOptions['outboxRetryPolicy'];
  inboxRetryPolicy?: TraFederationOptions['inboxRetryPolicy'];
  onError?: TraFederationOptions['onError'];
  /** How often the outgoing loop looks for changes made by other processes (default 5 s). */
  pollMs?: number;
  /** News sources as actors (on by default); false turns them off. */
  sources?: false | Omit<NewsSourcesOptions, 'dataDir'>;
}

export class SocialFederation {
  readonly social: SocialContext;
  readonly ports: StorePorts;
  readonly sources: NewsSources | undefined;
  private readonly o: ConnectOptions;
  private fed: TraFederation | undefined;
  private closed = false;
  /** The loop sending committed changes (made with the federation). */
  outgoing: OutgoingActivities | undefined;

  constructor(social: SocialContext, o: ConnectOptions) {
    this.social = social;
    this.o = o;
    this.sources = o.sources === false ? undefined : new NewsSources(social, { ...(o.sources || {}), dataDir: o.dataDir });
    const sources = this.sources;
    this.ports = new StorePorts(social, {
      isSource: (a) => sources?.isSourceAccount(a) ?? false,
      articleOf: (st) => sources?.articleOf(st),
      fieldsOf: (a) => sources?.fieldsOf(a) ?? [],
      log: (msg) => process.stderr.write(`tra: liên hợp: ${msg}\n`),
    });
    social.resolveRemote = (q: string) => this.ports.resolve(q);
  }

  /** The federation, made (and its queues started) on first use. */
  get(): TraFederation {
    if (this.fed) return this.fed;
    if (this.closed) throw new Error('federation closed');
    const origin = typeof this.o.origin === 'function' ? this.o.origin() : this.o.origin;
    const fed = createTraFederation({
      file: path.join(this.o.dataDir, FEDERATION_FILE),
      origin,
      allowPrivateAddresses: this.o.allowPrivateAddresses,
      actors: this.ports,
      posts: this.ports,
      inbox: this.ports,
      deliveryFailures: this.ports,
      instance: this.ports,
      instanceName: this.social.store.settings.get().title || 'Tra',
      queue: this.o.queue,
      outboxRetryPolicy: this.o.outboxRetryPolicy,
      inboxRetryPolicy: this.o.inboxRetryPolicy,
      onError: this.o.onError,
    });
    this.fed = fed;
    this.ports.attach(fed.lookup);
    const previous: SocialEvents = this.social.actions.events;
    const onError = this.o.onError ?? ((e: Error) => process.stderr.write(`tra: liên hợp (outbox): ${e.message}\n`));
    const outgoing = new OutgoingActivities(this.social, fed, this.ports, previous, (e) => onError(e, 'outbox'));
    this.outgoing = outgoing;
    this.social.actions.events = outgoing;
    outgoing.start(this.o.pollMs);
    this.sources?.start(fed, this.ports, () => outgoing.wake());
    return fed;
  }

  /** Start now (queued deliveries resume) rather than at the first request. */
  start(): TraFederation {
    return this.get();
  }

  /** What `federationPlugin` needs; the federation is made at the first request if not before. */
  pluginOptions(): FederationPluginOptions {
    return { federation: (): Federation<void> => this.get().federation, origin: () => (typeof this.o.origin === 'function' ? this.o.origin() : this.o.origin) };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.sources?.stop();
    if (this.fed) {
      const events = this.social.actions.events;
      if (events instanceof OutgoingActivities) this.social.actions.events = events.nextListeners();
      await this.outgoing?.stop();
      await this.fed.close();
    }
  }
}

export function connectFederation(social: SocialContext, o: ConnectOptions): SocialFederation {
  return new SocialFederation(social, o);
}
