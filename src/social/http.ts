/**
 * The social layer on the web server, as one fastify plugin: Vietnamese account pages (sign-up,
 * sign-in, settings), OAuth 2 (apps, authorize, token, revoke, server metadata) and the Mastodon
 * client API under /api/v1 and /api/v2. Registered once by src/server/app.ts.
 *
 * Everything here is encapsulated in the plugin: the form and multipart body parsers, the error
 * answers in Mastodon's shape (`{"error": "..."}`) or as a page, and CORS for the API (bearer
 * tokens, no cookies, so any origin may call it — what Mastodon does for web clients).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openSocialStore, type SocialStore } from './store/index.ts';
import type { AccountRow, StatusRow } from './store/rows.ts';
import { SocialActions, type ActionLog } from './store/actions.ts';
import type { SocialEvents } from './store/events.ts';
import { SocialError } from './store/errors.ts';
import { LocalUrls } from './store/urls.ts';
import { AccountService, DEFAULT_SIGN_IN_LIMITS, type SignInLimits } from './accounts/service.ts';
import { installBodyParsers } from './mastodon/body.ts';
import { oauthRoutes } from './oauth/routes.ts';
import { mastodonRoutes } from './mastodon/routes.ts';
import { accountPages } from './pages/routes.ts';
import { errorPage } from '../server/errors.ts';

export interface SocialOptions {
  /** The data directory (DIR/social.sqlite lives there). */
  dataDir: string;
  /**
   * The public URL used in ids and links (`tra serve --origin`); a function when it is known only
   * once the server listens (the default http://HOST:PORT with a port chosen by the system).
   */
  origin: string | (() => string);
  /** Listeners federation plugs in (src/social/federation); they can also be set later on `social.actions.events`. */
  events?: SocialEvents;
  signInLimits?: SignInLimits;
  /** A context made beforehand with createSocialContext (shared with federation); its owner closes it. */
  context?: SocialContext;
}

/** What every social route module is given. */
export interface SocialContext {
  store: SocialStore;
  actions: SocialActions;
  accounts: AccountService;
  /** Addresses of local things (made from the origin on first use). */
  readonly urls: LocalUrls;
  /** Cookies get `Secure` when the origin is https. */
  readonly secureCookies: boolean;
  /**
   * Set when federation runs (src/social/bridge): fetch a remote account (`@user@host`,
   * `user@host`, an actor URL) or post (its URL) through Fedify's lookup, signed by the instance
   * actor, store it, and return the rows. Our own handles and URLs are answered from the store;
   * anything not found is an empty answer, never an error.
   */
  resolveRemote?(q: string): Promise<{ accounts: AccountRow[]; statuses: StatusRow[] }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The social layer's store and actions (for federation and tests). */
    social?: SocialContext;
  }
}

/** Paths answered as JSON (API clients); the rest are pages for people. */
export function isApiPath(url: string): boolean {
  return url.startsWith('/api/') || url.startsWith('/oauth/token') || url.startsWith('/oauth/revoke') || url.startsWith('/.well-known/');
}

function replyError(req: FastifyRequest, reply: FastifyReply, status: number, message: string, retryAfter?: number): FastifyReply {
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  reply.code(status);
  if (isApiPath(req.url)) return reply.type('application/json; charset=utf-8').send({ error: message });
  const title = status === 404 ? 'Không tìm thấy' : status === 429 ? 'Quá nhiều lần thử' : status === 403 ? 'Không được phép' : status >= 500 ? 'Lỗi máy chủ' : 'Yêu cầu không hợp lệ';
  return reply.type('text/html; charset=utf-8').send(errorPage(status, title, message));
}

const FASTIFY_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'Nội dung gửi lên không phải JSON hợp lệ'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'Nội dung JSON gửi lên trống'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'Nội dung gửi lên quá lớn'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'Kiểu nội dung không được hỗ trợ: hãy gửi JSON, form (application/x-www-form-urlencoded) hoặc multipart/form-data'],
};

/** Open the store and make the context (federation may share it with the routes). */
export function createSocialContext(o: SocialOptions, log?: ActionLog): SocialContext {
  const store = openSocialStore(o.dataDir);
  let urls: LocalUrls | undefined;
  const getUrls = (): LocalUrls => (urls ??= new LocalUrls(typeof o.origin === 'function' ? o.origin() : o.origin));
  const actions = new SocialActions(store, getUrls, o.events ?? {}, log);
  return {
    store,
    actions,
    accounts: new AccountService(store, actions, o.signInLimits ?? DEFAULT_SIGN_IN_LIMITS),
    get urls() {
      return getUrls();
    },
    get secureCookies() {
      return getUrls().origin.startsWith('https:');
    },
  };
}

export async function socialRoutes(app: FastifyInstance, o: SocialOptions): Promise<void> {
  const ctx = o.context ?? createSocialContext(o, app.log);
  app.decorate('social', ctx);
  // A context made here is closed here; one passed in belongs to whoever made it.
  if (!o.context) app.addHook('onClose', async () => ctx.store.close());

  installBodyParsers(app);
  app.setErrorHandler((err: FastifyError | SocialError, req, reply) => {
    if (err instanceof SocialError) return replyError(req, reply, err.statusCode, err.message, err.retryAfter);
    const e = err as FastifyError;
    if (e.validation) return replyError(req, reply, 400, `Tham số không hợp lệ: ${e.message}`);
    const known = e.code ? FASTIFY_ERRORS[e.code] : undefined;
    if (known) return replyError(req, reply, known[0], known[1]);
    const status = e.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'social request failed');
      return replyError(req, reply, 500, 'Máy chủ gặp lỗi khi xử lý yêu cầu này; hãy thử lại');
    }
    return replyError(req, reply, status, e.message);
  });

  // CORS for API clients that run in a browser (Elk, Phanpy…): bearer tokens, never cookies.
  app.addHook('onRequest', async (req, reply) => {
    if (!isApiPath(req.url)) return;
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-expose-headers', 'Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id, Idempotency-Key');
  });
  for (const p of ['/api/v1/*', '/api/v2/*', '/oauth/token', '/oauth/revoke']) {
    app.options(p, async (_req, reply) =>
      reply
        .code(204)
        .header('access-control-allow-methods', 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS')
        .header('access-control-allow-headers', 'Authorization, Content-Type, Idempotency-Key')
        .header('access-control-max-age', '600')
        .send(),
    );
  }

  await app.register(accountPages, { ctx });
  await app.register(oauthRoutes, { ctx });
  await app.register(mastodonRoutes, { ctx });
}
// Not wrapped in fastify-plugin: the parsers, error handler and hooks stay inside this plugin.
