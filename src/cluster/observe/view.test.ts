// The cluster's observatory (view.ts) against one machine's on the same documents: the counts one
// machine made are copied into PostgreSQL as the cluster's writer would leave them, the documents
// become versions at the same seqs, and a stand-in coordinator answers trends and searches from
// the same directory's engine. Every answer of /api/emerging, /api/clusters, /api/forecast and
// /api/attention must then be one machine's, byte for byte.
process.env.TRA_TEST_HOOKS = '1';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { openEngine } from '../../engine/index.ts';
import { DocStore } from '../../store/store.ts';
import { syncFromStore } from '../../observe/sync.ts';
import { syntheticNews } from '../../observe/test-fixtures.ts';
import { COUNTS_VERSION } from '../../observe/counts.ts';
import { startTestServer, type TestServer } from '../../server/test-support.ts';
import { buildServer } from '../../server/app.ts';
import { coordinatorBackend } from '../coordinator/remote-backend.ts';
import { copyCountsToPg, putDocuments, setObserveMeta } from './pg-fixture.ts';
import { openClusterObservatory, type ClusterObservatory } from './view.ts';

const START = '2025-06-02';
const STORY = 'Động đất mạnh ở Kon Tum';
const STORY_DAY = '2025-08-07'; // day 66

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A coordinator stand-in: trends (with `source`) and searches from one machine's engine, as the coordinator's JSON. */
function standIn(one: TestServer): Promise<{ url: string; server: Server; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    calls.push(u.pathname + u.search);
    const p = u.searchParams;
    const opt = (k: string) => p.get(k) ?? undefined;
    const run = async () => {
      if (u.pathname === '/api/trends') {
        return one.backend.trends({ query: p.get('q')!, interval: (opt('interval') ?? 'day') as 'day', from: opt('from'), to: opt('to'), sources: p.getAll('source').length ? p.getAll('source') : undefined });
      }
      if (u.pathname === '/api/search') return one.backend.search({ query: p.get('q')!, limit: Number(p.get('limit')), from: opt('from'), to: opt('to') });
      throw new Error('not here');
    };
    run().then(
      (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      (e: Error) => res.writeHead(500).end(JSON.stringify({ message: e.message })),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const a = server.address() as { port: number };
    resolve({ url: `http://127.0.0.1:${a.port}`, server, calls });
  }));
}

