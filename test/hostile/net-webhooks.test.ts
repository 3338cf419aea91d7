/**
 * Hostile webhooks against alert delivery (src/observe/alerts.ts), on loopback: a webhook aimed
 * at an internal service, receivers that answer 404, a closed port, a 300 MB answer, and a
 * receiver that never answers beside healthy ones.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertStore, DELIVERY_FAILED, DELIVERY_REFUSED } from '../../src/observe/alerts.ts';
import { ObserveCounts, dayOfIso } from '../../src/observe/counts.ts';
import { syntheticNews, fakeEngine } from '../../src/observe/test-fixtures.ts';

const START = '2025-06-02';
const FLOOD = 'Lũ quét ở Lào Cai cuốn trôi nhiều nhà dân';
const LOOPBACK = { allowPrivate: true };

let server: Server;
let base = '';
let closedPort = 0;
const hits: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      if (req.url === '/404') return res.writeHead(404).end('không có');
      if (req.url === '/chuyen') return res.writeHead(307, { location: `http://127.0.0.1:${closedPort}/internal/admin` }).end();
      if (req.url === '/im-lang') return; // never answers
      if (req.url === '/khong-lo') {
        res.writeHead(200, { 'content-length': String(300 * 1024 * 1024) });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        return pump();
      }
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** A store whose alerts (one per webhook) each have one `start` event waiting to be delivered. */
function storeWith(webhooks: string[]): { store: AlertStore; dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tra-hooks-'));
  const docs = syntheticNews(START, 12, 20, [{ day: 11, docs: 9, title: FLOOD }]);
  const counts = new ObserveCounts(dir);
  counts.add(docs.map((doc) => ({ doc })));
  const store = new AlertStore(dir);
  webhooks.forEach((w, i) => store.add({ name: `a${i}`, query: 'lũ quét', kind: 'threshold', value: 5, webhook: w }));
  store.check(fakeEngine(docs), counts, dayOfIso(START) + 10);
  store.check(fakeEngine(docs), counts, dayOfIso(START) + 11);
  return { store, dir, done: () => { store.close(); counts.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const errors = (store: AlertStore) => Object.fromEntries(store.eventsSince(0).map((e) => [e.name, e.lastError ?? (e.delivered ? 'delivered' : 'pending')]));

test('a webhook to an internal address is refused at delivery; nothing reaches it', async () => {
  hits.length = 0;
  const internal = [`${base}/internal/admin`, `http://0x7f000001:${base.split(':')[2]}/internal/admin`, `http://2130706433:${base.split(':')[2]}/x`, `http://localhost:${base.split(':')[2]}/x`];
  const { store, done } = storeWith(internal);
  try {
    const r = await store.deliver({ policy: {} });
    assert.deepEqual(r, { delivered: 0, failed: 4, gaveUp: 0 });
    assert.deepEqual(hits, []);
    assert.deepEqual(new Set(Object.values(errors(store))), new Set([DELIVERY_REFUSED]));
  } finally {
    done();
  }
});

test('a receiver that redirects inside is not followed', async () => {
  // The redirector's origin is let through (as if public); the redirect target is not, and a
  // webhook never follows redirects anyway: a 3xx is a failed delivery.
  const { store, done } = storeWith([`${base}/chuyen`]);
  try {
    const r = await store.deliver({ policy: { allowedOrigins: [base] } });
    assert.deepEqual(r, { delivered: 0, failed: 1, gaveUp: 0 });
    assert.equal(errors(store).a0, DELIVERY_FAILED);
  } finally {
    done();
  }
});

test('a closed port and a 404 leave the same error: no port-scan oracle', async () => {
  const { store, done } = storeWith([`http://127.0.0.1:${closedPort}/hook`, `${base}/404`]);
  try {
    const r = await store.deliver({ policy: LOOPBACK });
    assert.equal(r.failed, 2);
    const e = errors(store);
    assert.equal(e.a0, DELIVERY_FAILED);
    assert.equal(e.a1, DELIVERY_FAILED);
    assert.equal(DELIVERY_FAILED.includes('\n'), false);
  } finally {
    done();
  }
});

test('a 300 MB answer is not read: delivered quickly, memory bounded', async () => {
  const { store, done } = storeWith([`${base}/khong-lo`]);
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  try {
    assert.deepEqual(await store.deliver({ policy: LOOPBACK }), { delivered: 1, failed: 0, gaveUp: 0 });
  } finally {
    done();
  }
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
  assert.ok(process.memoryUsage().rss - rss0 < 64 * 1024 * 1024);
});

test('one receiver that never answers does not hold the others; the pass ends by its deadline', async () => {
  const hooks = [`${base}/im-lang`, ...Array.from({ length: 6 }, (_, i) => `${base}/ok/${i}`)];
  const { store, done } = storeWith(hooks);
  try {
    const t0 = performance.now();
    const r = await store.deliver({ policy: LOOPBACK, timeoutMs: 800, concurrency: 4 });
    const ms = performance.now() - t0;
    assert.deepEqual(r, { delivered: 6, failed: 1, gaveUp: 0 });
    assert.ok(ms < 1500, `the healthy ones did not wait in line behind the silent one (${ms} ms)`);
    assert.equal(errors(store).a0, DELIVERY_FAILED);
  } finally {
    done();
  }

  // Many silent receivers: the pass stops at its deadline; the rest wait, no attempt counted.
  const many = storeWith(Array.from({ length: 12 }, () => `${base}/im-lang`));
  try {
    const t0 = performance.now();
    const r = await many.store.deliver({ policy: LOOPBACK, timeoutMs: 400, deadlineMs: 900, concurrency: 2 });
    const ms = performance.now() - t0;
    assert.ok(ms < 1400, `pass took ${ms} ms`);
    assert.ok(r.failed >= 2 && r.failed < 12, JSON.stringify(r));
    const untouched = many.store.eventsSince(0).filter((e) => e.attempts === 0).length;
    assert.equal(untouched, 12 - r.failed);
  } finally {
    many.done();
  }
});
