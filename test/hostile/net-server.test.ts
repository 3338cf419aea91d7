/**
 * Hostile clients against the server's alert API and event stream, on loopback: writes without
 * the operator's token, webhook URLs aimed inside, a flood of event streams, a forged
 * X-Forwarded-For, and a forged Host header on /opensearch.xml.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { rmSync } from 'node:fs';
import { makeDataDir, startTestServer } from '../../src/server/test-support.ts';

const TOKEN = 'phep-thu-khoa-quan-tri-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const ALERT = { name: 'Bão', query: 'bão', kind: 'threshold', value: 3 };

let dir: string;

before(async () => {
  delete process.env.TRA_ALLOW_PRIVATE_ADDRESSES;
  dir = await makeDataDir();
});
after(() => rmSync(dir, { recursive: true, force: true }));

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

function oneLine(m: unknown): string {
  const s = String(m);
  assert.equal(s.includes('\n'), false, s);
  assert.match(s, /[\u00C0-\u1EF9]/, 'Vietnamese');
  return s;
}

test('API writes need the operator token; without one configured they are refused with how to set it', async () => {
  const open = await startTestServer({}, dir);
  try {
    for (const [path, init] of [['/api/alerts', json(ALERT)], ['/api/alerts/1', { method: 'DELETE' }], ['/api/alerts/check', { method: 'POST' }]] as const) {
      const r = await open.get(path, init);
      assert.equal(r.status, 403, path);
      const b = (await r.json()) as { message: string };
      assert.match(oneLine(b.message), /TRA_ADMIN_TOKEN/);
    }
    assert.equal((await open.get('/api/alerts')).status, 200, 'reads stay open');
  } finally {
    await open.close();
  }

  const s = await startTestServer({ adminToken: TOKEN }, dir);
  try {
    const none = await s.get('/api/alerts', json(ALERT));
    assert.equal(none.status, 401);
    assert.match(String(none.headers.get('www-authenticate')), /^Bearer/);
    assert.match(oneLine(((await none.json()) as { message: string }).message), /Authorization: Bearer/);
    const wrong = await s.get('/api/alerts', json(ALERT, { authorization: 'Bearer doan-bua-0123456789abcdef' }));
    assert.equal(wrong.status, 401);
    assert.match(oneLine(((await wrong.json()) as { message: string }).message), /không đúng/);
    assert.equal((await s.get('/api/alerts/1', { method: 'DELETE' })).status, 401);

    const made = await s.get('/api/alerts', json({ ...ALERT, webhook: 'https://93.184.215.14/tra?token=bi-mat-cua-chu' }, AUTH));
    assert.equal(made.status, 201, await made.clone().text());
    // Webhook URLs (and their tokens) are shown to their owner only.
    const anon = (await (await s.get('/api/alerts')).json()) as { alerts: Array<Record<string, unknown>> };
    assert.equal(anon.alerts[0].hasWebhook, true);
    assert.equal('webhook' in anon.alerts[0], false);
    assert.doesNotMatch(JSON.stringify(anon), /bi-mat-cua-chu/);
    const owner = (await (await s.get('/api/alerts', { headers: AUTH })).json()) as { alerts: Array<Record<string, unknown>> };
    assert.equal(owner.alerts[0].webhook, 'https://93.184.215.14/tra?token=bi-mat-cua-chu');
    const id = (await made.json()) as { id: number };
    assert.equal((await s.get(`/api/alerts/${id.id}`, { method: 'DELETE', headers: AUTH })).status, 204);
  } finally {
    await s.close();
  }
});

test('a webhook aimed at an internal address is refused when saved: 400 naming the field', async () => {
  const s = await startTestServer({ adminToken: TOKEN }, dir);
  try {
    const t0 = performance.now();
    for (const hook of ['http://127.0.0.1:18099/internal/admin', 'http://0x7f000001/x', 'http://2130706433/x', 'http://0177.0.0.1/x', 'http://127.1/x', 'http://[::1]/x', 'http://[::ffff:127.0.0.1]/x', 'http://localhost:8080/x', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/x', 'http://0.0.0.0/x']) {
      const r = await s.get('/api/alerts', json({ ...ALERT, webhook: hook }, AUTH));
      const b = (await r.json()) as { field: string; message: string };
      assert.equal(r.status, 400, hook);
      assert.equal(b.field, 'webhook', hook);
      assert.match(oneLine(b.message), /không được phép/, hook);
    }
    assert.ok(performance.now() - t0 < 3000);
    const list = (await (await s.get('/api/alerts', { headers: AUTH })).json()) as { alerts: unknown[] };
    assert.equal(list.alerts.length, 0, 'nothing was saved');
  } finally {
    await s.close();
  }
});

/** Open an event stream; resolves with its status once headers arrive (the socket stays open). */
function openStream(base: string, headers: Record<string, string> = {}): Promise<{ status: number; ended: Promise<number>; close: () => void; body: string[] }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(`${base}/api/alerts/stream`, { headers, agent: false }, (res) => {
      const body: string[] = [];
      res.setEncoding('utf8');
      res.on('data', (c: string) => body.push(c));
      const ended = new Promise<number>((r) => res.on('close', () => r(performance.now() - t0)));
      resolve({ status: res.statusCode ?? 0, ended, close: () => req.destroy(), body });
    });
    req.on('error', reject);
  });
}

