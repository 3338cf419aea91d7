/**
 * Who is calling the API: the bearer token of `Authorization`, its account (none for an app token
 * from client_credentials) and its scopes. A missing or dead token is 401, a token without the
 * scope an action needs is 403, an app token where a user is needed is 422 — as Mastodon answers.
 */
import type { FastifyRequest } from 'fastify';
import type { SocialContext } from '../http.ts';
import type { AccountRow, TokenRow } from '../store/rows.ts';
import { SocialError } from '../store/errors.ts';
import { allows } from '../oauth/scopes.ts';

export interface Caller {
  token: TokenRow;
  account: AccountRow | undefined;
}

const callers = new WeakMap<FastifyRequest, Caller | null>();

function bearerOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  return /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(h)?.[1];
}

/** The caller, undefined when no token was sent; 401 for a token that is not (or no longer) valid. */
export function callerOf(ctx: SocialContext, req: FastifyRequest): Caller | undefined {
  const cached = callers.get(req);
  if (cached !== undefined) return cached ?? undefined;
  const raw = req.headers.authorization;
  if (raw === undefined || raw === '') {
    callers.set(req, null);
    return undefined;
  }
  const bearer = bearerOf(req);
  const token = bearer ? ctx.store.oauth.token(bearer) : undefined;
  if (!token) throw new SocialError(401, 'Mã truy cập không hợp lệ, đã bị thu hồi hoặc tài khoản đã bị xoá: hãy đăng nhập lại trong ứng dụng');
  const account = token.accountId ? ctx.store.accounts.byId(token.accountId) : undefined;
  ctx.store.oauth.touch(token.id);
  const c: Caller = { token, account };
  callers.set(req, c);
  return c;
}

function checkScope(c: Caller, scope: string): void {
  if (!allows(c.token.scopes, scope)) throw new SocialError(403, `Mã truy cập này không có quyền "${scope}" (chỉ có: ${c.token.scopes.join(' ') || 'không quyền nào'}); hãy cấp lại quyền cho ứng dụng`);
}

/** A signed-in user with `scope`. */
export function requireUser(ctx: SocialContext, req: FastifyRequest, scope: string): { account: AccountRow; token: TokenRow } {
  const c = callerOf(ctx, req);
  if (!c) throw new SocialError(401, 'Cần đăng nhập: hãy gửi header Authorization: Bearer <mã truy cập>');
  checkScope(c, scope);
  if (!c.account || c.account.deletedAt !== null) throw new SocialError(422, 'Thao tác này cần mã truy cập của một người dùng, không phải của ứng dụng');
  return { account: c.account, token: c.token };
}

/** Any valid token with `scope` (user or app). */
export function requireToken(ctx: SocialContext, req: FastifyRequest, scope?: string): Caller {
  const c = callerOf(ctx, req);
  if (!c) throw new SocialError(401, 'Cần mã truy cập: hãy gửi header Authorization: Bearer <mã truy cập>');
  if (scope) checkScope(c, scope);
  return c;
}

/** The viewer of a public read: the account when a user token with `scope` was sent, else undefined. */
export function viewerOf(ctx: SocialContext, req: FastifyRequest, scope: string): AccountRow | undefined {
  const c = callerOf(ctx, req);
  if (!c) return undefined;
  checkScope(c, scope);
  return c.account && c.account.deletedAt === null ? c.account : undefined;
}
