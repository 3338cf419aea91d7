import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import type { Pool } from '../pg/connect.ts';
import { ObserveCounts, OBSERVE_FILE, COUNTS_VERSION } from '../../observe/counts.ts';
import { syncMirror, CountsVersionMismatch } from './mirror.ts';
import { dayRowFrequencies, putDays, putSourceDays, putTerms, rebuildObserve, setObserveMeta } from './pg-fixture.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * What PostgreSQL holds, as a reader of the counts should see it (rows at 0 are no rows). A
 * term's document frequency is not read from observe_terms (not maintained): it is the sum of its
 * counts over the day rows.
 */
async function pgState(pool: Pool) {
  const df = await dayRowFrequencies(pool);
  const terms = (await pool.query<{ id: number; term: string }>('SELECT id, term FROM observe_terms ORDER BY id')).rows.map((r) => [r.id, r.term, df.get(r.id) ?? 0]);
  const days = (await pool.query<{ day: number; docs: number; terms: Buffer; seqs: Buffer }>('SELECT day, docs, terms, seqs FROM observe_days WHERE docs > 0 ORDER BY day')).rows.map((r) => [r.day, r.docs, hex(r.terms), hex(r.seqs)]);
  const src = (await pool.query<{ source: string; day: number; docs: number }>('SELECT source, day, docs FROM observe_source_days WHERE docs > 0 ORDER BY source COLLATE "C", day')).rows.map((r) => [r.source, r.day, r.docs]);
  return { terms, days, src };
}

/** What the mirror holds, read through the observatory's own reader where it has a way. */
function localState(dir: string) {
  const counts = new ObserveCounts(dir, { readOnly: true });
  const terms = counts.topTerms(1e9).sort((a, b) => a.id - b.id).map((t) => [t.id, t.term, t.df]);
  // Every text finds its id through the lookup buckets.
  for (const [id, term] of terms) assert.equal(counts.documentFrequency(term as string), counts.documentFrequencyById(id as number));
  counts.close();
  const db = new DatabaseSync(join(dir, OBSERVE_FILE), { readOnly: true });
  const days = (db.prepare('SELECT day, docs, terms, seqs FROM days ORDER BY day').all() as { day: number; docs: number; terms: Uint8Array; seqs: Uint8Array }[]).map((r) => [r.day, r.docs, hex(r.terms), hex(r.seqs)]);
  const src = (db.prepare('SELECT source, day, docs FROM source_days ORDER BY source, day').all() as { source: string; day: number; docs: number }[]).map((r) => [r.source, r.day, r.docs]);
  db.close();
  return { terms, days, src };
}

async function assertMirrored(pool: Pool, dir: string, what: string): Promise<void> {
  assert.deepEqual(localState(dir), await pgState(pool), what);
}

