/**
 * The social pages in a real headless Chromium (Debian's /usr/bin/chromium through playwright-core)
 * with JavaScript off, against the real server: sign up, compose a Vietnamese post and see it on
 * the home timeline, find and follow another local account and see their post, switch to a ranked
 * feed and open "Vì sao tôi thấy bài này?", reply from the timeline, open the thread; the followed
 * account's notifications show the follow and the reply. On every page: no console errors, no
 * failed requests, one h1, every form control labelled.
 *
 * Skipped, with a message, only when Chromium is not installed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../../src/server/test-support.ts';
import { startSocialServer, type SocialServer } from './support.ts';
import { configureFeeds } from '../../src/social/feeds/service.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium không có ở ${CHROMIUM}: cài bằng "apt-get install -y chromium" (hoặc đặt CHROMIUM_PATH) để chạy các kiểm thử trình duyệt`;
const SHOTS = path.join(ROOT, 'screenshots');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server: SocialServer;
let profile: string;
let context: BrowserContext;
const problems: string[] = [];

before(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  server = await startSocialServer();
  configureFeeds(server.social, { rising: () => [] });
  profile = mkdtempSync(path.join(tmpdir(), 'tra-chromium-social-pages-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', javaScriptEnabled: false });
});

after(async () => {
  if (skip) return;
  await context?.close();
  await server?.close();
  rmSync(profile, { recursive: true, force: true });
});

function watch(page: Page): Page {
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${String(e)}`));
  page.on('requestfailed', (r) => problems.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.url()}: ${r.status()}`);
  });
  return page;
}

/** One h1; every visible form control has a label (a <label for>, aria-label or aria-labelledby); every button has a name. */
async function accessible(page: Page, what: string): Promise<void> {
  assert.equal(await page.locator('h1').count(), 1, `${what}: one h1`);
  assert.equal(await page.locator('main').count(), 1, `${what}: one main landmark`);
  const controls = page.locator('main input:not([type="hidden"]), main textarea, main select, header.site-header input');
  for (let i = 0; i < (await controls.count()); i++) {
    const c = controls.nth(i);
    const id = await c.getAttribute('id');
    const named = (await c.getAttribute('aria-label')) || (await c.getAttribute('aria-labelledby'));
    const labelled = id ? (await page.locator(`label[for="${id}"]`).count()) > 0 : false;
    assert.ok(labelled || named, `${what}: control ${id ?? (await c.evaluate((e) => e.outerHTML).catch(() => '(no id)'))} has a label`);
  }
  const buttons = page.locator('main button');
  for (let i = 0; i < (await buttons.count()); i++) assert.ok((await buttons.nth(i).innerText()).trim().length > 0, `${what}: button ${i} has a name`);
  const ids = await page.locator('[id]').evaluateAll((els) => els.map((e) => e.id)).catch(() => undefined);
  if (ids) assert.equal(new Set(ids).size, ids.length, `${what}: ids are unique`);
}

