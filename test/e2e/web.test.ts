/**
 * End-to-end in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
 * against the real server: type a query without accents, see accented words highlighted, filter,
 * open an article with its versions, draw a trends chart. Screenshots go to screenshots/
 * (git-ignored) for a person to look at.
 *
 * Skipped, with a message, only when Chromium is not installed; CI installs it (.ci/run).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, ROOT, type TestServer } from '../../src/server/test-support.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium không có ở ${CHROMIUM}: cài bằng "apt-get install -y chromium" (hoặc đặt CHROMIUM_PATH) để chạy các kiểm thử trình duyệt`;
const SHOTS = path.join(ROOT, 'screenshots');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The operator's token of the test server (the alerts form asks for it). */
const ADMIN_TOKEN = 'khoa-trinh-duyet-0123456789abcdef';
let server: TestServer;
let profile: string;
let context: BrowserContext;
const consoleErrors: string[] = [];

/** A tab whose script errors are collected; `expect400` for tabs that open pages answering 400 or 401 on purpose (a bad date, a wrong token). */
async function newPage(viewport = { width: 1280, height: 900 }, expect400 = false): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expect400 && /status of (400 \(Bad Request\)|401 \(Unauthorized\))/.test(m.text())) return;
    consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return page;
}

before(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  server = await startTestServer({ adminToken: ADMIN_TOKEN });
  profile = mkdtempSync(path.join(tmpdir(), 'tra-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
});

after(async () => {
  if (skip) return;
  await context?.close();
  await server?.close();
  rmSync(profile, { recursive: true, force: true });
});

test('type without accents, see suggestions and highlighted accented results', { skip, timeout: 60_000 }, async () => {
  const page = await newPage();
  await page.goto(server.base + '/');
  const box = page.getByRole('combobox', { name: 'Từ khoá tìm kiếm' });
  await box.pressSequentially('chuyen doi', { delay: 40 });
  await page.getByRole('option', { name: 'chuyển đổi số', exact: true }).waitFor();
  assert.equal(await box.getAttribute('aria-expanded'), 'true');
  await page.screenshot({ path: path.join(SHOTS, '1-goi-y.png') });
  await box.pressSequentially(' so', { delay: 20 });
  await box.press('Enter');
  await page.waitForURL(/\/tim-kiem\?q=chuyen\+doi\+so/);
  const marks = await page.locator('.hit').first().locator('mark').allTextContents();
  assert.ok(marks.some((m) => m === 'Chuyển đổi số' || m === 'chuyển đổi số'), JSON.stringify(marks));
  assert.match(await page.locator('.didyoumean').innerText(), /chuyển đổi số/);
  await page.screenshot({ path: path.join(SHOTS, '2-ket-qua.png'), fullPage: true });
});

test('filter by source and date from the sidebar form', { skip, timeout: 60_000 }, async () => {
  const page = await newPage();
  await page.goto(server.base + '/tim-kiem?q=ha+noi');
  const before = await page.locator('.hit').count();
  await page.getByLabel('Tin Nhanh').check();
  await page.getByLabel('Từ ngày').fill('2025-10-01');
  await page.getByRole('button', { name: 'Lọc kết quả' }).click();
  await page.waitForURL(/source=Tin\+Nhanh/);
  const sources = await page.locator('.hit .meta a[href^="/nguon/"]').allTextContents();
  assert.ok(sources.length > 0 && sources.length < before, `${sources.length} of ${before}`);
  for (const s of sources) assert.equal(s, 'Tin Nhanh');
  for (const d of await page.locator('.hit time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime') ?? ''))) assert.ok(d >= '2025-10-01', d);
  assert.ok(await page.getByLabel('Tin Nhanh').isChecked());
  await page.screenshot({ path: path.join(SHOTS, '3-loc.png'), fullPage: true });
});

