/**
 * Operational limits against the real server: per-client rate limit, CORS for configured
 * origins only, request size limit.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { makeDataDir, startTestServer } from './test-support.ts';
import { rmSync } from 'node:fs';

let dir: string;
before(async () => {
  dir = await makeDataDir();
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('one client past its rate gets 429 with a Vietnamese message; health checks are never limited', async () => {
  const s = await startTestServer({ rateLimit: { max: 3, windowMs: 60_000 } }, dir);
  try {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await s.get('/api/search?q=vàng')).status);
    assert.deepEqual(codes, [200, 200, 200, 429]);
    const r = await s.get('/api/search?q=vàng');
    const body = (await r.json()) as { message: string };
    assert.match(body.message, /Quá nhiều yêu cầu.*tối đa 3 yêu cầu mỗi 60 giây/);
    assert.ok(r.headers.get('retry-after'));
    const page = await s.get('/', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 429);
    assert.match(await page.text(), /<h1 id="error-title">Quá nhiều yêu cầu<\/h1>/);
    assert.equal((await s.get('/healthz')).status, 200);
    assert.equal((await s.get('/static/style.css')).status, 200);
  } finally {
    await s.close();
  }
});

test('CORS headers only for configured origins, only on the API', async () => {
  const s = await startTestServer({ corsOrigins: ['https://doc-gia.example'] }, dir);
  try {
    const ok = await s.get('/api/search?q=vàng', { headers: { origin: 'https://doc-gia.example' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://doc-gia.example');
    assert.match(ok.headers.get('access-control-expose-headers') ?? '', /X-Next-Cursor/);
    const other = await s.get('/api/search?q=vàng', { headers: { origin: 'https://khac.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const pre = await s.get('/api/search?q=vàng', { method: 'OPTIONS', headers: { origin: 'https://doc-gia.example', 'access-control-request-method': 'GET' } });
    assert.equal(pre.status, 204);
    const html = await s.get('/', { headers: { origin: 'https://doc-gia.example' } });
    assert.equal(html.headers.get('access-control-allow-origin'), null);
  } finally {
    await s.close();
  }
  const none = await startTestServer({}, dir);
  try {
    const r = await none.get('/api/search?q=vàng', { headers: { origin: 'https://doc-gia.example' } });
    assert.equal(r.headers.get('access-control-allow-origin'), null);
  } finally {
    await none.close();
  }
});

test('a request body over the limit is refused with 413 before any route runs', async () => {
  const s = await startTestServer({ bodyLimit: 1024 }, dir);
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(s.base + '/api/search?q=a', { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ q: 'x'.repeat(4096) }));
    });
    assert.equal(status, 413);
  } finally {
    await s.close();
  }
});
