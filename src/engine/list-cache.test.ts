import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEngine, type DocInput } from './index.ts';
import { listCacheStats, resetListCache } from './list-cache.ts';

test('scores from cached decoded lists equal scores from the segment, bit for bit', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-listcache-'));
  try {
    const words = ['người', 'dân', 'của', 'Hà', 'Nội', 'giá', 'vàng', 'tăng', 'mạnh', 'hôm', 'nay', 'nguội', 'và'];
    const docs: DocInput[] = [];
    for (let i = 0; i < 600; i++) {
      const pick = (k: number) => words[(i * 7 + k * 3) % words.length];
      docs.push({ id: `d${i}`, title: `${pick(1)} ${pick(2)} ${pick(3)}`, text: Array.from({ length: 5 + (i % 23) }, (_, k) => pick(k)).join(' ') });
    }
    const e = await openEngine(dir);
    await e.add(docs);
    const queries = ['người dân Hà Nội', 'giá vàng tăng mạnh', 'nguoi dan', 'và của người', '"giá vàng" -nguội'];
    const run = () => queries.map((q) => e.search({ query: q, limit: 20, snippets: false }));
    resetListCache(0);
    const plain = run();
    resetListCache(16, 8);
    run(); // first use: noted
    run(); // second use: decoded and kept
    assert.ok(listCacheStats().lists > 0, 'common lists are cached');
    const cached = run();
    assert.deepEqual(cached.map((r) => r.hits.map((h) => [h.id, h.score])), plain.map((r) => r.hits.map((h) => [h.id, h.score])));
    assert.deepEqual(cached.map((r) => r.total), plain.map((r) => r.total));
    resetListCache(0.001, 8); // a budget smaller than one list: nothing stays
    run();
    run();
    assert.equal(listCacheStats().lists, 0);
    e.close();
  } finally {
    resetListCache(48, 2048);
    rmSync(dir, { recursive: true, force: true });
  }
});
