// Completions over a cluster come from the titles of the current versions of live documents,
// read page by page from PostgreSQL; before the table is built, from prefix searches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { writeBatch } from '../ingest/write.ts';
import { CompletionIndex } from '../../server/completions.ts';
import { clusterCompletions } from './completions.ts';

test('completions: the titles of live documents, read in pages; prefix searches until then', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema();
  try {
    const titles = ['Giá vàng hôm nay tăng', 'Giá vàng hôm nay giảm', 'Giá xăng tăng', 'Động đất mạnh ở Kon Tum', 'Động đất nhẹ', 'Bão số 3 vào Quảng Ninh', 'Bão số 3 suy yếu'];
    await writeBatch(s.pool, titles.map((title, i) => ({ id: `d${i}`, title, text: 'x' })));
    // Replaced (the new title counts, the old does not) and deleted documents.
    await writeBatch(s.pool, [{ id: 'd0', title: 'Giá bạc hôm nay tăng', text: 'x' }, { id: 'd8', title: 42 as unknown as string, text: 'x' }]);
    await s.pool.query("UPDATE documents SET deleted = true WHERE id = 'd4'");
    const want = new CompletionIndex();
    for (const t of ['Giá bạc hôm nay tăng', ...titles.slice(1, 4), ...titles.slice(5)]) want.add(t);
    want.finish();

    let searches = 0;
    const c = clusterCompletions(s.pool, async () => {
      searches++;
      return { total: 1, took_ms: 0, hits: [{ id: 'x', score: 1, title: 'Giá điện tăng' }, { id: 'y', score: 1, title: 'Giá điện giảm' }] };
    }, { page: 2 });
    const early = await c.suggest('gia d', 5);
    if (!c.ready()) {
      assert.equal(searches, 1, 'a prefix search before the table is built');
      assert.ok(early.length > 0 && early.every((x) => x.text.startsWith('giá điện')), JSON.stringify(early));
    }
    for (let i = 0; i < 100 && !c.ready(); i++) await sleep(20);
    assert.ok(c.ready());
    for (const q of ['gia', 'gia v', 'giá bạc ', 'dong d', 'bao so 3 ', 'xyz']) assert.deepEqual(await c.suggest(q, 8), want.complete(q, 8), q);
    assert.ok(!(await c.suggest('giá v', 8)).some((x) => x.count === 2), 'the replaced title is not counted');
    c.close();
  } finally {
    await s.drop();
  }
});