async function json(base: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(base + path);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

test('the cluster observatory answers exactly as one machine on the same documents and counts', { skip: PG_SKIP, timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tra-cobs-'));
  const s = await testSchema();
  const dir = join(root, 'one');
  let one: TestServer | undefined;
  let coord: Awaited<ReturnType<typeof standIn>> | undefined;
  let obs: ClusterObservatory | undefined;
  let web: Awaited<ReturnType<typeof buildServer>> | undefined;
  const logs: string[] = [];
  try {
    const docs = syntheticNews(START, 70, 40, [{ day: 66, docs: 15, title: STORY }]).map((d, i) => ({ ...d, text: `${d.title}. Bài viết số ${i} với nội dung ${'dài '.repeat(i % 3 === 0 ? 600 : 5)}kết thúc.` }));
    const engine = await openEngine(dir);
    await engine.add(docs);
    engine.close();
    syncFromStore(dir);
    const store = new DocStore(join(dir, 'store.sqlite'), { readOnly: true });
    const rows = [...store.docsAfter(0)].map((r) => ({ seq: r.seq, doc: r.doc as unknown as Record<string, unknown> & { id: string } }));
    store.close();
    await putDocuments(s.pool, rows);
    await copyCountsToPg(s.pool, dir);

    one = await startTestServer({}, dir);
    coord = await standIn(one);
    obs = openClusterObservatory({ pg: s.url, coordinator: coord.url, cacheDir: join(root, 'cache'), log: (l) => logs.push(l), syncMs: 1000 });
    const o = obs;
    const backend = coordinatorBackend(coord.url, { extras: { observatory: () => o.view(), health: () => o.health() } });
    web = await buildServer({ backend, logger: false, rateLimit: { max: 0, windowMs: 60_000 } });
    await web.listen({ host: '127.0.0.1', port: 0 });
    const wu = `http://127.0.0.1:${(web.server.address() as { port: number }).port}`;
    await until('the cluster observatory', async () => (await json(wu, '/api/emerging')).status === 200, 60_000);
    await until('one machine', async () => (await json(one!.base, '/api/emerging')).status === 200, 60_000);
    assert.ok(logs.some((l) => /dòng ngày, \d+ từ/.test(l)), `a mirror round is logged with its cost: ${logs.join(' | ')}`);

    const q = encodeURIComponent('động đất');
    for (const path of [
      `/api/emerging?date=${STORY_DAY}&limit=10`,
      '/api/emerging',
      `/api/emerging?date=2025-07-01`,
      `/api/clusters?date=${STORY_DAY}`,
      `/api/forecast?q=${q}&days=7`,
      `/api/forecast?q=${encodeURIComponent('giá vàng')}`,
      `/api/attention?q=${q}&interval=week&by_source=1&top=10`,
      `/api/attention?q=${encodeURIComponent('giao thông')}&from=2025-07-01&to=2025-08-10`,
    ]) {
      const a = await json(wu, path);
      const b = await json(one.base, path);
      assert.equal(a.status, 200, `${path}: ${JSON.stringify(a.body)}`);
      assert.deepEqual(a.body, b.body, `cluster = one machine: ${path}`);
    }
    const em = (await json(wu, `/api/emerging?date=${STORY_DAY}`)).body as { items: { label: string; articles?: unknown[] }[] };
    assert.match(em.items[0].label, /động đất|kon tum/i, 'the story leads the day');
    assert.ok((em.items[0].articles?.length ?? 0) >= 10, 'its articles come from PostgreSQL');
    const attention = (await json(wu, `/api/attention?q=${q}&interval=week&by_source=1&top=10`)).body as { sources?: unknown[]; top_terms?: unknown[] };
    assert.ok(attention.sources?.length && attention.top_terms?.length, 'per source and key terms are there');
    assert.ok(coord.calls.some((c) => c.startsWith('/api/search') && c.includes('limit=300')), 'key terms from the 300 best hits');

    const page = await fetch(`${wu}/quan-sat?date=${STORY_DAY}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Kon Tum/);
    const subject = await fetch(`${wu}/quan-sat?q=${q}`);
    assert.equal(subject.status, 200);
    assert.match(await subject.text(), /7 ngày tới/);
    const health = await json(wu, '/healthz');
    assert.equal((health.body.workers as Record<string, { ready: number }>).observatory.ready, 1);

    // Fresh counts are picked up within a sync period: a day of normal volume after the last one.
    const before = (await obs.status()).last!.change;
    const last = (await s.pool.query<{ docs: number; terms: Buffer; seqs: Buffer }>('SELECT docs, terms, seqs FROM observe_days WHERE day = 20310')).rows[0];
    await s.pool.query("INSERT INTO observe_days(day, docs, terms, seqs, change) VALUES (20311, $1, $2, $3, nextval('observe_change_seq'))", [last.docs, last.terms, last.seqs]);
    await until('the new counts', async () => (await obs!.status()).last!.change > before, 10_000);
    assert.equal(((await json(wu, '/api/emerging')).body as { date: string }).date, '2025-08-11', 'the new last day');

    // A worker that dies is replaced; the call it was answering is a 503.
    const died = await json(wu, '/api/forecast?q=__tra_test_exit__');
    assert.equal(died.status, 503, JSON.stringify(died.body));
    await until('a new observatory worker', async () => (await json(wu, `/api/emerging?date=${STORY_DAY}`)).status === 200, 30_000);
    assert.ok((obs.health().observatory.restarts ?? 0) >= 1);
  } finally {
    await web?.close();
    await obs?.close();
    await new Promise((r) => coord?.server.close(r) ?? r(undefined));
    await one?.close();
    await s.drop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a coordinator that does not filter trends by source (an older version): attention without per-source series, said once', { skip: PG_SKIP, timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tra-cobs-'));
  const s = await testSchema();
  const dir = join(root, 'one');
  let one: TestServer | undefined;
  let obs: ClusterObservatory | undefined;
  let old: Server | undefined;
  const logs: string[] = [];
  try {
    const engine = await openEngine(dir);
    await engine.add(syntheticNews(START, 30, 20));
    engine.close();
    syncFromStore(dir);
    await copyCountsToPg(s.pool, dir);
    // A coordinator of an older version, whose /api/trends took no `source`: a proxy that drops it.
    one = await startTestServer({}, dir);
    const base = one.base;
    old = createServer((req, res) => {
      const u = new URL(req.url ?? '/', base);
      u.searchParams.delete('source');
      fetch(u).then(async (r) => {
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await r.arrayBuffer()));
      }, () => res.writeHead(502).end());
    });
    await new Promise<void>((r) => old!.listen(0, '127.0.0.1', r));
    const oldBase = `http://127.0.0.1:${(old.address() as { port: number }).port}`;
    obs = openClusterObservatory({ pg: s.url, coordinator: oldBase, cacheDir: join(root, 'cache'), log: (l) => logs.push(l) });
    const view = await until('ready', () => obs!.view());
    const a = await view.attention({ query: 'giá vàng', interval: 'week', bySource: true, top: 0 });
    assert.ok(a.total > 0);
    assert.equal(a.sources, undefined, 'no series under each source that is really the overall one');
    const b = await view.attention({ query: 'chứng khoán', interval: 'week', bySource: true, top: 0 });
    assert.equal(b.sources, undefined);
    assert.equal(logs.filter((l) => /không lọc \/api\/trends theo nguồn/.test(l)).length, 1, logs.join(' | '));
  } finally {
    await obs?.close();
    await new Promise<void>((r) => (old ? old.close(() => r()) : r()));
    await one?.close();
    await s.drop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('an observatory that cannot start says why, in one line, while it is retried', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tra-cobs-'));
  const s = await testSchema();
  let obs: ClusterObservatory | undefined;
  try {
    await setObserveMeta(s.pool, { version: COUNTS_VERSION + 1, epoch: 1 });
    obs = openClusterObservatory({ pg: s.url, coordinator: 'http://127.0.0.1:9', cacheDir: join(root, 'cache'), minBackoffMs: 100, maxBackoffMs: 200 });
    const err = await until('a start failure', () => {
      try {
        obs!.view();
        return undefined;
      } catch (e) {
        return e as Error & { statusCode: number };
      }
    });
    assert.equal(err.statusCode, 503);
    assert.match(err.message, /phiên bản tra khác.*nâng cấp/);
    assert.equal(err.message.split('\n').length, 1);
    assert.equal(obs.health().observatory.able, false);
    // Counts of this version appear (the indexers were upgraded): the next start succeeds.
    await setObserveMeta(s.pool, { version: COUNTS_VERSION });
    const view = await until('ready after the upgrade', () => {
      try {
        return obs!.view();
      } catch {
        return undefined;
      }
    });
    assert.equal(await view.range(), undefined, 'nothing counted yet');
  } finally {
    await obs?.close();
    await s.drop();
    rmSync(root, { recursive: true, force: true });
  }
});
