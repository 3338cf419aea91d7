import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { openPool } from '../pg/connect.ts';
import { LeaseLost, ClusterError } from '../errors.ts';
import { addUrls, claimHost, dueUrls, extendHostLease, releaseHost, hostOf, type HostLease } from './hosts.ts';
import { commitFetch, type CaptureRow } from './commit.ts';
import { DirBlobStore } from '../blob/dir.ts';
import { contentKey } from '../blob/store.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const opts = { skip: PG_SKIP, timeout: 60_000 };

function capture(url: string, key: string, offset = 0): CaptureRow {
  return { url, capturedAt: new Date('2025-09-02T01:00:00Z'), status: 200, mime: 'text/html', digest: 'sha1:AAAA', blobKey: key, offset, length: 1234 };
}

test('hostOf keys hosts as name[:port] and refuses what cannot be crawled', () => {
  assert.equal(hostOf('https://VnExpress.net/a'), 'vnexpress.net');
  assert.equal(hostOf('http://127.0.0.1:8080/x'), '127.0.0.1:8080');
  assert.throws(() => hostOf('ftp://a.example/x'), ClusterError);
  assert.throws(() => hostOf('not a url'), ClusterError);
});

test("a stalled fetcher's late commit is refused after another fetcher took the host over", opts, async () => {
  const s = await testSchema();
  try {
    await addUrls(s.pool, ['https://a.example/1', 'https://a.example/2'], { crawlDelayMs: 0 });
    const first = (await claimHost(s.pool, { owner: 'fetcher-1', leaseMs: 300 }))!;
    assert.equal(first.host, 'a.example');
    assert.deepEqual(await dueUrls(s.pool, first, 10), ['https://a.example/1', 'https://a.example/2']);
    assert.equal(await claimHost(s.pool, { owner: 'fetcher-2', leaseMs: 300 }), undefined, 'held while the lease is live');
    await sleep(400); // fetcher-1 stalls past its lease
    const second = (await claimHost(s.pool, { owner: 'fetcher-2', leaseMs: 10_000 }))!;
    assert.equal(second.host, 'a.example');
    assert.equal(second.epoch, first.epoch + 1);
    await assert.rejects(
      commitFetch(s.pool, first, { captures: [capture('https://a.example/1', 'warc/aa/stale')], urls: [{ url: 'https://a.example/1', state: 'fetched', status: 200 }] }),
      LeaseLost,
    );
    assert.equal((await s.pool.query('SELECT count(*)::int AS n FROM captures')).rows[0].n, 0, 'nothing of the stale commit landed');
    assert.equal((await s.pool.query("SELECT state FROM urls WHERE url = 'https://a.example/1'")).rows[0].state, 'queued');
    await assert.rejects(extendHostLease(s.pool, first, 10_000), LeaseLost);
    assert.equal(await releaseHost(s.pool, first), false, 'the stale fetcher cannot release what it lost');
    const r = await commitFetch(s.pool, second, {
      captures: [capture('https://a.example/1', 'warc/bb/fresh')],
      urls: [{ url: 'https://a.example/1', state: 'fetched', status: 200, digest: 'sha1:AAAA' }],
      release: true,
    });
    assert.equal(r.capturesAdded, 1);
    const { rows } = await s.pool.query('SELECT blob_key, lease_epoch, urlkey FROM captures');
    assert.deepEqual(rows, [{ blob_key: 'warc/bb/fresh', lease_epoch: String(second.epoch), urlkey: 'example,a)/1' }]);

    // A lease given back after a failure keeps the host away for the hold asked (here 60 s).
    await s.pool.query("UPDATE hosts SET next_allowed_at = now() WHERE host = 'a.example'");
    const third = (await claimHost(s.pool, { owner: 'fetcher-3', leaseMs: 10_000 }))!;
    assert.equal(third.host, 'a.example');
    assert.equal(await releaseHost(s.pool, third, 60_000), true);
    assert.equal(await claimHost(s.pool, { owner: 'fetcher-4', leaseMs: 10_000 }), undefined, 'not claimable during the hold');
    const away = (await s.pool.query<{ s: number }>("SELECT extract(epoch FROM next_allowed_at - now())::float AS s FROM hosts WHERE host = 'a.example'")).rows[0].s;
    assert.ok(away > 55 && away <= 61, `held about 60 s (${away})`);
  } finally {
    await s.drop();
  }
});

