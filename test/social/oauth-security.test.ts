/**
 * OAuth and account security with plain HTTP on the real server: app registration in JSON, form
 * and multipart bodies; the code flow's refusals (wrong PKCE verifier, a code used twice — which
 * also revokes what it made —, a redirect URI or scope the app did not register); client
 * credentials; revocation; server metadata; CSRF on every form; the sign-in rate limit per account
 * and per address; scopes enforced per endpoint; bounded bodies; invite-only sign-up; verified-only
 * posting; password change and account deletion ending sessions and tokens.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, CookieJar, csrfOf, form, pkce, registerApp, signIn, signUp, startSocialServer, type SocialServer } from './support.ts';

const PASSWORD = 'mat-khau-that-dai-2025';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const json = async (r: Response | Promise<Response>): Promise<Json> => (await (await r).json()) as Json;
let s: SocialServer;
let jar: CookieJar;

before(async () => {
  s = await startSocialServer({ signInLimits: { perIp: { max: 50, windowMs: 60_000 }, perAccount: { max: 3, windowMs: 60_000 } } });
  jar = new CookieJar();
  assert.equal((await signUp(s.base, jar, 'hoa', PASSWORD)).status, 303);
});

after(async () => {
  await s?.close();
});

const api = (token: string) => ({ authorization: `Bearer ${token}` });
async function post(token: string, body: Record<string, string>): Promise<Response> {
  return fetch(`${s.base}/api/v1/statuses`, { method: 'POST', headers: { ...api(token), 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

test('POST /api/v1/apps takes JSON, form and multipart bodies, and refuses a script redirect URI', async () => {
  const viaJson = await fetch(`${s.base}/api/v1/apps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'JSON', redirect_uris: ['https://a.example/cb', 'tusky://oauth'], scopes: 'read write' }) });
  assert.equal(viaJson.status, 200);
  const j = await json(viaJson);
  assert.deepEqual(j.redirect_uris, ['https://a.example/cb', 'tusky://oauth']);
  assert.deepEqual(j.scopes, ['read', 'write']);
  const fd = new FormData();
  fd.set('client_name', 'Multipart');
  fd.set('redirect_uris', 'urn:ietf:wg:oauth:2.0:oob');
  fd.set('scopes', 'read:statuses write:statuses');
  const multi = await fetch(`${s.base}/api/v1/apps`, { method: 'POST', body: fd });
  assert.equal(multi.status, 200);
  assert.deepEqual((await json(multi)).scopes, ['read:statuses', 'write:statuses']);
  const bad = await fetch(`${s.base}/api/v1/apps`, form({ client_name: 'X', redirect_uris: 'javascript:alert(1)' }));
  assert.equal(bad.status, 422);
  assert.match((await json(bad)).error, /javascript:/);
  const badScope = await fetch(`${s.base}/api/v1/apps`, form({ client_name: 'X', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read everything' }));
  assert.equal(badScope.status, 422);
});

test('the code flow refuses a wrong PKCE verifier, and a code used twice revokes its token', async () => {
  const app = await registerApp(s.base, 'read write');
  const { challenge } = pkce();
  const q = new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: app.redirect_uri, scope: 'read', code_challenge: challenge, code_challenge_method: 'S256' });
  const page = await (await jar.fetch(`${s.base}/oauth/authorize?${q}`)).text();
  const hidden = Object.fromEntries([...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
  const code = new URL((await jar.fetch(`${s.base}/oauth/authorize`, form({ ...hidden, decision: 'allow' }))).headers.get('location')!).searchParams.get('code')!;
  const wrong = await fetch(`${s.base}/oauth/token`, form({ grant_type: 'authorization_code', code, client_id: app.client_id, client_secret: app.client_secret, redirect_uri: app.redirect_uri, code_verifier: pkce().verifier }));
  assert.equal(wrong.status, 400);
  assert.equal((await json(wrong)).error, 'invalid_grant');
  // A fresh code: the right verifier works once; the second use fails and revokes the token.
  const t = await authorize(s.base, jar, app, 'read');
  assert.equal((await fetch(`${s.base}/api/v1/accounts/verify_credentials`, { headers: api(t.access_token) })).status, 200);
  const plain = await fetch(`${s.base}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: app.redirect_uri, scope: 'read' })}`, { headers: { cookie: jar.header() } });
  const h2 = Object.fromEntries([...(await plain.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
  const code2 = new URL((await jar.fetch(`${s.base}/oauth/authorize`, form({ ...h2, decision: 'allow' }))).headers.get('location')!).searchParams.get('code')!;
  const exchange = () => fetch(`${s.base}/oauth/token`, form({ grant_type: 'authorization_code', code: code2, client_id: app.client_id, client_secret: app.client_secret, redirect_uri: app.redirect_uri }));
  const first = await exchange();
  assert.equal(first.status, 200);
  const token2 = (await json(first)).access_token;
  assert.equal((await fetch(`${s.base}/api/v1/accounts/verify_credentials`, { headers: api(token2) })).status, 200);
  const again = await exchange();
  assert.equal(again.status, 400);
  assert.equal((await fetch(`${s.base}/api/v1/accounts/verify_credentials`, { headers: api(token2) })).status, 401);
});

test('authorize refuses an unregistered redirect URI, a scope beyond the app, and plain PKCE', async () => {
  const app = await registerApp(s.base, 'read');
  const ask = (o: Record<string, string>) => jar.fetch(`${s.base}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: app.redirect_uri, scope: 'read', ...o })}`, { headers: { accept: 'text/html' } });
  assert.equal((await ask({ redirect_uri: 'https://evil.example/cb' })).status, 400);
  assert.equal((await ask({ scope: 'read write' })).status, 400);
  assert.equal((await ask({ code_challenge: pkce().challenge, code_challenge_method: 'plain' })).status, 400);
  assert.equal((await ask({})).status, 200);
});

test('a denied consent goes back to the app with access_denied; the consent page lets its form reach the app', async () => {
  const app = await registerApp(s.base, 'read');
  const res = await jar.fetch(`${s.base}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: app.redirect_uri, scope: 'read', state: 's1' })}`);
  assert.match(res.headers.get('content-security-policy') ?? '', /form-action 'self' http:\/\/127\.0\.0\.1:9/);
  const html = await res.text();
  const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
  const denied = await jar.fetch(`${s.base}/oauth/authorize`, form({ ...hidden, decision: 'deny' }));
  const loc = new URL(denied.headers.get('location')!);
  assert.equal(loc.searchParams.get('error'), 'access_denied');
  assert.equal(loc.searchParams.get('state'), 's1');
});

test('client credentials give an app token: it reads the app, not an account; revoke ends it', async () => {
  const app = await registerApp(s.base, 'read write');
  const basic = Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64');
  const res = await fetch(`${s.base}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', scope: 'read' }) });
  assert.equal(res.status, 200);
  const { access_token } = await json(res);
  const appInfo = await fetch(`${s.base}/api/v1/apps/verify_credentials`, { headers: api(access_token) });
  assert.equal((await json(appInfo)).name, 'Ứng dụng thử');
  assert.equal((await fetch(`${s.base}/api/v1/accounts/verify_credentials`, { headers: api(access_token) })).status, 422);
  const wrongSecret = await fetch(`${s.base}/oauth/token`, form({ grant_type: 'client_credentials', client_id: app.client_id, client_secret: 'sai' }));
  assert.equal(wrongSecret.status, 401);
  assert.equal((await fetch(`${s.base}/oauth/token`, form({ grant_type: 'password', client_id: app.client_id, client_secret: app.client_secret, username: 'hoa', password: PASSWORD }))).status, 400);
  const revoked = await fetch(`${s.base}/oauth/revoke`, form({ client_id: app.client_id, client_secret: app.client_secret, token: access_token }));
  assert.equal(revoked.status, 200);
  assert.equal((await fetch(`${s.base}/api/v1/apps/verify_credentials`, { headers: api(access_token) })).status, 401);
});

test('server metadata names the endpoints, S256 and the grants', async () => {
  const m = await json(fetch(`${s.base}/.well-known/oauth-authorization-server`));
  assert.equal(m.token_endpoint, `${s.base}/oauth/token`);
  assert.equal(m.authorization_endpoint, `${s.base}/oauth/authorize`);
  assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
  assert.deepEqual(m.grant_types_supported, ['authorization_code', 'client_credentials']);
  assert.ok(m.scopes_supported.includes('write:statuses'));
});

test('a form posted without its CSRF token, or with another browser\'s, is refused', async () => {
  const stranger = new CookieJar();
  const strangerToken = csrfOf(await (await stranger.fetch(`${s.base}/dang-nhap`)).text());
  const fresh = new CookieJar();
  await fresh.fetch(`${s.base}/dang-nhap`);
  const none = await fresh.fetch(`${s.base}/dang-nhap`, form({ username: 'hoa', password: PASSWORD }));
  assert.equal(none.status, 403);
  assert.match(await none.text(), /CSRF/);
  const foreign = await fresh.fetch(`${s.base}/dang-nhap`, form({ csrf: strangerToken, username: 'hoa', password: PASSWORD }));
  assert.equal(foreign.status, 403);
  assert.equal((await fresh.fetch(`${s.base}/dang-ky`, form({ username: 'ke-gian', password: PASSWORD, password_confirmation: PASSWORD }))).status, 403);
  // Signed in: the settings forms and the consent form need the session's token.
  assert.equal((await jar.fetch(`${s.base}/cai-dat/ho-so`, form({ display_name: 'Bị đổi' }))).status, 403);
  assert.equal((await jar.fetch(`${s.base}/cai-dat/ho-so`, form({ display_name: 'Bị đổi', csrf: strangerToken }))).status, 403);
  assert.equal((await jar.fetch(`${s.base}/oauth/authorize`, form({ client_id: 'x', decision: 'allow' }))).status, 403);
  assert.equal((await jar.fetch(`${s.base}/dang-xuat`, form({}))).status, 403);
  assert.notEqual(s.social.store.accounts.local('hoa')!.displayName, 'Bị đổi');
});

test('sign-in is rate-limited per account: after 3 failures even the right password waits (429)', async () => {
  const j = new CookieJar();
  assert.equal((await signUp(s.base, j, 'tuan', PASSWORD)).status, 303);
  const guesser = new CookieJar();
  for (let i = 0; i < 3; i++) assert.equal((await signIn(s.base, guesser, 'tuan', `sai-${i}-mat-khau`)).status, 401);
  const blocked = await signIn(s.base, guesser, 'tuan', PASSWORD);
  assert.equal(blocked.status, 429);
  assert.ok(Number(blocked.headers.get('retry-after')) > 0);
  assert.match(await blocked.text(), /quá nhiều lần/);
  // Another account from the same address is not affected.
  assert.equal((await signIn(s.base, new CookieJar(), 'hoa', PASSWORD)).status, 303);
});

test('sign-in is rate-limited per address', async () => {
  const t = await startSocialServer({ signInLimits: { perIp: { max: 4, windowMs: 60_000 }, perAccount: { max: 100, windowMs: 60_000 } } });
  try {
    const j = new CookieJar();
    for (let i = 0; i < 4; i++) assert.equal((await signIn(t.base, j, `khong-co-${i}`, 'mat-khau-gi-do')).status, 401);
    assert.equal((await signIn(t.base, j, 'ai-do', 'mat-khau-gi-do')).status, 429);
  } finally {
    await t.close();
  }
});

test('scopes are enforced per endpoint', async () => {
  const app = await registerApp(s.base, 'read write follow');
  const w = await authorize(s.base, jar, app, 'write:statuses');
  assert.equal((await post(w.access_token, { status: 'Chỉ quyền viết bài' })).status, 200);
  assert.equal((await fetch(`${s.base}/api/v1/timelines/home`, { headers: api(w.access_token) })).status, 403);
  assert.equal((await fetch(`${s.base}/api/v1/accounts/1/follow`, { method: 'POST', headers: api(w.access_token) })).status, 403);
  const r = await authorize(s.base, jar, app, 'read');
  const refused = await post(r.access_token, { status: 'Không được' });
  assert.equal(refused.status, 403);
  assert.match((await json(refused)).error, /write:statuses/);
  const f = await authorize(s.base, jar, app, 'follow');
  const other = s.social.store.accounts.local('tuan')!;
  assert.equal((await fetch(`${s.base}/api/v1/accounts/${other.id}/follow`, { method: 'POST', headers: api(f.access_token) })).status, 200);
  assert.equal((await fetch(`${s.base}/api/v1/statuses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"status":"x"}' })).status, 401);
  assert.equal((await fetch(`${s.base}/api/v1/timelines/home`, { headers: api('khong-phai-ma') })).status, 401);
});

test('limits: 500 characters counted on NFC text, bounded bodies, errors as {"error"}', async () => {
  const app = await registerApp(s.base, 'read write');
  const t = await authorize(s.base, jar, app, 'read write');
  const nfd500 = 'ệ'.repeat(500).normalize('NFD');
  assert.equal((await post(t.access_token, { status: nfd500 })).status, 200, 'NFD counts as its NFC length');
  const long = await post(t.access_token, { status: 'a'.repeat(501) });
  assert.equal(long.status, 422);
  assert.match((await json(long)).error, /500/);
  const huge = await fetch(`${s.base}/api/v1/statuses`, { method: 'POST', headers: { ...api(t.access_token), 'content-type': 'application/json' }, body: JSON.stringify({ status: 'x'.repeat(200_000) }) });
  assert.equal(huge.status, 413);
  assert.ok((await json(huge)).error);
  const missing = await fetch(`${s.base}/api/v1/statuses/999999999999999999`, { headers: api(t.access_token) });
  assert.equal(missing.status, 404);
  assert.deepEqual(Object.keys(await json(missing)), ['error']);
});

test('verified-only posting (Decree 147): unverified accounts get 403 until the operator verifies them', async () => {
  const app = await registerApp(s.base, 'read write');
  const t = await authorize(s.base, jar, app, 'read write');
  s.social.store.settings.update({ verifiedOnlyPosting: true });
  try {
    const refused = await post(t.access_token, { status: 'Chưa xác minh' });
    assert.equal(refused.status, 403);
    assert.match((await json(refused)).error, /147\/2024/);
    s.social.store.accounts.setVerified(s.social.store.accounts.local('hoa')!.id, true);
    assert.equal((await post(t.access_token, { status: 'Đã xác minh' })).status, 200);
  } finally {
    s.social.store.settings.update({ verifiedOnlyPosting: false });
  }
});

test('invite-only sign-up needs a valid code, used once', async () => {
  s.social.store.settings.update({ registrations: 'invite' });
  try {
    const j = new CookieJar();
    const page = await (await j.fetch(`${s.base}/dang-ky`)).text();
    assert.match(page, /Mã mời/);
    const noCode = await j.fetch(`${s.base}/dang-ky`, form({ csrf: csrfOf(page), username: 'khach1', password: PASSWORD, password_confirmation: PASSWORD }));
    assert.equal(noCode.status, 403);
    const code = s.social.store.invites.create({ maxUses: 1 });
    const ok = await j.fetch(`${s.base}/dang-ky`, form({ csrf: csrfOf(page), username: 'khach1', password: PASSWORD, password_confirmation: PASSWORD, invite: code }));
    assert.equal(ok.status, 303);
    const j2 = new CookieJar();
    const p2 = await (await j2.fetch(`${s.base}/dang-ky`)).text();
    assert.equal((await j2.fetch(`${s.base}/dang-ky`, form({ csrf: csrfOf(p2), username: 'khach2', password: PASSWORD, password_confirmation: PASSWORD, invite: code }))).status, 403);
  } finally {
    s.social.store.settings.update({ registrations: 'open' });
  }
});

test('sign-up refuses a taken username (any case) and a weak password, in one Vietnamese line', async () => {
  const j = new CookieJar();
  const page = await (await j.fetch(`${s.base}/dang-ky`)).text();
  const taken = await j.fetch(`${s.base}/dang-ky`, form({ csrf: csrfOf(page), username: 'HOA', password: PASSWORD, password_confirmation: PASSWORD }));
  assert.equal(taken.status, 409);
  assert.match(await taken.text(), /đã có người dùng/);
  const weak = await j.fetch(`${s.base}/dang-ky`, form({ csrf: csrfOf(page), username: 'moi', password: '12345678', password_confirmation: '12345678' }));
  assert.equal(weak.status, 422);
  assert.match(await weak.text(), /mật khẩu yếu/);
});

test('a password change ends the other sessions; deleting the account ends its tokens and posts', async () => {
  const a = new CookieJar();
  const b = new CookieJar();
  assert.equal((await signUp(s.base, a, 'xoa-thu', PASSWORD)).status, 303);
  assert.equal((await signIn(s.base, b, 'xoa-thu', PASSWORD)).status, 303);
  const settings = await (await a.fetch(`${s.base}/cai-dat`)).text();
  const changed = await a.fetch(`${s.base}/cai-dat/mat-khau`, form({ csrf: csrfOf(settings), current_password: PASSWORD, password: PASSWORD + '-moi', password_confirmation: PASSWORD + '-moi' }));
  assert.equal(changed.status, 200);
  assert.equal((await a.fetch(`${s.base}/cai-dat`)).status, 200);
  assert.equal((await b.fetch(`${s.base}/cai-dat`)).status, 303, 'the other session was signed out');
  const app = await registerApp(s.base, 'read write');
  const t = await authorize(s.base, a, app, 'read write');
  const st = await json(post(t.access_token, { status: 'Bài trước khi xoá tài khoản' }));
  const seqBefore = s.social.store.statuses.byId(st.id)!.seq;
  const page = await (await a.fetch(`${s.base}/cai-dat`)).text();
  assert.equal((await a.fetch(`${s.base}/cai-dat/xoa-tai-khoan`, form({ csrf: csrfOf(page), password: 'sai-mat-khau-roi' }))).status, 401);
  const deleted = await a.fetch(`${s.base}/cai-dat/xoa-tai-khoan`, form({ csrf: csrfOf(page), password: PASSWORD + '-moi' }));
  assert.equal(deleted.status, 200);
  assert.equal((await fetch(`${s.base}/api/v1/accounts/verify_credentials`, { headers: api(t.access_token) })).status, 401);
  assert.equal((await fetch(`${s.base}/api/v1/statuses/${st.id}`)).status, 404);
  const row = s.social.store.statuses.byId(st.id)!;
  assert.ok(row.deletedAt !== null, 'the post is a tombstone');
  assert.ok(row.seq > seqBefore, 'its deletion is a new change for the post index');
  assert.equal((await signIn(s.base, new CookieJar(), 'xoa-thu', PASSWORD + '-moi')).status, 401);
  const again = new CookieJar();
  assert.equal((await signUp(s.base, again, 'xoa-thu', PASSWORD)).status, 409, 'a deleted username is never given again');
});