test('open an article and see its archived versions with the edits marked', { skip, timeout: 60_000 }, async () => {
  const page = await newPage();
  await page.goto(server.base + '/tim-kiem?q=ha+noi+khoi+cong');
  await page.locator('.hit h2 a').first().click();
  await page.waitForURL(/\/bai\/mau-001$/);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Hà Nội khởi công tuyến đường sắt đô thị mới');
  assert.match(await page.locator('#versions-title').innerText(), /Các phiên bản \(2\)/);
  assert.equal((await page.locator('.diff ins').first().innerText()).trim(), 'đô thị');
  await page.screenshot({ path: path.join(SHOTS, '4-bai-viet.png'), fullPage: true });
});

test('draw a trends chart for two queries side by side', { skip, timeout: 60_000 }, async () => {
  const page = await newPage();
  await page.goto(server.base + '/xu-huong');
  await page.getByLabel('Từ khoá 1').fill('Hà Nội');
  await page.getByLabel('Từ khoá 2').fill('giá');
  await page.getByLabel('Mỗi cột').selectOption('month');
  await page.getByRole('button', { name: 'Vẽ biểu đồ' }).click();
  await page.waitForURL(/\/xu-huong\?/);
  const canvas = page.locator('#trends-chart canvas');
  await canvas.waitFor();
  const box = await canvas.boundingBox();
  assert.ok(box && box.width > 200 && box.height > 150, JSON.stringify(box));
  const legend = await page.locator('#trends-chart .u-legend').innerText();
  assert.match(legend, /Hà Nội/);
  assert.match(legend, /giá/);
  // The chart has pixels drawn, not just an empty canvas.
  // (Browser-side code as a string: this project type-checks against Node's types, not the DOM's.)
  const inked = (await page.evaluate(`(() => {
    const c = document.querySelector('#trends-chart canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  })()`)) as number;
  assert.ok(inked > 500, `${inked} drawn pixels`);
  await page.screenshot({ path: path.join(SHOTS, '5-xu-huong.png'), fullPage: true });
});

