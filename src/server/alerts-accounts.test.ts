/**
 * Alerts from /quan-sat on a server with accounts (the social layer): a signed-in account
 * creates, tries and removes its own alerts with its session's CSRF token and no operator token;
 * another account can neither see nor touch them; an admin account sees and removes all; the
 * operator's token still works; a signed-out reader is asked to sign in; an account owns at most
 * MAX_ALERTS_PER_ACCOUNT alerts. The real server over HTTP, sessions made in the social store.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { makeDataDir, startTestServer, type TestServer } from './test-support.ts';
import { createSocialContext, type SocialContext } from '../social/http.ts';
import { MAX_ALERTS_PER_ACCOUNT } from './plugins/observatory-pages.ts';

const TOKEN = 'khoa-thu-nghiem-0123456789abcdef';

let w: TestServer;
let social: SocialContext;
let dir: string;
const cookies: Record<string, string> = {};
const ids: Record<string, string> = {};

before(async () => {
  dir = await makeDataDir();
  let base = '';
  const options = { dataDir: dir, origin: () => base };
  social = createSocialContext(options);
  w = await startTestServer({ adminToken: TOKEN, social: { ...options, context: social } }, dir);
  base = w.base;
  for (const [username, role] of [['lan', 'user'], ['minh', 'user'], ['quantri', 'admin']] as const) {
    const a = social.store.accounts.createLocal({ username, passwordHash: 'x', role });
    ids[username] = a.id;
    cookies[username] = `tra_phien=${encodeURIComponent(social.store.sessions.create(a.id).id)}`;
  }
});

after(async () => {
  await w?.close();
  social?.store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function view(who?: string): Promise<{ status: number; body: string; res: Response }> {
  const res = await w.get('/quan-sat', { headers: who ? { cookie: cookies[who] } : {} });
  return { status: res.status, body: await res.text(), res };
}

const csrfIn = (body: string): string => /<input type="hidden" name="csrf" value="([^"]+)">/.exec(body)?.[1] ?? '';

/** Post the alerts form as `who` (with the CSRF token of their page unless `csrf` is given). */
async function post(who: string | undefined, fields: Record<string, string>, o: { csrf?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  const csrf = o.csrf ?? (who ? csrfIn((await view(who)).body) : '');
  const r = await w.get('/quan-sat/canh-bao', {
    method: 'POST',
    body: new URLSearchParams({ ...(csrf ? { csrf } : {}), ...fields }),
    headers: { origin: w.base, 'sec-fetch-site': 'same-origin', ...(who ? { cookie: cookies[who] } : {}), ...o.headers },
  });
  const body = await r.text();
  assert.ok(!body.includes(TOKEN), 'the token is never shown back');
  return { status: r.status, body };
}

const alerts = () => w.backend.alerts!.list();
const rows = (body: string): string[] => [...body.matchAll(/<tr><td>([^<]+)<\/td><td><a href="\/quan-sat\?q=/g)].map((m) => m[1]);
const SPEC = { name: 'Bão của Lan', query: 'bão', kind: 'threshold', value: '1', action: 'create' };

test('a signed-out reader is asked to sign in, not for a token; no one\'s alerts are listed to them', async () => {
  const { status, body } = await view();
  assert.equal(status, 200);
  assert.match(body, /<p class="sign-in">Hãy <a href="\/dang-nhap\?tiep=%2Fquan-sat%23canh-bao">đăng nhập<\/a> hoặc <a href="\/dang-ky\?tiep=%2Fquan-sat%23canh-bao">tạo tài khoản<\/a> để tạo, thử và xoá cảnh báo của riêng bạn\.<\/p>/);
  // The operator's box is there, folded.
  assert.match(body, /<details class="operator"><summary>Dành cho người vận hành máy chủ<\/summary>/);
  assert.doesNotMatch(body, /<table class="alerts">/);
  const r = await post(undefined, SPEC);
  assert.equal(r.status, 401);
  assert.match(r.body, /<div class="form-errors" role="alert"><p>Hãy đăng nhập để tạo, thử hay xoá cảnh báo của riêng bạn\.<\/p>/);
  assert.equal((await alerts()).length, 0);
});

test('signed in: create, try and remove one\'s own alert without the operator token; the CSRF token is required', async () => {
  const page = await view('lan');
  assert.equal(page.res.headers.get('cache-control'), 'private, no-store', 'a page with a session\'s token is not cached');
  assert.match(page.body, /Bạn đang đăng nhập là <strong>@lan<\/strong> và có 0 trên tối đa 20 cảnh báo\./);
  assert.doesNotMatch(page.body, /name="token"/, 'no token box for an account');
  assert.match(page.body, /<p>Bạn chưa có cảnh báo nào\.<\/p>/);

  // Refused: no CSRF token, another session's token, a form from another site.
  let r = await post('lan', SPEC, { csrf: '' });
  assert.equal(r.status, 403);
  assert.match(r.body, /Biểu mẫu đã hết hạn hoặc không gửi từ trang của Tra \(thiếu mã chống giả mạo\): hãy tải lại trang rồi gửi lại\./);
  r = await post('lan', SPEC, { csrf: csrfIn((await view('minh')).body) });
  assert.equal(r.status, 403);
  r = await post('lan', SPEC, { headers: { origin: 'https://ke-gian.example', 'sec-fetch-site': 'cross-site' } });
  assert.equal(r.status, 403);
  assert.match(r.body, /Biểu mẫu này chỉ nhận yêu cầu gửi từ chính trang Đài quan sát/);
  r = await post('lan', { ...SPEC, value: 'nhiều' });
  assert.equal(r.status, 400);
  assert.match(r.body, /id="al-value-error">Ngưỡng phải là một số dương/);
  assert.equal((await alerts()).length, 0, 'nothing saved by a refusal');

  // Create: the alert is Lan's; the public API shows it as before (no owner field).
  r = await post('lan', SPEC);
  assert.equal(r.status, 200);
  assert.match(r.body, /<div class="notice" role="status"><p>Đã tạo cảnh báo “Bão của Lan” \(#1\)/);
  assert.deepEqual(rows(r.body), ['Bão của Lan']);
  assert.equal((await alerts())[0].owner, ids.lan);
  const api = (await (await w.get('/api/alerts')).json()) as { alerts: Array<Record<string, unknown>> };
  assert.deepEqual(api.alerts.map((a) => [a.id, a.name, 'owner' in a]), [[1, 'Bão của Lan', false]]);

  // Try: checked over the data already there; history, never sent.
  r = await post('lan', { action: 'test-1' });
  assert.equal(r.status, 200);
  assert.match(r.body, /Đã xét cảnh báo “Bão của Lan” trên dữ liệu đến ngày/);
  assert.match(r.body, /bắt đầu “Bão của Lan” — \d+ bài \(tìm lại trong dữ liệu cũ, không gửi đi\)/);

  // Minh sees none of it and can touch none of it.
  const minh = await view('minh');
  assert.deepEqual(rows(minh.body), []);
  assert.doesNotMatch(minh.body, /Bão của Lan/, 'nor its events');
  for (const action of ['remove-1', 'test-1']) {
    r = await post('minh', { action });
    assert.equal(r.status, 404, action);
    assert.match(r.body, /Không có cảnh báo #1 trong các cảnh báo của bạn \(có thể đã bị xoá\)\./);
  }
  assert.equal((await alerts()).length, 1, 'still there');

  // Lan removes it.
  r = await post('lan', { action: 'remove-1' });
  assert.equal(r.status, 200);
  assert.match(r.body, /Đã xoá cảnh báo “Bão của Lan”\./);
  assert.equal((await alerts()).length, 0);
  r = await post('lan', { action: 'remove-1' });
  assert.equal(r.status, 404);
});

test('an admin account sees every alert and may remove any; the operator token still works and shows all', async () => {
  const mine = await post('lan', { ...SPEC, name: 'Lũ của Lan', query: 'lũ' });
  assert.equal(mine.status, 200);
  const id = (await alerts()).find((a) => a.name === 'Lũ của Lan')!.id;

  // The operator, signed out, with the token: creates an alert of nobody's account, sees all.
  let r = await post(undefined, { name: 'Của người vận hành', query: 'mưa', kind: 'emerging', value: '', action: 'create', token: TOKEN });
  assert.equal(r.status, 200);
  assert.deepEqual(rows(r.body), ['Lũ của Lan', 'Của người vận hành']);
  assert.equal((await alerts()).find((a) => a.name === 'Của người vận hành')!.owner, undefined);
  r = await post(undefined, { action: 'list', token: 'sai-khoa-sai-khoa-sai-khoa' });
  assert.equal(r.status, 401);
  assert.match(r.body, /<details class="operator" open>/);
  assert.match(r.body, /id="al-token-error">Khoá quản trị không đúng\.<\/p>/);
  assert.doesNotMatch(r.body, /<table class="alerts">/);
  r = await post(undefined, { action: 'list', token: TOKEN });
  assert.equal(r.status, 200);
  assert.deepEqual(rows(r.body), ['Lũ của Lan', 'Của người vận hành']);
  assert.equal((await alerts()).length, 2, 'listing changed nothing');

  // Lan sees her own only; the admin account sees both and removes Lan's.
  assert.deepEqual(rows((await view('lan')).body), ['Lũ của Lan']);
  const admin = await view('quantri');
  assert.deepEqual(rows(admin.body), ['Lũ của Lan', 'Của người vận hành']);
  assert.match(admin.body, /Là quản trị viên, bạn thấy, thử và xoá được mọi cảnh báo\./);
  r = await post('quantri', { action: `remove-${id}` });
  assert.equal(r.status, 200);
  assert.match(r.body, /Đã xoá cảnh báo “Lũ của Lan”\./);

  // The operator removes theirs with the token.
  const op = (await alerts()).find((a) => a.name === 'Của người vận hành')!.id;
  r = await post(undefined, { action: `remove-${op}`, token: TOKEN });
  assert.equal(r.status, 200);
  assert.equal((await alerts()).length, 0);
});

test(`an account owns at most ${MAX_ALERTS_PER_ACCOUNT} alerts: one line when it has them all`, async () => {
  for (let i = (await alerts()).filter((a) => a.owner === ids.minh).length; i < MAX_ALERTS_PER_ACCOUNT; i++) {
    w.backend.alerts!.add({ name: `Minh ${i}`, query: 'bão', kind: 'threshold', value: 5, owner: ids.minh });
  }
  const r = await post('minh', { ...SPEC, name: 'Một cái nữa' });
  assert.equal(r.status, 403);
  assert.match(r.body, /<div class="form-errors" role="alert"><p>Mỗi tài khoản có tối đa 20 cảnh báo: hãy xoá một cảnh báo cũ trước khi tạo cảnh báo mới\.<\/p>/);
  assert.match(r.body, /value="Một cái nữa"/, 'what was typed is kept');
  assert.equal((await alerts()).filter((a) => a.owner === ids.minh).length, MAX_ALERTS_PER_ACCOUNT);
  // Another account is not held by Minh's count.
  assert.equal((await post('lan', { ...SPEC, name: 'Vẫn được' })).status, 200);
});
