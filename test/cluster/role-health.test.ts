// /healthz and /metrics of `tra indexer --port` and `tra fetcher --port` (src/cluster/roles/http.ts),
// run as processes. The indexer reaches PostgreSQL through a TCP relay the test can cut, so its
// health turns 503 while PostgreSQL is unreachable and 200 again after; its counters move with
// the jobs it does (done and failed, by kind). The fetcher reports the hosts it holds leases on
// and counts its requests by kind and status class, bytes, politeness waits. Both answer only GET,
// and a client that never finishes its request neither blocks other requests nor stays connected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_SKIP, PG_URL, testSchema } from './pg.ts';
import { start, until, type Proc } from './procs.ts';
import { startWebHosts } from './webhosts.ts';
import { writeBatch } from '../../src/cluster/ingest/write.ts';
import { enqueue } from '../../src/cluster/queue/queue.ts';

/** A TCP relay to PostgreSQL that can be cut (every connection dropped, new ones refused) and restored. */
async function pgRelay(): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  const target = new URL(PG_URL!);
  const sockets = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return client.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function get(url: string): Promise<{ status: number; text: string; ms: number }> {
  const t0 = Date.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  return { status: res.status, text: await res.text(), ms: Date.now() - t0 };
}

/** The fields of a /healthz answer the tests read (the indexer's and the fetcher's). */
interface HealthBody {
  ok: boolean;
  role: string;
  owner: string;
  message?: string;
  postgres: { reachable: boolean };
  job?: { id: number; kind: string; attempt: number } | null;
  last_job?: { kind: string } | null;
  queue?: Record<string, { ready: number; running: number }> | null;
  hosts_held?: number;
  hosts?: { host: string; epoch: number }[];
}

async function health(base: string): Promise<{ status: number; body: HealthBody; ms: number }> {
  const r = await get(`${base}/healthz`);
  return { status: r.status, body: JSON.parse(r.text) as HealthBody, ms: r.ms };
}

/** The value of one series of a Prometheus text answer (0 when absent). */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(',') : [];
    if (want.every((w) => have.includes(w)) && have.filter((h) => !h.startsWith('le=')).length === want.length) return Number(m[3]);
  }
  return 0;
}

/** Only GET; a client that sends half a request is dropped and does not hold up others. */
async function checkBounded(base: string): Promise<void> {
  const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x', signal: AbortSignal.timeout(10_000) });
  assert.equal(post.status, 405);
  assert.match(String(((await post.json()) as { error: string }).error), /chỉ nhận GET/);
  assert.equal((await get(`${base}/khong-co`)).status, 404);
  const { hostname, port } = new URL(base);
  const slow = net.connect(Number(port), hostname);
  slow.on('error', () => undefined);
  const closed = new Promise<number>((r) => slow.on('close', () => r(Date.now())));
  await new Promise<void>((r) => slow.on('connect', () => r()));
  const t0 = Date.now();
  slow.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // never finished
  const meanwhile = await get(`${base}/metrics`);
  assert.equal(meanwhile.status, 200);
  assert.ok(meanwhile.ms < 5_000, `a scrape took ${meanwhile.ms} ms beside an unfinished request`);
  const at = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(0), 15_000))]);
  assert.ok(at > 0, 'the unfinished request was dropped');
  assert.ok(at - t0 < 12_000, `dropped after ${at - t0} ms`);
}