test('everything works with JavaScript turned off: search, filter, article, trends table', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-chromium-nojs-'));
  const nojs = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: FLAGS, javaScriptEnabled: false });
  try {
    const page = await nojs.newPage();
    await page.goto(server.base + '/');
    await page.getByRole('searchbox', { name: 'Từ khoá tìm kiếm' }).fill('ha noi');
    await page.getByRole('button', { name: 'Tìm' }).click();
    await page.waitForURL(/\/tim-kiem\?q=ha\+noi/);
    assert.ok((await page.locator('.hit mark').count()) > 0);
    await page.getByLabel('Báo Mẫu').check();
    await page.getByRole('button', { name: 'Lọc kết quả' }).click();
    await page.waitForURL(/source=B/);
    for (const s of await page.locator('.hit .meta a[href^="/nguon/"]').allTextContents()) assert.equal(s, 'Báo Mẫu');
    await page.locator('.hit h2 a').first().click();
    await page.waitForURL(/\/bai\//);
    await page.goto(server.base + '/xu-huong?q=H%C3%A0+N%E1%BB%99i&interval=month');
    assert.ok(await page.locator('table tbody tr').first().isVisible(), 'the table is open without JavaScript');
    assert.ok((await page.locator('table tbody tr').count()) >= 4);
    assert.ok(!(await page.locator('#trends-figure').isVisible()), 'no empty chart box');
    await page.screenshot({ path: path.join(SHOTS, '8-khong-javascript.png'), fullPage: true });
  } finally {
    await nojs.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The checkbox and its label sit on one line, side by side, and a click on the label toggles it. */
async function checkboxBesideLabel(page: Page, label: string): Promise<void> {
  const box = page.getByRole('checkbox', { name: label });
  const cb = await box.boundingBox();
  const lb = await page.locator('label', { hasText: label }).boundingBox();
  assert.ok(cb && lb, 'both drawn');
  const cbMid = cb.y + cb.height / 2;
  assert.ok(cbMid > lb.y && cbMid < lb.y + lb.height, `same line: checkbox ${JSON.stringify(cb)} label ${JSON.stringify(lb)}`);
  const gap = lb.x - (cb.x + cb.width);
  assert.ok(gap >= 0 && gap < 16, `label right after the checkbox (${gap}px apart)`);
  assert.ok(cb.width < 40, `the checkbox is not stretched (${cb.width}px)`);
  const before = await box.isChecked();
  await page.locator('label', { hasText: label }).click();
  assert.equal(await box.isChecked(), !before, 'the label toggles it');
}

test('trends form: eight query boxes, the share checkbox beside its label on desktop and phone; downloads follow it', { skip, timeout: 60_000 }, async () => {
  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const page = await newPage(viewport);
    await page.goto(server.base + '/xu-huong');
    for (let i = 1; i <= 8; i++) assert.ok(await page.getByLabel(`Từ khoá ${i}`, { exact: true }).isVisible(), `box ${i}`);
    await checkboxBesideLabel(page, 'Tỉ lệ trên tổng số bài');
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    assert.ok(overflow <= 0, `${overflow}px of horizontal overflow at ${viewport.width}px`);
    await page.screenshot({ path: path.join(SHOTS, `9-xu-huong-form-${viewport.width}.png`), fullPage: true });
    await page.close();
  }
  const page = await newPage();
  await page.goto(server.base + '/xu-huong');
  await page.getByLabel('Từ khoá 1', { exact: true }).fill('giá');
  await page.getByLabel('Mỗi cột').selectOption('month');
  await page.getByLabel('Tỉ lệ trên tổng số bài').check();
  await page.getByRole('button', { name: 'Vẽ biểu đồ' }).click();
  await page.waitForURL(/norm=1/);
  assert.ok(await page.getByLabel('Tỉ lệ trên tổng số bài').isChecked(), 'still checked after drawing');
  for (const name of ['CSV', 'JSON']) assert.match((await page.getByRole('link', { name, exact: true }).getAttribute('href')) ?? '', /^\/xu-huong\/tai-ve\?.*norm=1/);
  // The table's dates in the Vietnamese style, as everywhere on the site.
  const rows = await page.locator('#trends-table tbody th').allTextContents();
  assert.ok(rows.length > 0);
  for (const r of rows) assert.match(r, /^tháng \d{1,2}\/\d{4}$/);
});

test('a bad or inverted date on the results page is shown beside its box, and fixing it searches', { skip, timeout: 60_000 }, async () => {
  const page = await newPage(undefined, true);
  const res = await page.goto(server.base + '/tim-kiem?q=gia+vang&from=2025-13-45');
  assert.equal(res?.status(), 400);
  const from = page.getByLabel('Từ ngày');
  assert.equal(await from.getAttribute('aria-invalid'), 'true');
  const error = page.locator('#f-from-error');
  assert.ok(await error.isVisible());
  assert.match(await error.innerText(), /"Từ ngày" phải là một ngày có thật/);
  // Right under its box, inside the filters.
  const fb = (await from.boundingBox())!;
  const eb = (await error.boundingBox())!;
  assert.ok(eb.y >= fb.y + fb.height - 1 && eb.y - (fb.y + fb.height) < 24, `${JSON.stringify(fb)} ${JSON.stringify(eb)}`);
  assert.equal(await page.locator('.hit').count(), 0);
  await page.screenshot({ path: path.join(SHOTS, '10-ngay-sai.png'), fullPage: true });
  await from.fill('2025-12-01');
  await page.getByLabel('Đến ngày').fill('2025-09-01');
  await page.getByRole('button', { name: 'Lọc kết quả' }).click();
  await page.waitForURL(/to=2025-09-01/);
  assert.match(await page.locator('#f-from-error').innerText(), /hãy đổi chỗ hai ngày/);
  await page.getByLabel('Từ ngày').fill('2025-09-01');
  await page.getByLabel('Đến ngày').fill('2025-12-31');
  await page.getByRole('button', { name: 'Lọc kết quả' }).click();
  await page.waitForURL(/to=2025-12-31/);
  assert.ok((await page.locator('.hit').count()) > 0);
  assert.equal(await page.locator('.field-error').count(), 0);
  // With no query at all the bad date is said too, instead of a silent trip home.
  await page.goto(server.base + '/tim-kiem?from=2025-13-45');
  assert.ok(await page.locator('#f-from-error').isVisible());
});

test('a source page: articles per week, then a month and a day through the navigator, on desktop and phone', { skip, timeout: 60_000 }, async () => {
  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const page = await newPage(viewport, true);
    await page.goto(server.base + '/nguon');
    await page.getByRole('link', { name: 'Báo Mẫu' }).click();
    await page.waitForURL(/\/nguon\/B/);
    const chart = page.getByRole('img', { name: /Số bài mỗi tuần/ });
    const cb = await chart.boundingBox();
    assert.ok(cb && cb.width > 200 && cb.height > 50, JSON.stringify(cb));
    assert.ok((await page.locator('svg.bars rect').count()) > 10);
    await page.getByRole('link', { name: 'tháng 11/2025' }).click();
    await page.waitForURL(/month=2025-11/);
    assert.equal(await page.getByRole('heading', { level: 2, name: 'Bài tháng 11/2025' }).count(), 1);
    const inMonth = await page.locator('.hit time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime') ?? ''));
    assert.ok(inMonth.length > 0);
    for (const d of inMonth) assert.ok(d.startsWith('2025-11'), d);
    // A day of the calendar: its articles only.
    const day = page.locator('table.calendar a[href*="date="]').first();
    const href = (await day.getAttribute('href'))!;
    const date = /date=(\d{4}-\d{2}-\d{2})/.exec(href)![1];
    await day.click();
    await page.waitForURL(new RegExp(`date=${date}`));
    const times = await page.locator('.hit time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime') ?? ''));
    assert.ok(times.length > 0);
    for (const t of times) assert.ok(t.startsWith(date), `${t} on ${date}`);
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    assert.ok(overflow <= 0, `${overflow}px of horizontal overflow at ${viewport.width}px`);
    await page.screenshot({ path: path.join(SHOTS, `11-nguon-${viewport.width}.png`), fullPage: true });
    // The date box goes to any day; a mistyped one is said beside it.
    await page.goto(server.base + '/nguon/' + encodeURIComponent('Báo Mẫu') + '?date=2025-02-30');
    assert.equal(await page.getByLabel('Xem bài ngày').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#s-date-error').innerText(), /"Ngày" phải là một ngày có thật/);
    await page.getByLabel('Xem bài ngày').fill('2025-09-02');
    await page.getByRole('button', { name: 'Xem', exact: true }).click();
    await page.waitForURL(/date=2025-09-02/);
    assert.equal(await page.locator('.hit').count(), 1);
    await page.close();
  }
});

