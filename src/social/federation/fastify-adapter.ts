/**
 * The fastify side of federation: a plugin whose `onRequest` hook gives Fedify first look at
 * every GET and every POST to an inbox, before fastify parses anything.
 *
 * - **Raw bytes.** An inbox POST is read from the socket as bytes (at most `bodyLimit`, within
 *   `bodyTimeoutMs`) and handed to `federation.fetch` untouched: HTTP signatures and the Digest /
 *   Content-Digest header cover exactly those bytes, so no JSON parser may run first.
 * - **Content negotiation.** The same URL serves ActivityPub JSON to servers and HTML to browsers.
 *   When Fedify has no route for a GET (`onNotFound`), or has one but the client asked for
 *   something other than ActivityPub JSON (`onNotAcceptable`, e.g. a browser's `text/html`), the
 *   hook returns and fastify routes the request to the application's own page. When the
 *   application has no page there either, the client gets Fedify's 406.
 * - **Origin.** Fedify sees each request under the public origin (`--origin`), because that is
 *   the URL a remote server signed (RFC 9421 covers the target URI), even behind a proxy.
 *
 * Registered at the root (it skips fastify's encapsulation), so its hook runs for every route and
 * for requests no route matches.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context, Federation } from '@fedify/fedify';

export interface FederationPluginOptions {
  /** The federation, or a function giving it (when it can be made only once the server listens). */
  federation: Federation<void> | (() => Federation<void>);
  /** The public origin (`--origin`), or a function giving it (known once the server listens). */
  origin: string | URL | (() => string);
  /** The largest inbox body accepted, in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** How long reading an inbox body may take (default 10 s). */
  bodyTimeoutMs?: number;
}

class BodyError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The request body as bytes, refusing more than `limit` bytes or more than `timeoutMs`. */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new BodyError(413, `Nội dung gửi tới hộp thư quá lớn (${declared} byte, tối đa ${limit} byte).`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | null) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (err) {
        req.resume(); // drain and drop the rest
        reject(err);
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(new BodyError(413, `Nội dung gửi tới hộp thư quá lớn (hơn ${limit} byte).`));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const onError = (e: Error) => finish(new BodyError(400, `Không đọc được nội dung yêu cầu: ${e.message}`));
    const timer = setTimeout(() => finish(new BodyError(408, `Gửi nội dung quá chậm (quá ${Math.round(timeoutMs / 1000)} giây).`)), timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function toHeaders(req: FastifyRequest): Headers {
  const h = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) h.append(name, v);
    else h.set(name, value);
  }
  return h;
}

async function sendResponse(reply: FastifyReply, res: Response): Promise<FastifyReply> {
  reply.code(res.status);
  res.headers.forEach((value, name) => {
    if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'connection') reply.header(name, value);
  });
  const body = res.body ? Buffer.from(await res.arrayBuffer()) : null;
  return reply.send(body);
}

const AP_ACCEPT = /application\/(activity\+json|ld\+json)/;

/**
 * Mastodon's short URLs, `/@name` (profile) and `/@name/ID` (post page), name the same things as
 * `/users/name` and `/users/name/statuses/ID`: a server asking them for ActivityPub JSON gets the
 * actor or the post; a browser gets the application's page.
 */
export function canonicalPath(pathname: string): string {
  const m = /^\/@([^/@]+)(?:\/(\d+))?\/?$/.exec(pathname);
  if (!m) return pathname;
  return m[2] ? `/users/${m[1]}/statuses/${m[2]}` : `/users/${m[1]}`;
}

async function federationPluginImpl(app: FastifyInstance, o: FederationPluginOptions): Promise<void> {
  const limit = o.bodyLimit ?? 1024 * 1024;
  const timeoutMs = o.bodyTimeoutMs ?? 10_000;
  let resolved: { origin: string; federation: Federation<void>; routes: Context<void> } | undefined;
  const get = () => {
    if (resolved) return resolved;
    const raw = typeof o.origin === 'function' ? o.origin() : typeof o.origin === 'string' ? o.origin : o.origin.href;
    const origin = new URL(raw).origin;
    const federation = typeof o.federation === 'function' ? o.federation() : o.federation;
    return (resolved = { origin, federation, routes: federation.createContext(new URL(origin), undefined) });
  };

  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'POST') return;
    const { origin, federation, routes } = get();
    const url = new URL(req.url, origin);
    if (req.method === 'GET' && url.pathname.startsWith('/@')) {
      if (!AP_ACCEPT.test(String(req.headers.accept ?? ''))) return; // the page
      url.pathname = canonicalPath(url.pathname);
    }
    let body: Buffer | undefined;
    if (req.method === 'POST') {
      if (routes.parseUri(url)?.type !== 'inbox') return; // other POSTs belong to the application
      try {
        body = await readBody(req.raw, limit, timeoutMs);
      } catch (e) {
        const status = e instanceof BodyError ? e.status : 400;
        return reply.code(status).header('content-type', 'text/plain; charset=utf-8').header('connection', 'close').send(`${(e as Error).message}\n`);
      }
    }
    let passOn: 'not-found' | 'not-acceptable' | null = null;
    const response = await federation.fetch(new Request(url, { method: req.method, headers: toHeaders(req), body }), {
      contextData: undefined,
      onNotFound: () => {
        passOn = 'not-found';
        return new Response(null, { status: 404 });
      },
      onNotAcceptable: () => {
        passOn = 'not-acceptable';
        return new Response('Not Acceptable', { status: 406, headers: { 'content-type': 'text/plain; charset=utf-8', vary: 'Accept' } });
      },
    });
    // An inbox POST is always answered here: its body has been read, nothing else could parse it.
    if (req.method === 'POST') return sendResponse(reply, response);
    if (passOn === 'not-found') return;
    if (passOn === 'not-acceptable' && req.routeOptions.url !== undefined) {
      reply.header('vary', 'Accept');
      return;
    }
    return sendResponse(reply, response);
  });
}

/** Give Fedify the federation routes (WebFinger, NodeInfo, actors, inboxes, collections, objects). */
export const federationPlugin = Object.assign(federationPluginImpl, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'tra-federation',
});
