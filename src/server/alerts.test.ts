/**
 * Alerts through the real server (loopback, free port) over a temporary data directory: create a
 * saved search with the API, index new matching documents with the engine, check, and see the
 * event on the server-sent event stream and at a signed webhook receiver; resume with
 * Last-Event-ID across a restart. Plus the scheduler's no-overlap rule.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import { openEngine } from '../engine/index.ts';
import { verifySignature } from '../observe/index.ts';
import { makeDataDir, startTestServer, type TestServer } from './test-support.ts';
import { AlertScheduler } from './alert-scheduler.ts';

const SECRET = 'bí-mật-của-máy-nhận';
const TOKEN = 'khoa-quan-tri-cua-phep-thu-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
// The webhook receiver listens on loopback: the server runs as with --allow-private-addresses,
// which reaches the observatory worker (where webhooks are sent) through its environment.
process.env.TRA_ALLOW_PRIVATE_ADDRESSES = '1';

interface Received {
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

let dir: string;
let s: TestServer;
let hook: Server;
let hookUrl: string;
const received: Received[] = [];

before(async () => {
  dir = await makeDataDir();
  s = await startTestServer({ adminToken: TOKEN, allowPrivateAddresses: true }, dir);
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const addr = hook.address();
  hookUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
});
after(async () => {
  await s.close();
  await new Promise<void>((r) => hook.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

async function post(p: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await s.get(p, { method: 'POST', headers: body === undefined ? AUTH : { ...AUTH, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

interface SseEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

/** Read a server-sent event stream until `want` events arrived (or time runs out). */
async function readStream(base: string, headers: Record<string, string>, want: number, query = '', timeoutMs = 8000): Promise<{ events: SseEvent[]; contentType: string | null }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const res = await fetch(`${base}/api/alerts/stream${query}`, { headers, signal: ac.signal });
  const events: SseEvent[] = [];
  let buf = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const f: Record<string, string> = {};
        for (const line of block.split('\n')) {
          const m = /^([a-z]+): ?(.*)$/.exec(line);
          if (m) f[m[1]] = m[2];
        }
        if (f.data) events.push({ id: Number(f.id), event: f.event, data: JSON.parse(f.data) as Record<string, unknown> });
      }
      if (events.length >= want) break;
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return { events, contentType: res.headers.get('content-type') };
}

test('invalid alerts get a 400 in Vietnamese naming the field', async () => {
  const cases: Array<[unknown, string]> = [
    [{ query: 'bão', kind: 'threshold', value: 3 }, 'name'],
    [{ name: 'x', query: 'bão', kind: 'sometimes', value: 3 }, 'kind'],
    [{ name: 'x', query: 'bão', kind: 'threshold' }, 'value'],
    [{ name: 'x', query: 'bão', kind: 'threshold', value: -1 }, 'value'],
    [{ name: 'x', query: '!!!', kind: 'threshold', value: 2 }, 'query'],
    [{ name: 'x', query: 'bão', kind: 'threshold', value: 2, webhook: 'ftp://example.org/' }, 'webhook'],
    [{ name: 'x', query: 'bão', kind: 'threshold', value: 'nhiều' }, 'value'],
  ];
  for (const [body, field] of cases) {
    const r = await post('/api/alerts', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.field, field, JSON.stringify(r.body));
    assert.match(String(r.body.message), /[\u00C0-\u1EF9]/, 'message in Vietnamese');
  }
});