test('sign up, post, follow, switch feed, "Vì sao tôi thấy bài này?", reply, thread, notifications — without JavaScript', { skip, timeout: 120_000 }, async () => {
  // Another local account with a post, made by the operator's tools.
  const nam = server.social.store.accounts.createLocal({ username: 'nam', passwordHash: 'x', displayName: 'Nguyễn Văn Nam' });
  const namPost = server.social.actions.post(nam.id, { text: 'Giá xăng giảm từ chiều nay, mọi người đổ xăng chưa?' });

  const page = watch(await context.newPage());
  await page.goto(server.base + '/dang-ky');
  await page.getByLabel('Tên người dùng').fill('thu');
  await page.getByLabel('Tên hiển thị').fill('Thu Hà');
  await page.getByLabel('Mật khẩu', { exact: true }).fill('mat-khau-trinh-duyet-2');
  await page.getByLabel('Nhập lại mật khẩu').fill('mat-khau-trinh-duyet-2');
  await page.getByRole('button', { name: 'Đăng ký' }).click();
  await page.waitForURL(/\/cai-dat/);

  // The header leads to the social home.
  await page.getByRole('navigation', { name: 'Điều hướng chính' }).getByRole('link', { name: 'Mạng xã hội' }).click();
  await page.waitForURL(/\/mang-xa-hoi$/);
  await accessible(page, 'home');
  await page.getByLabel('Bạn muốn chia sẻ điều gì?').fill('Sáng nay đường Nguyễn Trãi kẹt xe cả tiếng đồng hồ');
  await page.getByRole('radio', { name: 'Không liệt kê' }).check();
  await page.screenshot({ path: path.join(SHOTS, 'mxh-3-trang-chu.png'), fullPage: true });
  await page.getByRole('button', { name: 'Đăng bài' }).click();
  await page.waitForURL(/da=dang-bai/);
  await page.getByText('Đã đăng bài.').waitFor();
  const first = page.locator('ol.posts > li').first();
  assert.match(await first.innerText(), /Không liệt kê[\s\S]*Nguyễn Trãi kẹt xe/);

  // Find Nam through post search, follow him from his profile, see his post at home.
  await page.getByRole('navigation', { name: 'Mạng xã hội' }).getByRole('link', { name: 'Tìm bài viết' }).click();
  await accessible(page, 'search');
  await page.getByLabel('Tìm trong bài viết').fill('gia xang giam');
  await page.getByRole('button', { name: 'Tìm bài viết' }).click();
  await page.waitForURL(/tim-kiem\?q=gia/);
  assert.match(await page.locator('main').innerText(), /Giá xăng giảm từ chiều nay/);
  await page.locator('main ol.posts').getByRole('link', { name: 'Nguyễn Văn Nam' }).click();
  await page.waitForURL(/\/@nam$/);
  await accessible(page, 'profile');
  await page.getByRole('button', { name: 'Theo dõi' }).click();
  await page.getByText('Bạn đang theo dõi @nam.').waitFor();
  await page.getByRole('link', { name: 'Người theo dõi (1)' }).click();
  await accessible(page, 'followers');
  assert.match(await page.locator('main ul.people').innerText(), /Thu Hà/);
  await page.getByRole('navigation', { name: 'Mạng xã hội' }).getByRole('link', { name: 'Trang chủ' }).click();
  assert.match(await page.locator('main ol.posts').innerText(), /Giá xăng giảm/);

  // Switch to a ranked feed and ask why a post is there.
  await page.getByRole('navigation', { name: 'Chọn bảng tin' }).getByRole('link', { name: 'Tin từ nguồn tôi theo dõi' }).click();
  await page.waitForURL(/bang-tin=nguon-toi-theo-doi/);
  await accessible(page, 'ranked home');
  assert.equal(await page.getByRole('heading', { level: 2, name: 'Tin từ nguồn tôi theo dõi' }).count(), 1);
  await page.screenshot({ path: path.join(SHOTS, 'mxh-4-bang-tin-xep-hang.png'), fullPage: true });
  await page.getByRole('link', { name: 'Vì sao tôi thấy bài này?' }).first().click();
  await page.waitForURL(/\/vi-sao\//);
  await accessible(page, 'why');
  const why = await page.locator('main').innerText();
  assert.match(why, /Bạn theo dõi @nam\./);
  assert.match(why, /Tổng/);
  await page.goBack();

  // Reply from the timeline: the post's "Trả lời" opens its thread at the reply form.
  await page.locator(`#bai-${namPost.id}`).getByRole('link', { name: 'Trả lời' }).click();
  await page.waitForURL(new RegExp(`/@nam/${namPost.id}#tra-loi$`));
  await accessible(page, 'thread');
  const box = page.getByRole('textbox', { name: 'Trả lời' });
  assert.equal(await box.inputValue(), '@nam ');
  await box.fill('@nam Mình vừa đổ, rẻ hơn hôm qua gần một nghìn đồng');
  await page.getByRole('button', { name: 'Gửi trả lời' }).click();
  await page.waitForURL(new RegExp(`/@nam/${namPost.id}#bai-\\d+$`));
  const replies = await page.locator('main section', { has: page.getByRole('heading', { name: /Các trả lời/ }) }).innerText();
  assert.match(replies, /Các trả lời \(1\)[\s\S]*Thu Hà[\s\S]*rẻ hơn hôm qua/);
  await page.screenshot({ path: path.join(SHOTS, 'mxh-5-chuoi-tra-loi.png'), fullPage: true });

  // Open the reply's own thread: the question is above it.
  await page.locator('main section ol.thread article').first().locator('.post-meta a').first().click();
  await page.waitForURL(/\/@thu\/\d+$/);
  await accessible(page, 'reply thread');
  assert.match(await page.locator('main').innerText(), /Trong cuộc trò chuyện[\s\S]*Giá xăng giảm[\s\S]*rẻ hơn hôm qua/);

  // Nam signs in elsewhere: his notifications show the follow and the reply.
  const session = server.social.store.sessions.create(nam.id);
  await context.clearCookies();
  await context.addCookies([{ name: 'tra_phien', value: session.id, url: server.base }]);
  await page.goto(server.base + '/thong-bao');
  await accessible(page, 'notifications');
  const notes = await page.locator('main').innerText();
  assert.match(notes, /Thu Hà @thu đã nhắc đến bạn/);
  assert.match(notes, /Thu Hà @thu đã theo dõi bạn/);
  await page.screenshot({ path: path.join(SHOTS, 'mxh-6-thong-bao.png'), fullPage: true });
  await page.close();
  assert.deepEqual(problems, []);
});

test('with JavaScript on, the compose form counts as the server does while typing (links 23), with no console errors', { skip, timeout: 60_000 }, async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const ctx = await browser.newContext({ locale: 'vi-VN', javaScriptEnabled: true });
    const who = server.social.store.accounts.createLocal({ username: 'js', passwordHash: 'x' });
    await ctx.addCookies([{ name: 'tra_phien', value: server.social.store.sessions.create(who.id).id, url: server.base }]);
    const page = watch(await ctx.newPage());
    await page.goto(server.base + '/mang-xa-hoi');
    const box = page.getByLabel('Bạn muốn chia sẻ điều gì?');
    await box.fill('Đọc bài này: https://vnexpress.net/' + 'x'.repeat(80));
    const out = page.locator('output[for="soan-noi-dung"]');
    await out.waitFor();
    assert.equal(await out.innerText(), `${'Đọc bài này: '.length + 23}/500 ký tự`);
    await box.fill('ơ'.repeat(501));
    assert.equal(await out.innerText(), '501/500 ký tự');
    assert.equal(await out.getAttribute('class'), 'over');
    await page.close();
    await ctx.close();
  } finally {
    await browser.close();
  }
  assert.deepEqual(problems, []);
});
