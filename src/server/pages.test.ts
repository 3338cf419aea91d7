/**
 * The HTML pages against the real server: server-rendered, escaped, usable without JavaScript.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './test-support.ts';
import { buildServer } from './app.ts';
import { SourceCatalog, type CatalogDoc } from './source-catalog.ts';
import type { Backend } from './backend.ts';

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
  assert.match(body, /href="\/xu-huong\/tai-ve\?q=H%C3%A0\+N%E1%BB%99i&amp;q=gi%C3%A1&amp;interval=month&amp;format=csv"/);
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
  assert.match(body, /<h2 id="em-title">Vấn đề nổi lên ngày <time datetime="2026-01-01">1\/1\/2026<\/time><\/h2>/);
  assert.match(body, /<input id="o-date" name="date" type="date" value="2026-01-01" min="2025-09-02" max="2026-01-01">/);
  assert.match(body, /<a href="\/quan-sat\?date=2025-12-31">‹ ngày trước<\/a>/);
  const other = await page('/quan-sat?date=2025-12-01');
  assert.match(other, /Vấn đề nổi lên ngày <time datetime="2025-12-01">1\/12\/2025<\/time>/);
});

test('a bad date on the results page is said beside its box in the filters (400), not on an error page', async () => {
  const bad = await page('/tim-kiem?q=a&from=hôm-qua', 400);
  assert.doesNotMatch(bad, /Yêu cầu không hợp lệ/, 'the form stays, not a whole error page');
  assert.match(bad, /<input type="date" id="f-from" name="from" value="hôm-qua" aria-invalid="true" aria-describedby="f-from-error">\n<p class="field-error" id="f-from-error">&quot;Từ ngày&quot; phải là một ngày có thật/);
  assert.match(bad, /<input type="hidden" name="q" value="a">/, 'the query is kept');
  // Without a query the bad date is no longer dropped by a silent redirect home.
  const alone = await page('/tim-kiem?from=2025-13-45', 400);
  assert.match(alone, /id="f-from-error">&quot;Từ ngày&quot; phải là một ngày có thật dạng YYYY-MM-DD \(ví dụ 2025-09-02\), không phải &quot;2025-13-45&quot;/);
  assert.match(alone, /<input type="search" id="f-q" name="q"/);
  const swapped = await page('/tim-kiem?q=a&from=2025-12-01&to=2025-01-01', 400);
  assert.match(swapped, /id="f-from" name="from" value="2025-12-01" aria-invalid="true"/);
  assert.match(swapped, /<p class="field-error" id="f-from-error">[^<]*hãy đổi chỗ hai ngày/);
  assert.match(swapped, /<div class="form-errors" role="alert"><p>[^<]*hãy đổi chỗ hai ngày\.<\/p><\/div>/);
  const far = await page('/tim-kiem?q=a&to=1980-01-01', 400);
  assert.match(far, /id="f-to" name="to" value="1980-01-01" aria-invalid="true"/);
  const fine = await page('/tim-kiem?q=a&from=2025-09-01&to=2025-12-31');
  assert.doesNotMatch(fine, /aria-invalid/);
});

test('an empty query goes home; unknown pages are a Vietnamese 404', async () => {
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

test('trends page: eight query boxes, the share checkbox inside its field with its label', async () => {
  const body = await page('/xu-huong');
  for (let i = 1; i <= 8; i++) assert.match(body, new RegExp(`<label for="tq-${i - 1}">Từ khoá ${i}</label>`));
  assert.doesNotMatch(body, /Từ khoá 9/);
  assert.match(body, /<div class="field check"><input id="t-norm" name="norm" type="checkbox" value="1"><label for="t-norm">Tỉ lệ trên tổng số bài<\/label><\/div>/);
});

test('trends page: dates in one Vietnamese style (d/m/yyyy), ISO only in datetime attributes', async () => {
  const day = await page(`/xu-huong?q=${encodeURIComponent('giá')}&from=2025-09-01&to=2025-09-03`);
  assert.match(day, /<th scope="row"><time datetime="2025-09-02">2\/9\/2025<\/time><\/th>/);
  assert.match(day, /\(từ <time datetime="2025-09-01">1\/9\/2025<\/time> đến <time datetime="2025-09-03">3\/9\/2025<\/time>\)/);
  const week = await page(`/xu-huong?q=${encodeURIComponent('giá')}&interval=week&from=2025-09-01&to=2025-09-20`);
  assert.match(week, /<th scope="row"><time datetime="2025-09-08">tuần từ 8\/9\/2025<\/time><\/th>/);
  const month = await page(`/xu-huong?q=${encodeURIComponent('giá')}&interval=month`);
  assert.match(month, /<th scope="row"><time datetime="2025-09-01">tháng 9\/2025<\/time><\/th>/);
  // No ISO date is shown as text anywhere in the table or summary.
  const text = (month.match(/<main[\s\S]*<\/main>/)?.[0] ?? '').replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ');
  assert.doesNotMatch(text, /\d{4}-\d{2}-\d{2}/);
});

test('trends page: a bad date is said beside its box (400) and the form keeps what was typed', async () => {
  const bad = await page(`/xu-huong?q=${encodeURIComponent('giá')}&from=2025-13-45`, 400);
  assert.match(bad, /<input id="t-from" name="from" type="date" value="2025-13-45" aria-invalid="true" aria-describedby="t-from-error"><p class="field-error" id="t-from-error" role="alert">&quot;Từ ngày&quot; phải là/);
  assert.match(bad, /id="tq-0" name="q" type="search" value="giá"/);
  const swapped = await page(`/xu-huong?q=${encodeURIComponent('giá')}&from=2025-12-01&to=2025-09-01`, 400);
  assert.match(swapped, /id="t-from-error" role="alert">[^<]*hãy đổi chỗ hai ngày/);
  const long = await page(`/xu-huong?q=${encodeURIComponent('giá')}&from=1990-01-01&to=2025-01-01`, 400);
  assert.match(long, /id="t-interval-error" role="alert">&quot;Mỗi cột&quot;: khoảng thời gian này có/);
});

test('trends downloads hold what the page shows: counts, or shares in percent with norm=1; Vietnamese CSV header, ISO dates', async () => {
  const q = 'giá';
  const csv = await s.get(`/xu-huong/tai-ve?q=${encodeURIComponent(q)}&interval=month&format=csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-disposition')!, /attachment; filename="tra-xu-huong-month.csv"/);
  const lines = (await csv.text()).replace(/^\ufeff/, '').trim().split('\r\n');
  assert.equal(lines[0], `ngày bắt đầu,${q}`);
  assert.equal(lines[1], '2025-09-01,2');
  // Shares need the observatory's daily counts: wait until it has them.
  let shares: { unit: string; starts: string[]; counts: number[][] } | undefined;
  for (let i = 0; i < 150; i++) {
    const r = await s.get(`/xu-huong/tai-ve?q=${encodeURIComponent(q)}&interval=month&norm=1&format=json`);
    assert.equal(r.status, 200);
    shares = (await r.json()) as typeof shares;
    if (shares!.unit === 'percent') break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.equal(shares!.unit, 'percent');
  const counts = (await (await s.get(`/xu-huong/tai-ve?q=${encodeURIComponent(q)}&interval=month&format=json`)).json()) as { unit: string; counts: number[][] };
  assert.equal(counts.unit, 'count');
  assert.notDeepEqual(shares!.counts, counts.counts, 'the shares are not the counts');
  for (const v of shares!.counts[0]) assert.ok(v >= 0 && v <= 100, String(v));
  const pcsv = (await (await s.get(`/xu-huong/tai-ve?q=${encodeURIComponent(q)}&interval=month&norm=1&format=csv`)).text()).replace(/^\ufeff/, '');
  assert.match(pcsv, /^ngày bắt đầu,giá \(%\)\r\n2025-09-01,\d+(\.\d+)?\r\n/);
  const pageBody = await page(`/xu-huong?q=${encodeURIComponent(q)}&interval=month&norm=1`);
  assert.match(pageBody, /href="\/xu-huong\/tai-ve\?q=gi%C3%A1&amp;interval=month&amp;norm=1&amp;format=csv"/);
  assert.match(pageBody, /Tải về \(tỉ lệ %\)/);
});

test('source page: span, articles per week, a navigator by year, month and day, each month and day listed', async () => {
  const name = encodeURIComponent('Báo Mẫu');
  const one = await page(`/nguon/${name}`);
  assert.match(one, /10 bài đã lập chỉ mục · từ <time datetime="2025-09-02">2\/9\/2025<\/time> đến <time datetime="2025-12-20">20\/12\/2025<\/time>/);
  assert.match(one, /<h2 id="weeks-title">Số bài mỗi tuần<\/h2>/);
  assert.match(one, /<svg class="bars"[^>]*role="img" aria-label="Số bài mỗi tuần, 16 tuần từ 1\/9\/2025/);
  assert.equal([...one.matchAll(/<rect /g)].length, 16);
  assert.match(one, /<th scope="row"><time datetime="2025-09-01">tuần từ 1\/9\/2025<\/time><\/th><td class="num">1<\/td>/);
  assert.match(one, /<a href="\/nguon\/B%C3%A1o%20M%E1%BA%ABu\?month=2025-11">tháng 11\/2025<\/a> <span class="note">3<\/span>/);
  const month = await page(`/nguon/${name}?month=2025-09`);
  assert.match(month, /<h2 id="list-title">Bài tháng 9\/2025<\/h2>/);
  assert.deepEqual([...month.matchAll(/<h3><a href="\/bai\/([^"]+)">/g)].map((m) => m[1]), ['mau-005', 'mau-003', 'mau-001']);
  assert.match(month, /<a href="\/nguon\/B%C3%A1o%20M%E1%BA%ABu\?date=2025-09-10" aria-label="10\/9\/2025: 1 bài">10<span class="n">1<\/span><\/a>/);
  const day = await page(`/nguon/${name}?date=2025-09-10`);
  assert.deepEqual([...day.matchAll(/<h3><a href="\/bai\/([^"]+)">/g)].map((m) => m[1]), ['mau-003']);
  assert.match(day, /<a href="\/nguon\/B%C3%A1o%20M%E1%BA%ABu\?date=2025-09-02" rel="prev">‹ 2\/9\/2025<\/a>/);
  assert.match(day, /<a href="\/nguon\/B%C3%A1o%20M%E1%BA%ABu\?date=2025-09-18" rel="next">18\/9\/2025 ›<\/a>/);
  const empty = await page(`/nguon/${name}?date=2025-09-11`);
  assert.match(empty, /Nguồn này không có bài nào đăng ngày này/);
  const bad = await page(`/nguon/${name}?date=2025-02-30`, 400);
  assert.match(bad, /<input id="s-date" name="date" type="date" value="2025-02-30"[^>]*aria-invalid="true" aria-describedby="s-date-error"><\/div>/);
  assert.match(bad, /<p class="field-error" id="s-date-error" role="alert">&quot;Ngày&quot; phải là một ngày có thật/);
  const badMonth = await page(`/nguon/${name}?month=2025-13`, 400);
  assert.match(badMonth, /&quot;Tháng&quot; phải có dạng YYYY-MM/);
});

test("source page: an outlet's whole history is reachable by date and by page, past the 10,000 latest", async () => {
  // 12,000 articles, four a day from 2017 on: the oldest lie beyond any page the search pages reach.
  const docs: CatalogDoc[] = [];
  const start = Date.parse('2017-01-01T01:00:00Z');
  for (let i = 0; i < 12_000; i++) docs.push({ id: `d${i}`, title: `Bài ${i}`, published: new Date(start + Math.floor(i / 4) * 86_400_000 + (i % 4) * 3_600_000).toISOString(), source: 'Báo Dài' });
  docs.push({ id: 'undated', title: 'Không ngày', source: 'Báo Dài' });
  const catalog = SourceCatalog.build(docs);
  const backend: Backend = {
    search: () => ({ total: 0, took_ms: 0, hits: [] }),
    trends: (r) => ({ query: r.query, interval: r.interval ?? 'day', total: 0, buckets: [] }),
    get: () => undefined,
    stats: () => ({ documents: docs.length }),
    sources: () => catalog.sources(),
    browse: (r) => catalog.latest(r.sources ?? [], r.offset, r.limit),
  };
  const app = await buildServer({ logger: false, rateLimit: { max: 0, windowMs: 60_000 }, backend });
  try {
    const get = async (url: string, status = 200) => {
      const r = await app.inject({ url, headers: { accept: 'text/html' } });
      assert.equal(r.statusCode, status, url);
      return r.body;
    };
    const base = `/nguon/${encodeURIComponent('Báo Dài')}`;
    const top = await get(base);
    assert.match(top, /12\.001 bài đã lập chỉ mục · từ <time datetime="2017-01-01">1\/1\/2017<\/time> đến <time datetime="2025-03-19">19\/3\/2025<\/time> · 1 bài không rõ ngày đăng/);
    assert.match(top, /<h3>2017 <span class="note">1\.460 bài<\/span><\/h3>/);
    assert.match(top, /Trang 1 \/ 601/);
    assert.equal([...top.matchAll(/<rect /g)].length, 53, 'a year of weeks');
    // The first day of all, by date: article 0 to 3, newest first.
    const first = await get(`${base}?date=2017-01-01`);
    assert.deepEqual([...first.matchAll(/<h3><a href="\/bai\/([^"]+)">/g)].map((m) => m[1]), ['d3', 'd2', 'd1', 'd0']);
    const jan = await get(`${base}?month=2017-01&page=7`);
    assert.match(jan, /Bài 121–124 trong 124, mới nhất trước/);
    assert.match(jan, /href="\/bai\/d0"/);
    // And by page: the last page holds the oldest dated articles, then the one without a date.
    const last = await get(`${base}?page=601`);
    assert.match(last, /Bài 12\.001–12\.001 trong 12\.001/);
    assert.match(last, /href="\/bai\/undated"[\s\S]*không rõ ngày đăng/);
    const beyond = await get(`${base}?page=900`);
    assert.match(beyond, /Chỉ có 601 trang; đây là trang cuối/);
  } finally {
    await app.close();
  }
});

// ---- Home page, the observatory's subject view and the alerts form ----

/** A backend with nothing but what the home page and /quan-sat read, and the given observatory. */
function fakeBackend(observatory: Backend['observatory']): Backend {
  const empty = { total: 0, took_ms: 0, hits: [] };
  return {
    search: () => empty,
    trends: () => ({ query: '', interval: 'day', buckets: [] }) as never,
    get: () => undefined,
    stats: () => ({ documents: 3 }),
    sources: () => [{ value: 'Báo A', count: 2 }, { value: 'Báo B', count: 1 }],
    browse: (req) => ({
      total: 0,
      took_ms: 0,
      hits: req.sources?.[0] === 'Báo A'
        ? [{ id: 'future', score: 0, title: 'Bài ghi nhầm năm 2999', published: '2999-01-01T00:00:00Z' }, { id: 'a2', score: 0, title: 'Bài A mới', published: '2025-09-03T08:00:00+07:00' }, { id: 'a1', score: 0, title: 'Bài A cũ', published: '2025-09-01T08:00:00+07:00' }]
        : [{ id: 'b1', score: 0, title: 'Bài B giữa', published: '2025-09-02T08:00:00+07:00' }],
    }),
    observatory,
  };
}

