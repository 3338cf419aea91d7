/**
 * One match set: every consumer of a query — the total, pages by relevance and by date, facets,
 * trends — sees the same documents. And what a query matches: accents per syllable, every word
 * of a keyword query, adjacency where the collection treats two syllables as one word.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEngine, type DocInput, type Engine } from './index.ts';

const SOURCES = ['Báo A', 'Báo B', 'Báo C'];
const TITLES = [
  'Bão số 3 đổ bộ vào Quảng Ninh',
  'Nhà báo Thái Lan đưa tin về bão',
  'Giá vàng SJC tăng mạnh',
  'Giá vàng miếng SJC đi ngang',
  'Hà Nội mưa lớn, nhiều tuyến phố ngập',
  'Người dân Hà Nội đón mưa',
  'Sôi nổi giải chạy ở Hà Giang, trời mưa',
  'Đường sắt tốc độ cao Bắc Nam',
  'Đại dương xanh và đường bờ biển',
  'Bảo tàng Lịch sử Quốc gia mở cửa ở Phú Quốc',
  'Trần Phú và bảo tàng quốc gia',
  'Phú Quốc đón khách quốc tế',
  'SJC bán vàng nhẫn',
  'Vàng nhẫn SJC giảm',
];

function corpus(): DocInput[] {
  const docs: DocInput[] = [];
  // Each title many times, with varied dates (some equal, some undated) and sources.
  for (let i = 0; i < 240; i++) {
    const t = TITLES[i % TITLES.length];
    const day = 1 + (i % 27);
    const hour = i % 5;
    docs.push({
      id: `d${String(i).padStart(3, '0')}`,
      title: t,
      summary: i % 3 === 0 ? `${t}. Tin cập nhật lúc ${hour} giờ.` : undefined,
      published: i % 17 === 0 ? undefined : `2025-09-${String(day).padStart(2, '0')}T0${hour}:00:00+07:00`,
      source: SOURCES[i % 3],
      category: i % 2 ? 'Thời sự' : 'Kinh tế',
    });
  }
  return docs;
}

async function withEngine(fn: (e: Engine) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-matchset-'));
  try {
    const e = await openEngine(dir, { parallel: false, maxSegments: 3, flushBytes: 64 * 1024 });
    await e.add(corpus().slice(0, 120));
    await e.add(corpus().slice(120));
    try {
      await fn(e);
    } finally {
      e.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const QUERIES = ['bão', 'bao', 'bão số 3', 'giá vàng SJC', 'giá vàng', 'Hà Nội', 'ha noi', 'Hà Nội mưa', 'Phú Quốc', 'đường', 'duong', 'vàng -miếng', '"bảo tàng"', '"Phú Quốc" OR "Hà Nội"', 'đường s*'];

test('the total, relevance pages, date pages, facets and trends count the same documents', async () => {
  await withEngine((e) => {
    for (const query of QUERIES) {
      const all = e.search({ query, limit: 1000, snippets: false });
      const byDate = e.search({ query, limit: 1000, sort: 'date', snippets: false });
      const withFacets = e.search({ query, limit: 3, facets: true, snippets: false });
      const tr = e.trends({ query, interval: 'day' });
      const ids = new Set(all.hits.map((h) => h.id));
      assert.equal(all.total, ids.size, `${query}: total = documents`);
      assert.deepEqual(new Set(byDate.hits.map((h) => h.id)), ids, `${query}: same documents newest first`);
      assert.equal(byDate.total, all.total, query);
      assert.equal(withFacets.total, all.total, `${query}: facets do not change the total`);
      const facetSum = withFacets.facets!.sources.reduce((s, f) => s + f.count, 0);
      assert.equal(facetSum, all.total, `${query}: facet counts add up to the total`);
      assert.equal(tr.total, all.total, `${query}: trends total = search total`);
      const dated = tr.buckets.reduce((s, b) => s + b.count, 0);
      assert.equal(dated + (tr.undated ?? 0), tr.total, query);
      // Paging by date walks the same list in the same order.
      const pages: string[] = [];
      for (let off = 0; off < byDate.total; off += 7) pages.push(...e.search({ query, limit: 7, offset: off, sort: 'date', snippets: false }).hits.map((h) => h.id));
      assert.deepEqual(pages, byDate.hits.map((h) => h.id), `${query}: date pages are stable`);
      // A filtered count is the filtered share of the same set.
      const f = e.search({ query, limit: 1000, sources: ['Báo B'], from: '2025-09-05', to: '2025-09-20', snippets: false });
      const ft = e.trends({ query, sources: ['Báo B'], from: '2025-09-05', to: '2025-09-20' });
      assert.equal(ft.total, f.total, `${query}: filtered trends = filtered search`);
      for (const h of f.hits) assert.ok(ids.has(h.id));
    }
  });
});

test('newest first is strict publication order, ties by id, undated last', async () => {
  await withEngine((e) => {
    const r = e.search({ query: 'Hà Nội', limit: 1000, sort: 'date', snippets: false });
    const key = (h: { published?: string }) => (h.published ? Date.parse(h.published) : -Infinity);
    for (let i = 1; i < r.hits.length; i++) {
      const a = r.hits[i - 1];
      const b = r.hits[i];
      assert.ok(key(a) > key(b) || (key(a) === key(b) && a.id < b.id), `${a.id} ${a.published} before ${b.id} ${b.published}`);
    }
    assert.equal(r.hits.at(-1)!.published, undefined);
  });
});

test('accents per syllable, every word required, adjacency for words, highlights only on matches', async () => {
  await withEngine((e) => {
    const titles = (q: string) => new Set(e.search({ query: q, limit: 1000, snippets: false }).hits.map((h) => h.title));
    assert.deepEqual(titles('bão'), new Set(['Bão số 3 đổ bộ vào Quảng Ninh', 'Nhà báo Thái Lan đưa tin về bão']), 'bão never matches báo/bảo');
    assert.ok(titles('bao').has('Bảo tàng Lịch sử Quốc gia mở cửa ở Phú Quốc'), 'bao (bare) matches every reading');
    assert.deepEqual(titles('đường'), new Set(['Đường sắt tốc độ cao Bắc Nam', 'Đại dương xanh và đường bờ biển']));
    assert.ok(!titles('đường').has('Đại dương xanh') && titles('duong').size === 2);
    assert.deepEqual(titles('giá vàng SJC'), new Set(['Giá vàng SJC tăng mạnh', 'Giá vàng miếng SJC đi ngang']), 'every word; SJC need not follow vàng');
    // Phú Quốc stands together wherever both occur here: it must stand together.
    assert.deepEqual(titles('Phú Quốc'), new Set(['Bảo tàng Lịch sử Quốc gia mở cửa ở Phú Quốc', 'Phú Quốc đón khách quốc tế']));
    assert.ok(!titles('Hà Nội').has('Sôi nổi giải chạy ở Hà Giang, trời mưa'));
    assert.equal(titles('ha noi').size, 2);
    assert.deepEqual(titles('vàng -miếng'), new Set(['Giá vàng SJC tăng mạnh', 'SJC bán vàng nhẫn', 'Vàng nhẫn SJC giảm']));
    assert.equal(titles('"Phú Quốc" OR "Hà Nội"').size, 4);
    assert.equal(titles('Phú Quốc OR Hà Nội').size, 0, 'OR binds its two neighbours: Phú (Quốc OR Hà) Nội');
    assert.deepEqual(titles('vàng SJC'), new Set(['Giá vàng SJC tăng mạnh', 'Giá vàng miếng SJC đi ngang', 'SJC bán vàng nhẫn', 'Vàng nhẫn SJC giảm']), 'vàng and SJC stand apart in most documents: not one word');
    const hl = e.search({ query: 'ha noi', limit: 50 });
    for (const h of hl.hits) for (const [a, b] of h.title_highlights ?? []) assert.equal(h.title!.slice(a, b), 'Hà Nội');
    const bao = e.search({ query: 'bão', limit: 50 });
    for (const h of bao.hits) for (const [a, b] of h.title_highlights ?? []) assert.match(h.title!.slice(a, b), /^[Bb]ão$/);
  });
});

test('query syntax: + is accepted, parse problems are explained, a long question needs a share of its words', async () => {
  await withEngine((e) => {
    assert.equal(e.search({ query: '+giá +vàng' }).total, e.search({ query: 'giá vàng' }).total);
    assert.match(e.search({ query: '"giá vàng' }).warnings?.join(' ') ?? '', /ngoặc kép/);
    assert.match(e.search({ query: 'vàng OR' }).warnings?.join(' ') ?? '', /OR/);
    assert.match(e.search({ query: '-vàng' }).warnings?.join(' ') ?? '', /loại trừ/);
    const q = e.search({ query: 'giá vàng SJC hôm nay tăng hay giảm bao nhiêu so với hôm qua?', limit: 5 });
    assert.equal(q.match, 'some');
    assert.ok(q.total > 0 && q.hits[0].title!.startsWith('Giá vàng'));
  });
});

test('a publication date outside the plausible window dates nothing, and is flagged', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-matchset-'));
  try {
    const e = await openEngine(dir, { parallel: false });
    await e.add([
      { id: 'x1', title: 'vàng tăng', published: '+275760-09-13T00:00:00Z' },
      { id: 'x2', title: 'vàng giảm', published: '0001-01-01T00:00:00Z' },
      { id: 'x3', title: 'vàng đứng', published: '2025-09-01T08:00:00+07:00' },
    ]);
    const t = e.trends({ query: 'vàng' });
    assert.equal(t.total, 3);
    assert.equal(t.undated, 2);
    assert.deepEqual(t.buckets, [{ start: '2025-09-01', count: 1 }]);
    const huge = e.trends({ query: 'vàng', from: '0001-01-01', to: '9999-12-31' });
    assert.ok(huge.buckets.length <= 3660, 'the axis is bounded');
    const r = e.search({ query: 'vàng', sort: 'date' });
    assert.equal(r.hits[0].id, 'x3');
    assert.equal(r.hits.find((h) => h.id === 'x1')!.published_suspect, true);
    assert.equal(r.hits.find((h) => h.id === 'x1')!.published, '+275760-09-13T00:00:00Z', 'kept as given');
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