test('home page: the observatory\'s last day (or one sentence saying it is not ready) and the newest articles', { skip, timeout: 60_000 }, async () => {
  const page = await newPage();
  await page.goto(server.base + '/');
  const stories = page.locator('section.home-stories');
  assert.ok(await stories.getByRole('heading', { name: 'Đang nổi lên' }).isVisible());
  const text = await stories.innerText();
  assert.ok(/Đài quan sát đang (đếm|tính)/.test(text) || /Ngày \d{1,2}\/\d{1,2}\/\d{4}/.test(text), text);
  const latest = page.locator('ul.latest li');
  assert.equal(await latest.count(), 8);
  const times = await page.locator('ul.latest time').evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute('datetime') ?? '')));
  assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
  assert.ok(await page.getByRole('link', { name: 'Cách gõ truy vấn' }).isVisible());
  await page.screenshot({ path: path.join(SHOTS, '12-trang-chu.png'), fullPage: true });
  await latest.first().getByRole('link').first().click();
  await page.waitForURL(/\/bai\//);
});

test('observatory: a forecast chart for a subject; an alert created, tried and removed from the page with the token', { skip, timeout: 90_000 }, async () => {
  const page = await newPage(undefined, true);
  // The observatory's counts are made on a worker when the server starts.
  for (let i = 0; i < 100; i++) {
    if ((await server.get('/api/emerging')).status === 200) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  await page.goto(server.base + '/quan-sat');
  await page.getByLabel('Chủ đề', { exact: true }).fill('Hà Nội');
  await page.getByRole('button', { name: 'Dự báo' }).click();
  await page.waitForURL(/\/quan-sat\?q=/);
  await page.locator('#trends-chart canvas').waitFor();
  assert.match(await page.locator('#trends-chart .u-legend').innerText(), /Khoảng 95%/);
  assert.equal(await page.locator('table.forecast tr.future').count(), 7);
  assert.ok((await page.locator('ul.terms li').count()) > 0, 'key terms');
  assert.ok((await page.locator('table.by-source tbody tr').count()) > 0, 'sources');
  await page.screenshot({ path: path.join(SHOTS, '13-quan-sat-du-bao.png'), fullPage: true });

  // A wrong token: refused beside the token box, nothing saved.
  await page.getByLabel('Khoá quản trị').fill('khong-phai-khoa-nay-dau');
  await page.getByLabel('Tên', { exact: true }).fill('Giá vàng');
  await page.getByLabel('Truy vấn', { exact: true }).fill('giá vàng');
  await page.getByLabel(/^Ngưỡng/).fill('1');
  await page.getByRole('button', { name: 'Tạo cảnh báo' }).click();
  assert.equal(await page.locator('#al-token-error').innerText(), 'Khoá quản trị không đúng.');
  assert.equal(await page.getByLabel('Khoá quản trị').inputValue(), '', 'the token is not shown back');
  assert.equal(await page.getByLabel('Tên', { exact: true }).inputValue(), 'Giá vàng', 'what was typed is kept');
  // The right token: created and listed.
  await page.getByLabel('Khoá quản trị').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Tạo cảnh báo' }).click();
  assert.match(await page.locator('.notice').innerText(), /Đã tạo cảnh báo “Giá vàng”/);
  const row = page.locator('table.alerts tbody tr', { hasText: 'Giá vàng' });
  assert.equal(await row.count(), 1);
  // Tried: what it would have fired over the data already there.
  await page.getByLabel('Khoá quản trị').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Thử cảnh báo Giá vàng' }).click();
  const notice = await page.locator('.notice').innerText();
  assert.match(notice, /Đã xét cảnh báo “Giá vàng”/);
  assert.match(notice, /tìm lại trong dữ liệu cũ, không gửi đi/);
  await page.screenshot({ path: path.join(SHOTS, '14-canh-bao.png'), fullPage: true });
  // Removed.
  await page.getByLabel('Khoá quản trị').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Xoá cảnh báo Giá vàng' }).click();
  assert.match(await page.locator('.notice').innerText(), /Đã xoá cảnh báo “Giá vàng”/);
  assert.equal(await page.locator('table.alerts tbody tr', { hasText: 'Giá vàng' }).count(), 0);
  const left = (await (await server.get('/api/alerts')).json()) as { alerts: unknown[] };
  assert.equal(left.alerts.length, 0);
});

test('narrow phone screen: one column, no horizontal scrolling; no script errors anywhere', { skip, timeout: 60_000 }, async () => {
  const page = await newPage({ width: 390, height: 844 });
  await page.goto(server.base + '/tim-kiem?q=gia+vang');
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
  assert.ok(overflow <= 0, `${overflow}px of horizontal overflow`);
  await page.screenshot({ path: path.join(SHOTS, '6-dien-thoai.png'), fullPage: true });
  await page.goto(server.base + '/');
  await page.screenshot({ path: path.join(SHOTS, '7-trang-chu-dien-thoai.png') });
  assert.deepEqual(consoleErrors, []);
});
