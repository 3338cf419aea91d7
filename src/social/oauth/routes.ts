/**
 * OAuth 2 as Mastodon clients use it (docs.joinmastodon.org/methods/oauth, /methods/apps):
 *
 *   POST /api/v1/apps                       register a client (form, JSON or multipart)
 *   GET  /api/v1/apps/verify_credentials    the app a token belongs to
 *   GET  /oauth/authorize                   sign-in (if needed) and the consent page
 *   POST /oauth/authorize                   the person's answer → redirect with ?code= (or the code shown, for oob)
 *   POST /oauth/token                       authorization_code (with PKCE S256) or client_credentials
 *   POST /oauth/revoke                      revoke a token
 *   GET  /.well-known/oauth-authorization-server   RFC 8414 metadata
 *
 * The `password` grant is not offered: apps sign people in through the consent page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SocialContext } from '../http.ts';
import type { AppRow } from '../store/rows.ts';
import { SocialError } from '../store/errors.ts';
import { paramsOf, str, list, type Params } from '../mastodon/params.ts';
import { requireToken } from '../mastodon/auth.ts';
import { allAllowed, ALL_SCOPES, splitScopes, unknownScopes } from './scopes.ts';
import { validChallenge, verifierMatches } from './pkce.ts';
import { checkCsrf, sessionOf } from '../pages/session.ts';
import { codePage, consentPage } from '../pages/views.ts';

export const OOB = 'urn:ietf:wg:oauth:2.0:oob';
const MAX_REDIRECT_URIS = 10;

/** Why a redirect URI cannot be registered, or undefined. Custom schemes (tusky://oauth) are fine; script schemes and fragments are not. */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri === OOB) return undefined;
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `redirect_uris "${uri}" không phải địa chỉ tuyệt đối`;
  }
  if (['javascript:', 'data:', 'vbscript:', 'file:', 'blob:'].includes(u.protocol)) return `redirect_uris không được dùng giao thức ${u.protocol}`;
  if (u.hash) return `redirect_uris không được có phần #fragment`;
  return undefined;
}

class OAuthError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, description: string) {
    super(description);
    this.status = status;
    this.code = code;
  }
}

function oauthError(reply: FastifyReply, e: OAuthError): FastifyReply {
  if (e.status === 401) reply.header('www-authenticate', 'Basic realm="tra"');
  return reply.code(e.status).header('cache-control', 'no-store').send({ error: e.code, error_description: e.message });
}

/** client_id and client_secret from the body or from HTTP Basic. */
function clientCredentials(req: FastifyRequest, p: Params): { clientId?: string; clientSecret?: string } {
  const h = req.headers.authorization;
  if (typeof h === 'string' && /^Basic\s+/i.test(h)) {
    const decoded = Buffer.from(h.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) return { clientId: decodeURIComponent(decoded.slice(0, i)), clientSecret: decodeURIComponent(decoded.slice(i + 1)) };
  }
  return { clientId: str(p, 'client_id', 200), clientSecret: str(p, 'client_secret', 200) };
}

/** Checked authorize parameters. */
interface AuthorizeRequest {
  app: AppRow;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
}

