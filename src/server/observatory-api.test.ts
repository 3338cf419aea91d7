/**
 * /api/attention and /api/forecast against the real server (loopback, free port) over a temporary
 * data directory indexed from samples/tin-mau.jsonl: the same objects as the CLI's --json output,
 * clear 400s, and both routes in the OpenAPI document.
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

/** The route's answer once the observatory's daily counts are ready (503 until then). */
async function ready(p: string): Promise<{ status: number; body: Record<string, unknown> }> {
  let r = await json(p);
  for (let i = 0; r.status === 503 && i < 200; i++) {
    assert.ok(r.headers.get('retry-after'));
    await new Promise((ok) => setTimeout(ok, 100));
    r = await json(p);
  }
  return r;
}

function cli(...args: string[]): unknown {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'tra.js'), ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const qs = (o: Record<string, string>) => new URLSearchParams(o).toString();

test('GET /api/attention answers exactly as `tra attention --json`', async () => {
  const r = await ready(`/api/attention?${qs({ q: 'Hà Nội', interval: 'month' })}`);
  assert.equal(r.status, 200);
  const body = r.body as { query: string; interval: string; total: number; buckets: Array<{ start: string; count: number; total: number; share: number }>; top_terms?: Array<{ term: string; count: number }>; sources?: unknown };
  assert.equal(body.query, 'Hà Nội');
  assert.equal(body.interval, 'month');
  assert.ok(body.total > 0);
  for (const b of body.buckets) {
    assert.ok(b.count <= b.total, JSON.stringify(b));
    assert.equal(b.share, b.total > 0 ? b.count / b.total : 0);
  }
  assert.ok(body.top_terms && body.top_terms.length > 0, 'key terms of the result set by default');
  assert.equal(body.sources, undefined);
  assert.deepEqual(body, cli('attention', '--data', s.dir, '--interval', 'month', '--json', 'Hà Nội'));

  // Per source, a date range, day buckets, fewer terms; typed without marks.
  const p = { q: 'gia vang', interval: 'day', from: '2025-09-01', to: '2025-12-31', by_source: '1', top: '3' };
  const bySource = await ready(`/api/attention?${qs(p)}`);
  assert.equal(bySource.status, 200);
  const sources = bySource.body.sources as Array<{ source: string; total: number; buckets: unknown[] }>;
  assert.ok(Array.isArray(sources) && sources.length > 0);
  assert.ok((bySource.body.top_terms as unknown[]).length <= 3);
  assert.deepEqual(bySource.body, cli('attention', '--data', s.dir, '--interval', 'day', '--from', p.from, '--to', p.to, '--by-source', '--top', '3', '--json', 'gia vang'));

  // top=0: no key terms, as --top 0.
  const noTerms = await ready(`/api/attention?${qs({ q: 'bão', top: '0', by_source: 'true' })}`);
  assert.equal(noTerms.body.top_terms, undefined);
  assert.deepEqual(noTerms.body, cli('attention', '--data', s.dir, '--top', '0', '--by-source', '--json', 'bão'));
});

test('GET /api/forecast answers exactly as `tra forecast --json`', async () => {
  const r = await ready(`/api/forecast?${qs({ q: 'Hà Nội' })}`);
  assert.equal(r.status, 200);
  const body = r.body as { last_day: string; history: unknown[]; forecast: Array<{ date: string; mean: number; lo80: number; hi80: number; lo95: number; hi95: number }>; model: { method: string } };
  assert.equal(body.last_day, '2026-01-01');
  assert.equal(body.forecast.length, 7, 'seven days by default');
  assert.equal(body.forecast[0].date, '2026-01-02');
  for (const f of body.forecast) assert.ok(f.lo95 <= f.lo80 && f.lo80 <= f.hi80 && f.hi80 <= f.hi95, JSON.stringify(f));
  assert.ok(['holt-winters-weekly', 'seasonal-naive-weekly'].includes(body.model.method), 'the model its own backtest chose');
  assert.deepEqual(body, cli('forecast', '--data', s.dir, '--json', 'Hà Nội'));
  const three = await ready(`/api/forecast?${qs({ q: 'giá vàng', days: '3' })}`);
  assert.equal((three.body.forecast as unknown[]).length, 3);
  assert.deepEqual(three.body, cli('forecast', '--data', s.dir, '--days', '3', '--json', 'giá vàng'));
});

