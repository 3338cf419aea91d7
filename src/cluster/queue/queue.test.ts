import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { openPool, withTransaction } from '../pg/connect.ts';
import { LeaseLost } from '../errors.ts';
import { enqueue, claim, complete, fail, extend, queueCounts, backoffDelay, type ClaimedJob } from './queue.ts';

const opts = { skip: PG_SKIP, timeout: 60_000 };

test('a job enqueued in a transaction exists only if that transaction commits', opts, async () => {
  const s = await testSchema();
  try {
    await assert.rejects(
      withTransaction(s.pool, async (c) => {
        await c.query("INSERT INTO sources (url) VALUES ('https://a.example/rss')");
        await enqueue(c, { kind: 'check-source', payload: { url: 'https://a.example/rss' } });
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal((await s.pool.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n, 0);
    assert.equal((await s.pool.query('SELECT count(*)::int AS n FROM sources')).rows[0].n, 0);
    await withTransaction(s.pool, async (c) => {
      await c.query("INSERT INTO sources (url) VALUES ('https://a.example/rss')");
      await enqueue(c, { kind: 'check-source', payload: { url: 'https://a.example/rss' } });
    });
    const [job] = await claim(s.pool, { owner: 'w1', kinds: ['check-source'], leaseMs: 10_000 });
    assert.deepEqual(job.payload, { url: 'https://a.example/rss' });
    assert.equal(job.attempt, 1);
    await complete(s.pool, job);
    assert.deepEqual(await queueCounts(s.pool, 'check-source'), { ready: 0, running: 0, failed: 0 });
  } finally {
    await s.drop();
  }
});

test('a dedupe key keeps one pending job per key', opts, async () => {
  const s = await testSchema();
  try {
    const a = await enqueue(s.pool, { kind: 'recheck', dedupeKey: 'host:a' });
    const b = await enqueue(s.pool, { kind: 'recheck', dedupeKey: 'host:a' });
    assert.ok(a !== undefined);
    assert.equal(b, undefined);
    const [job] = await claim(s.pool, { owner: 'w', kinds: ['recheck'], leaseMs: 10_000 });
    assert.equal(await enqueue(s.pool, { kind: 'recheck', dedupeKey: 'host:a' }), undefined, 'still pending while running');
    await complete(s.pool, job);
    assert.ok((await enqueue(s.pool, { kind: 'recheck', dedupeKey: 'host:a' })) !== undefined, 'a new one once done');
  } finally {
    await s.drop();
  }
});

test('a claim past its lease is reclaimed with a higher epoch and the first worker is fenced off', opts, async () => {
  const s = await testSchema();
  try {
    await enqueue(s.pool, { kind: 'k' });
    const [first] = await claim(s.pool, { owner: 'stalled', kinds: ['k'], leaseMs: 300 });
    assert.deepEqual(await claim(s.pool, { owner: 'other', kinds: ['k'], leaseMs: 300 }), [], 'not while the lease is live');
    await sleep(400);
    const [second] = await claim(s.pool, { owner: 'other', kinds: ['k'], leaseMs: 10_000 });
    assert.equal(second.id, first.id);
    assert.equal(second.epoch, first.epoch + 1);
    assert.equal(second.attempt, 2);
    await assert.rejects(complete(s.pool, first), LeaseLost);
    await assert.rejects(extend(s.pool, first, 10_000), LeaseLost);
    await assert.rejects(fail(s.pool, first, 'late'), LeaseLost);
    await complete(s.pool, second);
  } finally {
    await s.drop();
  }
});

test('an expired lease cannot complete even when nobody reclaimed it; extend keeps it alive', opts, async () => {
  const s = await testSchema();
  try {
    await enqueue(s.pool, { kind: 'k' });
    const [job] = await claim(s.pool, { owner: 'w', kinds: ['k'], leaseMs: 300 });
    await sleep(150);
    await extend(s.pool, job, 600);
    await sleep(300);
    assert.deepEqual(await claim(s.pool, { owner: 'x', kinds: ['k'], leaseMs: 300 }), [], 'extended lease still live');
    await sleep(450);
    await assert.rejects(complete(s.pool, job), LeaseLost);
  } finally {
    await s.drop();
  }
});

test('a failed job comes back after its backoff and is failed for good after max attempts', opts, async () => {
  const s = await testSchema();
  try {
    assert.equal(backoffDelay(1, { baseMs: 100, maxMs: 1000 }), 100);
    assert.equal(backoffDelay(3, { baseMs: 100, maxMs: 1000 }), 400);
    assert.equal(backoffDelay(60, { baseMs: 100, maxMs: 1000 }), 1000);
    const backoff = { baseMs: 200, maxMs: 200 };
    await enqueue(s.pool, { kind: 'k', maxAttempts: 2 });
    const [a] = await claim(s.pool, { owner: 'w', kinds: ['k'], leaseMs: 10_000 });
    assert.equal(await fail(s.pool, a, 'first failure', backoff), 'retry');
    assert.deepEqual(await claim(s.pool, { owner: 'w', kinds: ['k'], leaseMs: 10_000 }), [], 'not before the backoff');
    await sleep(300);
    const [b] = await claim(s.pool, { owner: 'w', kinds: ['k'], leaseMs: 10_000 });
    assert.equal(b.attempt, 2);
    assert.equal(await fail(s.pool, b, 'second failure', backoff), 'failed');
    await sleep(300);
    assert.deepEqual(await claim(s.pool, { owner: 'w', kinds: ['k'], leaseMs: 10_000 }), []);
    const { rows } = await s.pool.query('SELECT state, last_error FROM jobs');
    assert.deepEqual(rows, [{ state: 'failed', last_error: 'second failure' }]);
  } finally {
    await s.drop();
  }
});

test('a job whose worker dies on its last attempt is failed for good, not lost and not run again', opts, async () => {
  const s = await testSchema();
  try {
    await enqueue(s.pool, { kind: 'k', maxAttempts: 1 });
    await claim(s.pool, { owner: 'dies', kinds: ['k'], leaseMs: 200 });
    await sleep(300);
    assert.deepEqual(await claim(s.pool, { owner: 'w', kinds: ['k'], leaseMs: 10_000 }), []);
    assert.deepEqual(await queueCounts(s.pool, 'k'), { ready: 0, running: 0, failed: 1 });
  } finally {
    await s.drop();
  }
});

test('concurrent claimers on separate connections: no job held by two live workers, none lost', { ...opts, timeout: 120_000 }, async () => {
  const s = await testSchema();
  const JOBS = 400;
  const WORKERS = 6;
  const pools = Array.from({ length: WORKERS }, () => openPool(s.url, { max: 1 }));
  try {
    await withTransaction(s.pool, async (c) => {
      for (let i = 0; i < JOBS; i++) await enqueue(c, { kind: 'work', payload: { i }, maxAttempts: 50 });
    });
    const claims = new Map<number, Array<ClaimedJob & { end: 'completed' | 'failed' | 'abandoned' }>>();
    const completedBy = new Map<number, string>();
    let rng = 12345;
    const random = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const deadline = Date.now() + 90_000;
    async function worker(w: number): Promise<void> {
      const pool = pools[w];
      let idle = 0;
      while (Date.now() < deadline) {
        const got = await claim(pool, { owner: `w${w}`, kinds: ['work'], leaseMs: 400, limit: 1 + (w % 3) });
        if (!got.length) {
          if (++idle > 12) return; // nothing due for a while: the others finished (or will after the leases)
          await sleep(100);
          continue;
        }
        idle = 0;
        for (const job of got) {
          const r = random();
          const record = (end: 'completed' | 'failed' | 'abandoned') => {
            const list = claims.get(job.id) ?? [];
            list.push({ ...job, end });
            claims.set(job.id, list);
          };
          if (r < 0.05) {
            record('abandoned'); // the worker "dies": its lease must run out before anyone else runs it
            continue;
          }
          if (r < 0.15) {
            await fail(pool, job, 'transient', { baseMs: 10, maxMs: 10 });
            record('failed');
            continue;
          }
          await complete(pool, job);
          record('completed');
          assert.ok(!completedBy.has(job.id), `job ${job.id} completed twice`);
          completedBy.set(job.id, job.owner);
        }
      }
    }
    await Promise.all(pools.map((_, w) => worker(w)));
    assert.equal(completedBy.size, JOBS, 'every job completed exactly once');
    assert.equal((await s.pool.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n, 0, 'none left');
    // Claims of one job are in epoch order, and a new claim never began while an abandoned
    // one's lease was still live.
    let reclaimed = 0;
    for (const [id, list] of claims) {
      list.sort((a, b) => a.epoch - b.epoch);
      for (let i = 1; i < list.length; i++) {
        assert.ok(list[i].epoch > list[i - 1].epoch, `job ${id}: epochs increase`);
        if (list[i - 1].end === 'abandoned') {
          reclaimed++;
          assert.ok(list[i].claimedAt.getTime() >= list[i - 1].leaseExpiresAt.getTime(), `job ${id}: reclaimed only after the lease`);
        }
      }
      assert.equal(list.filter((c) => c.end === 'completed').length, 1, `job ${id} completed once`);
    }
    assert.ok(reclaimed > 0, 'some abandoned jobs were reclaimed');
  } finally {
    await Promise.all(pools.map((p) => p.end()));
    await s.drop();
  }
});
