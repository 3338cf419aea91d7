// The observatory over a whole cluster on loopback, the real path: `tra index --pg` enqueues the
// documents and their observe jobs, one `tra indexer` publishes segments and counts the days into
// PostgreSQL, one `tra searcher`, `tra coordinator`, and `tra serve --coordinator URL --pg URL
// --cache DIR` serves /quan-sat and /api/{emerging,clusters,attention,forecast} from its mirror of
// those counts. The oracle is `tra serve --data` on the same file: the answers must be its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tra } from '../../../test/hostile/run.ts';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { getJson, start, until, type Proc } from '../../../test/cluster/procs.ts';
import { clusterStatistics } from '../roles/stats.ts';
import { syntheticNews } from '../../observe/test-fixtures.ts';

const STORY = 'Động đất mạnh ở Kon Tum';
const STORY_DAY = '2025-08-07';

const url = (p: Proc) => p.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 60_000).then((l) => l.match(/http:\/\/127\.0\.0\.1:\d+/)![0]);

test('tra serve --coordinator --pg: the observatory answers as tra serve --data on the same documents', { skip: PG_SKIP, timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-cobs-e2e-'));
  const s = await testSchema();
  const procs: Proc[] = [];
  // The operator's token: saved searches are made through the API on both servers.
  const TOKEN = 'e2e-operator-token-0123456789';
  const run = (args: string[]) => {
    const p = start(args, { TRA_ADMIN_TOKEN: TOKEN });
    procs.push(p);
    return p;
  };
  try {
    const docs = syntheticNews('2025-06-02', 70, 30, [{ day: 66, docs: 15, title: STORY }]).map((d, i) => ({ ...d, text: `${d.title}. Bài số ${i}, viết ${i % 4 === 0 ? 'dài '.repeat(700) : 'ngắn'}.` }));
    const file = join(dir, 'tin.jsonl');
    writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    const one = join(dir, 'one');
    const blob = join(dir, 'blob');
    const [a, b] = await Promise.all([tra(['index', '--data', one, file], {}, 120_000), tra(['index', '--pg', s.url, '--blob', blob, file], {}, 120_000)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);

    const oneServe = run(['serve', '--data', one, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn', '--rate-limit', '0']);
    run(['indexer', '--pg', s.url, '--blob', blob]);
    await until('every document published and counted', async () => {
      const st = await clusterStatistics(s.pool);
      const jobs = Number((await s.pool.query<{ n: string }>('SELECT count(*) AS n FROM jobs')).rows[0].n);
      return st.documents === docs.length && st.unpublished === 0 && jobs === 0;
    }, 120_000);
    run(['searcher', '--pg', s.url, '--blob', blob, '--port', '0', '--host', '127.0.0.1', '--dir', join(dir, 's1')]);
    const coord = run(['coordinator', '--pg', s.url, '--port', '0', '--host', '127.0.0.1']);
    const cu = (await coord.waitFor(/^http:/)).trim();
    await until('coordinator healthy', async () => (await getJson(`${cu}/healthz`)).status === 200, 60_000);
    const web = run(['serve', '--coordinator', cu, '--pg', s.url, '--cache', join(dir, 'cache'), '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn', '--rate-limit', '0']);
    const [wu, su] = await Promise.all([url(web), url(oneServe)]);
    await until('the cluster observatory', async () => (await getJson(`${wu}/api/emerging`)).status === 200, 90_000);
    await until('one machine', async () => (await getJson(`${su}/api/emerging`)).status === 200, 90_000);

    const q = encodeURIComponent('động đất');
    for (const path of [
      `/api/emerging?date=${STORY_DAY}&limit=10`,
      '/api/emerging',
      `/api/clusters?date=${STORY_DAY}`,
      `/api/forecast?q=${q}&days=7`,
      `/api/forecast?q=${encodeURIComponent('giá vàng')}`,
      `/api/attention?q=${q}&interval=week&top=10`,
      `/api/attention?q=${q}&interval=week&by_source=1`,
      '/api/sources',
      `/api/attention?q=${encodeURIComponent('giao thông')}&from=2025-07-01&to=2025-08-10`,
    ]) {
      const [cl, me] = [await getJson(wu + path), await getJson(su + path)];
      assert.equal(cl.status, 200, `${path}: ${JSON.stringify(cl.body)}`);
      assert.deepEqual(cl.body, me.body, `cluster = one machine: ${path}`);
    }
    // A source's page lists the same articles, newest first (its latest articles come from PostgreSQL).
    const top = ((await getJson(`${wu}/api/sources`)).body as { sources: { name: string }[] }).sources[0].name;
    const listed = async (base: string) => {
      const r = await fetch(`${base}/nguon/${encodeURIComponent(top)}`);
      assert.equal(r.status, 200);
      return [...(await r.text()).matchAll(/<li class="hit"><h3><a href="([^"]+)">/g)].map((m) => m[1]);
    };
    const [clList, meList] = [await listed(wu), await listed(su)];
    assert.ok(clList.length > 0, `articles of ${top} listed`);
    assert.deepEqual(clList, meList, `/nguon/${top}: cluster = one machine`);
    // Search-as-you-type: the same completions once both have read every title (one machine from
    // its store, the cluster from PostgreSQL; both in the background after start).
    const suggest = async (base: string, q: string) => JSON.stringify((await getJson(`${base}/api/suggest?q=${encodeURIComponent(q)}`)).body);
    for (const q of ['dong d', 'động đất ', 'gia', 'kon']) {
      let last = '';
      await until(`/api/suggest?q=${q}: cluster = one machine`, async () => {
        const [c, m] = [await suggest(wu, q), await suggest(su, q)];
        last = `${c} ≠ ${m}`;
        return c === m;
      }, 30_000, 200).catch((e) => assert.fail(`${(e as Error).message}: ${last}`));
    }
    assert.ok(((await getJson(`${wu}/api/suggest?q=dong%20d`)).body as { suggestions: unknown[] }).suggestions.length > 0, 'completions offered');
    // "Did you mean" for a query typed without marks: the same suggestion (the coordinator's
    // answer carries the reading its restorer chose, as one machine's does).
    const dym = async (base: string, q: string) => /<p class="didyoumean">[^]*?<\/p>/.exec(await (await fetch(`${base}/tim-kiem?q=${encodeURIComponent(q)}`)).text())?.[0];
    for (const q of ['dong dat kon tum', 'gia vang']) {
      const [c, m] = [await dym(wu, q), await dym(su, q)];
      assert.ok(m, `one machine suggests marks for ${q}`);
      assert.equal(c, m, `did you mean (${q}): cluster = one machine`);
    }
    const em = (await getJson(`${wu}/api/emerging?date=${STORY_DAY}`)).body as { items: { label: string; count: number }[] };
    assert.match(em.items[0].label, /động đất|kon tum/i, 'the story leads its day');
    assert.equal(em.items[0].count, 15);

    const page = await fetch(`${wu}/quan-sat?date=${STORY_DAY}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Kon Tum/);
    const subject = await fetch(`${wu}/quan-sat?q=${q}`);
    assert.equal(subject.status, 200);

    // Saved searches: the same alert on both servers, checked now, records the same events.
    const post = async (base: string, path: string, body?: unknown) => {
      const r = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const spec = { name: 'động đất', query: 'động đất', kind: 'threshold', value: 5 };
    const events: Array<Array<string | number>>[] = [];
    for (const base of [wu, su]) {
      const made = await post(base, '/api/alerts', spec);
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const checked = await post(base, '/api/alerts/check');
      assert.equal(checked.status, 200, JSON.stringify(checked.body));
      events.push((checked.body.events as { type: string; day: string; count: number; expected: number }[]).map((e) => [e.type, e.day, e.count, e.expected]));
    }
    assert.ok(events[1].some((e) => e[0] === 'start' && e[1] === STORY_DAY), JSON.stringify(events[1]));
    assert.deepEqual(events[0], events[1], 'the cluster records the events one machine records');
    assert.equal((await getJson(`${wu}/api/alerts`)).status, 200);
    assert.match(web.err, /bản sao số đếm của đài quan sát: chép lại từ đầu, \d+ dòng ngày/, 'the first copy is logged with its cost');
  } finally {
    await Promise.all(procs.map((p) => p.kill()));
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