test('bad parameters get a Vietnamese 400 naming the field', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ['/api/attention?interval=day', 'q', /Thiếu tham số "q"/],
    [`/api/attention?${qs({ q: 'vàng', interval: 'year' })}`, 'interval', /"interval" phải là một trong: day, week, month/],
    [`/api/attention?${qs({ q: 'vàng', from: 'hôm-qua' })}`, 'from', /YYYY-MM-DD/],
    [`/api/attention?${qs({ q: 'vàng', from: '2025-12-01', to: '2025-09-01' })}`, 'from', /đổi chỗ/],
    [`/api/attention?${qs({ q: 'vàng', by_source: 'có' })}`, 'by_source', /"by_source" phải là một trong/],
    [`/api/attention?${qs({ q: 'vàng', top: '-1' })}`, 'top', /"top" phải lớn hơn hoặc bằng 0/],
    [`/api/attention?${qs({ q: '?!' })}`, 'q', /không có từ nào để đếm/],
    ['/api/forecast', 'q', /Thiếu tham số "q"/],
    [`/api/forecast?${qs({ q: 'vàng', days: '0' })}`, 'days', /"days" phải lớn hơn hoặc bằng 1/],
    [`/api/forecast?${qs({ q: 'vàng', days: '29' })}`, 'days', /"days" phải nhỏ hơn hoặc bằng 28/],
    [`/api/forecast?${qs({ q: 'vàng', days: 'bảy' })}`, 'days', /"days" phải là số nguyên/],
  ];
  for (const [p, field, message] of cases) {
    const r = await json(p);
    assert.equal(r.status, 400, p);
    assert.equal(r.body.field, field, p);
    assert.match(String(r.body.message), message, p);
  }
});

test('both routes are in the OpenAPI document, with their parameters', async () => {
  const { body } = await json('/api/openapi.json');
  const paths = body.paths as Record<string, { get: { parameters: Array<{ name: string; in: string; required?: boolean }>; responses: Record<string, unknown> } }>;
  for (const [p, names] of [['/api/attention', ['q', 'interval', 'from', 'to', 'by_source', 'top']], ['/api/forecast', ['q', 'days']]] as const) {
    assert.ok(paths[p], p);
    const params = paths[p].get.parameters;
    assert.deepEqual(params.map((x) => x.name).sort(), [...names].sort(), p);
    assert.equal(params.find((x) => x.name === 'q')?.required, true);
    for (const code of ['200', '400', '503']) assert.ok(paths[p].get.responses[code], `${p} ${code}`);
  }
});

test('the trends page can show each bucket as a share of all articles (norm=1)', async () => {
  await ready(`/api/attention?${qs({ q: 'Hà Nội', top: '0' })}`);
  const r = await s.get(`/xu-huong?${qs({ q: 'Hà Nội', interval: 'month', norm: '1' })}`);
  assert.equal(r.status, 200);
  const body = await r.text();
  assert.match(body, /<input id="t-norm" name="norm" type="checkbox" value="1" checked>/);
  const data = JSON.parse(/<script type="application\/json" id="trends-data">(.*?)<\/script>/s.exec(body)![1]) as { unit?: string; starts: string[]; counts: number[][] };
  assert.equal(data.unit, 'percent');
  const api = (await json(`/api/attention?${qs({ q: 'Hà Nội', interval: 'month', top: '0' })}`)).body as { buckets: Array<{ start: string; share: number }> };
  const share = new Map(api.buckets.map((b) => [b.start, b.share]));
  data.starts.forEach((st, j) => assert.equal(data.counts[0][j], Math.round((share.get(st) ?? 0) * 1e6) / 1e4, st));
  assert.match(body, /<td class="num">[\d,]+%<\/td>/);
  const plain = await (await s.get(`/xu-huong?${qs({ q: 'Hà Nội', interval: 'month' })}`)).text();
  assert.doesNotMatch(plain, /"unit":"percent"/);
  assert.match(plain, /<input id="t-norm" name="norm" type="checkbox" value="1">/);
});