async function injectPage(backend: Backend, url: string, status = 200): Promise<string> {
  const app = await buildServer({ logger: false, rateLimit: { max: 0, windowMs: 60_000 }, backend });
  try {
    const r = await app.inject({ url, headers: { accept: 'text/html' } });
    assert.equal(r.statusCode, status, url);
    return r.body;
  } finally {
    await app.close();
  }
}

test('home page: the observatory\'s last day and the newest articles replace the placeholder; the help link stays', async () => {
  let body = await page('/');
  for (let i = 0; i < 100 && /Đài quan sát đang (đếm|tính)/.test(body); i++) {
    await new Promise((ok) => setTimeout(ok, 100));
    body = await page('/');
  }
  assert.doesNotMatch(body, /sẽ hiện ở đây/);
  assert.match(body, /<a class="syntax-help" href="\/tro-giup\/tim-kiem">/);
  assert.match(body, /<h2 id="obs-title">Đang nổi lên<\/h2>\n(<p class="note">Ngày <time datetime="2026-01-01">1\/1\/2026<\/time>|<ol class="stories">)/);
  assert.match(body, /<a href="\/quan-sat\?date=2026-01-01">Xem đài quan sát ngày 1\/1\/2026<\/a>/);
  const latest = /<ul class="latest">([\s\S]*?)<\/ul>/.exec(body);
  assert.ok(latest, 'the newest articles');
  const times = [...latest[1].matchAll(/<time datetime="([^"]+)"/g)].map((m) => Date.parse(m[1]));
  assert.equal(times.length, 8);
  assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
  assert.match(latest[1], /^<li><a href="\/bai\/mau-020">Người dân Hà Nội háo hức đón năm mới<\/a>/);
});

