import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEngine, type DocInput } from '../engine/index.ts';
import { AsyncSuggester, Suggester } from './suggest.ts';

test('suggestions complete whole words: never a phrase the corpus always continues', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-suggest-'));
  try {
    const e = await openEngine(dir, { parallel: false });
    const titles = ['Giá vàng thế giới tăng', 'Giá vàng thế giới giảm', 'Giá vàng thế giới đi ngang', 'Giá vàng hôm nay', 'Giá vàng hôm nay tăng', 'Hà Nội dự kiến mưa', 'Hà Nội dự kiến nắng', 'Hà Nội mưa lớn', 'Hà Nội mưa lớn kéo dài'];
    const docs: DocInput[] = titles.map((title, i) => ({ id: `t${i}`, title }));
    await e.add(docs);
    const s = new Suggester((r) => e.search(r));
    const vang = s.suggest('gia v', 10).map((x) => x.text);
    assert.ok(vang.includes('giá vàng'), vang.join('|'));
    assert.ok(!vang.includes('giá vàng thế'), 'never ends inside "thế giới"');
    const more = s.suggest('giá vàng ', 10).map((x) => x.text);
    assert.ok(more.includes('giá vàng thế giới') && more.includes('giá vàng hôm nay'), more.join('|'));
    assert.ok(!more.includes('giá vàng thế') && !more.includes('giá vàng hôm'), more.join('|'));
    const hn = s.suggest('hà n', 10).map((x) => x.text);
    assert.ok(!hn.includes('hà nội dự'), hn.join('|'));
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('completions over a search that answers later (a cluster) are those over the engine', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-suggest-'));
  try {
    const e = await openEngine(dir, { parallel: false });
    const titles = ['Động đất mạnh ở Kon Tum', 'Động đất mạnh ở Kon Tum', 'Động đất nhẹ ở Quảng Nam', 'Giá vàng hôm nay', 'Giá vàng thế giới tăng', 'Đồng đô la giảm'];
    await e.add(titles.map((title, i) => ({ id: `t${i}`, title })));
    const now = new Suggester((r) => e.search(r));
    const later = new AsyncSuggester(async (r) => e.search(r));
    for (const q of ['dong d', 'động đất ', 'gia', 'gia vang ', 'xyz', '']) {
      assert.deepEqual(await later.suggest(q, 8), now.suggest(q, 8), q);
      assert.deepEqual(await later.suggest(q, 8), now.suggest(q, 8), `${q} (cached)`);
    }
    assert.ok((await later.suggest('dong d', 8)).some((x) => x.text.startsWith('động đất')));
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
