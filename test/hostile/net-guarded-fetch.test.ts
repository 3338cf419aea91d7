/**
 * Server-side request forgery against the outgoing HTTP client (src/net/guarded-fetch.ts), on
 * loopback: an "internal admin" server stands for the services behind a public host; every way of
 * writing its address is refused before a byte reaches it, a trusted origin that redirects inside
 * is stopped at the hop, and hostile answers (endless bodies, silence) are cut at their bounds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetGuard, guardedFetch, guardedRequest, AddressBlocked, BodyTooLarge, RequestFailed, policyFromEnv } from '../../src/net/guarded-fetch.ts';

let internal: Server;
let internalPort = 0;
const internalHits: string[] = [];
let outlet: Server;
let outletBase = '';

function listen(s: Server): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

before(async () => {
  internal = createServer((req, res) => {
    internalHits.push(req.url ?? '');
    res.end('bí mật nội bộ');
  });
  internalPort = await listen(internal);
  outlet = createServer((req, res) => {
    if (req.url === '/chuyen') {
      res.writeHead(302, { location: `http://127.0.0.1:${internalPort}/internal/admin/secret-report` }).end();
    } else if (req.url === '/khong-lo') {
      // 300 MB announced, sent as fast as the socket takes it.
      res.writeHead(200, { 'content-length': String(300 * 1024 * 1024) });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    } else if (req.url === '/im-lang') {
      // Never answers.
    } else {
      res.end('chào');
    }
  });
  outletBase = `http://127.0.0.1:${await listen(outlet)}`;
});

after(async () => {
  internal.closeAllConnections();
  outlet.closeAllConnections();
  await new Promise<void>((r) => internal.close(() => r()));
  await new Promise<void>((r) => outlet.close(() => r()));
});

test('every spelling of a loopback address is refused before connecting', async () => {
  const guard = new NetGuard({});
  const p = internalPort;
  const spellings = [
    `http://127.0.0.1:${p}/internal/admin`, `http://0x7f000001:${p}/internal/admin`, `http://2130706433:${p}/internal/admin`,
    `http://0177.0.0.1:${p}/internal/admin`, `http://127.1:${p}/internal/admin`, `http://[::1]:${p}/internal/admin`,
    `http://[::ffff:127.0.0.1]:${p}/internal/admin`, `http://[::ffff:7f00:1]:${p}/internal/admin`, `http://localhost:${p}/internal/admin`,
    `http://0.0.0.0:${p}/internal/admin`, `http://0:${p}/internal/admin`,
  ];
  const t0 = performance.now();
  try {
    for (const url of spellings) {
      await assert.rejects(guardedFetch(url, guard), (e: Error) => {
        assert.ok(e instanceof AddressBlocked, `${url}: ${e.message}`);
        assert.equal(e.message.split('\n').length, 1, 'one line');
        assert.match(e.message, /bị chặn/);
        return true;
      });
      await assert.rejects(guard.check(url), AddressBlocked, url);
    }
  } finally {
    guard.close();
  }
  assert.deepEqual(internalHits, [], 'the internal server saw nothing');
  assert.ok(performance.now() - t0 < 3000, 'refusals are immediate');
});

test('a named origin is reachable, and its redirect inside is refused at the hop', async () => {
  const guard = new NetGuard({ allowedOrigins: [outletBase + '/rss.xml'] });
  try {
    const ok = await guardedFetch(`${outletBase}/`, guard);
    assert.equal(ok.body.toString(), 'chào');
    await assert.rejects(guardedFetch(`${outletBase}/chuyen`, guard), AddressBlocked);
    // One hop at a time: the 302 is the answer when redirects are not followed.
    const hop = await guardedRequest(`${outletBase}/chuyen`, guard);
    assert.equal(hop.status, 302);
  } finally {
    guard.close();
  }
  assert.deepEqual(internalHits, []);
});

test('--allow-private-addresses lets everything through (the operator chose it)', async () => {
  const guard = new NetGuard({ allowPrivate: true });
  try {
    const r = await guardedFetch(`http://127.1:${internalPort}/x`, guard);
    assert.equal(r.status, 200);
  } finally {
    guard.close();
  }
  assert.deepEqual(internalHits.splice(0), ['/x']);
  assert.equal(policyFromEnv({ TRA_ALLOW_PRIVATE_ADDRESSES: '1' }).allowPrivate, true);
  assert.equal(policyFromEnv({}).allowPrivate, false);
});

test('a 300 MB answer is cut at the size limit, quickly and without the memory', async () => {
  const guard = new NetGuard({ allowPrivate: true });
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  try {
    await assert.rejects(guardedFetch(`${outletBase}/khong-lo`, guard, { maxBytes: 1024 * 1024 }), (e: Error) => {
      assert.ok(e instanceof BodyTooLarge, e.message);
      assert.match(e.message, /khong-lo: nội dung lớn hơn giới hạn 1048576 byte/);
      return true;
    });
    const cut = await guardedRequest(`${outletBase}/khong-lo`, guard, { method: 'POST', body: '{}', maxBytes: 64 * 1024, overflow: 'truncate' });
    assert.equal(cut.status, 200);
    assert.equal(cut.truncated, true);
    assert.equal(cut.body.length, 64 * 1024);
  } finally {
    guard.close();
  }
  assert.ok(performance.now() - t0 < 3000, `took ${performance.now() - t0} ms`);
  assert.ok(process.memoryUsage().rss - rss0 < 64 * 1024 * 1024, 'memory stays bounded');
});

test('a server that never answers costs the timeout, no more', async () => {
  const guard = new NetGuard({ allowPrivate: true });
  const t0 = performance.now();
  try {
    await assert.rejects(guardedFetch(`${outletBase}/im-lang`, guard, { timeoutMs: 300 }), (e: Error) => e instanceof RequestFailed && e.code === 'ETIMEDOUT');
  } finally {
    guard.close();
  }
  const ms = performance.now() - t0;
  assert.ok(ms >= 290 && ms < 1500, `took ${ms} ms`);
});
