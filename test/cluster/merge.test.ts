// Queries during merges: two indexers merge a shard's small segments (--merge-at 3) while
// replacements keep being published and a coordinator answers queries through a searcher. Every
// answer holds each document exactly once — none twice, none missing — and afterwards every
// current version is in exactly one live segment and retired segments are out of the manifest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_SKIP, testSchema } from './pg.ts';
import { getJson, start, until, type Proc } from './procs.ts';
import { writeBatch } from '../../src/cluster/ingest/write.ts';
import { clusterStatistics } from '../../src/cluster/roles/stats.ts';

const N = 90;

function doc(i: number, rev: number): { id: string; title: string; summary: string; published: string; source: string } {
  return {
    id: `gop-${String(i).padStart(3, '0')}`,
    title: `Bản tin hợp nhất số ${i}${rev ? ` (sửa lần ${rev})` : ''}`,
    summary: `Nội dung hợp nhất ${i} về giá vàng và thời tiết, phiên bản ${rev}.`,
    published: new Date(Date.UTC(2025, 6, 1 + (i % 60), 3)).toISOString(),
    source: 'VnExpress',
  };
}

test('queries during merges see every document exactly once', { skip: PG_SKIP, timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-merge-'));
  const s = await testSchema();
  const procs: Proc[] = [];
  const run = (args: string[]) => {
    const p = start(args);
    procs.push(p);
    return p;
  };
  try {
    const blob = join(dir, 'blob');
    // 30 batches of 3: 30 small segments of one shard (2025-Q3) before any merge.
    for (let b = 0; b < N / 3; b++) await writeBatch(s.pool, [0, 1, 2].map((k) => doc(b * 3 + k, 0)));
    const ix = ['indexer', '--pg', s.url, '--blob', blob, '--merge-at', '3', '--lease-ms', '20000'];
    run(ix);
    run(ix);
    await until('every document published', async () => {
      const st = await clusterStatistics(s.pool);
      return st.documents === N && st.unpublished === 0 && st;
    }, 120_000);
    const searcher = run(['searcher', '--pg', s.url, '--blob', blob, '--port', '0', '--host', '127.0.0.1', '--dir', join(dir, 's1')]);
    const su = (await searcher.waitFor(/^http:/, 60_000)).trim();
    const coord = run(['coordinator', '--pg', s.url, '--port', '0', '--host', '127.0.0.1', '--timeout-ms', '10000']);
    const cu = (await coord.waitFor(/^http:/, 60_000)).trim();
    await until('coordinator healthy', async () => (await getJson(`${cu}/healthz`)).status === 200, 60_000);

    const expected = Array.from({ length: N }, (_, i) => doc(i, 0).id).sort();
    const q = `${cu}/api/search?q=h%E1%BB%A3p%20nh%E1%BA%A5t&limit=100`;
    let answers = 0;
    let writing = true;
    let queryFailure: unknown;
    const queries = (async () => {
      while (writing || answers < 20) {
        const a = await getJson(q);
        assert.equal(a.status, 200, JSON.stringify(a.body));
        assert.ok(!a.body.partial, `one searcher holds the shard: no partial answer: ${JSON.stringify(a.body).slice(0, 400)}`);
        const ids = (a.body.hits as { id: string }[]).map((h) => h.id);
        assert.equal(a.body.total, N, `answer ${answers}: total`);
        assert.deepEqual([...ids].sort(), expected, `answer ${answers}: each document exactly once`);
        answers++;
      }
    })();
    // A failed answer ends the test at once (awaited below), not after the writes.
    queries.catch((e: unknown) => (queryFailure = e));
    // Replacements, 3 documents a batch: publishes and merges interleave while queries run.
    const before = Number((await s.pool.query("SELECT count(*) AS n FROM segments WHERE state = 'retired'")).rows[0].n);
    // Each batch shares a document with the next one, so two indexers often hold two versions of
    // one document at once and publish them in either order, while the newer one may be
    // acknowledged before the older one is published.
    const first = (b: number) => (b * 7) % N;
    const second = (b: number) => (b * 7 + 31) % N;
    for (let b = 0; b < 24 && !queryFailure; b++) {
      await writeBatch(s.pool, [first(b), second(b), second(b + 1)].map((i) => doc(i, b + 1)));
      await new Promise((r) => setTimeout(r, 150)); // pacing only: nothing depends on it
    }
    await until('replacements published and merges done', async () => {
      if (queryFailure) return true;
      const st = await clusterStatistics(s.pool);
      const jobs = Number((await s.pool.query("SELECT count(*) AS n FROM jobs WHERE state IN ('ready', 'running')")).rows[0].n);
      return st.unpublished === 0 && jobs === 0 && st;
    }, 120_000);
    writing = false;
    await queries;
    assert.ok(answers >= 20, `${answers} answers`);

    const after = await s.pool.query<{ state: string; n: string }>('SELECT state, count(*) AS n FROM segments GROUP BY state');
    const by = Object.fromEntries(after.rows.map((r) => [r.state, Number(r.n)]));
    assert.ok(by.retired > before, `merges retired segments during the queries (${before} → ${by.retired})`);
    assert.ok(by.live < 3, `live segments after merging: ${by.live}`);
    // Every current version is live in exactly one live segment; no other version is live.
    const { rows } = await s.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM version_segments v JOIN segments g ON g.id = v.segment_id
       WHERE g.state = 'live' AND v.deleted_generation IS NULL`,
    );
    assert.equal(Number(rows[0].n), N);
    const cur = await s.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM documents d JOIN version_segments v ON v.seq = d.current_seq JOIN segments g ON g.id = v.segment_id
       WHERE g.state = 'live' AND v.deleted_generation IS NULL`,
    );
    assert.equal(Number(cur.rows[0].n), N);
    const failed = Number((await s.pool.query("SELECT count(*) AS n FROM jobs WHERE state = 'failed'")).rows[0].n);
    assert.equal(failed, 0);
    // Once the searcher serves the shard's last generation, answers show the last revision of
    // every document.
    const last = new Map<string, string>(Array.from({ length: N }, (_, i) => [doc(i, 0).id, doc(i, 0).title]));
    for (let b = 0; b < 24; b++) for (const i of [first(b), second(b), second(b + 1)]) last.set(doc(i, 0).id, doc(i, b + 1).title);
    const generation = Number((await s.pool.query<{ generation: string }>('SELECT generation FROM shard_checkpoints')).rows[0].generation);
    await until('the searcher serving the last generation', async () => {
      const h = await getJson(`${su}/healthz`);
      return Object.values(h.body.shards as Record<string, number>)[0] === generation;
    }, 30_000);
    const a = await getJson(q);
    const titles = Object.fromEntries((a.body.hits as { id: string; title: string }[]).map((h) => [h.id, h.title]));
    assert.deepEqual(titles, Object.fromEntries(last));
  } finally {
    await Promise.all(procs.map((p) => p.kill()));
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
