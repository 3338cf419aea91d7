// A sharded answer equals the single-node answer: the same documents indexed with `tra index
// --data` on one machine (served by `tra serve`) and through the cluster (`tra index --pg`, an
// indexer, two searchers holding both quarter shards, a coordinator). Asked again, the answers
// come from the coordinator's statistics cache (no statistics call) and are the same. New
// documents published into one quarter: only that shard is asked for statistics again, and the
// answers equal one machine's with the same documents. Then a searcher is killed during queries:
// every answer is complete or says `partial`; after its restart, answers equal the oracle again.
// Real processes on loopback, real PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tra } from '../hostile/run.ts';
import { PG_SKIP, testSchema } from './pg.ts';
import { corpus, getJson, start, until, type Proc } from './procs.ts';
import { clusterStatistics } from '../../src/cluster/roles/stats.ts';
import { sameAnswer } from './same-answer.ts';

const QUERIES = [
  '/api/search?q=H%C3%A0%20N%E1%BB%99i&limit=20',
  '/api/search?q=ha%20noi&limit=20',
  '/api/search?q=gi%C3%A1%20v%C3%A0ng&limit=10&facets=true',
  '/api/search?q=gia%20vang%20tang&limit=15',
  '/api/search?q=b%C3%A3o&limit=10&offset=5',
  '/api/search?q=b%C3%B3ng%20%C4%91%C3%A1&sort=date&limit=20',
  '/api/search?q=kinh%20t%E1%BA%BF&from=2025-07-01&to=2025-09-30&limit=10',
  '/api/search?q=c%C3%A0%20ph%C3%AA&source=VnExpress&limit=10&facets=true',
  '/api/search?q=ng%C3%A2n%20h%C3%A0ng%20l%C3%A3i%20su%E1%BA%A5t%20t%C4%83ng%20hay%20gi%E1%BA%A3m%20trong%20n%C4%83m%20nay%20th%E1%BA%BF%20n%C3%A0o&limit=10&facets=true',
  '/api/search?q=%22Ph%C3%BA%20Qu%E1%BB%91c%22%20-m%C6%B0a&limit=10',
  '/api/search?q=chuy%E1%BB%83n%20%C4%91%E1%BB%95i%20s%E1%BB%91&limit=10',
  '/api/search?q=s%E1%BA%A7u%20ri%C3%AAng&sort=date&from=2025-05-01&to=2025-06-30&limit=5',
  '/api/trends?q=gi%C3%A1%20v%C3%A0ng',
  '/api/trends?q=ha%20noi&interval=week',
  '/api/trends?q=b%C3%A3o&interval=month&from=2025-01-01&to=2025-12-31',
];


