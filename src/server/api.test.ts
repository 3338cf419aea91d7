/**
 * The JSON API against the real server (loopback, free port) over a temporary data directory
 * indexed from the team's samples.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startTestServer, ROOT, type TestServer } from './test-support.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

async function json(p: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const r = await s.get(p);
  return { status: r.status, body: (await r.json()) as Record<string, unknown>, headers: r.headers };
}

function cli(...args: string[]): unknown {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'tra.js'), ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function withoutTime(o: unknown): unknown {
  const { took_ms: _t, ...rest } = o as Record<string, unknown>;
  return rest;
}

test('GET /api/search returns the same object as `tra search --json`', async () => {
  for (const q of ['chuyen doi so', 'Hà Nội', 'giá vàng', 'đường']) {
    const { status, body } = await json(`/api/search?q=${encodeURIComponent(q)}&limit=5`);
    assert.equal(status, 200);
    assert.equal(typeof body.took_ms, 'number');
    assert.deepEqual(withoutTime(body), withoutTime(cli('search', '--data', s.dir, '--limit', '5', '--json', q)), q);
  }
});

test('a query typed without marks finds and highlights the accented words', async () => {
  const { body } = await json('/api/search?q=chuyen%20doi%20so');
  const hits = body.hits as Array<{ id: string; title: string; snippet: string; title_highlights: [number, number][] }>;
  assert.equal(hits[0].id, 'mau-003');
  const marked = hits[0].title_highlights.map(([a, b]) => hits[0].title.slice(a, b)).join(' ');
  assert.match(marked, /Chuyển đổi số/);
});

test('filters by source and date, sorts by date', async () => {
  const { body } = await json(`/api/search?q=${encodeURIComponent('Hà Nội')}&source=${encodeURIComponent('Tin Nhanh')}&limit=50`);
  const hits = body.hits as Array<{ source: string; published: string }>;
  assert.ok(hits.length > 0);
  for (const h of hits) assert.equal(h.source, 'Tin Nhanh');
  const ranged = await json(`/api/search?q=${encodeURIComponent('Hà Nội')}&from=2025-12-01&to=2025-12-31&limit=50`);
  for (const h of ranged.body.hits as Array<{ published: string }>) assert.ok(h.published >= '2025-12-01' && h.published < '2026-01-01', h.published);
  const byDate = await json(`/api/search?q=${encodeURIComponent('Hà Nội')}&sort=date&limit=50`);
  const dates = (byDate.body.hits as Array<{ published: string }>).map((h) => Date.parse(h.published));
  assert.ok(dates.length > 2);
  assert.deepEqual(dates, [...dates].sort((a, b) => b - a));
});

test('cursor pagination walks every hit exactly once', async () => {
  const q = encodeURIComponent('giá');
  const all = await json(`/api/search?q=${q}&limit=100`);
  const want = (all.body.hits as Array<{ id: string }>).map((h) => h.id);
  assert.ok(want.length >= 3, 'fixture has several hits for "giá"');
  const got: string[] = [];
  let url: string | undefined = `/api/search?q=${q}&limit=2`;
  while (url) {
    const r = await json(url);
    got.push(...(r.body.hits as Array<{ id: string }>).map((h) => h.id));
    const link = r.headers.get('link');
    const next = r.headers.get('x-next-cursor');
    assert.equal(Boolean(link), Boolean(next));
    url = link ? link.match(/^<([^>]+)>; rel="next"$/)![1] : undefined;
  }
  assert.deepEqual(got, want);
  // A cursor belongs to its query.
  const first = await json(`/api/search?q=${q}&limit=2`);
  const cursor = first.headers.get('x-next-cursor')!;
  const wrong = await json(`/api/search?q=xang&limit=2&cursor=${cursor}`);
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.field, 'cursor');
});

test('invalid input gets a 400 naming the field, in Vietnamese', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ['/api/search', 'q', /Thiếu tham số "q"/],
    ['/api/search?q=a&limit=0', 'limit', /lớn hơn hoặc bằng 1/],
    ['/api/search?q=a&limit=nhiều', 'limit', /số nguyên/],
    ['/api/search?q=a&from=2025-13-45', 'from', /YYYY-MM-DD/],
    ['/api/search?q=a&sort=ngẫu-nhiên', 'sort', /relevance, date/],
    ['/api/search?q=a&from=2025-12-01&to=2025-01-01', 'from', /đổi chỗ/],
    [`/api/search?q=${'a'.repeat(2001)}`, 'q', /tối đa 2000/],
    ['/api/trends?q=a&interval=year', 'interval', /day, week, month/],
  ];
  for (const [url, field, message] of cases) {
    const r = await json(url);
    assert.equal(r.status, 400, url);
    assert.equal(r.body.field, field, url);
    assert.match(String(r.body.message), message, url);
  }
});

test('GET /api/trends matches `tra trends --json`; compare lines series up and exports CSV', async () => {
  const q = 'Hà Nội';
  const { body } = await json(`/api/trends?q=${encodeURIComponent(q)}&interval=month`);
  assert.deepEqual(withoutTime(body), withoutTime(cli('trends', '--data', s.dir, '--interval', 'month', '--json', q)));
  const cmp = await json(`/api/trends/compare?q=${encodeURIComponent(q)}&q=${encodeURIComponent('giá')}&interval=month`);
  const t = cmp.body as { queries: string[]; starts: string[]; counts: number[][]; totals: number[] };
  assert.deepEqual(t.queries, [q, 'giá']);
  assert.equal(t.counts[0].length, t.starts.length);
  assert.equal(t.counts[0].reduce((a, b) => a + b, 0), t.totals[0]);
  const csv = await s.get(`/api/trends/compare?q=${encodeURIComponent(q)}&interval=month&format=csv&download=true`);
  assert.match(csv.headers.get('content-type')!, /^text\/csv/);
  assert.match(csv.headers.get('content-disposition')!, /attachment; filename="tra-xu-huong-month.csv"/);
  const lines = (await csv.text()).replace(/^\ufeff/, '').trim().split('\r\n');
  assert.equal(lines[0], `ngày bắt đầu,${q}`, 'a Vietnamese header; the dates below stay ISO');
  assert.match(lines[1], /^\d{4}-\d{2}-\d{2},\d+$/);
  assert.equal(lines.length, t.starts.length + 1);
});

test('GET /api/trends filters by source as /api/search does (one series per outlet)', async () => {
  const q = 'Hà Nội';
  const all = (await json(`/api/trends?q=${encodeURIComponent(q)}&interval=month`)).body as { total: number };
  const one = (await json(`/api/trends?q=${encodeURIComponent(q)}&interval=month&source=${encodeURIComponent('Tin Nhanh')}`)).body as { total: number; buckets: { count: number }[] };
  const hits = (await json(`/api/search?q=${encodeURIComponent(q)}&source=${encodeURIComponent('Tin Nhanh')}&limit=1`)).body as { total: number };
  assert.equal(one.total, hits.total, 'the same documents as the search with that filter');
  assert.ok(one.total > 0 && one.total < all.total, `${one.total} of ${all.total}`);
});

test('suggestions complete a prefix typed without marks, with the accented phrase', async () => {
  const { body } = await json('/api/suggest?q=ha%20n');
  const texts = (body.suggestions as Array<{ text: string }>).map((x) => x.text);
  assert.equal(texts[0], 'hà nội');
  const os = await s.get('/api/suggest?q=gia%20va&format=opensearch');
  const arr = (await os.json()) as [string, string[]];
  assert.equal(arr[0], 'gia va');
  assert.ok(arr[1].includes('giá vàng'), JSON.stringify(arr));
  const none = await json('/api/suggest?q=');
  assert.deepEqual(none.body.suggestions, []);
});

test('documents, sources and stats', async () => {
  const doc = await json('/api/documents/mau-001');
  assert.equal(doc.status, 200);
  assert.equal(doc.body.title, 'Hà Nội khởi công tuyến đường sắt đô thị mới');
  assert.equal(doc.body.category, 'Thời sự');
  const missing = await json('/api/documents/khong-co');
  assert.equal(missing.status, 404);
  assert.match(String(missing.body.message), /Không có bài nào/);
  const src = await json('/api/sources');
  assert.deepEqual((src.body.sources as Array<{ name: string; count: number }>).slice(0, 2), [{ name: 'Báo Mẫu', count: 10 }, { name: 'Tin Nhanh', count: 10 }]);
  const stats = await json('/api/stats');
  assert.equal(stats.body.documents, 21);
});

test('GET /api/versions lists the archived versions as `tra versions --json` does', async () => {
  const url = 'https://tin-mau.example/mau-001';
  const { body } = await json(`/api/versions?url=${encodeURIComponent(url)}`);
  const fromCli = cli('versions', '--data', s.dir, '--json', url) as { versions: Array<{ captured: string; title: string; text: string }> };
  assert.deepEqual(body, { url, versions: fromCli.versions.map(({ captured, title, text }) => ({ captured, title, text })) });
  assert.equal((body.versions as unknown[]).length, 2);
});

test('GET /api/emerging answers as `tra emerging --json` once the daily counts are ready', async () => {
  let r = await json('/api/emerging?date=2025-12-01');
  for (let i = 0; r.status === 503 && i < 100; i++) {
    assert.match(String(r.body.message), /Đài quan sát đang đếm/);
    await new Promise((ok) => setTimeout(ok, 100));
    r = await json('/api/emerging?date=2025-12-01');
  }
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, cli('emerging', '--data', s.dir, '--date', '2025-12-01', '--json'));
  const latest = await json('/api/emerging');
  assert.equal(latest.body.date, '2026-01-01', 'the last day with documents by default');
  const clusters = await json('/api/clusters?date=2025-12-01');
  assert.equal(clusters.status, 200);
  assert.ok(Array.isArray(clusters.body.clusters));
  const bad = await json('/api/emerging?date=hôm-nay');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'date');
});

test('the OpenAPI document describes the routes from their own schemas', async () => {
  const { status, body } = await json('/api/openapi.json');
  assert.equal(status, 200);
  assert.match(String(body.openapi), /^3\./);
  const paths = body.paths as Record<string, Record<string, { parameters?: Array<{ name: string; in: string; required?: boolean }> }>>;
  for (const p of ['/api/search', '/api/suggest', '/api/trends', '/api/trends/compare', '/api/documents/{id}', '/api/sources']) assert.ok(paths[p], p);
  const params = paths['/api/search'].get.parameters!;
  assert.deepEqual(params.find((p) => p.name === 'q'), { ...params.find((p) => p.name === 'q'), in: 'query', required: true });
  assert.ok(params.some((p) => p.name === 'cursor'));
  assert.ok(!paths['/tim-kiem'], 'HTML pages are not part of the API document');
  const docs = await s.get('/api/docs');
  assert.match(await docs.text(), /GET \/api\/search/);
});

test('health and Prometheus metrics', async () => {
  const h = await json('/healthz');
  assert.equal(h.body.status, 'ok');
  assert.equal(h.body.documents, 21);
  await s.get('/api/search?q=vàng');
  const m = await (await s.get('/metrics')).text();
  assert.match(m, /^tra_http_requests_total\{method="GET",route="\/api\/search",status="200"\} \d+$/m);
  assert.match(m, /^tra_http_request_duration_seconds_bucket\{route="\/api\/search",le="0.05"\} \d+$/m);
  assert.match(m, /^tra_index_documents 21$/m);
  assert.match(m, /^tra_search_duration_seconds_count \d+$/m);
});

test('unknown API paths answer JSON 404 in Vietnamese', async () => {
  const r = await json('/api/khong-co');
  assert.equal(r.status, 404);
  assert.match(String(r.body.message), /Không có trang hay tài nguyên/);
});

test('the API documents the next-page cursor where it really is: the X-Next-Cursor and Link headers, not a body field', async () => {
  const { body } = await json('/api/openapi.json');
  const text = JSON.stringify(body);
  assert.doesNotMatch(text, /next_cursor/, 'no field the answer does not carry');
  const paths = body.paths as Record<string, Record<string, { parameters?: Array<{ name: string; description?: string }> }>>;
  assert.match(paths['/api/search'].get.parameters!.find((p) => p.name === 'cursor')!.description!, /X-Next-Cursor/);
  const page = await json('/api/search?q=H%C3%A0%20N%E1%BB%99i&limit=1');
  assert.ok(page.headers.get('x-next-cursor'), 'the cursor is in the header');
  assert.equal(page.body.next_cursor, undefined);
  const docs = await (await s.get('/api/docs')).text();
  assert.doesNotMatch(docs, /next_cursor/);
});

test('a body that is not JSON, or not JSON at all, gets one Vietnamese line naming the body', async () => {
  const post = (body: string, type: string) => s.get('/api/alerts', { method: 'POST', headers: { 'content-type': type }, body });
  const bad = await post('{"name": "vàng",', 'application/json');
  assert.equal(bad.status, 400);
  const b = (await bad.json()) as Record<string, unknown>;
  assert.equal(b.field, 'body');
  assert.match(String(b.message), /^Nội dung gửi lên không phải JSON hợp lệ/);
  assert.doesNotMatch(String(b.message), /Body is not valid JSON/);
  const empty = await post('', 'application/json');
  assert.equal(empty.status, 400);
  assert.match(String(((await empty.json()) as Record<string, unknown>).message), /^Nội dung gửi lên trống/);
  const text = await post('<x/>', 'application/xml');
  assert.equal(text.status, 415);
  assert.match(String(((await text.json()) as Record<string, unknown>).message), /chỉ nhận nội dung JSON/);
});

/** A raw request whose headers are larger than the server reads (16 KB): what comes back. */
async function oversized(pathAndQuery: string, accept: string): Promise<string> {
  const { connect } = await import('node:net');
  const port = Number(new URL(s.base).port);
  return new Promise((ok, fail) => {
    const c = connect(port, '127.0.0.1');
    let got = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => (got += d));
    c.on('close', () => ok(got));
    c.on('error', fail);
    c.write(`GET ${pathAndQuery} HTTP/1.1\r\nHost: tra\r\nAccept: ${accept}\r\nCookie: ${'x'.repeat(20_000)}\r\n\r\n`);
  });
}

test('headers too large: 431 in Vietnamese, a page for a browser and JSON for the API', async () => {
  const api = await oversized('/api/search?q=a', 'application/json');
  assert.match(api, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  const body = JSON.parse(api.slice(api.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
  assert.equal(body.statusCode, 431);
  assert.match(String(body.message), /^Phần đầu \(header\) của yêu cầu quá lớn/);
  const page = await oversized('/tim-kiem?q=a', 'text/html,application/xhtml+xml');
  assert.match(page, /^HTTP\/1\.1 431 [^\r]*\r\nContent-Type: text\/html; charset=utf-8\r\n/);
  assert.match(page, /<html lang="vi">[\s\S]*<h1 id="error-title">Yêu cầu quá lớn<\/h1>[\s\S]*hãy xoá cookie/);
  assert.doesNotMatch(page, /Exceeded maximum allowed HTTP header size/);
  // The server goes on answering.
  assert.equal((await s.get('/api/stats')).status, 200);
});
