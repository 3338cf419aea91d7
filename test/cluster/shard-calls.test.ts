// How many calls the coordinator makes to shards per query, and that answers stay those of one
// machine while it makes fewer: two quarter shards, each served by its own searcher (in this
// process, so each searcher's /metrics counts the calls of one shard), a coordinator's search
// (ClusterSearch) and an engine holding the same documents as the oracle.
//
// - a new keyword query asks each shard for statistics once (one round), then searches it;
//   repeated, it makes only the searches, one per shard;
// - newest first and a date filter reuse the statistics; a filter inside one quarter calls only
//   that quarter's searcher;
// - trends of a new one-word query ask no statistics at all (counts need no scores);
// - a publish to one shard makes only that shard be asked again, and answers follow it;
// - a merge that drops replaced versions changes N and df: answers follow the new statistics;
// - a coordinator whose topology is behind (it pins a generation the searcher no longer holds)
//   starts the query again with generations pinned by asking, and still answers in full;
// - one whose topology is behind while the old generation is still held answers from the newer
//   generation all the same (each answer says what its searcher serves now).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PG_SKIP, testSchema } from './pg.ts';
import { corpus, until } from './procs.ts';
import { DirBlobStore } from '../../src/cluster/blob/dir.ts';
import { writeBatch } from '../../src/cluster/ingest/write.ts';
import { claim } from '../../src/cluster/queue/queue.ts';
import { indexJob } from '../../src/cluster/indexer/indexer.ts';
import { mergeShard } from '../../src/cluster/indexer/merge.ts';
import { Searcher } from '../../src/cluster/searcher/searcher.ts';
import { ClusterSearch } from '../../src/cluster/coordinator/cluster-search.ts';
import { openEngine, type Engine } from '../../src/engine/index.ts';
import { sameAnswer } from './same-answer.ts';

const Q2 = '2025-Q2';
const Q3 = '2025-Q3';
type Doc = Record<string, unknown> & { id: string };

/** Dated documents only (two shards), with ids and texts of our own. */
function docs(n: number, seed: number, prefix: string, from?: string): Doc[] {
  return corpus(n, seed)
    .filter((d) => d.published && (!from || String(d.published) >= from))
    .map((d) => ({ ...d, id: `${prefix}-${d.id as string}` }));
}


type Req = { kind: 'search'; query: string; limit?: number; offset?: number; sort?: 'date'; from?: string; to?: string; facets?: boolean } | { kind: 'trends'; query: string; interval?: 'day' | 'week' | 'month'; from?: string; to?: string };

/** Queries typed with marks: their answers depend on no accent restorer (which one machine and the coordinator rebuild at different moments). */
const MARKED: Req[] = [
  { kind: 'search', query: 'Hà Nội', limit: 20 },
  { kind: 'search', query: 'giá vàng', limit: 10, facets: true },
  { kind: 'search', query: 'bão', limit: 10, offset: 5 },
  { kind: 'search', query: 'bóng đá', sort: 'date', limit: 20 },
  { kind: 'search', query: 'kinh tế', from: '2025-05-01', to: '2025-05-31', limit: 10 },
  { kind: 'search', query: 'ngân hàng lãi suất tăng hay giảm trong năm nay thế nào', limit: 10, facets: true },
  { kind: 'trends', query: 'giá vàng' },
  { kind: 'trends', query: 'sầu riêng', interval: 'month' },
  // A long query's matches depend on its lists' dfs (words absent, the list cap): trends gather them.
  { kind: 'trends', query: 'ngân hàng lãi suất tăng hay giảm trong năm nay thế nào', interval: 'week' },
];
const UNMARKED: Req[] = [
  { kind: 'search', query: 'ha noi', limit: 20 },
  { kind: 'search', query: 'gia vang tang', limit: 15 },
  { kind: 'trends', query: 'ha noi', interval: 'week' },
];

