/**
 * The HTML pages against the real server: server-rendered, escaped, usable without JavaScript.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './test-support.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

async function page(p: string, status = 200): Promise<string> {
  const r = await s.get(p, { headers: { accept: 'text/html' } });
  assert.equal(r.status, status, p);
  assert.match(r.headers.get('content-type')!, /^text\/html; charset=utf-8/);
  assert.match(r.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const body = await r.text();
  assert.match(body, /^<!doctype html>\n<html lang="vi">/);
  assert.match(body, /<main id="noi-dung"/);
  return body;
}

test('home page: a labelled GET search form', async () => {
  const body = await page('/');
  assert.match(body, /<form class="searchbox" role="search" action="\/tim-kiem" method="get">/);
  assert.match(body, /<label for="q-home"[^>]*>Từ khoá tìm kiếm<\/label>/);
  assert.match(body, /21 bài từ <a href="\/nguon">3 nguồn tin<\/a>/);
});

test('results: accentless query, highlighted accented words, did-you-mean, filters and sort', async () => {
  const body = await page('/tim-kiem?q=chuyen+doi+so');
  assert.match(body, /<a href="\/bai\/mau-003"><mark>Chuyển đổi số<\/mark> trong giáo dục/);
  assert.match(body, /Có phải bạn muốn tìm: <a href="\/tim-kiem\?q=chuy%E1%BB%83n\+%C4%91%E1%BB%95i\+s%E1%BB%91"[^>]*>chuyển đổi số<\/a>/);
  assert.match(body, /<input type="date" id="f-from" name="from" value="">/);
  assert.match(body, /<input type="checkbox" id="source-\d" name="source" value="Báo Mẫu">/);
  assert.match(body, /<select id="f-sort" name="sort">/);
  assert.match(body, /trong  ?\d+ bài/);
  assert.doesNotMatch(body, /khoảng \d+ bài/, "the total is exact, not an estimate");
});

test('results: a source filter is applied and stays checked', async () => {
  const body = await page(`/tim-kiem?q=${encodeURIComponent('Hà Nội')}&source=${encodeURIComponent('Tin Nhanh')}`);
  assert.match(body, /name="source" value="Tin Nhanh" checked>/);
  assert.match(body, /name="source" value="Báo Mẫu">/, 'the other sources stay available to add');
  const sources = [...body.matchAll(/<p class="meta"><a href="\/nguon\/([^"]+)">/g)].map((m) => decodeURIComponent(m[1]));
  assert.ok(sources.length > 0);
  for (const src of sources) assert.equal(src, 'Tin Nhanh');
});

test('results: pagination keeps the query, filters and sort', async () => {
  const small = await startTestServer({ pageSize: 2 }, s.dir);
  try {
    const q = `/tim-kiem?q=${encodeURIComponent('Hà Nội')}&source=${encodeURIComponent('Tin Nhanh')}&sort=date`;
    const first = await (await small.get(q)).text();
    const next = first.match(/<a href="([^"]+)" rel="next">Trang sau ›<\/a>/);
    assert.ok(next, 'a next-page link');
    const href = next[1].replace(/&amp;/g, '&');
    assert.equal(href, '/tim-kiem?q=H%C3%A0+N%E1%BB%99i&source=Tin+Nhanh&sort=date&page=2');
    const second = await (await small.get(href)).text();
    assert.match(second, /<span aria-current="page">2<\/span>/);
    const dates = [...first.matchAll(/<time datetime="([^"]+)"/g), ...second.matchAll(/<time datetime="([^"]+)"/g)].map((m) => Date.parse(m[1]));
    assert.equal(dates.length, 3, "the three Tin Nhanh articles about Hà Nội over two pages");
    assert.deepEqual(dates, [...dates].sort((x, y) => y - x));
  } finally {
    await small.close();
  }
});

test('every stored field is escaped; a javascript: URL never becomes a link', async () => {
  const results = await page('/tim-kiem?q=chung+khoan');
  assert.ok(!results.includes('<script>alert'), 'no live script from the title');
  assert.ok(!results.includes('<img src=x'), 'no live markup from the summary');
  assert.ok(!results.includes('javascript:'), 'no javascript: link');
  assert.match(results, /&lt;script&gt;alert\(&quot;tiêu đề&quot;\)&lt;\/script&gt;/);
  const article = await page('/bai/doc-xss');
  assert.ok(!article.includes('<script>alert') && !article.includes('javascript:') && !article.includes('<b>thẻ'));
  assert.match(article, /<p>Dòng hai có &lt;b&gt;thẻ&lt;\/b&gt;.<\/p>/);
  const source = await page(`/nguon/${encodeURIComponent('Nguồn <i>Lạ</i>')}`);
  assert.match(source, /<h1>Nguồn &lt;i&gt;Lạ&lt;\/i&gt;<\/h1>/);
});

test('article page shows the stored document; a missing one is a Vietnamese 404', async () => {
  const body = await page('/bai/mau-001');
  assert.match(body, /<h1 id="article-title">Hà Nội khởi công tuyến đường sắt đô thị mới<\/h1>/);
  assert.match(body, /<a href="https:\/\/tin-mau.example\/mau-001" rel="noopener nofollow">Đọc bài gốc<\/a>/);
  assert.match(body, /<h2 id="versions-title">Các phiên bản \(2\)<\/h2>/);
  assert.match(body, /Hà Nội khởi công tuyến đường sắt <ins>đô thị <\/ins>mới/);
  assert.match(body, /dài <del>36<\/del><ins>38<\/ins> km/);
  const single = await page('/bai/mau-002');
  assert.match(single, /Chỉ có một phiên bản/);
  const missing = await page('/bai/khong-co', 404);
  assert.match(missing, /Không tìm thấy bài/);
});

test('trends page: table for readers without JavaScript, data for the chart, downloads', async () => {
  const body = await page(`/xu-huong?q=${encodeURIComponent('Hà Nội')}&q=${encodeURIComponent('giá')}&interval=month`);
  assert.match(body, /<script type="application\/json" id="trends-data">\{"interval":"month","queries":\["Hà Nội","giá"\]/);
  assert.match(body, /<th scope="col" class="num">Hà Nội<\/th><th scope="col" class="num">giá<\/th>/);
  assert.match(body, /href="\/api\/trends\/compare\?q=H%C3%A0\+N%E1%BB%99i&amp;q=gi%C3%A1&amp;interval=month&amp;format=csv&amp;download=true"/);
  assert.match(body, /<script src="\/static\/uplot.min.js" defer><\/script>/);
  const uplot = await s.get('/static/uplot.min.js');
  assert.equal(uplot.status, 200);
  assert.match(await uplot.text(), /uPlot/);
});

test('source pages list outlets and their latest articles, newest first', async () => {
  const list = await page('/nguon');
  assert.match(list, /<a href="\/nguon\/B%C3%A1o%20M%E1%BA%ABu">Báo Mẫu<\/a> <span class="note">10 bài<\/span>/);
  const one = await page(`/nguon/${encodeURIComponent('Báo Mẫu')}`);
  const ids = [...one.matchAll(/<h3><a href="\/bai\/([^"]+)">/g)].map((m) => m[1]);
  assert.equal(ids.length, 10);
  assert.equal(ids[0], 'mau-019');
  await page('/nguon/Kh%C3%B4ng%20c%C3%B3', 404);
});

test('observatory page: the emerging issues of a day, with a date picker', async () => {
  let body = await page('/quan-sat');
  for (let i = 0; body.includes('đang đếm') && i < 100; i++) {
    await new Promise((ok) => setTimeout(ok, 100));
    body = await page('/quan-sat');
  }
  assert.match(body, /<h2 id="em-title">Vấn đề nổi lên ngày 2026-01-01<\/h2>/);
  assert.match(body, /<input id="o-date" name="date" type="date" value="2026-01-01" min="2025-09-02" max="2026-01-01">/);
  assert.match(body, /<a href="\/quan-sat\?date=2025-12-31">‹ ngày trước<\/a>/);
  const other = await page('/quan-sat?date=2025-12-01');
  assert.match(other, /Vấn đề nổi lên ngày 2025-12-01/);
});

test('bad page input is a Vietnamese 400 page; an empty query goes home', async () => {
  const bad = await page('/tim-kiem?q=a&from=hôm-qua', 400);
  assert.match(bad, /Yêu cầu không hợp lệ/);
  const swapped = await page('/tim-kiem?q=a&from=2025-12-01&to=2025-01-01', 400);
  assert.match(swapped, /hãy đổi chỗ hai ngày/);
  const r = await s.get('/tim-kiem?q=+', { redirect: 'manual' });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), '/');
  const nf = await page('/khong-co-trang-nay', 404);
  assert.match(nf, /Không tìm thấy trang/);
});

test('the query syntax help page is linked from the search box and explains every operator', async () => {
  const home = await page('/');
  assert.match(home, /href="\/tro-giup\/tim-kiem"/);
  const help = await page('/tro-giup/tim-kiem');
  for (const op of ['ngoặc kép', '-USD', 'chuyển đ*', 'OR', '+giá', 'câu hỏi']) assert.ok(help.includes(op), op);
  const warn = await page('/tim-kiem?q=' + encodeURIComponent('"giá vàng'));
  assert.match(warn, /Thiếu dấu ngoặc kép đóng/);
});
