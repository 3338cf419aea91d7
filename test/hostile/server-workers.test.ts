/**
 * Worker threads that die, overrun or run out of memory: the server answers the request with a
 * 503 in one clear line, replaces the worker (with back-off), keeps answering, and /healthz tells
 * the truth meanwhile. Misbehaviour is asked for with reserved queries that only act when
 * TRA_TEST_HOOKS=1 (search-pool.ts, `misbehave`).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { makeDataDir } from '../../src/server/test-support.ts';
import { buildServer } from '../../src/server/app.ts';
import { openEngineBackend, type EngineBackend } from '../../src/server/engine-backend.ts';
import { SupervisedWorker } from '../../src/server/search-pool.ts';

process.env.TRA_TEST_HOOKS = '1';

const SEARCH_DEADLINE = 1500;
const OBSERVE_DEADLINE = 3000;
let dir: string;
let backend: EngineBackend;
let app: FastifyInstance;
let base: string;

before(async () => {
  dir = await makeDataDir();
  backend = await openEngineBackend(dir, {
    workers: 2,
    searchDeadlineMs: SEARCH_DEADLINE,
    searchHeapMb: 128,
    observeDeadlineMs: OBSERVE_DEADLINE,
    observeHeapMb: 192,
    minBackoffMs: 300,
    maxBackoffMs: 1200,
  });
  await backend.ready;
  app = await buildServer({ logger: false, rateLimit: { max: 0, windowMs: 60_000 }, backend });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  await until(() => backend.observatory?.() !== undefined, 20_000);
});

after(async () => {
  await app.close();
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(ok: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - t0;
}

async function get(path: string, init?: RequestInit) {
  const t0 = performance.now();
  const r = await fetch(base + path, init);
  const text = await r.text();
  return { status: r.status, text, ms: performance.now() - t0, json: () => JSON.parse(text) as Record<string, unknown> };
}

interface Health {
  status: string;
  message?: string;
  workers: Record<string, { workers: number; ready: number; starting: number; down: number; restarts: number; able: boolean }>;
}
const health = async () => {
  const r = await get('/healthz');
  return { code: r.status, body: r.json() as unknown as Health };
};
const allReady = async () => {
  const h = await health();
  return h.code === 200 && h.body.workers.search.ready === 2 && h.body.workers.observatory.ready === 1;
};

function oneLine503(r: { status: number; text: string }, pattern: RegExp) {
  assert.equal(r.status, 503, r.text);
  const body = JSON.parse(r.text) as { message: string };
  assert.ok(!body.message.includes('\n'));
  assert.match(body.message, pattern);
}

test('a search worker that exits fails its request with a 503, is replaced, and the next searches are answered', async () => {
  await until(allReady, 20_000);
  const before = (await health()).body.workers.search.restarts;
  const r = await get('/api/search?q=__tra_test_exit__');
  assert.ok(r.ms < 3000, `${Math.round(r.ms)} ms`);
  oneLine503(r, /luồng tìm kiếm bị dừng khi đang xử lý yêu cầu này \(thoát với mã 70\)/);
  // The other worker answers at once; the dead one is back within the back-off and a start.
  assert.equal((await get('/api/search?q=v%C3%A0ng')).status, 200);
  await until(allReady, 10_000);
  assert.equal((await health()).body.workers.search.restarts, before + 1);
  for (let i = 0; i < 6; i++) assert.equal((await get(`/api/search?q=v%C3%A0ng+${i}`)).status, 200);
});

test('a search that overruns its deadline answers 503 and its worker is stopped (no core left burning)', async () => {
  await until(allReady, 20_000);
  const r = await get('/api/search?q=__tra_test_spin__');
  oneLine503(r, /chạy quá 1,5 giây nên đã bị dừng/);
  assert.ok(r.ms >= SEARCH_DEADLINE - 50 && r.ms < SEARCH_DEADLINE + 2000, `${Math.round(r.ms)} ms`);
  await until(allReady, 10_000);
  // The spinning thread is gone: the process is idle again.
  const cpu0 = process.cpuUsage();
  await new Promise((res) => setTimeout(res, 1000));
  const cpu = process.cpuUsage(cpu0);
  assert.ok(cpu.user + cpu.system < 500_000, `${Math.round((cpu.user + cpu.system) / 1000)} ms of CPU in 1 s`);
  assert.equal((await get('/api/trends?q=v%C3%A0ng')).status, 200);
});

test('a search that allocates without bound kills its worker, not the server', async () => {
  await until(allReady, 20_000);
  const rss0 = process.memoryUsage().rss;
  const r = await get('/api/search?q=__tra_test_oom__');
  oneLine503(r, /luồng tìm kiếm bị dừng.*(memory|bộ nhớ)/i);
  assert.ok(r.ms < 10_000, `${Math.round(r.ms)} ms`);
  assert.ok(process.memoryUsage().rss - rss0 < 700_000_000);
  assert.equal((await get('/api/search?q=v%C3%A0ng')).status, 200);
  await until(allReady, 10_000);
});

test('with every search worker dead, requests are refused at once and /healthz says 503 until they are back', async () => {
  await until(allReady, 20_000);
  oneLine503(await get('/api/search?q=__tra_test_exit__'), /thoát với mã 70/);
  oneLine503(await get('/api/search?q=__tra_test_exit__'), /thoát với mã 70/);
  const h = await health();
  assert.equal(h.code, 503);
  assert.equal(h.body.status, 'error');
  assert.match(h.body.message ?? '', /Không còn luồng tìm kiếm nào trả lời được/);
  assert.equal(h.body.workers.search.ready, 0);
  const r = await get('/api/search?q=v%C3%A0ng');
  assert.ok(r.ms < 1000, `answered in ${Math.round(r.ms)} ms, never hangs`);
  if (r.status !== 200) oneLine503(r, /luồng tìm kiếm chưa sẵn sàng/);
  const waited = await until(allReady, 10_000);
  assert.ok(waited < 5000, `back in ${waited} ms`);
  assert.equal((await get('/api/search?q=v%C3%A0ng')).status, 200);
});

test('the observatory worker: out of memory or overrun fails one request; it is replaced and alert checks go on', async () => {
  await until(allReady, 20_000);
  const oom = await get('/api/attention?q=__tra_test_oom__&top=0');
  oneLine503(oom, /luồng đài quan sát bị dừng/);
  // While it restarts and catches up, /healthz says so.
  const h = await health();
  if (h.body.workers.observatory.ready === 0) assert.equal(h.code, 503);
  await until(allReady, 15_000);
  assert.equal((await get('/api/attention?q=v%C3%A0ng&top=0')).status, 200);
  // Alert checks run on the replacement (what /api/alerts/check and the timer call).
  const check = await backend.alerts!.check();
  assert.ok(check.ms >= 0);
  const spin = await get('/api/attention?q=__tra_test_spin__&top=0');
  oneLine503(spin, /chạy quá 3 giây/);
  assert.ok(spin.ms < OBSERVE_DEADLINE + 2000);
  await until(allReady, 15_000);
  assert.equal((await get('/quan-sat', { headers: { accept: 'text/html' } })).status, 200);
  assert.ok((await health()).body.workers.observatory.restarts >= 2);
});

test('a worker that cannot start is retried with growing back-off, not in a spinning loop', async () => {
  const w = new SupervisedWorker({
    script: new URL('data:text/javascript,process.exit(3)'),
    workerData: null,
    label: 'luồng thử',
    deadlineMs: () => 1000,
    heapMb: 32,
    minBackoffMs: 20,
    maxBackoffMs: 160,
  });
  // 20 + 40 + 80 + 160 ms apart: four restarts take at least 300 ms, where a loop without back-off
  // makes them in a few milliseconds. (A bound on time, not on a count in a fixed time: a loaded
  // machine starts workers slowly, which only makes the wait longer.)
  const t0 = Date.now();
  await until(() => w.restarts >= 4, 20_000);
  const elapsed = Date.now() - t0;
  await w.close();
  assert.ok(elapsed >= 300, `four restarts in ${elapsed} ms`);
  assert.equal(w.health().lastError, 'thoát với mã 3');
});

test('an observatory that cannot open says why (503, retried with back-off) and /healthz says it is down', async () => {
  const broken = await makeDataDir();
  // A directory where the daily counts file should be: SQLite cannot open it.
  mkdirSync(join(broken, 'observe.sqlite'));
  const b = await openEngineBackend(broken, { workers: 0, minBackoffMs: 100, maxBackoffMs: 400 });
  const s = await buildServer({ logger: false, rateLimit: { max: 0, windowMs: 60_000 }, backend: b });
  try {
    await until(() => {
      try {
        b.observatory?.();
        return false;
      } catch {
        return true;
      }
    }, 10_000);
    const page = await s.inject({ url: '/quan-sat', headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 503);
    assert.match(page.body, /Đài quan sát không mở được \(không khởi động được: /);
    const api = await s.inject({ url: '/api/emerging' });
    assert.equal(api.statusCode, 503);
    const h = await s.inject({ url: '/healthz' });
    assert.equal(h.statusCode, 503);
    const body = h.json() as Health;
    assert.equal(body.workers.observatory.able, false);
    assert.equal(body.workers.search, undefined);
    // The search side is unaffected.
    assert.equal((await s.inject({ url: '/api/search?q=v%C3%A0ng' })).statusCode, 200);
  } finally {
    await s.close();
    await b.close();
    rmSync(broken, { recursive: true, force: true });
  }
});
