/**
 * The account pages in a real headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core) against the real server, without JavaScript tricks: sign up, sign out, sign in,
 * then an app's consent page (opened the way an app opens it) — allow, and the browser lands on
 * the app's redirect URI with a code that the app exchanges for a working token.
 *
 * Skipped, with a message, only when Chromium is not installed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { ROOT } from '../../src/server/test-support.ts';
import { form, pkce, startSocialServer, type SocialServer } from './support.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium không có ở ${CHROMIUM}: cài bằng "apt-get install -y chromium" (hoặc đặt CHROMIUM_PATH) để chạy các kiểm thử trình duyệt`;
const SHOTS = path.join(ROOT, 'screenshots');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server: SocialServer;
let profile: string;
let context: BrowserContext;
/** The app's redirect target: a loopback server that records the query it was given. */
let appServer: Server;
let appBase: string;
const arrived: URL[] = [];

before(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  server = await startSocialServer();
  appServer = createServer((req, res) => {
    arrived.push(new URL(req.url ?? '/', appBase));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Ứng dụng</title><p>Đã nhận mã.</p>');
  });
  await new Promise<void>((r) => appServer.listen(0, '127.0.0.1', r));
  const a = appServer.address();
  appBase = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  profile = mkdtempSync(path.join(tmpdir(), 'tra-chromium-social-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', javaScriptEnabled: false });
});

after(async () => {
  if (skip) return;
  await context?.close();
  await server?.close();
  await new Promise<void>((r) => (appServer ? appServer.close(() => r()) : r()));
  rmSync(profile, { recursive: true, force: true });
});

test('sign up, sign out, sign in, then allow an app on the consent page (no JavaScript)', { skip, timeout: 90_000 }, async () => {
  const page = await context.newPage();
  await page.goto(server.base + '/dang-ky');
  await page.getByLabel('Tên người dùng').fill('thu');
  await page.getByLabel('Tên hiển thị').fill('Thu Hà');
  await page.getByLabel('Mật khẩu', { exact: true }).fill('mat-khau-trinh-duyet-1');
  await page.getByLabel('Nhập lại mật khẩu').fill('mat-khau-trinh-duyet-1');
  await page.screenshot({ path: path.join(SHOTS, 'mxh-1-dang-ky.png') });
  await page.getByRole('button', { name: 'Đăng ký' }).click();
  await page.waitForURL(/\/cai-dat/);
  assert.match(await page.locator('h1').innerText(), /@thu/);

  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await page.waitForURL(server.base + '/');
  await page.goto(server.base + '/cai-dat');
  await page.waitForURL(/\/dang-nhap/);
  await page.getByLabel('Tên người dùng').fill('thu');
  await page.getByLabel('Mật khẩu').fill('mat-khau-trinh-duyet-1');
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForURL(/\/cai-dat/);

  // An app registers and sends the person to the consent page.
  const redirect = `${appBase}/ve`;
  const app = (await (await fetch(`${server.base}/api/v1/apps`, form({ client_name: 'Ứng dụng đọc tin', redirect_uris: redirect, scopes: 'read write' }))).json()) as { client_id: string; client_secret: string };
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: redirect, scope: 'read write', state: 'tt', code_challenge: challenge, code_challenge_method: 'S256' });
  await page.goto(`${server.base}/oauth/authorize?${q}`);
  assert.match(await page.locator('main').innerText(), /Ứng dụng đọc tin[\s\S]*@thu/);
  await page.screenshot({ path: path.join(SHOTS, 'mxh-2-cap-quyen.png'), fullPage: true });
  await page.getByRole('button', { name: 'Cho phép' }).click();
  await page.waitForURL(/\/ve\?/);
  const got = arrived.filter((u) => u.pathname === '/ve').at(-1)!;
  assert.equal(got.searchParams.get('state'), 'tt');
  const code = got.searchParams.get('code')!;
  const token = (await (await fetch(`${server.base}/oauth/token`, form({ grant_type: 'authorization_code', code, client_id: app.client_id, client_secret: app.client_secret, redirect_uri: redirect, code_verifier: verifier }))).json()) as { access_token: string };
  const me = (await (await fetch(`${server.base}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${token.access_token}` } })).json()) as { username: string; display_name: string };
  assert.equal(me.username, 'thu');
  assert.equal(me.display_name, 'Thu Hà');

  // The settings page lists the app, and revoking it ends the token.
  await page.goto(server.base + '/cai-dat');
  assert.match(await page.locator('main').innerText(), /Ứng dụng đọc tin/);
  await page.getByRole('button', { name: 'Thu hồi' }).click();
  await page.getByText('Đã thu hồi quyền của ứng dụng.').waitFor();
  const after = await fetch(`${server.base}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${token.access_token}` } });
  assert.equal(after.status, 401);
});
