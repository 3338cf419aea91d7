/**
 * Hostile date ranges against the real server: every route and page that takes `from`, `to`,
 * `date`, `interval` or several queries answers a bad one with a 400 naming the field in one
 * Vietnamese line, quickly and without growing the server's memory; wide but well-formed ranges
 * are clamped to the plausible window and answered with a bounded axis.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../src/server/test-support.ts';
import { MAX_BUCKETS } from '../../src/observe/bounds.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
  const t0 = Date.now();
  while (!s.backend.observatory?.() && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
});
after(async () => {
  await s.close();
});

interface ApiError {
  statusCode: number;
  message: string;
  field?: string;
}

/** GET as an API client; the answer, its time and the growth of the heap. */
async function get(path: string, accept = 'application/json') {
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const r = await s.get(path, { headers: { accept } });
  const text = await r.text();
  return { status: r.status, text, ms: performance.now() - t0, heapGrowth: process.memoryUsage().heapUsed - heap0 };
}

async function refused(path: string, field: string, pattern: RegExp) {
  const r = await get(path);
  assert.equal(r.status, 400, `${path}: ${r.text.slice(0, 200)}`);
  const body = JSON.parse(r.text) as ApiError;
  assert.equal(body.field, field, path);
  assert.match(body.message, pattern, path);
  assert.ok(!body.message.includes('\n'), 'one line');
  assert.ok(r.ms < 2000, `${path} answered in ${Math.round(r.ms)} ms`);
  assert.ok(r.text.length < 1000);
  return body;
}

test('the issue\'s trends request (year 1 to 9999 by day) is refused at once with a hint to count by week or month', async () => {
  const b = await refused('/api/trends?q=zzz&from=0001-01-01&to=9999-12-31', 'interval', /"interval".*quá giới hạn 7\.500 cột.*interval=week/);
  assert.match(b.message, /cột theo ngày/);
});

test('the same range by month is clamped to 1990 … tomorrow and answered with a bounded axis', async () => {
  const r = await get('/api/trends?q=v%C3%A0ng&from=0001-01-01&to=9999-12-31&interval=month');
  assert.equal(r.status, 200, r.text.slice(0, 200));
  const body = JSON.parse(r.text) as { buckets: { start: string }[]; total: number };
  assert.ok(body.buckets.length <= 450, `${body.buckets.length} buckets`);
  assert.ok(body.buckets.every((b) => b.start >= '1990-01-01'));
  assert.ok(body.total > 0);
  assert.ok(r.ms < 5000, `${Math.round(r.ms)} ms`);
  assert.ok(r.text.length < 100_000, `${r.text.length} bytes`);
});

test('malformed, impossible and inverted dates are a 400 naming the field, on every API route', async () => {
  await refused('/api/trends?q=v%C3%A0ng&from=9999-99-99', 'from', /"from" phải là ngày/);
  await refused('/api/trends?q=v%C3%A0ng&to=2025-02-30', 'to', /"to" phải là ngày/);
  await refused('/api/trends?q=v%C3%A0ng&from=2025-03-02&to=2025-03-01', 'from', /đổi chỗ/);
  await refused('/api/trends?q=v%C3%A0ng&from=0001-01-01&to=0001-12-31', 'to', /trước 1990-01-01/);
  await refused('/api/trends?q=v%C3%A0ng&from=2999-01-01', 'from', /sau ngày mai/);
  await refused('/api/search?q=v%C3%A0ng&from=9999-99-99', 'from', /"from"/);
  await refused('/api/trends/compare?q=a&q=b&from=0001-01-01&to=9999-12-31', 'interval', /interval=week/);
  await refused('/api/attention?q=v%C3%A0ng&from=0001-01-01&to=9999-12-31', 'interval', /interval=month/);
  await refused('/api/attention?q=v%C3%A0ng&to=2025-13-01', 'to', /"to"/);
  await refused('/api/emerging?date=9999-99-99', 'date', /"date"/);
  await refused('/api/clusters?date=2025-02-29', 'date', /"date"/);
  // One day outside the window is a quiet day: an empty answer, quickly.
  const far = await get('/api/emerging?date=2999-01-01');
  assert.equal(far.status, 200, far.text);
  assert.deepEqual(JSON.parse(far.text), { date: '2999-01-01', items: [] });
});

test('more than 8 compared queries are refused; 8 over the whole window by month are bounded', async () => {
  const nine = Array.from({ length: 9 }, (_, i) => `q=t${i}`).join('&');
  await refused(`/api/trends/compare?${nine}`, 'q', /tối đa 8/);
  const eight = Array.from({ length: 8 }, (_, i) => `q=v%C3%A0ng${' x'.repeat(i)}`).join('&');
  const r = await get(`/api/trends/compare?${eight}&from=0001-01-01&to=9999-12-31&interval=week`);
  assert.equal(r.status, 200, r.text.slice(0, 300));
  const t = JSON.parse(r.text) as { starts: string[]; counts: number[][] };
  assert.ok(t.starts.length <= MAX_BUCKETS);
  assert.ok(r.text.length < 2_000_000, `${r.text.length} bytes`);
  assert.ok(r.heapGrowth < 200_000_000);
});

test('a search with a wide range is clamped, not refused: nothing is lost', async () => {
  const wide = await get('/api/search?q=v%C3%A0ng&from=0001-01-01&to=9999-12-31');
  const open = await get('/api/search?q=v%C3%A0ng');
  assert.equal(wide.status, 200);
  assert.equal((JSON.parse(wide.text) as { total: number }).total, (JSON.parse(open.text) as { total: number }).total);
});

test('pages: bad dates give a 400 page naming the field by its label, never a 500', async () => {
  const html = 'text/html';
  const q = await get('/quan-sat?date=9999-99-99', html);
  assert.equal(q.status, 400);
  assert.match(q.text, /&quot;Ngày&quot; phải là một ngày có thật dạng YYYY-MM-DD/);
  const x = await get('/xu-huong?q=a&q=b&q=c&from=0001-01-01&to=9999-12-31', html);
  assert.equal(x.status, 400);
  assert.match(x.text, /&quot;Mỗi cột&quot;.*&quot;Tuần&quot; hoặc &quot;Tháng&quot;/);
  assert.ok(x.ms < 2000 && x.text.length < 20_000);
  const t = await get('/tim-kiem?q=a&from=9999-99-99', html);
  assert.equal(t.status, 400);
  // By week over the whole window, three queries: answered, and the page stays small.
  const w = await get('/xu-huong?q=v%C3%A0ng&q=h%C3%A0+n%E1%BB%99i&q=b%C3%A3o&from=0001-01-01&to=9999-12-31&interval=week', html);
  assert.equal(w.status, 200);
  assert.ok(w.text.length < 3_000_000, `${w.text.length} bytes of HTML`);
  assert.ok(w.ms < 10_000, `${Math.round(w.ms)} ms`);
});
