// The list of sources in cluster mode equals one machine's for the same documents (the engine's
// store read into the server's source catalogue), and is counted once per TTL, not per call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { writeBatch } from '../ingest/write.ts';
import type { DocInput } from '../../store/document.ts';
import { oneMachineCatalog } from './test-fixtures.ts';
import { clusterSources } from './sources.ts';

const NAMES = ['VnExpress', 'Tuổi Trẻ', 'Dân Trí', 'Đà Nẵng', 'Thanh Niên', 'An Ninh'];

function docs(): DocInput[] {
  const out: DocInput[] = [];
  for (let i = 0; i < 60; i++) {
    // Uneven counts with ties (Dân Trí and Đà Nẵng tie: Vietnamese order decides).
    const source = NAMES[[0, 0, 0, 1, 1, 2, 3, 4, 5, 0][i % 10]];
    out.push({ id: `https://bao.vn/tin-${i}.htm`, title: `Tin số ${i}`, text: `Nội dung tin số ${i}.`, published: '2025-08-01T08:00:00+07:00', source });
  }
  out.push({ id: 'no-source', title: 'Không nguồn', text: 'x' });
  out.push({ id: 'empty-source', title: 'Nguồn rỗng', text: 'x', source: '' });
  out.push({ id: 'number-source', title: 'Nguồn số', text: 'x', source: 7 as unknown as string });
  return out;
}

test('sources: every source with its live documents, most first, as one machine counts them', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-cluster-sources-'));
  const s = await testSchema();
  try {
    const first = docs();
    // Later: two documents move to another outlet, one is deleted.
    const moved = [first[0], first[3]].map((d) => ({ ...d, source: 'Người Lao Động' }));
    const gone = first[5].id;

    const expected = (await oneMachineCatalog(dir, [first, moved], [gone])).sources();
    assert.ok(expected.length === NAMES.length + 1 && expected.every((v) => v.count > 0), JSON.stringify(expected));

    await writeBatch(s.pool, first);
    await writeBatch(s.pool, moved);
    await s.pool.query('UPDATE documents SET deleted = true WHERE id = $1', [gone]);

    let t = 0;
    const sources = clusterSources(s.pool, { ttlMs: 1000, now: () => t, warm: false });
    assert.deepEqual(await sources(), expected);

    // Within the TTL the answer is the one counted; after it, that answer is served once more
    // while a count runs, then the new one.
    await writeBatch(s.pool, [{ id: 'late', title: 'Muộn', text: 'y', source: 'Báo Mới' }]);
    t = 999;
    assert.deepEqual(await sources(), expected, 'not counted again within the TTL');
    t = 1000;
    assert.deepEqual(await sources(), expected, 'the old answer while counting again');
    let now = await sources();
    for (let i = 0; i < 100 && now.length === expected.length; i++) {
      await new Promise((r) => setTimeout(r, 20));
      now = await sources();
    }
    assert.deepEqual(now.find((v) => v.value === 'Báo Mới'), { value: 'Báo Mới', count: 1 });
  } finally {
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sources: calls before the first count share it; a failed first count is a 503, tried again later', { skip: PG_SKIP, timeout: 30_000 }, async () => {
  const s = await testSchema();
  try {
    await writeBatch(s.pool, [{ id: 'a', title: 'A', text: 'a', source: 'Nguồn A' }]);
    let counts = 0;
    const pool = Object.create(s.pool) as typeof s.pool;
    pool.connect = (async () => {
      counts++;
      return s.pool.connect();
    }) as typeof s.pool.connect;
    let t = 0;
    const sources = clusterSources(pool, { now: () => t });
    const all = await Promise.all([sources(), sources(), sources()]);
    assert.equal(counts, 1, 'one count for the warm-up and the three calls');
    for (const a of all) assert.deepEqual(a, [{ value: 'Nguồn A', count: 1 }]);

    let fail = true;
    const broken = Object.create(s.pool) as typeof s.pool;
    broken.connect = (async () => {
      if (fail) throw new Error('máy chủ PostgreSQL không trả lời');
      return s.pool.connect();
    }) as typeof s.pool.connect;
    const later = clusterSources(broken, { now: () => t, retryMs: 1000, log: () => undefined });
    await assert.rejects(later(), (e: Error & { statusCode?: number }) => e.statusCode === 503 && /Chưa đếm được các nguồn tin/.test(e.message));
    fail = false;
    await assert.rejects(later(), /Chưa đếm được/, 'not tried again at once');
    t = 1000;
    assert.deepEqual(await later(), [{ value: 'Nguồn A', count: 1 }]);
  } finally {
    await s.drop();
  }
});