test('an expired lease cannot commit even if nobody took the host', opts, async () => {
  const s = await testSchema();
  try {
    await addUrls(s.pool, ['https://b.example/1']);
    const lease = (await claimHost(s.pool, { owner: 'f', leaseMs: 200 }))!;
    await sleep(300);
    await assert.rejects(commitFetch(s.pool, lease, { urls: [{ url: 'https://b.example/1', state: 'fetched' }] }), LeaseLost);
  } finally {
    await s.drop();
  }
});

test("the host's next allowed time, Crawl-delay, Retry-After and robots.txt hold for every fetcher", opts, async () => {
  const s = await testSchema();
  try {
    await addUrls(s.pool, ['https://c.example/1', 'https://c.example/2', 'https://c.example/3'], { crawlDelayMs: 0 });
    const a = (await claimHost(s.pool, { owner: 'fetcher-a', leaseMs: 10_000 }))!;
    assert.equal(a.robots, null);
    const r1 = await commitFetch(s.pool, a, {
      robots: { status: 200, txt: 'User-agent: *\nCrawl-delay: 0.6\nDisallow: /private', ttlMs: 86_400_000 },
      crawlDelayMs: 600,
      urls: [{ url: 'https://c.example/1', state: 'fetched', status: 200 }],
      release: true,
    });
    const claimedAgainEarly = await claimHost(s.pool, { owner: 'fetcher-b', leaseMs: 10_000 });
    assert.equal(claimedAgainEarly, undefined, 'not before the crawl delay has passed');
    await sleep(Math.max(0, r1.nextAllowedAt.getTime() - Date.now()) + 150);
    const b = (await claimHost(s.pool, { owner: 'fetcher-b', leaseMs: 10_000 }))!;
    assert.ok(b, 'due again after the delay');
    assert.equal(b.crawlDelayMs, 600, 'another fetcher sees the Crawl-delay');
    assert.equal(b.robots?.status, 200);
    assert.match(b.robots!.txt!, /Disallow: \/private/);
    // A 503 with Retry-After: 2 s overrides the shorter crawl delay.
    const r2 = await commitFetch(s.pool, b, { retryAfterMs: 2000, urls: [{ url: 'https://c.example/2', state: 'failed', status: 503, nextFetchInMs: 0 }], release: true });
    const wait = r2.nextAllowedAt.getTime() - Date.now();
    assert.ok(wait > 1500 && wait <= 2100, `Retry-After respected (${wait} ms)`);
    assert.equal(await claimHost(s.pool, { owner: 'fetcher-c', leaseMs: 10_000 }), undefined);
    const { rows } = await s.pool.query("SELECT url, state, next_fetch_at = 'infinity' AS never FROM urls ORDER BY url");
    assert.deepEqual(rows, [
      { url: 'https://c.example/1', state: 'fetched', never: true },
      { url: 'https://c.example/2', state: 'failed', never: false },
      { url: 'https://c.example/3', state: 'queued', never: false },
    ]);
  } finally {
    await s.drop();
  }
});

test('a commit is atomic: an outcome for another host rolls back the captures and the host state', opts, async () => {
  const s = await testSchema();
  try {
    await addUrls(s.pool, ['https://d.example/1', 'https://e.example/1'], { crawlDelayMs: 0 });
    const lease = (await claimHost(s.pool, { owner: 'f', leaseMs: 10_000 }))!;
    const other = lease.host === 'd.example' ? 'https://e.example/1' : 'https://d.example/1';
    const mine = `https://${lease.host}/1`;
    await assert.rejects(
      commitFetch(s.pool, lease, { captures: [capture(mine, 'k1')], urls: [{ url: mine, state: 'fetched' }, { url: other, state: 'fetched' }], crawlDelayMs: 5000 }),
      ClusterError,
    );
    assert.equal((await s.pool.query('SELECT count(*)::int AS n FROM captures')).rows[0].n, 0);
    assert.equal((await s.pool.query('SELECT crawl_delay_ms FROM hosts WHERE host = $1', [lease.host])).rows[0].crawl_delay_ms, 0);
    await assert.rejects(commitFetch(s.pool, lease, { captures: [capture(other, 'k2')] }), /không thuộc máy chủ/);
  } finally {
    await s.drop();
  }
});