test('sharded search equals the single-node answer; a searcher killed during queries', { skip: PG_SKIP, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-sharded-'));
  const s = await testSchema();
  const procs: Proc[] = [];
  const run = (args: string[], env?: Record<string, string>) => {
    const p = start(args, env);
    procs.push(p);
    return p;
  };
  try {
    const file = join(dir, 'tin.jsonl');
    writeFileSync(file, corpus(400).map((d) => JSON.stringify(d)).join('\n') + '\n');
    const blob = join(dir, 'blob');
    const [one, cl] = await Promise.all([
      tra(['index', '--data', join(dir, 'data'), file], {}, 60_000),
      tra(['index', '--pg', s.url, '--blob', blob, file], {}, 60_000),
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(cl.code, 0, cl.stderr);

    const serve = run(['serve', '--data', join(dir, 'data'), '--port', '0', '--host', '127.0.0.1']);
    run(['indexer', '--pg', s.url, '--blob', blob]);
    await until('every document published', async () => {
      const st = await clusterStatistics(s.pool);
      return st.documents === 400 && st.unpublished === 0 && st;
    }, 45_000);
    const stats = JSON.parse((await tra(['stats', '--pg', s.url, '--json'], {}, 30_000)).stdout);
    assert.equal(stats.documents, 400);
    assert.equal(stats.published, 400);
    assert.equal(stats.shards, 3, 'two quarters and the undated shard');

    const searcherArgs = (port: string) => ['searcher', '--pg', s.url, '--blob', blob, '--port', port, '--host', '127.0.0.1', '--dir', join(dir, `s${port}-${procs.length}`)];
    const s1 = run(searcherArgs('0'));
    const s2 = run(searcherArgs('0'));
    const u1 = (await s1.waitFor(/^http:/)).trim();
    const u2 = (await s2.waitFor(/^http:/)).trim();
    const coord = run(['coordinator', '--pg', s.url, '--port', '0', '--host', '127.0.0.1', '--hedge-ms', '200', '--timeout-ms', '5000']);
    const cu = (await coord.waitFor(/^http:/)).trim();
    const su = (await serve.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 30_000)).match(/http:\/\/127\.0\.0\.1:\d+/)![0];
    await until('coordinator healthy with two replicas per shard', async () => {
      const h = await getJson(`${cu}/healthz`);
      const shards = h.body.shards as Record<string, number> | undefined;
      return h.status === 200 && shards && Object.keys(shards).length === 3 && Object.values(shards).every((n) => n === 2);
    }, 30_000);

    const oracle = new Map<string, Record<string, unknown>>();
    for (const q of QUERIES) {
      const [a, b] = await Promise.all([getJson(cu + q), getJson(su + q)]);
      assert.equal(a.status, 200, `${q}: ${JSON.stringify(a.body)}`);
      assert.equal(b.status, 200);
      assert.ok((b.body.total as number) > 0 || q.includes('trends'), `${q} matches something`);
      sameAnswer(a.body, b.body, q);
      oracle.set(q, b.body);
    }
    const m = await (await fetch(`${cu}/metrics`)).text();
    assert.match(m, /tra_coordinator_shard_calls_total\{outcome="ok"\} \d+/);
    assert.match(await (await fetch(`${u1}/metrics`)).text(), /tra_searcher_segments \d+/);

    /** Statistics calls the searchers answered so far. */
    const statsCalls = async (urls: string[]) => {
      let n = 0;
      for (const u of urls) for (const x of (await (await fetch(`${u}/metrics`)).text()).matchAll(/tra_searcher_requests_total\{route="\/shard\/stats",status="\d+"\} (\d+)/g)) n += Number(x[1]);
      return n;
    };
    /** Requests of the coordinator to each shard, of one kind. */
    const shardRequests = async (kind: string) => {
      const out: Record<string, number> = {};
      for (const x of (await (await fetch(`${cu}/metrics`)).text()).matchAll(/tra_coordinator_shard_requests_total\{kind="(\w+)",shard="([^"]+)"\} (\d+)/g)) if (x[1] === kind) out[x[2]] = Number(x[3]);
      return out;
    };

    // The same queries again: statistics from the coordinator's cache, the same answers.
    const before = await statsCalls([u1, u2]);
    for (const q of QUERIES) sameAnswer((await getJson(cu + q)).body, oracle.get(q)!, `cached: ${q}`);
    assert.equal(await statsCalls([u1, u2]), before, 'no statistics call for queries already asked');
    assert.match(await (await fetch(`${cu}/metrics`)).text(), /tra_coordinator_stats_cache_total\{outcome="hit"\} [1-9]/);

    // New documents in the third quarter, on both sides: its generation changes, its statistics
    // too (N, df, lengths); the other shards' do not.
    const more = join(dir, 'moi.jsonl');
    const added = corpus(80, 13).filter((d) => d.published && String(d.published) >= '2025-07-01').map((d) => ({ ...d, id: `moi-${d.id as string}`, title: `Côn Đảo ${d.title as string}` }));
    assert.ok(added.length >= 20 && added.length <= 60, `${added.length} new documents`);
    writeFileSync(more, added.map((d) => JSON.stringify(d)).join('\n') + '\n');
    const [one2, cl2] = await Promise.all([
      tra(['index', '--data', join(dir, 'data'), more], {}, 60_000),
      tra(['index', '--pg', s.url, '--blob', blob, more], {}, 60_000),
    ]);
    assert.equal(one2.code, 0, one2.stderr);
    assert.equal(cl2.code, 0, cl2.stderr);
    const probe = '/api/search?q=C%C3%B4n%20%C4%90%E1%BA%A3o&limit=5';
    await until('one machine and the coordinator serve the new documents', async () => {
      const [a, b] = await Promise.all([getJson(cu + probe), getJson(su + probe)]);
      return a.body.total === added.length && b.body.total === added.length;
    }, 45_000);
    const stats0 = await shardRequests('stats');
    for (const q of QUERIES) {
      const [a, b] = await Promise.all([getJson(cu + q), getJson(su + q)]);
      assert.equal(a.status, 200, `${q}: ${JSON.stringify(a.body)}`);
      sameAnswer(a.body, b.body, `after a publish: ${q}`);
      oracle.set(q, b.body);
    }
    const stats1 = await shardRequests('stats');
    const asked = (shard: string) => (stats1[shard] ?? 0) - (stats0[shard] ?? 0);
    assert.equal(asked('2025-Q2'), 0, 'an unchanged shard is not asked again');
    assert.equal(asked('undated'), 0, 'an unchanged shard is not asked again');
    assert.ok(asked('2025-Q3') >= 1 && asked('2025-Q3') <= QUERIES.length, `the changed shard is asked (${asked('2025-Q3')})`);

    // Kill one searcher (SIGKILL) while queries run: complete answers or `partial`, never a wrong one.
    let partial = 0;
    let complete = 0;
    const loop = (async () => {
      for (let i = 0; i < 60; i++) {
        const q = QUERIES[i % QUERIES.length];
        const a = await getJson(cu + q);
        assert.equal(a.status, 200);
        if (a.body.partial) {
          partial++;
          assert.ok(Array.isArray(a.body.missing_shards) && (a.body.missing_shards as string[]).length > 0);
        } else {
          complete++;
          sameAnswer(a.body, oracle.get(q)!, `during the kill: ${q}`);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await s1.kill('SIGKILL');
    await loop;
    assert.ok(complete > 0, `complete ${complete}, partial ${partial}`);

    // Restarted on the same port: answers equal the oracle.
    const port = new URL(u1).port;
    const s3 = run(searcherArgs(port));
    await s3.waitFor(/^http:/);
    await until('the restarted searcher serves again', async () => {
      const h = await getJson(`${cu}/healthz`);
      return Object.values(h.body.shards as Record<string, number>).every((n) => n >= 1);
    });
    await s2.kill('SIGKILL');
    await until('only the restarted searcher left', async () => {
      const { rows } = await s.pool.query("SELECT count(*)::int AS n FROM searchers WHERE heartbeat_at > now() - interval '10 seconds' AND pid = $1", [s2.child.pid]);
      return rows[0].n === 0;
    }, 20_000);
    for (const q of QUERIES) {
      const a = await until(`${q} complete`, async () => {
        const r = await getJson(cu + q);
        return !r.body.partial && r;
      }, 20_000);
      sameAnswer(a.body, oracle.get(q)!, `after restart: ${q}`);
    }
    // No replica left: the answer says which shards are missing instead of pretending.
    await s3.kill('SIGKILL');
    const gone = await getJson(cu + QUERIES[0]);
    assert.equal(gone.status, 200);
    assert.equal(gone.body.partial, true);
    assert.deepEqual(gone.body.missing_shards, ['2025-Q2', '2025-Q3', 'undated']);
  } finally {
    await Promise.all(procs.map((p) => p.kill()));
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
