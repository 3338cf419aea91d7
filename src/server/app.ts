/**
 * The web application: one fastify instance with a plugin per area. `buildServer` only wires
 * things together; each plugin owns its routes and their schemas.
 *
 *   ops           /healthz, /metrics, request metrics and logs      plugins/ops.ts
 *   assets        /static/* (our CSS and JS, uPlot from node_modules) plugins/assets.ts
 *   search pages  /, /tim-kiem                                      plugins/search-pages.ts
 *   article pages /bai/:id                                          plugins/article-pages.ts
 *   trends pages  /xu-huong                                         plugins/trends-pages.ts
 *   source pages  /nguon, /nguon/:name                              plugins/source-pages.ts
 *   observatory   /quan-sat, /api/emerging, /api/clusters (src/observe) plugins/observatory-pages.ts
 *   attention     /api/attention, /api/forecast (on the observatory's worker) plugins/observatory-api.ts
 *   alerts        /api/alerts (saved searches, check, event stream)    plugins/alerts.ts
 *   API           /api/* with CORS, described at /api/openapi.json  plugins/api.ts, suggest.ts, openapi.ts
 *   social        accounts, OAuth, Mastodon client API /api/v1, /api/v2   src/social/http.ts
 *
 * Writes under /api need the operator's token (admin-auth.ts); `X-Forwarded-For` is read only
 * with `trustProxy`, and then the address our proxy appended (the last one) is the client's.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { Backend } from './backend.ts';
import type { PageAccount, ServerContext } from './context.ts';
import { installErrorHandlers } from './errors.ts';
import { installOps } from './plugins/ops.ts';
import { assetRoutes } from './plugins/assets.ts';
import { searchPages } from './plugins/search-pages.ts';
import { articlePages } from './plugins/article-pages.ts';
import { trendsPages } from './plugins/trends-pages.ts';
import { sourcePages } from './plugins/source-pages.ts';
import { observatoryPages } from './plugins/observatory-pages.ts';
import { apiRoutes } from './plugins/api.ts';
import { suggestRoutes } from './plugins/suggest.ts';
import { openapiRoutes } from './plugins/openapi.ts';
import { alertRoutes, type StreamLimits } from './plugins/alerts.ts';
import { installAdminAuth } from './admin-auth.ts';
import { observatoryApi } from './plugins/observatory-api.ts';
import { createSocialContext, socialRoutes, type SocialOptions } from '../social/http.ts';
import { connectFederation, type ConnectOptions, type SocialFederation } from '../social/bridge/index.ts';
import { federationPlugin } from '../social/federation/fastify-adapter.ts';
import { sessionOf, type PageSession } from '../social/pages/session.ts';

export interface RateLimitSettings {
  /** Requests allowed per client (IP address) in each window; 0 turns the limit off. */
  max: number;
  windowMs: number;
}

export interface ServerOptions {
  backend: Backend;
  /** Pino logger settings, or false for no logs (tests). Default: JSON lines on stderr at "info". */
  logger?: FastifyServerOptions['logger'];
  logLevel?: string;
  /** Origins allowed to call /api from a browser ('*' for any); empty: same origin only. */
  corsOrigins?: string[];
  rateLimit?: RateLimitSettings;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /**
   * Honour X-Forwarded-For (only behind a reverse proxy you run): the client is the address
   * that proxy appended, the last in the list (the ones before it are whatever the client sent).
   */
  trustProxy?: boolean;
  pageSize?: number;
  /** The operator's token (TRA_ADMIN_TOKEN): API writes need it; without one they are refused. */
  adminToken?: string;
  /** Let webhooks reach private, loopback and link-local addresses (`--allow-private-addresses`). */
  allowPrivateAddresses?: boolean;
  /** The address the site is reached at (`--public-url`), for links that leave the page (opensearch.xml). */
  publicUrl?: string;
  /** Bounds on /api/alerts/stream (defaults in plugins/alerts.ts). */
  streams?: Partial<StreamLimits>;
  /** The social layer (accounts, OAuth, Mastodon API); absent: not served. */
  social?: SocialOptions;
  /** Federation of the social layer (ActivityPub, WebFinger, NodeInfo); absent: not served. Its origin is the social layer's. */
  federation?: Omit<ConnectOptions, 'origin' | 'dataDir'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The social layer's federation, when served (`tra serve`). */
    federation?: SocialFederation;
  }
}

/**
 * Defence in depth for the pages: only our own scripts and styles run (the page's one inline
 * block is JSON data, which CSP does not execute), nothing may frame them, and browsers must not
 * guess content types.
 */