test('a new matching day fires once: on the event stream and at the signed webhook', async () => {
  const plain = await post('/api/alerts', { name: 'Mưa đá', query: 'mưa đá', kind: 'threshold', value: 2 });
  assert.equal(plain.status, 201);
  const hooked = await post('/api/alerts', { name: 'Mưa đá (webhook)', query: 'mưa đá', kind: 'threshold', value: 2, webhook: hookUrl, secret: SECRET });
  assert.equal(hooked.status, 201);
  assert.equal(hooked.body.signed, true);
  assert.equal('secret' in hooked.body, false, 'the secret is never shown');
  const list = (await (await s.get('/api/alerts')).json()) as { alerts: Array<{ id: number; name: string }> };
  assert.deepEqual(list.alerts.map((a) => a.id).sort(), [plain.body.id, hooked.body.id].sort());

  // Nothing matches yet: a first check records no event (and sets where each alert starts).
  const first = await post('/api/alerts/check');
  assert.equal(first.status, 200);
  assert.deepEqual(first.body.events, []);

  // The stream, opened before the documents arrive, gets only new events.
  const streaming = readStream(s.base, {}, 2);
  await new Promise((r) => setTimeout(r, 200));

  const engine = await openEngine(dir);
  try {
    await engine.add([1, 2, 3].map((i) => ({
      id: `mua-da-${i}`,
      title: `Mưa đá bất thường ở vùng núi phía Bắc (${i})`,
      text: 'Mưa đá to bằng quả trứng gà làm hư hại hàng trăm mái nhà.',
      published: `2026-01-05T0${i}:00:00+07:00`,
      source: 'Báo Mẫu',
    })));
  } finally {
    engine.close();
  }
  const check = await post('/api/alerts/check');
  assert.equal(check.status, 200);
  assert.equal(check.body.date, '2026-01-05');
  assert.equal(check.body.counted, 3);
  const evs = check.body.events as Array<{ id: number; type: string; alert: number; count: number; delivered: boolean }>;
  assert.equal(evs.length, 2);
  assert.ok(evs.every((e) => e.type === 'start' && e.count === 3));
  assert.deepEqual(check.body.delivery, { delivered: 1, failed: 0, gaveUp: 0 });

  const { events, contentType } = await streaming;
  assert.match(String(contentType), /^text\/event-stream/);
  assert.deepEqual(events.map((e) => e.id), evs.map((e) => e.id));
  assert.ok(events.every((e) => e.event === 'alert-start' && e.data.day === '2026-01-05' && e.data.query === 'mưa đá'));

  // The webhook: one signed POST, verified with the receiver's secret.
  assert.equal(received.length, 1);
  const got = received[0];
  const ts = Number(got.headers['x-tra-timestamp']);
  assert.ok(verifySignature(SECRET, ts, got.body, String(got.headers['x-tra-signature'])), 'valid HMAC');
  assert.ok(!verifySignature('khoá-sai', ts, got.body, String(got.headers['x-tra-signature'])));
  const payload = JSON.parse(got.body) as { id: number; alert: number; type: string; day: string; count: number };
  assert.equal(payload.alert, hooked.body.id);
  assert.equal(String(payload.id), got.headers['x-tra-event']);
  assert.deepEqual([payload.type, payload.day, payload.count], ['start', '2026-01-05', 3]);

  // The observatory page lists the saved searches and the latest events.
  const page = await (await s.get('/quan-sat', { headers: { accept: 'text/html' } })).text();
  assert.match(page, /Cảnh báo đã lưu/);
  assert.match(page, /Mưa đá \(webhook\)/);
  assert.match(page, /2026-01-05: bắt đầu/);

  // Once per episode: checking again adds nothing and sends nothing.
  const again = await post('/api/alerts/check');
  assert.deepEqual(again.body.events, []);
  assert.equal(received.length, 1);

  // Resume: Last-Event-ID (or ?since=) replays what came after it, from the stored events.
  const all = await readStream(s.base, { 'last-event-id': '0' }, 2);
  assert.deepEqual(all.events.map((e) => e.id), evs.map((e) => e.id));
  const rest = await readStream(s.base, { 'last-event-id': String(evs[0].id) }, 1);
  assert.deepEqual(rest.events.map((e) => e.id), [evs[1].id]);
  const since = await readStream(s.base, {}, 2, '?since=0');
  assert.equal(since.events.length, 2);
  const bad = await s.get('/api/alerts/stream', { headers: { 'last-event-id': 'hôm qua' } });
  assert.equal(bad.status, 400);

  // Nothing lost across a restart: a new server on the same directory replays the same events.
  await s.close();
  s = await startTestServer({ adminToken: TOKEN, allowPrivateAddresses: true }, dir);
  const after = await readStream(s.base, { 'last-event-id': '0' }, 2);
  assert.deepEqual(after.events.map((e) => e.id), evs.map((e) => e.id));
  const json = (await (await s.get('/api/alerts/events?since=0')).json()) as { events: Array<{ id: number; delivered: boolean }> };
  assert.deepEqual(json.events.map((e) => e.id), evs.map((e) => e.id));

  // Delete.
  const del = await s.get(`/api/alerts/${plain.body.id}`, { method: 'DELETE', headers: AUTH });
  assert.equal(del.status, 204);
  const del2 = await s.get(`/api/alerts/${plain.body.id}`, { method: 'DELETE', headers: AUTH });
  assert.equal(del2.status, 404);
  assert.match(((await del2.json()) as { message: string }).message, /Không có cảnh báo/);
});

test('the alert routes are in the OpenAPI document', async () => {
  const doc = (await (await s.get('/api/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
  assert.ok(doc.paths['/api/alerts'].get && doc.paths['/api/alerts'].post);
  assert.ok(doc.paths['/api/alerts/{id}'].delete);
  assert.ok(doc.paths['/api/alerts/stream'].get);
  assert.ok(doc.paths['/api/alerts/check'].post);
});

test('the scheduler never overlaps runs and a request during a run gets one run after it', async () => {
  let active = 0;
  let maxActive = 0;
  let n = 0;
  const sched = new AlertScheduler<number>({
    intervalMs: 20,
    run: async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 30));
      active--;
      return ++n;
    },
  });
  sched.start();
  await new Promise((r) => setTimeout(r, 45));
  const [a, b] = await Promise.all([sched.runNow(), sched.runNow()]);
  assert.equal(a, b, 'two requests during one run share the one queued after it');
  await new Promise((r) => setTimeout(r, 150));
  await sched.stop();
  const runs = sched.runs;
  assert.equal(maxActive, 1);
  assert.ok(runs >= 3, `periodic runs happened (${runs})`);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(sched.runs, runs, 'no run after stop');
  await assert.rejects(sched.runNow());
});
