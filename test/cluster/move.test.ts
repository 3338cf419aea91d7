// A data directory moved into a cluster and back, one command each: `tra cluster import` (run
// twice: the second writes nothing), the cluster's answers equal those of `tra serve --data` on
// the directory, `tra serve --coordinator` serves the same answers and its pages (with a polite
// page where the cluster has nothing yet), and `tra cluster export` (run twice) makes a directory
// whose `tra search` answers equal the original's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tra } from '../hostile/run.ts';
import { PG_SKIP, testSchema } from './pg.ts';
import { corpus, getJson, start, until, type Proc } from './procs.ts';
import { clusterStatistics } from '../../src/cluster/roles/stats.ts';

const QUERIES = [
  '/api/search?q=gi%C3%A1%20v%C3%A0ng&limit=10&facets=true',
  '/api/search?q=ha%20noi&limit=20',
  '/api/search?q=b%C3%B3ng%20%C4%91%C3%A1&sort=date&limit=20',
  '/api/search?q=kinh%20t%E1%BA%BF&from=2025-07-01&to=2025-09-30&limit=10',
  '/api/trends?q=b%C3%A3o&interval=month',
];
const CLI_QUERIES = ['giá vàng', 'ha noi', 'bóng đá việt nam'];

function same(a: Record<string, unknown>, b: Record<string, unknown>, what: string): void {
  const strip = (x: Record<string, unknown>) => {
    const { took_ms: _t, hits, ...rest } = x;
    return { rest, hits: ((hits as { score: number }[] | undefined) ?? []).map(({ score, ...h }) => ({ ...h, score: Math.round(score * 1e6) / 1e6 })) };
  };
  assert.deepEqual(strip(a), strip(b), what);
}

test('a data directory into a cluster and back; tra serve --coordinator', { skip: PG_SKIP, timeout: 150_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-move-'));
  const s = await testSchema();
  const procs: Proc[] = [];
  const run = (args: string[]) => {
    const p = start(args);
    procs.push(p);
    return p;
  };
  try {
    const file = join(dir, 'tin.jsonl');
    writeFileSync(file, corpus(300, 23).map((d) => JSON.stringify(d)).join('\n') + '\n');
    const d1 = join(dir, 'one');
    const blob = join(dir, 'blob');
    assert.equal((await tra(['index', '--data', d1, file], {}, 60_000)).code, 0);

    const imp = await tra(['cluster', 'import', '--data', d1, '--pg', s.url, '--blob', blob], {}, 60_000);
    assert.equal(imp.code, 0, imp.stderr);
    const r1 = JSON.parse(imp.stdout.trim().split('\n').pop()!);
    assert.equal(r1.documents, 300);
    assert.equal(r1.written, 300);
    const again = JSON.parse((await tra(['cluster', 'import', '--data', d1, '--pg', s.url, '--blob', blob], {}, 60_000)).stdout.trim().split('\n').pop()!);
    assert.deepEqual([again.written, again.unchanged], [0, 300], 'a second import writes nothing');

    const serve = run(['serve', '--data', d1, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn']);
    run(['indexer', '--pg', s.url, '--blob', blob]);
    await until('every document published', async () => {
      const st = await clusterStatistics(s.pool);
      return st.documents === 300 && st.unpublished === 0 && st;
    }, 45_000);
    run(['searcher', '--pg', s.url, '--blob', blob, '--port', '0', '--host', '127.0.0.1', '--dir', join(dir, 's1')]);
    const coord = run(['coordinator', '--pg', s.url, '--port', '0', '--host', '127.0.0.1']);
    const cu = (await coord.waitFor(/^http:/)).trim();
    const su = (await serve.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 30_000)).match(/http:\/\/127\.0\.0\.1:\d+/)![0];
    await until('coordinator healthy', async () => (await getJson(`${cu}/healthz`)).status === 200, 30_000);
    const web = run(['serve', '--coordinator', cu, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn']);
    const wu = (await web.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 30_000)).match(/http:\/\/127\.0\.0\.1:\d+/)![0];

    for (const q of QUERIES) {
      const [one, cl, viaServe] = await Promise.all([getJson(su + q), getJson(cu + q), getJson(wu + q)]);
      assert.equal(cl.status, 200, `${q}: ${JSON.stringify(cl.body)}`);
      same(cl.body, one.body, `cluster = one machine: ${q}`);
      assert.equal(viaServe.status, 200, `${q}: ${JSON.stringify(viaServe.body)}`);
      same(viaServe.body, cl.body, `tra serve --coordinator = coordinator: ${q}`);
    }
    // The pages work through the coordinator; what a cluster lacks says so.
    const page = await fetch(`${wu}/tim-kiem?q=gi%C3%A1%20v%C3%A0ng`);
    assert.equal(page.status, 200);
    const first = ((await getJson(`${cu}/api/search?q=gi%C3%A1%20v%C3%A0ng&limit=1`)).body.hits as { id: string; title: string }[])[0];
    assert.ok((await page.text()).includes(first.title.split(' ')[0]));
    const doc = await getJson(`${wu}/api/documents/${encodeURIComponent(first.id)}`);
    assert.equal(doc.status, 200);
    assert.equal(doc.body.id, first.id);
    const art = await fetch(`${wu}/bai/${encodeURIComponent(first.id)}`);
    assert.equal(art.status, 200);
    const obs = await fetch(`${wu}/quan-sat`);
    assert.equal(obs.status, 501);
    assert.match(await obs.text(), /chưa có ở chế độ cụm/);
    const em = await getJson(`${wu}/api/emerging?date=2025-08-01`);
    assert.equal(em.status, 501);
    assert.match(String(em.body.message), /chưa có ở chế độ cụm/);
    const stats = await getJson(`${wu}/api/stats`);
    assert.equal(stats.body.documents, 300);

    // And back: a new directory answers as the original.
    const d2 = join(dir, 'two');
    const exp = await tra(['cluster', 'export', '--pg', s.url, '--blob', blob, '--data', d2], {}, 60_000);
    assert.equal(exp.code, 0, exp.stderr);
    assert.equal(JSON.parse(exp.stdout.trim().split('\n').pop()!).written, 300);
    const exp2 = JSON.parse((await tra(['cluster', 'export', '--pg', s.url, '--blob', blob, '--data', d2], {}, 60_000)).stdout.trim().split('\n').pop()!);
    assert.deepEqual([exp2.written, exp2.unchanged], [0, 300], 'a second export writes nothing');
    for (const q of CLI_QUERIES) {
      const [a, b] = await Promise.all([tra(['search', '--data', d1, '--json', '--limit', '20', q], {}, 30_000), tra(['search', '--data', d2, '--json', '--limit', '20', q], {}, 30_000)]);
      same(JSON.parse(b.stdout), JSON.parse(a.stdout), `round trip: ${q}`);
    }
  } finally {
    await Promise.all(procs.map((p) => p.kill()));
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