function checkAuthorize(ctx: SocialContext, p: Params): AuthorizeRequest {
  const clientId = str(p, 'client_id', 200);
  const app = clientId ? ctx.store.oauth.appByClientId(clientId) : undefined;
  if (!app) throw new SocialError(400, 'Ứng dụng không hợp lệ: client_id không có trên máy chủ này; hãy đăng ký ứng dụng lại (POST /api/v1/apps)');
  const redirectUri = str(p, 'redirect_uri', 2000) ?? (app.redirectUris.length === 1 ? app.redirectUris[0] : undefined);
  if (!redirectUri || !app.redirectUris.includes(redirectUri)) throw new SocialError(400, 'redirect_uri không khớp với địa chỉ ứng dụng đã đăng ký');
  const responseType = str(p, 'response_type', 20) ?? 'code';
  if (responseType !== 'code') throw new SocialError(400, 'response_type phải là "code"');
  const scopes = splitScopes(str(p, 'scope', 1000) ?? 'read');
  const unknown = unknownScopes(scopes);
  if (unknown.length) throw new SocialError(400, `Quyền không hợp lệ: ${unknown.join(', ')}`);
  if (!allAllowed(app.scopes, scopes)) throw new SocialError(400, `Ứng dụng xin quyền "${scopes.join(' ')}" vượt quá quyền đã đăng ký ("${app.scopes.join(' ')}")`);
  const challenge = str(p, 'code_challenge', 200) || null;
  const method = challenge ? (str(p, 'code_challenge_method', 20) ?? 'plain') : null;
  if (challenge && method !== 'S256') throw new SocialError(400, 'code_challenge_method phải là S256 (máy chủ này không nhận "plain")');
  if (challenge && !validChallenge(challenge)) throw new SocialError(400, 'code_challenge không hợp lệ: phải là SHA-256 của code_verifier, mã base64url (43 ký tự)');
  return { app, redirectUri, scopes, state: str(p, 'state', 2000), codeChallenge: challenge, codeChallengeMethod: method };
}

function withQuery(uri: string, q: Record<string, string | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(q)) if (v !== undefined) u.searchParams.set(k, v);
  return u.href;
}

/** The CSP source a form must be allowed to send the browser to (Chromium checks redirects after a POST). */
function formTarget(uri: string): string {
  const u = new URL(uri);
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : u.protocol;
}

