/**
 * Who may write through Tra's own API (search, alerts, sources): one operator token. The Mastodon
 * client API under /api/v1 and /api/v2 (src/social) is left to its own OAuth tokens, one per
 * user and app, with scopes. For the rest, the server reads
 * `TRA_ADMIN_TOKEN` from its environment, and a request that changes something under /api
 * (POST, PUT, PATCH, DELETE) must carry `Authorization: Bearer <token>`. Reads stay open to
 * everyone; a read that carries the token is the operator's, and sees what only the owner may
 * (webhook URLs, delivery errors).
 *
 * Without a configured token every API write is refused (403) with one line saying how to set
 * one — also on a server bound to 127.0.0.1, because a loopback server behind a reverse proxy is
 * reachable by the whole world through it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';

export const ADMIN_TOKEN_ENV = 'TRA_ADMIN_TOKEN';
/** Shortest token accepted (a guessable token is no lock). */
export const MIN_TOKEN_LENGTH = 16;

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** POST routes under /api that only read (none yet); they stay open like GETs. */
const READ_ONLY_POSTS = new Set<string>();
/** The Mastodon client API (src/social): its writes are authorised by each user's own OAuth token. */
const OWN_AUTH = ['/api/v1/', '/api/v2/'];

const operators = new WeakSet<IncomingMessage>();

/** True when the request carried the operator's token. */
export function isOperator(req: FastifyRequest): boolean {
  return operators.has(req.raw);
}

/** One line for a token that cannot be used, or undefined when it is fine (or absent). */
export function tokenProblem(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  if (token.length < MIN_TOKEN_LENGTH) return `${ADMIN_TOKEN_ENV} quá ngắn (${token.length} ký tự): hãy dùng ít nhất ${MIN_TOKEN_LENGTH} ký tự ngẫu nhiên, ví dụ từ "openssl rand -hex 32"`;
  if (/[^\x21-\x7e]/.test(token)) return `${ADMIN_TOKEN_ENV} chỉ được có ký tự ASCII nhìn thấy được (không dấu cách, không dấu tiếng Việt)`;
  return undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function deny(reply: FastifyReply, status: 401 | 403, message: string): FastifyReply {
  if (status === 401) reply.header('WWW-Authenticate', 'Bearer realm="tra"');
  return reply.code(status).type('application/json; charset=utf-8').send({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden', message, field: 'authorization' });
}

/** How a token given on a page compares with the server's: 'unset' when the server has none. */
export type TokenCheck = 'ok' | 'wrong' | 'unset';

const checks = new WeakMap<object, (token: string) => TokenCheck>();

/**
 * The operator-token check of the server `app` belongs to (installed by `installAdminAuth` on the
 * root instance; plugins share its server), for pages whose forms carry the token in their body.
 */
export function operatorTokenCheck(app: FastifyInstance): (token: string) => TokenCheck {
  return checks.get(app.server) ?? (() => 'unset');
}

export function installAdminAuth(app: FastifyInstance, token: string | undefined): void {
  const want = token ? digest(token) : undefined;
  checks.set(app.server, (t) => (!want ? 'unset' : timingSafeEqual(digest(t), want) ? 'ok' : 'wrong'));
  // After the body is read (so an oversized body still gets its 413) and before it is validated
  // (so a stranger learns nothing about a write's fields) or handled.
  app.addHook('preValidation', async (req, reply) => {
    const raw = req.headers.authorization;
    const given = typeof raw === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(raw)?.[1] : undefined;
    // Compared as digests of equal length, in constant time.
    if (want && given !== undefined && timingSafeEqual(digest(given), want)) operators.add(req.raw);
    const path = req.url.split('?')[0];
    if (!WRITES.has(req.method) || !(path === '/api' || path.startsWith('/api/'))) return;
    if (req.method === 'POST' && READ_ONLY_POSTS.has(path)) return;
    if (OWN_AUTH.some((p) => path.startsWith(p))) return;
    if (!want) return deny(reply, 403, `Máy chủ chưa đặt ${ADMIN_TOKEN_ENV} nên không nhận thao tác ghi qua API; người vận hành hãy khởi động lại với biến môi trường ${ADMIN_TOKEN_ENV}=<khoá bí mật> rồi gửi header Authorization: Bearer <khoá>.`);
    if (given === undefined) return deny(reply, 401, `Thao tác ghi qua API cần khoá quản trị: gửi header Authorization: Bearer <${ADMIN_TOKEN_ENV} của máy chủ>.`);
    if (!operators.has(req.raw)) return deny(reply, 401, `Khoá quản trị trong header Authorization không đúng; hãy dùng giá trị ${ADMIN_TOKEN_ENV} của máy chủ.`);
  });
}
