import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine } from '../engine/index.ts';
import { startTestServer } from './test-support.ts';
import { freshener } from './fresh.ts';

test('freshener looks at the manifest at most once per interval and survives errors', () => {
  let calls = 0;
  const f = freshener({ refresh: () => { calls++; throw new Error('mid-switch'); } }, 0);
  f();
  f();
  assert.equal(calls, 2);
  let slow = 0;
  const g = freshener({ refresh: () => { slow++; return true; } }, 60_000);
  assert.equal(g(), false);
  assert.equal(g(), false);
  assert.equal(slow, 0);
  const h = freshener({ refresh: () => true }, 0);
  assert.equal(h(), true, 'a changed view is reported (the search workers then drop their cached answers)');
});

test('documents indexed by another writer while the server runs become searchable', async () => {
  process.env.TRA_REFRESH_MS = '0';
  const s = await startTestServer();
  try {
    const q = encodeURIComponent('khủng long bạo chúa');
    const before = (await (await s.get(`/api/search?q=${q}&limit=3`)).json()) as { hits: Array<{ id: string }> };
    assert.ok(!before.hits.some((h) => h.id === 'moi-1'));
    const writer = await openEngine(s.dir);
    try {
      await writer.add([{ id: 'moi-1', title: 'Phát hiện hóa thạch khủng long bạo chúa ở Quảng Ninh', published: '2026-01-05T08:00:00+07:00', source: 'Báo Mẫu' }]);
    } finally {
      writer.close();
    }
    const after = (await (await s.get(`/api/search?q=${q}&limit=3`)).json()) as { hits: Array<{ id: string }> };
    assert.equal(after.hits[0]?.id, 'moi-1');
  } finally {
    delete process.env.TRA_REFRESH_MS;
    await s.close();
  }
});