export async function oauthRoutes(app: FastifyInstance, { ctx }: { ctx: SocialContext }): Promise<void> {
  app.post('/api/v1/apps', async (req) => {
    const p = paramsOf(req);
    const name = (str(p, 'client_name', 200) ?? '').trim();
    if (!name) throw new SocialError(422, 'Thiếu client_name: tên ứng dụng');
    const raw = list(p, 'redirect_uris', MAX_REDIRECT_URIS).flatMap((s) => s.split(/\s+/)).filter(Boolean);
    if (raw.length === 0) throw new SocialError(422, 'Thiếu redirect_uris: địa chỉ nhận mã sau khi cấp quyền (hoặc urn:ietf:wg:oauth:2.0:oob)');
    if (raw.length > MAX_REDIRECT_URIS) throw new SocialError(422, `Quá nhiều redirect_uris: tối đa ${MAX_REDIRECT_URIS}`);
    for (const u of raw) {
      if (u.length > 2000) throw new SocialError(422, 'redirect_uris dài quá 2000 ký tự');
      const bad = redirectUriProblem(u);
      if (bad) throw new SocialError(422, bad);
    }
    const scopes = splitScopes(str(p, 'scopes', 1000) ?? 'read');
    const unknown = unknownScopes(scopes);
    if (unknown.length) throw new SocialError(422, `Quyền không hợp lệ: ${unknown.join(', ')} (dùng read, write, follow, push hoặc quyền con như read:statuses)`);
    let website = str(p, 'website', 2000)?.trim() || null;
    if (website && !/^https?:\/\/\S+$/i.test(website)) website = null;
    const { app: row, clientSecret } = ctx.store.oauth.createApp({ name, website, redirectUris: [...new Set(raw)], scopes });
    return {
      id: row.id,
      name: row.name,
      website: row.website,
      scopes: row.scopes,
      redirect_uri: row.redirectUris.join('\n'),
      redirect_uris: row.redirectUris,
      client_id: row.clientId,
      client_secret: clientSecret,
      client_secret_expires_at: 0,
      vapid_key: '',
    };
  });

  app.get('/api/v1/apps/verify_credentials', async (req) => {
    const c = requireToken(ctx, req);
    const a = ctx.store.oauth.app(c.token.appId)!;
    return { id: a.id, name: a.name, website: a.website, scopes: a.scopes, redirect_uri: a.redirectUris.join('\n'), redirect_uris: a.redirectUris, vapid_key: '' };
  });

  app.get(
    '/oauth/authorize',
    {
      // The consent form's answer redirects to the app: the page's CSP must let the form go there.
      onSend: async (req, reply, payload) => {
        const target = (req as FastifyRequest & { formTarget?: string }).formTarget;
        const csp = reply.getHeader('content-security-policy');
        if (target && typeof csp === 'string') reply.header('content-security-policy', csp.replace("form-action 'self'", `form-action 'self' ${target}`));
        return payload;
      },
    },
    async (req, reply) => {
      const p = paramsOf(req);
      const a = checkAuthorize(ctx, p);
      const session = sessionOf(ctx, req);
      const forceLogin = str(p, 'force_login', 10) === 'true';
      if (!session || (forceLogin && !('da_dang_nhap' in p))) {
        const back = new URL(req.url, 'http://x');
        if (forceLogin) back.searchParams.set('da_dang_nhap', '1');
        return reply.redirect(`/dang-nhap?tiep=${encodeURIComponent(back.pathname + back.search)}`, 303);
      }
      if (a.redirectUri !== OOB) (req as FastifyRequest & { formTarget?: string }).formTarget = formTarget(a.redirectUri);
      const hidden: Record<string, string> = { client_id: a.app.clientId, redirect_uri: a.redirectUri, scope: a.scopes.join(' '), response_type: 'code' };
      if (a.state !== undefined) hidden.state = a.state;
      if (a.codeChallenge) {
        hidden.code_challenge = a.codeChallenge;
        hidden.code_challenge_method = a.codeChallengeMethod!;
      }
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(consentPage({ csrf: session.csrf, account: session.account, app: a.app, scopes: a.scopes, hidden }));
    },
  );

  app.post('/oauth/authorize', async (req, reply) => {
    const p = paramsOf(req);
    const session = sessionOf(ctx, req);
    if (!session) throw new SocialError(403, 'Phiên đăng nhập đã hết: hãy mở lại trang cấp quyền từ ứng dụng');
    checkCsrf(ctx, req, session, p.csrf);
    const a = checkAuthorize(ctx, p);
    const allow = str(p, 'decision', 10) === 'allow';
    if (!allow) {
      if (a.redirectUri === OOB) return reply.type('text/html; charset=utf-8').code(200).send(codePage('(đã từ chối)', a.app.name));
      return reply.redirect(withQuery(a.redirectUri, { error: 'access_denied', error_description: 'Người dùng đã từ chối cấp quyền', state: a.state }), 303);
    }
    const code = ctx.store.oauth.createCode({ appId: a.app.id, accountId: session.account.id, redirectUri: a.redirectUri, scopes: a.scopes, codeChallenge: a.codeChallenge, codeChallengeMethod: a.codeChallengeMethod });
    if (a.redirectUri === OOB) return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(codePage(code, a.app.name));
    return reply.redirect(withQuery(a.redirectUri, { code, state: a.state }), 303);
  });

  app.post('/oauth/token', async (req, reply) => {
    const p = paramsOf(req);
    try {
      const grant = str(p, 'grant_type', 50);
      const { clientId, clientSecret } = clientCredentials(req, p);
      if (!clientId) throw new OAuthError(401, 'invalid_client', 'Thiếu client_id');
      if (grant === 'authorization_code') {
        const codeValue = str(p, 'code', 200);
        if (!codeValue) throw new OAuthError(400, 'invalid_request', 'Thiếu code');
        const app = clientSecret !== undefined ? ctx.store.oauth.authenticateClient(clientId, clientSecret) : ctx.store.oauth.appByClientId(clientId);
        if (!app) throw new OAuthError(401, 'invalid_client', 'client_id hoặc client_secret không đúng');
        const used = ctx.store.oauth.consumeCode(codeValue);
        if ('error' in used) {
          const why = used.error === 'expired' ? 'Mã cấp quyền đã hết hạn (10 phút)' : used.error === 'reused' ? 'Mã cấp quyền đã được dùng; các mã truy cập tạo từ nó đã bị thu hồi' : 'Mã cấp quyền không hợp lệ';
          throw new OAuthError(400, 'invalid_grant', why);
        }
        const g = used.grant;
        if (g.appId !== app.id) throw new OAuthError(400, 'invalid_grant', 'Mã cấp quyền không phải của ứng dụng này');
        const redirectUri = str(p, 'redirect_uri', 2000);
        if (redirectUri !== undefined && redirectUri !== g.redirectUri) throw new OAuthError(400, 'invalid_grant', 'redirect_uri không khớp với lúc xin mã');
        if (g.codeChallenge) {
          const verifier = str(p, 'code_verifier', 200);
          if (!verifier || !verifierMatches(verifier, g.codeChallenge)) throw new OAuthError(400, 'invalid_grant', 'code_verifier không khớp với code_challenge (PKCE)');
        } else if (clientSecret === undefined) {
          throw new OAuthError(401, 'invalid_client', 'Thiếu client_secret (chỉ được bỏ khi dùng PKCE)');
        }
        const t = ctx.store.oauth.createToken({ appId: app.id, accountId: g.accountId, scopes: g.scopes });
        return reply.header('cache-control', 'no-store').send({ access_token: t.token, token_type: 'Bearer', scope: g.scopes.join(' '), created_at: Math.floor(t.row.createdAt / 1000) });
      }
      if (grant === 'client_credentials') {
        const app = clientSecret !== undefined ? ctx.store.oauth.authenticateClient(clientId, clientSecret) : undefined;
        if (!app) throw new OAuthError(401, 'invalid_client', 'client_id hoặc client_secret không đúng');
        const scopes = splitScopes(str(p, 'scope', 1000) ?? 'read');
        if (unknownScopes(scopes).length || !allAllowed(app.scopes, scopes)) throw new OAuthError(400, 'invalid_scope', `Quyền "${scopes.join(' ')}" vượt quá quyền đã đăng ký của ứng dụng`);
        const t = ctx.store.oauth.createToken({ appId: app.id, accountId: null, scopes });
        return reply.header('cache-control', 'no-store').send({ access_token: t.token, token_type: 'Bearer', scope: scopes.join(' '), created_at: Math.floor(t.row.createdAt / 1000) });
      }
      throw new OAuthError(400, 'unsupported_grant_type', `grant_type "${grant ?? ''}" không được hỗ trợ: dùng authorization_code hoặc client_credentials`);
    } catch (err) {
      if (err instanceof OAuthError) return oauthError(reply, err);
      if (err instanceof SocialError) return oauthError(reply, new OAuthError(400, 'invalid_request', err.message));
      throw err;
    }
  });

  app.post('/oauth/revoke', async (req, reply) => {
    const p = paramsOf(req);
    const { clientId, clientSecret } = clientCredentials(req, p);
    const app = clientId && clientSecret !== undefined ? ctx.store.oauth.authenticateClient(clientId, clientSecret) : undefined;
    if (!app) return oauthError(reply, new OAuthError(403, 'unauthorized_client', 'client_id hoặc client_secret không đúng'));
    const token = str(p, 'token', 200);
    if (!token) return oauthError(reply, new OAuthError(400, 'invalid_request', 'Thiếu token cần thu hồi'));
    ctx.store.oauth.revoke(token, app.id);
    // RFC 7009 §2.2: an unknown token is answered like a revoked one.
    return {};
  });

  app.get('/.well-known/oauth-authorization-server', async () => {
    const o = ctx.urls.origin;
    return {
      issuer: o + '/',
      service_documentation: 'https://docs.joinmastodon.org/',
      authorization_endpoint: `${o}/oauth/authorize`,
      token_endpoint: `${o}/oauth/token`,
      app_registration_endpoint: `${o}/api/v1/apps`,
      revocation_endpoint: `${o}/oauth/revoke`,
      scopes_supported: [...ALL_SCOPES],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    };
  });
}
