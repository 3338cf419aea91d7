/**
 * Browser sessions and CSRF protection for the account pages.
 *
 * - The session cookie (`tra_phien`) holds a random id; the database keeps only its hash. It is
 *   HttpOnly, SameSite=Lax, Path=/, and Secure when the origin is https. Signing in always makes
 *   a new session (no fixation); signing out deletes it.
 * - Every form carries a synchronizer token. With a session it is the session's own random token
 *   (stored with it). Before signing in (the sign-in and sign-up forms) a visitor gets a random
 *   `tra_khach` cookie and the token is HMAC(server secret, that cookie): a page on another site
 *   can make the browser send the cookie but cannot read or compute the token.
 */
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SocialContext } from '../http.ts';
import type { AccountRow } from '../store/rows.ts';
import { SocialError } from '../store/errors.ts';
import { newSecret, sameSecret } from '../store/secrets.ts';
import { SESSION_DAYS } from '../store/sessions.ts';

export const SESSION_COOKIE = 'tra_phien';
export const VISITOR_COOKIE = 'tra_khach';

export interface PageSession {
  id: string;
  account: AccountRow;
  csrf: string;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k && !(k in out)) {
      try {
        out[k] = decodeURIComponent(v);
      } catch {
        out[k] = v;
      }
    }
  }
  return out;
}

function cookie(ctx: SocialContext, name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${ctx.secureCookies ? '; Secure' : ''}`;
}

function addCookie(reply: FastifyReply, c: string): void {
  const have = reply.getHeader('set-cookie');
  const list = have === undefined ? [] : Array.isArray(have) ? have.map(String) : [String(have)];
  reply.header('set-cookie', [...list, c]);
}

/** The signed-in session of this request, if any. */
export function sessionOf(ctx: SocialContext, req: FastifyRequest): PageSession | undefined {
  const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (!id || id.length > 100) return undefined;
  const s = ctx.store.sessions.get(id);
  if (!s) return undefined;
  const account = ctx.store.accounts.byId(s.accountId);
  if (!account || account.deletedAt !== null) return undefined;
  return { id, account, csrf: s.csrf };
}

export function startSession(ctx: SocialContext, req: FastifyRequest, reply: FastifyReply, account: AccountRow): void {
  const old = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (old) ctx.store.sessions.delete(old);
  const s = ctx.store.sessions.create(account.id, { userAgent: req.headers['user-agent'], ip: req.ip });
  addCookie(reply, cookie(ctx, SESSION_COOKIE, s.id, SESSION_DAYS * 86_400));
}

export function endSession(ctx: SocialContext, req: FastifyRequest, reply: FastifyReply): void {
  const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (id) ctx.store.sessions.delete(id);
  addCookie(reply, cookie(ctx, SESSION_COOKIE, '', 0));
}

function visitorToken(ctx: SocialContext, visitor: string): string {
  return createHmac('sha256', ctx.store.settings.secret()).update('csrf:' + visitor).digest('base64url');
}

/**
 * The CSRF token for a form on this page: the session's, or a visitor's (setting the visitor
 * cookie when the browser has none yet).
 */
export function csrfFor(ctx: SocialContext, req: FastifyRequest, reply: FastifyReply, session: PageSession | undefined): string {
  if (session) return session.csrf;
  let visitor = parseCookies(req.headers.cookie)[VISITOR_COOKIE];
  if (!visitor || visitor.length > 100) {
    visitor = newSecret(24);
    addCookie(reply, cookie(ctx, VISITOR_COOKIE, visitor, 86_400));
  }
  return visitorToken(ctx, visitor);
}

/** Refuse a form post whose token does not belong to this browser (403, one line). */
export function checkCsrf(ctx: SocialContext, req: FastifyRequest, session: PageSession | undefined, given: unknown): void {
  const token = typeof given === 'string' ? given : '';
  let want: string | undefined;
  if (session) want = session.csrf;
  else {
    const visitor = parseCookies(req.headers.cookie)[VISITOR_COOKIE];
    if (visitor && visitor.length <= 100) want = visitorToken(ctx, visitor);
  }
  if (!token || !want || !sameSecret(token, want)) {
    throw new SocialError(403, 'Biểu mẫu đã hết hạn hoặc không gửi từ trang của Tra (thiếu mã chống giả mạo CSRF): hãy tải lại trang rồi gửi lại');
  }
}
