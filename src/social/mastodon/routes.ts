/**
 * The Mastodon client API: one module per group of endpoints (docs.joinmastodon.org/methods).
 *
 *   instance.ts       /api/v1/instance, /api/v2/instance, and the small endpoints that answer empty
 *   accounts.ts       /api/v1/accounts/…, follow requests
 *   statuses.ts       /api/v1/statuses/…
 *   timelines.ts      /api/v1/timelines/…
 *   notifications.ts  /api/v1/notifications/…
 *   lists.ts          /api/v1/lists/…
 *   search.ts         /api/v2/search (accounts for now)
 */
import type { FastifyInstance } from 'fastify';
import type { SocialContext } from '../http.ts';
import { Entities } from './entities.ts';
import { instanceRoutes } from './instance.ts';
import { accountRoutes } from './accounts.ts';
import { statusRoutes } from './statuses.ts';
import { timelineRoutes } from './timelines.ts';
import { notificationRoutes } from './notifications.ts';
import { listRoutes } from './lists.ts';
import { searchRoutes } from './search.ts';

export interface ApiOptions {
  ctx: SocialContext;
  e: Entities;
}

export async function mastodonRoutes(app: FastifyInstance, { ctx }: { ctx: SocialContext }): Promise<void> {
  const o: ApiOptions = { ctx, e: new Entities(ctx) };
  // API answers are personal: never stored by shared caches.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-store');
    return payload;
  });
  await app.register(instanceRoutes, o);
  await app.register(accountRoutes, o);
  await app.register(statusRoutes, o);
  await app.register(timelineRoutes, o);
  await app.register(notificationRoutes, o);
  await app.register(listRoutes, o);
  await app.register(searchRoutes, o);
  await app.register((await import('./feeds.ts')).feedRoutes, o);
  await app.register((await import('./moderation.ts')).moderationRoutes, o);
}