const ask = (cs: ClusterSearch, r: Req) => {
  const { kind: _k, ...req } = r;
  return r.kind === 'search' ? cs.search(req) : cs.trends(req);
};
const oracle = (e: Engine, r: Req) => {
  const { kind: _k, ...req } = r;
  return r.kind === 'search' ? e.search(req) : e.trends(req);
};
const label = (r: Req) => `${r.kind} ${JSON.stringify(r)}`;

test('the coordinator asks shards for statistics only when it lacks them, and answers as one machine', { skip: PG_SKIP, timeout: 180_000 }, async (t) => {
  const s = await testSchema();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-shard-calls-'));
  const blob = await new DirBlobStore(path.join(dir, 'blob')).open();
  const searchers: Searcher[] = [];
  const engines: Engine[] = [];
  try {
    /** Ingest and publish now (index jobs run here, no indexer process). */
    const publish = async (batch: Doc[]) => {
      for (let i = 0; i < batch.length; i += 200) await writeBatch(s.pool, batch.slice(i, i + 200) as never);
      for (;;) {
        const jobs = await claim(s.pool, { owner: 'test', kinds: ['index'], leaseMs: 600_000, limit: 100 });
        if (!jobs.length) break;
        for (const j of jobs) await indexJob({ pool: s.pool, blob, mergeAt: 0 }, j);
      }
    };
    const engineOf = async (name: string, ...batches: Doc[][]) => {
      const e = await openEngine(path.join(dir, name));
      engines.push(e);
      for (const b of batches) await e.add(b as never);
      return e;
    };
    const a = docs(700, 21, 'a');
    await publish(a);
    let one = await engineOf('one', a);

    const byShard = new Map<string, Searcher>();
    for (const shard of [Q2, Q3]) {
      // Q3's searcher keeps no view it replaced (the stale-topology step needs that).
      const x = new Searcher({ pool: s.pool, pgUrl: s.url, blob, host: '127.0.0.1', port: 0, dir: path.join(dir, shard), shards: [shard], pollMs: 3_600_000, heartbeatMs: 300, keepMs: shard === Q3 ? 0 : 60_000 });
      await x.start();
      searchers.push(x);
      byShard.set(shard, x);
    }
    /** Calls each shard's searcher answered so far, by endpoint (and 409s: generation not held). */
    const counts = async () => {
      const out: Record<string, { stats: number; search: number; notHeld: number }> = {};
      for (const [shard, x] of byShard) {
        const m = await (await fetch(`${x.url}/metrics`)).text();
        const c = { stats: 0, search: 0, notHeld: 0 };
        for (const [, route, status, n] of m.matchAll(/tra_searcher_requests_total\{route="([^"]+)",status="(\d+)"\} (\d+)/g)) {
          if (route === '/shard/stats') c.stats += Number(n);
          if (route === '/shard/search') c.search += Number(n);
          if (status === '409') c.notHeld += Number(n);
        }
        out[shard] = c;
      }
      return out;
    };
    /** The calls `fn` made, per shard. */
    const calls = async (fn: () => Promise<unknown>) => {
      const before = await counts();
      await fn();
      const after = await counts();
      const d = (shard: string, k: 'stats' | 'search' | 'notHeld') => after[shard][k] - before[shard][k];
      return { [Q2]: { stats: d(Q2, 'stats'), search: d(Q2, 'search'), notHeld: d(Q2, 'notHeld') }, [Q3]: { stats: d(Q3, 'stats'), search: d(Q3, 'search'), notHeld: d(Q3, 'notHeld') } };
    };
    const both = (stats: number, search: number) => ({ [Q2]: { stats, search, notHeld: 0 }, [Q3]: { stats, search, notHeld: 0 } });
    /** Wait until every searcher advertises its shard's published generation (the coordinator pins what they advertise). */
    const served = async () => {
      await Promise.all(searchers.map((x) => x.requestSync()));
      await until('searchers advertise the published generations', async () => {
        const { rows } = await s.pool.query<{ shard: string; generation: string }>('SELECT shard, generation FROM shard_checkpoints');
        const ads = (await s.pool.query<{ generations: Record<string, number> }>('SELECT generations FROM searchers')).rows;
        return rows.every((r) => ads.some((x) => x.generations[r.shard] === Number(r.generation)));
      });
    };
    await served();

    // refreshMs 0: the topology is read at every query, so a new generation is seen at once.
    const cs = new ClusterSearch({ pool: s.pool, refreshMs: 0 });
    // The accent restorer is built on the first query; it asks nothing of /shard/stats or /search.
    await cs.search({ query: 'mở đầu', limit: 1 });

    await t.test('every query class equals one machine, cold and then from the cache', async () => {
      for (const pass of ['cold', 'cached']) {
        for (const r of [...MARKED, ...UNMARKED]) sameAnswer(await ask(cs, r), oracle(one, r), `${pass}: ${label(r)}`);
      }
      assert.ok(cs.cache.size > 0);
    });

    await t.test('a new keyword query: one statistics call and one search per shard; repeated, only the searches', async () => {
      const q = { kind: 'search', query: 'cổ phiếu xuất khẩu', limit: 10 } as const;
      assert.deepEqual(await calls(() => ask(cs, q)), both(1, 1));
      assert.deepEqual(await calls(() => ask(cs, q)), both(0, 1));
      // Newest first and a date filter over both quarters plan the same lists: no statistics.
      assert.deepEqual(await calls(() => ask(cs, { ...q, sort: 'date' })), both(0, 1));
      assert.deepEqual(await calls(() => ask(cs, { ...q, from: '2025-06-15', to: '2025-07-14' })), both(0, 1));
      // A filter inside one quarter: the other quarter's searcher gets no call at all.
      const may = { ...q, from: '2025-05-01', to: '2025-05-31' };
      assert.deepEqual(await calls(() => ask(cs, may)), { [Q2]: { stats: 0, search: 1, notHeld: 0 }, [Q3]: { stats: 0, search: 0, notHeld: 0 } });
      for (const r of [q, { ...q, sort: 'date' as const }, may]) sameAnswer(await ask(cs, r), oracle(one, r), label(r));
    });

    await t.test('trends of a new one-word query ask no statistics', async () => {
      const r = { kind: 'trends', query: 'lúa', interval: 'week' } as const;
      assert.deepEqual(await calls(() => ask(cs, r)), both(0, 1));
      sameAnswer(await ask(cs, r), oracle(one, r), label(r));
      // Searching the same word still needs its dfs (scores): asked once.
      assert.deepEqual(await calls(() => ask(cs, { kind: 'search', query: 'lúa', limit: 5 })), both(1, 1));
    });

    // A coordinator that keeps the topology it read now, to fall behind later.
    const behind = new ClusterSearch({ pool: s.pool, refreshMs: 3_600_000 });
    const probe = MARKED[0];
    sameAnswer(await ask(behind, probe), oracle(one, probe), 'the coordinator that will fall behind');

    await t.test('a publish to one shard: only that shard is asked again, answers follow it', async () => {
      const b = docs(80, 22, 'b', '2025-07-01');
      assert.ok(b.length > 20);
      await publish(b);
      await one.add(b as never);
      await served();
      const got = await calls(async () => {
        for (const r of MARKED) sameAnswer(await ask(cs, r), oracle(one, r), `after a publish: ${label(r)}`);
      });
      assert.equal(got[Q2].stats, 0, 'the shard that did not change is answered from the cache');
      assert.ok(got[Q3].stats >= 1 && got[Q3].stats <= MARKED.length, `the changed shard is asked (${got[Q3].stats})`);
      assert.deepEqual(await calls(() => ask(cs, MARKED[1])), both(0, 1), 'then cached again');
    });

    await t.test('a merge that drops replaced versions: answers follow the new N and df', async () => {
      // Replace a third of Q3's documents (new text), which leaves deleted versions, then merge
      // Q3 down to one segment: N and df no longer count them.
      const inQ3 = a.filter((d) => String(d.published) >= '2025-07-01');
      const replaced = new Set(inQ3.filter((_, i) => i % 3 === 0).map((d) => d.id));
      const r = inQ3.filter((d) => replaced.has(d.id)).map((d) => ({ ...d, title: `giá vàng ${d.title as string}`, summary: `Giá vàng hôm nay. ${d.summary as string}` }));
      await publish(r);
      const beforeMerge = await cs.search({ query: 'giá vàng', limit: 10 });
      let merges = 0;
      while (await mergeShard(s.pool, blob, Q3, 2)) merges++;
      assert.ok(merges > 0);
      const { rows } = await s.pool.query("SELECT count(*)::int AS n FROM segments WHERE shard = $1 AND state = 'live'", [Q3]);
      assert.equal(rows[0].n, 1);
      await served();
      // One machine without those versions: the live documents, written in the same order.
      const b = docs(80, 22, 'b', '2025-07-01');
      one = await engineOf('merged', a.filter((d) => !replaced.has(d.id)), b, r);
      for (const q of MARKED) sameAnswer(await ask(cs, q), oracle(one, q), `after the merge: ${label(q)}`);
      // The statistics did change: the cached ones of the old generation would score otherwise.
      const now = oracle(one, { kind: 'search', query: 'giá vàng', limit: 10 }) as { hits: { score: number }[] };
      assert.notDeepEqual(beforeMerge.hits.map((h) => h.score), now.hits.map((h) => h.score));
    });

    await t.test('a pinned generation no searcher holds any more: the query starts again, pinned by asking', async () => {
      // `behind` still pins the generations of before the publish; Q3's searcher dropped them
      // (keepMs 0) once it served newer ones.
      const got = await calls(async () => {
        const ans = await ask(behind, probe);
        assert.equal((ans as { partial?: boolean }).partial, undefined);
        sameAnswer(ans, oracle(one, probe), 'behind, after the retry');
      });
      assert.ok(got[Q3].notHeld >= 1, 'Q3 refused the old generation');
      assert.ok(got[Q3].stats >= 1 && got[Q2].stats >= 1, 'then every shard was asked');
      assert.deepEqual(await calls(() => ask(behind, probe)), both(0, 1), 'and its topology is current again');
    });

    await t.test('a searcher serving a newer generation than the topology says: the answer comes from the newer one', async () => {
      const lagging = new ClusterSearch({ pool: s.pool, refreshMs: 3_600_000 });
      sameAnswer(await ask(lagging, probe), oracle(one, probe), 'the coordinator that will lag');
      // New documents in Q2, whose searcher keeps the view it replaced (keepMs 60 s): the old
      // generation is still answerable, but no longer what one machine would answer from.
      const d = docs(120, 23, 'd').filter((x) => String(x.published) < '2025-07-01');
      assert.ok(d.length > 20);
      await publish(d);
      await one.add(d as never);
      await served();
      const got = await calls(async () => sameAnswer(await ask(lagging, probe), oracle(one, probe), 'lagging, after a publish to Q2'));
      // Searched at the generation it pinned, Q2 said it serves a newer one: asked for its
      // statistics there and searched again, with Q3 (whose statistics did not change).
      assert.deepEqual(got, { [Q2]: { stats: 1, search: 2, notHeld: 0 }, [Q3]: { stats: 0, search: 2, notHeld: 0 } });
      assert.deepEqual(await calls(() => ask(lagging, probe)), both(0, 1), 'the newer generation is pinned from then on');
    });
  } finally {
    for (const x of searchers) await x.stop();
    for (const e of engines) e.close();
    await s.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