test('home page: newest first across sources, a misdated article left out, emerging issues listed', async () => {
  const view = {
    range: async () => ({ first: '2025-08-01', last: '2025-09-03' }),
    emerging: async (date: string) => ({ date, items: [{ label: 'bão Yagi', score: 9.5, count: 40, baseline: 2.25, terms: ['bão'] }] }),
  } as unknown as ReturnType<NonNullable<Backend['observatory']>>;
  const body = await injectPage(fakeBackend(() => view), '/');
  assert.deepEqual([...body.matchAll(/<li><a href="\/bai\/([^"]+)">/g)].map((m) => m[1]), ['a2', 'b1', 'a1']);
  assert.doesNotMatch(body, /2999/);
  assert.match(body, /<ol class="stories"><li><a href="\/tim-kiem\?q=b%C3%A3o\+Yagi&amp;from=2025-09-03&amp;to=2025-09-03">bão Yagi<\/a> <span class="n">40 bài, thường 2,3<\/span>/);
});

test('home page: an emerging story shows its outlets, first publisher and articles, follow-ups marked', async () => {
  const item = {
    label: 'bão Kalmaegi', score: 9.5, count: 3, baseline: 0.2, terms: ['kalmaegi'],
    outlets: ['VnExpress', 'Tuổi Trẻ'],
    first: { id: 'a1', title: 'Bão Kalmaegi vào Biển Đông', outlet: 'VnExpress', published: '2025-11-02T07:00:00+07:00', followUp: false },
    articles: [
      { id: 'a1', title: 'Bão Kalmaegi vào Biển Đông', outlet: 'VnExpress', published: '2025-11-02T07:00:00+07:00', followUp: false },
      { id: 'b1', title: 'Kalmaegi mạnh lên', outlet: 'Tuổi Trẻ', published: '2025-11-02T09:00:00+07:00', followUp: false },
      { id: 'a2', title: 'Bão Kalmaegi: sơ tán dân', outlet: 'VnExpress', published: '2025-11-02T15:00:00+07:00', followUp: true },
    ],
  };
  const view = {
    range: async () => ({ first: '2025-08-01', last: '2025-11-02' }),
    emerging: async (date: string) => ({ date, items: [item] }),
  } as unknown as ReturnType<NonNullable<Backend['observatory']>>;
  const body = await injectPage(fakeBackend(() => view), '/');
  assert.match(body, /<span class="story-meta">2 báo: VnExpress, Tuổi Trẻ; đưa đầu tiên: <a href="\/bai\/a1">VnExpress<\/a>, <time datetime="2025-11-02T07:00:00\+07:00">/);
  assert.match(body, /<summary>Các bài trong ngày \(3\)<\/summary>/);
  assert.match(body, /<a href="\/bai\/a2">Bão Kalmaegi: sơ tán dân<\/a> — VnExpress, <time[^>]*>[^<]*<\/time> <span class="follow-up">\(bài tiếp theo của VnExpress\)<\/span>/);
  assert.doesNotMatch(body.slice(body.indexOf('/bai/b1')), /^[^<]*<\/a>[^<]*<time[^>]*>[^<]*<\/time> <span class="follow-up">/, 'another outlet is not a follow-up');
});

test('home page: an observatory that is counting, failing or slow is one sentence, never a failed page', async () => {
  const counting = await injectPage(fakeBackend(() => undefined), '/');
  assert.match(counting, /<p class="note" role="status">Đài quan sát đang đếm các bài theo ngày; các vấn đề nổi lên sẽ hiện ở đây sau ít phút\.<\/p>/);
  assert.match(counting, /Bài A mới/, 'the newest articles are there anyway');
  const broken = await injectPage(fakeBackend(() => {
    throw new Error('worker down');
  }), '/');
  assert.match(broken, /Đài quan sát tạm thời không trả lời; hãy tải lại trang sau ít phút\./);
  const failing = { range: async () => Promise.reject(new Error('boom')) } as unknown as ReturnType<NonNullable<Backend['observatory']>>;
  assert.match(await injectPage(fakeBackend(() => failing), '/'), /Đài quan sát tạm thời không trả lời; hãy tải lại trang sau ít phút\./);
  const slow = { range: () => new Promise(() => {}) } as unknown as ReturnType<NonNullable<Backend['observatory']>>;
  const t0 = Date.now();
  assert.match(await injectPage(fakeBackend(() => slow), '/'), /Đài quan sát đang tính các vấn đề nổi lên của ngày gần nhất; hãy tải lại trang sau ít giây\./);
  assert.ok(Date.now() - t0 < 5000, 'the home page does not wait for a slow observatory');
});

test('/quan-sat?q=: a 7-day forecast with 80% and 95% intervals (chart data and table), key terms, sources', async () => {
  let body = await page(`/quan-sat?q=${encodeURIComponent('Hà Nội')}`);
  for (let i = 0; i < 100 && /Đài quan sát đang đếm/.test(body); i++) {
    await new Promise((ok) => setTimeout(ok, 100));
    body = await page(`/quan-sat?q=${encodeURIComponent('Hà Nội')}`);
  }
  assert.match(body, /<h2 id="subj-title">“Hà Nội”: 7 ngày tới<\/h2>/);
  const rows = [...body.matchAll(/<tr class="future"><th scope="row"><time datetime="([^"]+)">[^<]+<\/time><\/th><td class="num">—<\/td><td class="num">([\d,]+)<\/td><td class="num">([\d,]+)–([\d,]+)<\/td><td class="num">([\d,]+)–([\d,]+)<\/td><\/tr>/g)];
  assert.equal(rows.length, 7);
  assert.equal(rows[0][1], '2026-01-02');
  for (const r of rows) {
    const [mean, lo80, hi80, lo95, hi95] = r.slice(2).map((x) => Number(x.replace(',', '.')));
    assert.ok(lo95 <= lo80 && lo80 <= hi80 && hi80 <= hi95 && lo80 <= mean + 0.05 && mean <= hi80 + 0.05, r[0]);
  }
  const data = JSON.parse(/<script type="application\/json" id="trends-data">(.*?)<\/script>/s.exec(body)![1]) as { starts: string[]; counts: Array<Array<number | null>> };
  assert.equal(data.counts.length, 6, 'observed, forecast and four interval bounds');
  assert.equal(data.starts.at(-1), '2026-01-08');
  assert.match(body, /<script src="\/static\/uplot\.min\.js" defer><\/script>\n<script src="\/static\/trends\.js" defer><\/script>/);
  assert.match(body, /<h3 id="terms-title">Từ khoá nổi bật<\/h3>\n<ul class="terms" aria-labelledby="terms-title"><li><a href="\/quan-sat\?q=[^"]+">[^<]+<\/a> <span class="n">\d+ bài, gấp [\d,]+ lần<\/span>/);
  assert.match(body, /<table class="by-source" aria-labelledby="src-title">[\s\S]*<th scope="row"><a href="\/nguon\/(B%C3%A1o%20M%E1%BA%ABu|Tin%20Nhanh)">/);
  const bad = await page(`/quan-sat?q=${encodeURIComponent('?!')}`, 400);
  assert.match(bad, /<p class="field-error" id="o-q-error">Chủ đề “\?!” không có từ nào để đếm\.<\/p>/);
});

test('/quan-sat?q=: days without collection are gaps, not zeros, in the chart, the table and the weekly notes', async () => {
  const view = {
    range: async () => ({ first: '2025-08-01', last: '2025-09-03' }),
    emerging: async (date: string) => ({ date, items: [] }),
    clusters: async (date: string) => ({ date, days: 1, documents: 0, clusters: [] }),
    forecast: async (query: string) => ({
      query,
      last_day: '2025-09-03',
      history: [{ date: '2025-09-01', count: 4 }, { date: '2025-09-02', count: 0, gap: true }, { date: '2025-09-03', count: 5 }],
      forecast: [{ date: '2025-09-04', mean: 4.5, lo80: 3, hi80: 6, lo95: 2, hi95: 8.25 }],
      model: { method: 'holt-winters-weekly', alpha: 0.3, gamma: 0.1, intervals: 'empirical' },
    }),
    attention: async (req: { query: string }) => ({
      query: req.query,
      interval: 'week',
      total: 9,
      buckets: [{ start: '2025-09-01', count: 9, total: 30, share: 0.3, gap_days: 1 }],
      sources: [{ source: 'Báo A', total: 9, buckets: [{ start: '2025-09-01', count: 9, total: 20, share: 0.45 }] }],
      top_terms: [{ term: 'mưa lớn', count: 7, lift: 3.5, score: 12 }],
    }),
  } as unknown as ReturnType<NonNullable<Backend['observatory']>>;
  const body = await injectPage(fakeBackend(() => view), `/quan-sat?q=${encodeURIComponent('bão')}`);
  const data = JSON.parse(/<script type="application\/json" id="trends-data">(.*?)<\/script>/s.exec(body)![1]) as { counts: Array<Array<number | null>> };
  assert.deepEqual(data.counts[0], [4, null, 5, null], 'the missed day is a break in the line');
  assert.deepEqual(data.counts[1], [null, null, 5, 4.5], 'the forecast starts where the observations stop');
  assert.match(body, /<tr class="gap"><th scope="row"><time datetime="2025-09-02">2\/9\/2025<\/time><\/th><td class="num">không thu thập<\/td>/);
  assert.match(body, /1 ngày không thu thập được để trống, không tính là 0\./);
  assert.match(body, /<td class="num">4,5<\/td><td class="num">3,0–6,0<\/td><td class="num">2,0–8,3<\/td>/);
  assert.match(body, /tuần từ <time datetime="2025-09-01">1\/9\/2025<\/time>: 1 ngày không thu thập/);
  assert.match(body, /<a href="\/quan-sat\?q=m%C6%B0a\+l%E1%BB%9Bn">mưa lớn<\/a> <span class="n">7 bài, gấp 3,5 lần<\/span>/);
  assert.match(body, /<th scope="row"><a href="\/nguon\/B%C3%A1o%20A">Báo A<\/a><\/th><td class="num">9<\/td><td class="num">45%<\/td>/);
});

test('no page tells a reader to run a command', async () => {
  // The home page, the observatory, an article that was indexed (not crawled), the sources.
  for (const p of ['/', '/quan-sat', `/quan-sat?q=${encodeURIComponent('Hà Nội')}`, '/bai/mau-001', '/nguon']) {
    const body = await page(p);
    assert.doesNotMatch(body, /<code>tra |tra alerts|tra crawl|tra index|POST \/api|curl /, p);
  }
  const empty = await injectPage(fakeBackend(() => ({ range: async () => undefined }) as unknown as ReturnType<NonNullable<Backend['observatory']>>), '/quan-sat');
  assert.match(empty, /Chưa có bài nào có ngày đăng để quan sát\./);
  assert.doesNotMatch(empty, /<code>/);
});

const TOKEN = 'khoa-thu-nghiem-0123456789abcdef';

test('alerts from the page: create, test (backtest events), remove — with the token, same origin only', async () => {
  const w = await startTestServer({ adminToken: TOKEN });
  try {
    const post = async (fields: Record<string, string>, headers: Record<string, string> = {}) => {
      const r = await w.get('/quan-sat/canh-bao', { method: 'POST', body: new URLSearchParams(fields), headers: { origin: w.base, 'sec-fetch-site': 'same-origin', ...headers } });
      const body = await r.text();
      assert.ok(!body.includes(TOKEN), 'the token is never shown back');
      assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
      return { status: r.status, body };
    };
    const spec = { name: 'Bão', query: 'bão', kind: 'threshold', value: '1', action: 'create' };
    // Refusals, each one line.
    let r = await post({ ...spec, token: '' });
    assert.equal(r.status, 401);
    assert.match(r.body, /<p class="field-error" id="al-token-error">Hãy nhập khoá quản trị\.<\/p>/);
    r = await post({ ...spec, token: 'sai-khoa-sai-khoa-sai-khoa' });
    assert.equal(r.status, 401);
    assert.match(r.body, /id="al-token-error">Khoá quản trị không đúng\.<\/p>/);
    assert.match(r.body, /<input id="al-name" name="name" type="text" maxlength="200" value="Bão"/, 'what was typed is kept');
    r = await post({ ...spec, token: TOKEN }, { origin: 'https://ke-gian.example', 'sec-fetch-site': 'cross-site' });
    assert.equal(r.status, 403);
    assert.match(r.body, /Biểu mẫu này chỉ nhận yêu cầu gửi từ chính trang Đài quan sát/);
    r = await post({ ...spec, token: TOKEN }, { origin: 'https://ke-gian.example', 'sec-fetch-site': '' });
    assert.equal(r.status, 403, 'a foreign Origin alone is refused');
    r = await post({ ...spec, value: 'nhiều', token: TOKEN });
    assert.equal(r.status, 400);
    assert.match(r.body, /<p class="field-error" id="al-value-error">Ngưỡng phải là một số dương, ví dụ 20 \(không phải “nhiều”\)\.<\/p>/);
    r = await post({ ...spec, value: '', token: TOKEN });
    assert.match(r.body, /id="al-value-error">Hãy cho ngưỡng: số bài trong một ngày để báo, ví dụ 20\.<\/p>/);
    r = await post({ ...spec, query: '!!', token: TOKEN });
    assert.match(r.body, /id="al-query-error">Truy vấn “!!” không có từ nào để đếm\.<\/p>/);
    assert.equal((await (await w.get('/api/alerts')).json() as { alerts: unknown[] }).alerts.length, 0, 'nothing was saved by a refusal');

    // Create.
    r = await post({ ...spec, token: TOKEN });
    assert.equal(r.status, 200);
    assert.match(r.body, /<div class="notice" role="status"><p>Đã tạo cảnh báo “Bão” \(#1\)/);
    assert.match(r.body, /<td>Bão<\/td><td><a href="\/quan-sat\?q=b%C3%A3o">bão<\/a><\/td><td>≥ 1 bài\/ngày<\/td>/);
    const saved = (await (await w.get('/api/alerts')).json() as { alerts: Array<{ name: string; kind: string; value: number }> }).alerts;
    assert.deepEqual(saved.map((a) => [a.name, a.kind, a.value]), [['Bão', 'threshold', 1]]);

    // Test: a new alert is checked over the data it can see; what it finds is history, never sent.
    r = await post({ action: 'test-1', token: TOKEN });
    assert.equal(r.status, 200);
    assert.match(r.body, /Đã xét cảnh báo “Bão” trên dữ liệu đến ngày 1\/1\/2026/);
    assert.match(r.body, /<li>\d{4}-\d{2}-\d{2}: bắt đầu “Bão” — \d+ bài \(tìm lại trong dữ liệu cũ, không gửi đi\)<\/li>/);
    // (Read from the store: the API's event schema does not carry `backtest` yet.)
    const events = await w.backend.alerts!.eventsSince(0, 100);
    assert.ok(events.length > 0 && events.every((e) => e.alert === 1 && e.backtest === true), JSON.stringify(events));

    // Remove: a wrong token keeps it, the right one removes it.
    r = await post({ action: 'remove-1', token: 'sai-khoa-sai-khoa-sai-khoa' });
    assert.equal(r.status, 401);
    r = await post({ action: 'remove-1', token: TOKEN });
    assert.equal(r.status, 200);
    assert.match(r.body, /Đã xoá cảnh báo “Bão”\./);
    assert.match(r.body, /<p>Chưa có cảnh báo nào\.<\/p>/);
    r = await post({ action: 'remove-1', token: TOKEN });
    assert.equal(r.status, 404);
    assert.match(r.body, /Không có cảnh báo #1 \(có thể đã bị xoá\)\./);
    r = await post({ action: 'xoa-het', token: TOKEN });
    assert.equal(r.status, 400);
  } finally {
    await w.close();
  }
});

test('alerts from the page on a server without an operator token: refused in one line', async () => {
  const r = await s.get('/quan-sat/canh-bao', { method: 'POST', body: new URLSearchParams({ name: 'Bão', query: 'bão', kind: 'emerging', value: '', action: 'create', token: TOKEN }), headers: { origin: s.base } });
  assert.equal(r.status, 403);
  assert.match(await r.text(), /id="al-token-error">Máy chủ này chưa đặt khoá quản trị, nên chưa thể tạo, thử hay xoá cảnh báo\.<\/p>/);
});

test('/quan-sat?q=: an observatory that fails on the subject is one line; the rest of the page is there', async () => {
  const view = {
    range: async () => ({ first: '2025-08-01', last: '2025-09-03' }),
    emerging: async (date: string) => ({ date, items: [] }),
    clusters: async (date: string) => ({ date, days: 1, documents: 0, clusters: [] }),
    forecast: async () => Promise.reject(new Error('worker died')),
    attention: async () => Promise.reject(new Error('worker died')),
  } as unknown as ReturnType<NonNullable<Backend['observatory']>>;
  const body = await injectPage(fakeBackend(() => view), `/quan-sat?q=${encodeURIComponent('bão')}`);
  assert.match(body, /<p class="form-errors" role="alert">Đài quan sát tạm thời không tính được chủ đề này; hãy thử lại sau ít phút\.<\/p>/);
  assert.match(body, /Vấn đề nổi lên ngày <time datetime="2025-09-03">3\/9\/2025<\/time>/);
});