test('the mirror equals PostgreSQL after rounds of new terms, changed days, counts going down and a rebuild', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema();
  const dir = mkdtempSync(join(tmpdir(), 'tra-mirror-'));
  // Tiny pages: every keyset boundary is crossed.
  const opts = { pageSize: { terms: 2, days: 1, sourceDays: 2 } };
  try {
    await setObserveMeta(s.pool, { version: COUNTS_VERSION, epoch: 1 });
    await putTerms(s.pool, [
      { id: 0, term: 'giá vàng' },
      { id: 1, term: 'vàng' },
      { id: 2, term: 'bão' },
    ]);
    await putDays(s.pool, [
      { day: 20_000, docs: 3, pairs: [[0, 2], [1, 3]], seqs: [5, 7, 9] },
      { day: 20_001, docs: 2, pairs: [[0, 1], [1, 1], [2, 1]], seqs: [11, 12] },
    ]);
    await putSourceDays(s.pool, [
      { source: 'Báo A', day: 20_000, docs: 2 },
      { source: 'Báo B', day: 20_000, docs: 1 },
      { source: 'Báo A', day: 20_001, docs: 2 },
    ]);
    const r1 = await syncMirror(s.pool, dir, opts);
    assert.ok(r1.changed && r1.restarted, 'the first round copies everything');
    assert.deepEqual([r1.newTerms, r1.days, r1.sourceDays, r1.totalTerms], [3, 2, 3, 3]);
    await assertMirrored(s.pool, dir, 'round 1');
    const c1 = new ObserveCounts(dir, { readOnly: true });
    assert.deepEqual(['giá vàng', 'vàng', 'bão'].map((t) => c1.documentFrequency(t)), [3, 4, 1], 'frequencies summed over the days');
    c1.close();

    // New terms, a day changed (a term's count up, the new terms in), a new day.
    await putTerms(s.pool, [{ id: 3, term: 'bão số 10' }, { id: 4, term: 'số 10' }]);
    await putDays(s.pool, [
      { day: 20_001, docs: 4, pairs: [[0, 3], [1, 1], [2, 1], [3, 2], [4, 2]], seqs: [11, 12, 14, 15] },
      { day: 20_002, docs: 1, pairs: [[1, 1]], seqs: [16] },
    ]);
    await putSourceDays(s.pool, [{ source: 'Báo B', day: 20_001, docs: 2 }, { source: 'Báo C', day: 20_002, docs: 1 }]);
    const r2 = await syncMirror(s.pool, dir, opts);
    assert.ok(r2.changed && !r2.restarted);
    assert.deepEqual([r2.newTerms, r2.days, r2.sourceDays, r2.totalTerms], [2, 2, 2, 5], 'only what changed is copied');
    await assertMirrored(s.pool, dir, 'round 2');
    const counts = new ObserveCounts(dir, { readOnly: true });
    assert.deepEqual([...counts.series('bão số 10', 20_000, 20_002)], [0, 2, 0]);
    assert.equal(counts.documentFrequency('giá vàng'), 5);
    assert.equal(counts.documentFrequency('vàng'), 5);
    counts.close();

    // Nothing new: nothing copied, nothing to reopen.
    const idle = await syncMirror(s.pool, dir, opts);
    assert.deepEqual([idle.changed, idle.newTerms, idle.days, idle.sourceDays], [false, 0, 0, 0]);

    // Counts going down: a day whose documents are all gone, a term's count lower on a day.
    await putDays(s.pool, [{ day: 20_000, docs: 0, pairs: [], seqs: [] }, { day: 20_001, docs: 3, pairs: [[0, 2], [2, 1], [3, 2], [4, 1]], seqs: [11, 14, 15] }]);
    await putSourceDays(s.pool, [{ source: 'Báo A', day: 20_000, docs: 0 }, { source: 'Báo B', day: 20_000, docs: 0 }]);
    await syncMirror(s.pool, dir, opts);
    await assertMirrored(s.pool, dir, 'round 3 (counts down)');
    const c3 = new ObserveCounts(dir, { readOnly: true });
    assert.deepEqual(c3.dayRange(), { first: 20_001, last: 20_002 }, 'a day at 0 is no day');
    assert.deepEqual(c3.sources().map((x) => x.source).sort(), ['Báo A', 'Báo B', 'Báo C']);
    assert.deepEqual(['giá vàng', 'vàng', 'bão', 'bão số 10', 'số 10'].map((t) => c3.documentFrequency(t)), [2, 1, 1, 2, 1]);
    c3.close();

    // The writer rebuilds its tables: other ids for the same texts; the copy starts over.
    await rebuildObserve(s.pool, 2);
    await putTerms(s.pool, [{ id: 0, term: 'bão' }, { id: 1, term: 'giá vàng' }]);
    await putDays(s.pool, [{ day: 20_003, docs: 1, pairs: [[0, 1], [1, 1]], seqs: [40] }]);
    await putSourceDays(s.pool, [{ source: 'Báo D', day: 20_003, docs: 1 }]);
    const r4 = await syncMirror(s.pool, dir, opts);
    assert.ok(r4.restarted && r4.epoch === '2');
    await assertMirrored(s.pool, dir, 'after a rebuild');
    const c4 = new ObserveCounts(dir, { readOnly: true });
    assert.deepEqual(['bão', 'giá vàng', 'vàng'].map((t) => c4.documentFrequency(t)), [1, 1, 0], 'frequencies start over from 0');
    c4.close();
  } finally {
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('frequencies come from the day rows only: a df written in PostgreSQL (an older writer) is ignored', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema();
  const dir = mkdtempSync(join(tmpdir(), 'tra-mirror-'));
  try {
    await setObserveMeta(s.pool, { version: COUNTS_VERSION, epoch: 1 });
    await putTerms(s.pool, [{ id: 0, term: 'mưa' }, { id: 1, term: 'lũ' }]);
    await putDays(s.pool, [{ day: 20_000, docs: 2, pairs: [[0, 2], [1, 1]], seqs: [1, 2] }]);
    // An indexer of an older tra still updating df (and the rows' change numbers).
    await s.pool.query("UPDATE observe_terms SET df = 99, change = nextval('observe_change_seq')");
    const r = await syncMirror(s.pool, dir);
    await assertMirrored(s.pool, dir, 'first copy');
    await s.pool.query("UPDATE observe_terms SET df = 7, change = nextval('observe_change_seq') WHERE id = 0");
    const again = await syncMirror(s.pool, dir);
    assert.ok(again.changed && !again.restarted && again.change > r.change);
    assert.equal(again.newTerms, 0);
    const counts = new ObserveCounts(dir, { readOnly: true });
    assert.deepEqual([counts.documentFrequency('mưa'), counts.documentFrequency('lũ')], [2, 1]);
    counts.close();
  } finally {
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL holding another dictionary under the same epoch (a restored database): the copy starts over', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema();
  const dir = mkdtempSync(join(tmpdir(), 'tra-mirror-'));
  try {
    await setObserveMeta(s.pool, { version: COUNTS_VERSION, epoch: 1 });
    await putTerms(s.pool, [{ id: 0, term: 'nắng' }, { id: 1, term: 'nóng' }]);
    await putDays(s.pool, [{ day: 20_000, docs: 1, pairs: [[0, 1], [1, 1]], seqs: [1] }]);
    await syncMirror(s.pool, dir);
    // Emptied and refilled without a new epoch; change numbers go on rising.
    await rebuildObserve(s.pool, 1);
    await putTerms(s.pool, [{ id: 0, term: 'nắng' }, { id: 1, term: 'mưa' }, { id: 2, term: 'nóng' }]);
    await putDays(s.pool, [{ day: 20_001, docs: 2, pairs: [[1, 2], [2, 1]], seqs: [5, 6] }]);
    const r = await syncMirror(s.pool, dir);
    assert.ok(r.restarted, 'the last term copied has another text: diverged');
    await assertMirrored(s.pool, dir, 'copied afresh');
    const counts = new ObserveCounts(dir, { readOnly: true });
    assert.deepEqual(['nắng', 'mưa', 'nóng'].map((t) => counts.documentFrequency(t)), [0, 2, 1]);
    counts.close();
  } finally {
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a round that fails half-way leaves the mirror as it was; the next round completes it', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema();
  const dir = mkdtempSync(join(tmpdir(), 'tra-mirror-'));
  try {
    await setObserveMeta(s.pool, { version: COUNTS_VERSION, epoch: 1 });
    await putTerms(s.pool, [{ id: 0, term: 'lũ' }]);
    await putDays(s.pool, [{ day: 20_000, docs: 1, pairs: [[0, 1]], seqs: [1] }]);
    await syncMirror(s.pool, dir);
    const before = localState(dir);
    await putTerms(s.pool, [{ id: 1, term: 'lũ lụt' }]);
    await putDays(s.pool, [
      { day: 20_000, docs: 2, pairs: [[0, 2], [1, 1]], seqs: [1, 2] },
      { day: 20_001, docs: 2, pairs: [[0, 2], [1, 2]], seqs: [3, 4] },
    ]);
    let pages = 0;
    await assert.rejects(
      syncMirror(s.pool, dir, {
        pageSize: { days: 1 },
        afterPage: (table) => {
          if (table === 'days' && ++pages === 1) throw new Error('mất kết nối giữa chừng');
        },
      }),
      /mất kết nối/,
    );
    assert.deepEqual(localState(dir), before, 'nothing of the failed round is visible');
    const db = new DatabaseSync(join(dir, OBSERVE_FILE), { readOnly: true });
    const meta = db.prepare("SELECT value FROM meta WHERE key = 'mirror_change'").get() as { value: number };
    db.close();
    const r = await syncMirror(s.pool, dir);
    assert.ok(r.change > Number(meta.value));
    assert.deepEqual([r.days, r.newTerms], [2, 1]);
    await assertMirrored(s.pool, dir, 'after the retry');
  } finally {
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('counts of another version: refused in one line from PostgreSQL, copied afresh from a local file', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema();
  const dir = mkdtempSync(join(tmpdir(), 'tra-mirror-'));
  try {
    await setObserveMeta(s.pool, { version: COUNTS_VERSION, epoch: 1 });
    await putTerms(s.pool, [{ id: 0, term: 'mưa' }]);
    await putDays(s.pool, [{ day: 20_000, docs: 1, pairs: [[0, 1]], seqs: [1] }]);
    await syncMirror(s.pool, dir);
    // A local file written by another version of tra (the cache directory outlived an upgrade).
    const db = new DatabaseSync(join(dir, OBSERVE_FILE));
    db.prepare("UPDATE meta SET value = ? WHERE key = 'version'").run(COUNTS_VERSION - 1);
    db.prepare("INSERT OR REPLACE INTO days(day, docs, terms, seqs) VALUES (1, 1, NULL, NULL)").run();
    db.close();
    const r = await syncMirror(s.pool, dir);
    assert.ok(r.restarted);
    await assertMirrored(s.pool, dir, 'copied afresh');

    await setObserveMeta(s.pool, { version: COUNTS_VERSION + 1 });
    await putTerms(s.pool, [{ id: 1, term: 'mưa lớn' }]);
    const err = await syncMirror(s.pool, dir).then(() => undefined, (e: Error) => e);
    assert.ok(err instanceof CountsVersionMismatch, String(err));
    assert.match(err.message, /phiên bản tra khác.*nâng cấp/);
    assert.equal(err.message.split('\n').length, 1);
    assert.equal(localState(dir).terms.length, 1, 'nothing copied from counts of another version');
  } finally {
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