test('a flood of event streams: a few per client, then one-line 429s; health checks still answer', async () => {
  const s = await startTestServer({}, dir);
  const streams: Array<Awaited<ReturnType<typeof openStream>>> = [];
  try {
    const t0 = performance.now();
    for (let i = 0; i < 40; i++) streams.push(await openStream(s.base));
    const ok = streams.filter((x) => x.status === 200).length;
    assert.equal(ok, 8, 'the per-client cap');
    assert.equal(streams.filter((x) => x.status === 429).length, 32);
    const refused = streams.find((x) => x.status === 429)!;
    await refused.ended;
    assert.match(oneLine((JSON.parse(refused.body.join('')) as { message: string }).message), /8 luồng sự kiện/);
    const health = await s.get('/healthz');
    assert.equal(health.status, 200);
    assert.ok(performance.now() - t0 < 5000);
  } finally {
    for (const x of streams) x.close();
    await s.close();
  }
});

test('streams are capped in total and closed after their lifetime', async () => {
  const s = await startTestServer({ trustProxy: true, streams: { perClient: 2, total: 3, lifetimeMs: 400 } }, dir);
  const streams: Array<Awaited<ReturnType<typeof openStream>>> = [];
  try {
    for (let i = 0; i < 4; i++) streams.push(await openStream(s.base, { 'x-forwarded-for': `198.51.100.${i}` }));
    assert.deepEqual(streams.map((x) => x.status), [200, 200, 200, 503]);
    await streams[3].ended;
    assert.match(oneLine((JSON.parse(streams[3].body.join('')) as { message: string }).message), /3 luồng sự kiện/);
    const lived = await streams[0].ended;
    assert.ok(lived >= 350 && lived < 2500, `closed after ${lived} ms`);
    // Room again once the old streams are gone.
    await Promise.all(streams.slice(1, 3).map((x) => x.ended));
    const again = await openStream(s.base, { 'x-forwarded-for': '198.51.100.9' });
    streams.push(again);
    assert.equal(again.status, 200);
  } finally {
    for (const x of streams) x.close();
    await s.close();
  }
});

test('with --trust-proxy the client is the address our proxy appended, not the one the client wrote', async () => {
  const s = await startTestServer({ trustProxy: true, streams: { perClient: 1 } }, dir);
  const streams: Array<Awaited<ReturnType<typeof openStream>>> = [];
  try {
    streams.push(await openStream(s.base, { 'x-forwarded-for': '1.1.1.1, 203.0.113.7' }));
    // Same real client (last hop), a different forged first address: still the same client.
    streams.push(await openStream(s.base, { 'x-forwarded-for': '2.2.2.2, 203.0.113.7' }));
    streams.push(await openStream(s.base, { 'x-forwarded-for': '1.1.1.1, 203.0.113.8' }));
    assert.deepEqual(streams.map((x) => x.status), [200, 429, 200]);
  } finally {
    for (const x of streams) x.close();
    await s.close();
  }
});

test('/opensearch.xml names the configured origin, never the request Host header', async () => {
  const s = await startTestServer({}, dir);
  try {
    const body = await new Promise<string>((resolve, reject) => {
      http.get(`${s.base}/opensearch.xml`, { headers: { host: 'ke-gia-mao.example' } }, (res) => {
        let b = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (b += c));
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    assert.doesNotMatch(body, /ke-gia-mao/);
    assert.match(body, new RegExp(`template="${s.base.replace(/[.]/g, '\\.')}/tim-kiem\\?q=\\{searchTerms\\}"`));
  } finally {
    await s.close();
  }
  const pub = await startTestServer({ publicUrl: 'https://tra.example.vn/' }, dir);
  try {
    const body = await (await pub.get('/opensearch.xml', { headers: { host: 'ke-gia-mao.example' } })).text();
    assert.match(body, /template="https:\/\/tra\.example\.vn\/tim-kiem\?q=\{searchTerms\}"/);
    assert.doesNotMatch(body, /ke-gia-mao/);
  } finally {
    await pub.close();
  }
});

test('a guessable TRA_ADMIN_TOKEN stops the server with one line', async () => {
  const { runServer, SettingError } = await import('../../src/server/run.ts');
  const { tokenProblem } = await import('../../src/server/admin-auth.ts');
  assert.equal(tokenProblem(TOKEN), undefined);
  assert.equal(tokenProblem(undefined), undefined);
  await assert.rejects(runServer({ dataDir: dir, host: '127.0.0.1', port: 0, adminToken: '1234' }), (e: Error) => {
    assert.ok(e instanceof SettingError);
    assert.match(oneLine(e.message), /TRA_ADMIN_TOKEN quá ngắn \(4 ký tự\)/);
    return true;
  });
});

test('delivery errors of the event list are shown to the operator only', async () => {
  const { AlertStore } = await import('../../src/observe/alerts.ts');
  const { openObservatory, dayOfIso } = await import('../../src/observe/index.ts');
  const { openEngine } = await import('../../src/engine/index.ts');
  const store = new AlertStore(dir);
  const engine = await openEngine(dir, { readOnly: true });
  const obs = openObservatory(dir);
  try {
    // An alert whose webhook is a closed loopback port, checked on the day of the sample storm.
    store.add({ name: 'Bão mẫu', query: 'bão', kind: 'threshold', value: 1, webhook: 'http://127.0.0.1:9/hook' });
    const events = store.check(engine, obs.counts, dayOfIso('2025-09-15'));
    assert.ok(events.some((e) => e.day === '2025-09-15' && !e.backtest), JSON.stringify(events));
    await store.deliver({ policy: { allowPrivate: true }, timeoutMs: 1000 });
    assert.ok(store.eventsSince(0).some((e) => e.lastError), 'the failed delivery is recorded');
  } finally {
    obs.close();
    engine.close();
    store.close();
  }
  const s = await startTestServer({ adminToken: TOKEN }, dir);
  try {
    const anon = await (await s.get('/api/alerts/events')).text();
    assert.doesNotMatch(anon, /lastError|không gửi được/);
    const owner = await (await s.get('/api/alerts/events', { headers: AUTH })).text();
    assert.match(owner, /lastError/);
  } finally {
    await s.close();
  }
});