test('tra indexer --port: /healthz (job in hand, queue, 503 while PostgreSQL is unreachable) and /metrics (jobs by kind and outcome)', { skip: PG_SKIP, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-role-health-'));
  const s = await testSchema();
  const relay = await pgRelay();
  let ix: Proc | undefined;
  try {
    const viaRelay = new URL(s.url);
    viaRelay.host = `127.0.0.1:${relay.port}`;
    // Each index job waits 1.5 s before publishing: a job stays in hand long enough to be seen.
    ix = start(['indexer', '--pg', viaRelay.toString(), '--blob', join(dir, 'blob'), '--port', '0', '--host', '127.0.0.1', '--lease-ms', '20000'], { TRA_TEST_INDEXER_PAUSE_BEFORE_PUBLISH_MS: '1500' });
    const base = (await ix.waitFor(/^http:\/\//, 60_000)).trim();
    assert.equal(ix.out.split('\n')[0], base, 'the URL is the first line on stdout');

    const idle = await health(base);
    assert.equal(idle.status, 200, JSON.stringify(idle.body));
    assert.equal(idle.body.ok, true);
    assert.equal(idle.body.role, 'indexer');
    assert.match(String(idle.body.owner), new RegExp(`:${ix.child.pid}:`));
    assert.equal(idle.body.postgres.reachable, true);
    assert.equal(idle.body.job, null);
    const before = await get(`${base}/metrics`);
    assert.equal(metric(before.text, 'tra_indexer_jobs_total', { kind: 'index', outcome: 'done' }), 0);
    assert.ok(metric(before.text, 'tra_process_resident_memory_bytes') > 0);

    // Three batches (an index and an observe job each) and one index job that cannot succeed.
    for (let b = 0; b < 3; b++) {
      await writeBatch(s.pool, [0, 1].map((k) => ({ id: `suc-khoe-${b}-${k}`, title: `Bản tin ${b} số ${k}`, summary: 'Giá vàng hôm nay.', published: '2025-08-01T08:00:00+07:00', source: 'VnExpress' })));
    }
    await enqueue(s.pool, { kind: 'index', payload: { batch: 'không phải số', first_seq: 1, last_seq: 1 }, maxAttempts: 1 });

    // (A probe's answer is reused for a second, so the queue may lag the job by that much.)
    const busy = await until('an index job in hand, and running in the queue', async () => {
      const h = await health(base);
      return h.body.job?.kind === 'index' && (h.body.queue?.index?.running ?? 0) >= 1 && h;
    }, 60_000, 100);
    assert.equal(busy.status, 200);
    assert.ok(Number.isInteger(busy.body.job!.id) && busy.body.job!.attempt === 1, JSON.stringify(busy.body.job));
    const inHand = await get(`${base}/metrics`);
    assert.ok(metric(inHand.text, 'tra_indexer_job_in_hand') <= 1);

    await until('every job done or failed', async () => {
      const { rows } = await s.pool.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM jobs GROUP BY state');
      return rows.length === 1 && rows[0].state === 'failed' && rows[0].n === 1;
    }, 90_000, 250);
    const after = await until('the counters after the jobs', async () => {
      const m = await get(`${base}/metrics`);
      return metric(m.text, 'tra_indexer_jobs_total', { kind: 'observe', outcome: 'done' }) === 3 && m;
    }, 10_000, 100);
    assert.equal(metric(after.text, 'tra_indexer_jobs_total', { kind: 'index', outcome: 'done' }), 3, after.text);
    assert.equal(metric(after.text, 'tra_indexer_jobs_total', { kind: 'index', outcome: 'failed' }), 1, after.text);
    assert.equal(metric(after.text, 'tra_indexer_job_duration_seconds_count', { kind: 'index', outcome: 'done' }), 3);
    assert.ok(metric(after.text, 'tra_indexer_job_duration_seconds_sum', { kind: 'index', outcome: 'done' }) >= 4.5, 'three jobs of ≥ 1.5 s each');
    assert.equal(metric(after.text, 'tra_indexer_job_in_hand'), 0);
    assert.ok(metric(after.text, 'tra_process_cpu_seconds_total') > 0);
    assert.match(after.text, /# TYPE tra_indexer_queue_jobs gauge/);
    const done = await health(base);
    assert.equal(done.body.job, null);
    assert.ok(['observe', 'index'].includes(String(done.body.last_job?.kind)), JSON.stringify(done.body.last_job));

    // PostgreSQL unreachable: 503 at once, saying so; healthy again when it is back.
    relay.cut();
    let slowest = 0;
    const cut = await until('503 while PostgreSQL is unreachable', async () => {
      const h = await health(base);
      slowest = Math.max(slowest, h.ms);
      return h.status === 503 && h;
    }, 10_000, 200);
    assert.equal(cut.body.ok, false);
    assert.equal(cut.body.postgres.reachable, false);
    assert.match(String(cut.body.message), /PostgreSQL/);
    assert.ok(slowest < 5_000, `a health check took ${slowest} ms`);
    assert.equal((await get(`${base}/metrics`)).status, 200, 'metrics still answer');
    relay.restore();
    await until('healthy again', async () => (await health(base)).status === 200, 30_000, 250);

    await checkBounded(base);
    await ix.kill();
    assert.equal(ix.child.exitCode, 0, ix.err.slice(-2000));
  } catch (e) {
    process.stderr.write(`--- indexer\n${ix?.err.slice(-3000)}\n`);
    throw e;
  } finally {
    await ix?.kill();
    await relay.close();
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tra fetcher --port: /healthz lists the hosts it holds; /metrics counts requests by kind and status class, bytes, politeness waits', { skip: PG_SKIP, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-role-health-'));
  const s = await testSchema();
  const web = await startWebHosts([
    { crawlDelayS: 0, latencyMs: 30, articles: 4 },
    { crawlDelayS: 0, latencyMs: 30, articles: 4, slowFirst: { '/tin/2.html': 1500 } },
  ]);
  let f: Proc | undefined;
  try {
    f = start(['fetcher', '--pg', s.url, '--blob', join(dir, 'blob'), '--allow-private-addresses', '--delay-ms', '200', '--port', '0', '--host', '127.0.0.1', ...web.feeds.flatMap((u) => ['--source', u])]);
    const base = (await f.waitFor(/^http:\/\//, 60_000)).trim();
    assert.equal(f.out.split('\n')[0], base, 'the URL is the first line on stdout');

    const holding = await until('a host lease held', async () => {
      const h = await health(base);
      return (h.body.hosts_held ?? 0) >= 1 && h;
    }, 60_000, 50);
    assert.equal(holding.status, 200);
    assert.equal(holding.body.role, 'fetcher');
    assert.equal(holding.body.postgres.reachable, true);
    assert.match(String(holding.body.owner), new RegExp(`:${f.child.pid}:`));
    const held = holding.body.hosts![0];
    assert.ok(web.hosts.includes(held.host), JSON.stringify(holding.body.hosts));
    const { rows } = await s.pool.query<{ lease_epoch: string }>('SELECT lease_epoch FROM hosts WHERE host = $1', [held.host]);
    assert.ok(Number(rows[0].lease_epoch) >= held.epoch && held.epoch >= 1, 'the epoch of a lease claimed in PostgreSQL');

    await until('every article stored', async () => Number((await s.pool.query('SELECT count(*) AS n FROM documents')).rows[0].n) === 8, 90_000, 250);
    const m = await until('the requests counted', async () => {
      const r = await get(`${base}/metrics`);
      return metric(r.text, 'tra_fetcher_fetches_total', { kind: 'article', outcome: '2xx' }) === 8 && r;
    }, 20_000, 100);
    assert.equal(metric(m.text, 'tra_fetcher_fetches_total', { kind: 'robots', outcome: '2xx' }), 2, m.text);
    assert.equal(metric(m.text, 'tra_fetcher_fetches_total', { kind: 'feed', outcome: '2xx' }), 2);
    assert.ok(metric(m.text, 'tra_fetcher_fetched_bytes_total', { kind: 'article' }) > 8 * 1000);
    assert.equal(metric(m.text, 'tra_fetcher_disallowed_total'), 2, 'one disallowed URL per feed');
    assert.ok(metric(m.text, 'tra_fetcher_politeness_waits_total') >= 2);
    assert.ok(metric(m.text, 'tra_fetcher_politeness_wait_seconds_total') > 0);
    assert.equal(metric(m.text, 'tra_fetcher_versions_total'), 8);
    assert.ok(metric(m.text, 'tra_fetcher_host_claims_total') >= 2);
    assert.ok(metric(m.text, 'tra_process_resident_memory_bytes') > 0);

    await checkBounded(base);
    await f.kill();
    assert.equal(f.child.exitCode, 0, f.err.slice(-2000));
    const lines = f.out.trim().split('\n');
    assert.equal(lines[0], base);
    const summary = JSON.parse(lines[lines.length - 1]);
    assert.equal(summary.versions, 8, 'the summary line stays the last on stdout');
  } catch (e) {
    process.stderr.write(`--- fetcher\n${f?.err.slice(-3000)}\n`);
    throw e;
  } finally {
    await f?.kill();
    await web.close();
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