test('a commit retried after an unknown outcome adds no capture twice', opts, async () => {
  const s = await testSchema();
  try {
    await addUrls(s.pool, ['https://f.example/1']);
    const lease = (await claimHost(s.pool, { owner: 'f', leaseMs: 10_000 }))!;
    const c = { captures: [capture('https://f.example/1', 'warc/x', 0), capture('https://f.example/1', 'warc/x', 900)], urls: [{ url: 'https://f.example/1', state: 'fetched' as const }], discovered: ['https://f.example/2', 'https://g.example/'] };
    const first = await commitFetch(s.pool, lease, c);
    const again = await commitFetch(s.pool, lease, c);
    assert.equal(first.capturesAdded, 2);
    assert.equal(first.urlsAdded, 2);
    assert.equal(again.capturesAdded, 0);
    assert.equal(again.urlsAdded, 0);
    assert.equal((await s.pool.query('SELECT count(*)::int AS n FROM captures')).rows[0].n, 2);
  } finally {
    await s.drop();
  }
});

test('a commit whose blob is not in blob storage is refused whole', opts, async () => {
  const s = await testSchema();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-commit-'));
  try {
    const blob = await new DirBlobStore(dir).open();
    await addUrls(s.pool, ['https://k.example/1']);
    const lease = (await claimHost(s.pool, { owner: 'f', leaseMs: 10_000 }))!;
    const stored = contentKey('warc', Buffer.from('record'));
    await blob.put(stored, Buffer.from('record'));
    await assert.rejects(commitFetch(s.pool, lease, { captures: [capture('https://k.example/1', 'warc/00/never-uploaded')] }, blob), /tải lên lại/);
    const ok = await commitFetch(s.pool, lease, { captures: [capture('https://k.example/1', stored)], urls: [{ url: 'https://k.example/1', state: 'fetched' }] }, blob);
    assert.equal(ok.capturesAdded, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await s.drop();
  }
});

test('fetchers claiming at once on separate connections never hold one host together', { ...opts, timeout: 90_000 }, async () => {
  const s = await testSchema();
  const FETCHERS = 5;
  const pools = Array.from({ length: FETCHERS }, () => openPool(s.url, { max: 1 }));
  try {
    const urls: string[] = [];
    for (let h = 0; h < 12; h++) for (let p = 0; p < 4; p++) urls.push(`http://h${h}.example/${p}`);
    await addUrls(s.pool, urls, { crawlDelayMs: 30 });
    const holding = new Map<string, string>();
    const fetched: string[] = [];
    const visits = new Map<string, Array<[start: number, end: number]>>();
    const deadline = Date.now() + 60_000;
    await Promise.all(
      pools.map(async (pool, f) => {
        let idle = 0;
        while (Date.now() < deadline && idle < 20) {
          const lease: HostLease | undefined = await claimHost(pool, { owner: `f${f}`, leaseMs: 5000 });
          if (!lease) {
            idle++;
            await sleep(25);
            continue;
          }
          idle = 0;
          assert.equal(holding.get(lease.host), undefined, `${lease.host} held by ${holding.get(lease.host)} and f${f}`);
          holding.set(lease.host, `f${f}`);
          const start = Date.now();
          const [url] = await dueUrls(pool, lease, 1);
          await sleep(5); // "fetching"
          fetched.push(url);
          const list = visits.get(lease.host) ?? [];
          list.push([start, Date.now()]);
          visits.set(lease.host, list);
          holding.delete(lease.host);
          await commitFetch(pool, lease, { urls: [{ url, state: 'fetched', status: 200 }], release: true });
        }
      }),
    );
    assert.equal(fetched.length, urls.length, 'every URL fetched');
    assert.equal(new Set(fetched).size, urls.length, 'none twice');
    for (const [host, list] of visits) {
      list.sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < list.length; i++) {
        const gap = list[i][0] - list[i - 1][1];
        assert.ok(gap >= 29, `${host}: ${gap} ms between two visits, less than its 30 ms delay`);
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.end()));
    await s.drop();
  }
});
