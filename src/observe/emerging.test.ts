import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocStore } from '../store/store.ts';
import { ObserveCounts, dayOfIso } from './counts.ts';
import { syncFromStore } from './sync.ts';
import { emergingOn, strongTerms, storyStrength, type Scored } from './emerging.ts';
import { openDayDocs } from './day-docs.ts';
import { syntheticNews } from './test-fixtures.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tra-observe-'));
}

const START = '2025-06-02'; // a Monday
const STORY = 'Bão Yagi đổ bộ Quảng Ninh gây mất điện diện rộng';

function dateOf(offset: number): string {
  return new Date(Date.parse(START + 'T00:00:00Z') + offset * 86_400_000).toISOString().slice(0, 10);
}

test('an injected story is the top emerging issue on its day, and only then', () => {
  const dir = tempDir();
  try {
    const docs = syntheticNews(START, 70, 60, [{ day: 66, docs: 15, title: STORY }]);
    const store = new DocStore(join(dir, 'store.sqlite'));
    store.putBatch(docs);
    store.close();
    const r = syncFromStore(dir);
    assert.equal(r.counted, docs.length);
    const counts = new ObserveCounts(dir, { readOnly: true });
    try {
      const on = emergingOn(counts, dateOf(66), dayOfIso(dateOf(66)), { limit: 5 });
      assert.ok(on.items.length > 0);
      const top = on.items[0];
      assert.ok(['bão yagi', 'quảng ninh', 'mất điện', 'diện rộng', 'đổ bộ'].some((w) => top.label.includes(w)), top.label);
      assert.equal(top.count, 15);
      assert.ok(top.baseline < 1);
      // The story's words are joined into one phrase, not listed five times.
      assert.ok(on.items.filter((i) => /yagi|quảng ninh|mất điện/.test(i.label)).length <= 2, JSON.stringify(on.items));
      // Weekend football is not emerging on a Saturday (its own weekday pattern).
      const saturday = 61; // START + 61 days is a Saturday
      assert.equal(new Date(Date.parse(dateOf(saturday))).getUTCDay(), 6);
      const sat = emergingOn(counts, dateOf(saturday), dayOfIso(dateOf(saturday)), { limit: 10 });
      assert.ok(!sat.items.some((i) => /bóng đá|ngoại hạng/.test(i.label)), JSON.stringify(sat.items));
      // The story does not emerge the day before.
      const before = emergingOn(counts, dateOf(65), dayOfIso(dateOf(65)), { limit: 10 });
      assert.ok(!before.items.some((i) => /yagi/.test(i.label)));
      // With the day's documents: one story, labelled from the headlines as written.
      const dd = openDayDocs(dir, counts);
      assert.ok(dd);
      const stories = emergingOn(counts, dateOf(66), dayOfIso(dateOf(66)), { limit: 5, dayDocs: (d) => dd.docsOn(d) });
      dd.close();
      // A headline phrase as written (8 syllables, completed to whole words: this story's 15
      // documents share one title, and "mất" is half of "mất điện").
      assert.match(stories.items[0].label, /^Bão Yagi đổ bộ Quảng Ninh/, JSON.stringify(stories.items));
      assert.ok(stories.items[0].label.split(' ').length <= 10);
      assert.doesNotMatch(stories.items[0].label, / mất$/);
      assert.equal(stories.items[0].count, 15);
      assert.ok((stories.items[0].terms ?? []).length >= 3);
      assert.equal(stories.items.filter((i) => /Yagi|Quảng Ninh|mất điện/i.test(i.label)).length, 1, JSON.stringify(stories.items));
      // Outside the data: nothing, no error.
      assert.deepEqual(emergingOn(counts, '2030-01-01', dayOfIso('2030-01-01')).items, []);
    } finally {
      counts.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sync is incremental, counts an article once across URL forms, rebuilds after a replacement', () => {
  const dir = tempDir();
  try {
    const store = new DocStore(join(dir, 'store.sqlite'));
    const a = { id: 'a', title: 'Khánh thành cầu Phong Châu', url: 'https://vnexpress.net/khanh-thanh-cau-4900001.html', published: '2025-09-30T03:00:00+07:00', fetched: '2025-09-30T12:00:00+07:00' };
    const a2 = { ...a, id: 'a2', url: 'https://vnexpress.net/khanh-thanh-cau-4900001.htm' };
    store.putBatch([a, a2]);
    let r = syncFromStore(dir);
    assert.equal(r.counted, 1);
    assert.equal(r.duplicates, 1);
    let c = new ObserveCounts(dir, { readOnly: true });
    // VnExpress time repaired: 03:00 labelled +07:00 is 10:00 in Vietnam, same day.
    assert.equal(c.series('phong châu', dayOfIso('2025-09-30'), dayOfIso('2025-09-30'))[0], 1);
    c.close();

    store.putBatch([{ id: 'b', title: 'Cầu Phong Châu thông xe', published: '2025-09-30T20:00:00+07:00' }]);
    r = syncFromStore(dir);
    assert.equal(r.counted, 1);
    assert.equal(r.rebuilt, false);
    c = new ObserveCounts(dir, { readOnly: true });
    assert.equal(c.series('phong châu', dayOfIso('2025-09-30'), dayOfIso('2025-09-30'))[0], 2);
    c.close();

    // Replace 'b' with a text that no longer mentions the bridge: its day is recounted.
    store.putBatch([{ id: 'b', title: 'Thông xe tuyến đường mới', published: '2025-09-30T20:00:00+07:00' }]);
    r = syncFromStore(dir);
    assert.equal(r.rebuilt, false, 'the day is recounted, not the whole table');
    c = new ObserveCounts(dir, { readOnly: true });
    assert.equal(c.series('phong châu', dayOfIso('2025-09-30'), dayOfIso('2025-09-30'))[0], 1);
    assert.equal(c.documents(), 2);
    c.close();
    // Nothing new: nothing counted.
    r = syncFromStore(dir);
    assert.equal(r.counted, 0);
    // A table counted by other term rules is rebuilt.
    const w = new ObserveCounts(dir);
    w.setMeta('version', -1);
    w.close();
    r = syncFromStore(dir);
    assert.equal(r.rebuilt, true);
    assert.equal(r.counted, 2);
    // A first load cut short (the process killed between batches) is redone, not continued.
    const k = new ObserveCounts(dir);
    k.setMeta('version', -1);
    k.close();
    const half = new ObserveCounts(dir);
    half.beginBulk();
    half.add([{ doc: { id: 'z', title: 'Phong Châu', published: '2025-09-30T08:00:00+07:00' } }], 1);
    half.close();
    r = syncFromStore(dir);
    assert.equal(r.rebuilt, true);
    c = new ObserveCounts(dir, { readOnly: true });
    assert.equal(c.series('phong châu', dayOfIso('2025-09-30'), dayOfIso('2025-09-30'))[0], 1);
    assert.equal(c.documentFrequency('phong châu'), 1);
    assert.equal(c.documents(), 2);
    c.close();
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on a quiet day a small story that three outlets carry is listed; the same count from one outlet is not', () => {
  const dir = tempDir();
  try {
    const docs = syntheticNews(START, 70, 30).map((d, i) => ({ ...d, source: ['Báo A', 'Báo B', 'Báo C'][i % 3] }));
    const day = 66;
    const at = (h: number) => new Date(Date.parse(dateOf(day) + 'T02:00:00Z') + h * 3_600_000).toISOString();
    const extra = [
      { id: 'h1', title: 'Honda Vision thế hệ mới ra mắt tại Việt Nam', source: 'Báo A' },
      { id: 'h2', title: 'Honda Vision thế hệ mới có giá từ 31 triệu đồng', source: 'Báo B' },
      { id: 'h3', title: 'Cận cảnh Honda Vision thế hệ mới vừa ra mắt', source: 'Báo C' },
      { id: 'k1', title: 'Gốm Kim Lan mở lò đón khách dịp lễ hội', source: 'Báo A' },
      { id: 'k2', title: 'Gốm Kim Lan vào mùa lễ hội làng nghề', source: 'Báo A' },
      { id: 'k3', title: 'Làng gốm Kim Lan rộn ràng mùa lễ hội', source: 'Báo A' },
      // The first outlet's own follow-up, later that day.
      { id: 'h4', title: 'Honda Vision thế hệ mới: giá bán chính thức', source: 'Báo A' },
      // A big burst from one outlet's own series: not news while other outlets publish.
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ id: `f${n}`, title: `Tài chính số Sago: góc trải nghiệm số ${n}`, source: 'Báo C' })),
    ].map((d, i) => ({ ...d, summary: '', url: `https://example.vn/${d.id}.html`, published: at(i / 2) }));
    const store = new DocStore(join(dir, 'store.sqlite'));
    store.putBatch([...docs, ...extra]);
    store.close();
    syncFromStore(dir);
    const counts = new ObserveCounts(dir, { readOnly: true });
    const dd = openDayDocs(dir, counts)!;
    try {
      const on = emergingOn(counts, dateOf(day), dayOfIso(dateOf(day)), { limit: 10, dayDocs: (d) => dd.docsOn(d) });
      const labels = on.items.map((x) => x.label.toLowerCase());
      assert.ok(labels.some((l) => l.includes('honda vision')), labels.join(' | '));
      assert.ok(!labels.some((l) => l.includes('kim lan')), labels.join(' | '));
      assert.ok(!labels.some((l) => l.includes('tài chính số') || l.includes('sago')), JSON.stringify(on.items.map((x) => [x.label, x.outlets, x.terms])));
      // The story's outlets, its first publisher, and its articles in order, follow-ups marked.
      const honda = on.items.find((x) => x.label.toLowerCase().includes('honda vision'))!;
      assert.deepEqual([...honda.outlets!].sort(), ['Báo A', 'Báo B', 'Báo C']);
      assert.equal(honda.first?.id, 'h1');
      assert.equal(honda.first?.outlet, 'Báo A');
      assert.equal(honda.first?.url, 'https://example.vn/h1.html');
      assert.deepEqual(honda.articles!.map((a) => [a.id, a.followUp]), [['h1', false], ['h2', false], ['h3', false], ['h4', true]]);
      assert.ok(honda.articles!.every((a, i, all) => i === 0 || a.published! >= all[i - 1].published!));
    } finally {
      dd.close();
      counts.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('new names fill the list from two articles in two outlets; one outlet, or a phrase already in use, does not; a new numbered storm is listed from the floor', () => {
  const dir = tempDir();
  try {
    const base = syntheticNews(START, 70, 30).map((d, i) => ({ ...d, source: ['Báo A', 'Báo B', 'Báo C'][i % 3] }));
    const day = 66;
    const at = (d: number, h: number) => new Date(Date.parse(dateOf(d) + 'T02:00:00Z') + h * 3_600_000).toISOString();
    // A phrase in use for weeks (one article a day): two articles on the day are nothing new.
    const old = Array.from({ length: 20 }, (_, i) => ({ id: `o${i}`, title: `Phố đi bộ Hồ Gươm đông khách cuối tuần ${i}`, source: 'Báo B', published: at(40 + i, 1) }));
    const extra = [
      { id: 'c1', title: 'Động đất mạnh ở Cebu, nhiều nhà đổ sập', source: 'Báo A' },
      { id: 'c2', title: 'Cebu rung chuyển, hàng chục người thương vong', source: 'Báo B' },
      { id: 'm1', title: 'Lễ hội Ok Om Bok ở Sóc Trăng', source: 'Báo C' },
      { id: 'm2', title: 'Đua ghe ngo mừng Ok Om Bok', source: 'Báo C' },
      { id: 'p1', title: 'Phố đi bộ Hồ Gươm mở thêm giờ', source: 'Báo A' },
      { id: 'p2', title: 'Phố đi bộ Hồ Gươm có thêm điểm biểu diễn', source: 'Báo C' },
      { id: 's1', title: 'Áp thấp nhiệt đới có thể mạnh lên thành bão số 7', source: 'Báo A' },
      { id: 's2', title: 'Biển Đông sắp có bão số 7', source: 'Báo B' },
    ].map((d, i) => ({ ...d, published: at(day, i / 2) }));
    const docs = [...base, ...old, ...extra].map((d) => ({ summary: '', url: `https://example.vn/${d.id}.html`, ...d }));
    const store = new DocStore(join(dir, 'store.sqlite'));
    store.putBatch(docs);
    store.close();
    syncFromStore(dir);
    const counts = new ObserveCounts(dir, { readOnly: true });
    const dd = openDayDocs(dir, counts)!;
    try {
      const on = emergingOn(counts, dateOf(day), dayOfIso(dateOf(day)), { limit: 10, dayDocs: (d) => dd.docsOn(d) });
      const find = (re: RegExp) => on.items.find((x) => re.test(x.label) || (x.terms ?? []).some((t) => re.test(t)));
      const labels = JSON.stringify(on.items.map((x) => [x.label, x.score, x.terms]));
      assert.ok(find(/cebu/i), labels);
      assert.ok(!find(/ok om|om bok/i), labels);
      assert.ok(!find(/hồ gươm|đi bộ/i), labels);
      const storm = find(/bão số 7/i);
      assert.ok(storm, labels);
      assert.ok(storm.score >= 4, labels);
      // The same day scored without new terms (minimum 3 articles for everything): no Cebu.
      const strict = emergingOn(counts, dateOf(day), dayOfIso(dateOf(day)), { limit: 10, novelMin: 3, dayDocs: (d) => dd.docsOn(d) });
      assert.ok(!strict.items.some((x) => /cebu/i.test(x.label)));
    } finally {
      dd.close();
      counts.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a storm numbered for the first time is its own story and leads the list, even when its first articles are the current storm\'s and from one outlet', () => {
  const dir = tempDir();
  try {
    const base = syntheticNews(START, 70, 30).map((d, i) => ({ ...d, source: ['Báo A', 'Báo B', 'Báo C'][i % 3] }));
    const day = 66;
    const at = (d: number, h: number) => new Date(Date.parse(dateOf(d) + 'T02:00:00Z') + h * 3_600_000).toISOString();
    // Storm 6 was forecast two days before and makes landfall on the day, in many articles.
    const before = [0, 1, 2].map((i) => ({ id: `b${i}`, title: `Áp thấp nhiệt đới mạnh lên thành bão số 6 ${i}`, source: ['Báo A', 'Báo B', 'Báo C'][i], published: at(day - 2, i) }));
    const landfall = Array.from({ length: 12 }, (_, i) => ({ id: `l${i}`, title: `Bão số 6 đổ bộ Quảng Ninh, mưa lớn diện rộng ${i}`, source: ['Báo A', 'Báo B', 'Báo C'][i % 3], published: at(day, i / 2) }));
    // The next storm's first two mentions are inside storm 6's articles, late in the evening, in
    // one outlet only: the number is the weather service's, not a newsroom's habit.
    const next = [
      { id: 'n1', title: 'Bão số 6 đổ bộ Quảng Ninh, Biển Đông có thể đón bão số 7', source: 'Báo A', published: at(day, 12) },
      { id: 'n2', title: 'Bão số 6 chưa tan, bão số 7 đã hình thành', source: 'Báo A', published: at(day, 13) },
    ];
    const docs = [...base, ...before, ...landfall, ...next].map((d) => ({ summary: '', url: `https://example.vn/${d.id}.html`, ...d }));
    const store = new DocStore(join(dir, 'store.sqlite'));
    store.putBatch(docs);
    store.close();
    syncFromStore(dir);
    const counts = new ObserveCounts(dir, { readOnly: true });
    const dd = openDayDocs(dir, counts)!;
    try {
      const on = emergingOn(counts, dateOf(day), dayOfIso(dateOf(day)), { limit: 10, dayDocs: (d) => dd.docsOn(d) });
      const labels = JSON.stringify(on.items.map((x) => [x.label, x.score, x.terms]));
      assert.ok(on.items[0].terms?.includes('bão số 7'), labels);
      assert.ok(on.items[0].score >= 4, labels);
      assert.ok(!on.items[0].terms?.includes('bão số 6'), labels);
      const six = on.items.find((x) => x.terms?.includes('bão số 6'));
      assert.ok(six && !six.terms?.includes('bão số 7'), labels);
    } finally {
      dd.close();
      counts.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const term = (t: string, count: number, score: number, seen = 0): Scored => ({ id: 0, term: t, words: t.split(' '), count, expected: 0, score, seen });

test('a syllable is left to its pair unless it rises further and a third of its articles do without the pair', () => {
  // "melissa" in 5 articles at 4.8, "bão melissa" in 3 at 3.0: the name stays.
  const a = strongTerms([term('melissa', 5, 4.8), term('bão melissa', 3, 3.0)], 2.5).map((s) => s.term);
  assert.deepEqual(a, ['melissa', 'bão melissa']);
  // "hào" mostly inside "tự hào", which scores as high: the pair speaks for it.
  const b = strongTerms([term('hào', 6, 4.0), term('tự hào', 5, 4.2)], 2.5).map((s) => s.term);
  assert.deepEqual(b, ['tự hào']);
  // "chính" in 9, 8 of them "tài chính": left to the pair even though it scores higher.
  const c = strongTerms([term('chính', 9, 5.0), term('tài chính', 8, 4.0)], 2.5).map((s) => s.term);
  assert.deepEqual(c, ['tài chính']);
  // Terms under the floor are kept only when `keep` says so.
  assert.deepEqual(strongTerms([term('cebu', 2, 2.0)], 2.5), []);
  assert.equal(strongTerms([term('cebu', 2, 2.0)], 2.5, () => true).length, 1);
});

test('story strength: a second, different word rising in the same articles adds evidence; parts of the lead do not', () => {
  const z = new Map([['afghanistan', 3.9], ['động đất', 3.6], ['đông afghanistan', 3.0], ['charlie kirk', 9], ['kirk', 8]]);
  const of = (t: string) => z.get(t);
  assert.ok(Math.abs(storyStrength(['afghanistan', 'đông afghanistan', 'động đất'], of, 2.5) - Math.hypot(3.9, 3.6)) < 1e-9);
  assert.equal(storyStrength(['charlie kirk', 'kirk'], of, 2.5), 9);
  // A second word under the floor, or unknown (everyday words are left out by the caller), adds nothing.
  assert.equal(storyStrength(['afghanistan', 'động đất'], of, 4), 3.9);
  assert.equal(storyStrength(['afghanistan', 'thời điểm'], of, 2.5), 3.9);
});