const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/** What the pages outside the social layer know of a signed-in account (ServerContext.accountOf). */
function pageAccount(s: PageSession | undefined): PageAccount | undefined {
  return s && { id: s.account.id, username: s.account.username, admin: s.account.role === 'admin', csrf: s.csrf };
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = { max: 1200, windowMs: 60_000 };

const NO_LIMIT = new Set(['/static/:name', '/favicon.ico', '/healthz', '/metrics']);

export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: o.logger ?? { level: o.logLevel ?? 'info', stream: process.stderr },
    // One line per request, written by our onResponse hook (fastify's own are two per request).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: o.bodyLimit ?? 64 * 1024,
    // Trust exactly one hop, the peer of the socket (our proxy): the client is then the address
    // that proxy appended, the last in X-Forwarded-For. With `true` the first address — the one
    // the client wrote itself — would be taken as the client's.
    trustProxy: o.trustProxy ? (_addr: string, hop: number) => hop === 0 : false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestTimeout: 30_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  });
  const ctx: ServerContext = { backend: o.backend, pageSize: o.pageSize ?? 10, observeSearch: () => {} };

  installErrorHandlers(app);
  installOps(app, { ctx });
  installAdminAuth(app, o.adminToken);
  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      for (const [k, v] of Object.entries(PAGE_HEADERS)) reply.header(k, v);
    }
    return payload;
  });

  const limit = o.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (limit.max > 0) {
    await app.register(rateLimit, {
      global: true,
      max: limit.max,
      timeWindow: limit.windowMs,
      allowList: (req) => NO_LIMIT.has(req.routeOptions.url ?? ''),
      errorResponseBuilder: (_req, c) => ({
        statusCode: 429,
        error: 'Too Many Requests',
        message: `Quá nhiều yêu cầu từ địa chỉ của bạn (tối đa ${c.max} yêu cầu mỗi ${Math.round(limit.windowMs / 1000)} giây). Hãy thử lại sau ${c.after}.`,
      }),
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Tra API', version: '0.1.0', description: 'API JSON của Tra: tìm kiếm tin tức tiếng Việt, xu hướng theo thời gian, bài viết và các phiên bản.' },
      components: { securitySchemes: { operator: { type: 'http', scheme: 'bearer', description: 'Khoá quản trị TRA_ADMIN_TOKEN của máy chủ; cần cho mọi thao tác ghi (POST, PUT, PATCH, DELETE dưới /api).' } } },
      tags: [{ name: 'tìm kiếm' }, { name: 'bài viết' }, { name: 'xu hướng' }, { name: 'nguồn tin' }, { name: 'đài quan sát' }, { name: 'cảnh báo' }, { name: 'vận hành' }],
    },
  });

  await app.register(assetRoutes, { publicUrl: o.publicUrl });
  await app.register(searchPages, { ctx });
  await app.register(articlePages, { ctx });
  await app.register(trendsPages, { ctx });
  await app.register(sourcePages, { ctx });
  if (o.social) {
    // One context for the social routes, federation and the observatory's alerts form, closed
    // here after all of them (unless it was passed in: then its maker closes it).
    const own = !o.social.context;
    const social = o.social.context ?? createSocialContext(o.social, app.log);
    ctx.accountOf = (req) => pageAccount(sessionOf(social, req));
    const fed = o.federation ? connectFederation(social, { ...o.federation, dataDir: o.social.dataDir, origin: o.social.origin }) : undefined;
    if (fed) {
      app.decorate('federation', fed);
      await app.register(federationPlugin, fed.pluginOptions());
    }
    await app.register(socialRoutes, { ...o.social, context: social });
    app.addHook('onClose', async () => {
      await fed?.close();
      if (own) social.store.close();
    });
  }
  await app.register(async (api) => {
    const origins = o.corsOrigins ?? [];
    if (origins.length > 0) {
      await api.register(cors, { origin: origins.includes('*') ? '*' : origins, methods: ['GET', 'HEAD', 'OPTIONS'], exposedHeaders: ['Link', 'X-Next-Cursor'], maxAge: 600 });
    }
    await api.register(apiRoutes, { ctx });
    await api.register(suggestRoutes, { ctx });
    await api.register(observatoryPages, { ctx });
    await api.register(observatoryApi, { ctx });
    await api.register(alertRoutes, { ctx, allowPrivateAddresses: o.allowPrivateAddresses, streams: o.streams });
    await api.register(openapiRoutes);
  });
  return app;
}
