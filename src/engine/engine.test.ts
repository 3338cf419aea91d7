import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEngine, type DocInput } from './index.ts';

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'tra-engine-'));
}

const DOCS: DocInput[] = [
  { id: 'a', title: 'Con đường đến trường', text: 'Đường đến trường của em rất xa, con đường mới mở.', published: '2025-08-09T10:00:00+07:00', source: 'Báo A', category: 'Giáo dục' },
  { id: 'b', title: 'Đại dương xanh', text: 'Biển và đại dương Thái Bình Dương rộng lớn.', published: '2025-08-10T09:00:00+07:00', source: 'Báo B', category: 'Môi trường' },
  { id: 'c', title: 'Chuyển đổi số ở Hà Nội', text: 'Hà Nội đẩy mạnh chuyển đổi số trong dịch vụ công.', published: '2025-08-12T23:30:00+07:00', source: 'Báo A', category: 'Công nghệ', extra: { tags: ['x'] } },
  { id: 'd', title: 'Giá xăng giảm', text: 'Giá xăng dầu giảm mạnh, người dân ở Hà Nội vui mừng.', published: '2025-08-12T01:00:00+07:00', source: 'Báo B', category: 'Kinh tế' },
];

test('a syllable typed with marks matches only that reading; typed bare it finds every reading', async () => {
  const dir = tmp();
  try {
    const e = await openEngine(dir);
    await e.add(DOCS);
    const exact = e.search({ query: 'đường' });
    assert.deepEqual(exact.hits.map((h) => h.id), ['a'], 'đường never matches dương');
    assert.equal(exact.total, 1);
    const folded = e.search({ query: 'duong' });
    assert.deepEqual(new Set(folded.hits.map((h) => h.id)), new Set(['a', 'b']));
    // NFD query equals NFC query
    const nfd = e.search({ query: 'đường'.normalize('NFD') });
    assert.deepEqual(nfd.hits.map((h) => h.id), exact.hits.map((h) => h.id));
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('phrases, exclusion, prefix, filters, sort and facets', async () => {
  const dir = tmp();
  try {
    const e = await openEngine(dir);
    await e.add(DOCS);
    assert.deepEqual(e.search({ query: '"chuyển đổi số"' }).hits.map((h) => h.id), ['c']);
    assert.deepEqual(e.search({ query: 'Hà Nội -xăng' }).hits.map((h) => h.id), ['c']);
    assert.ok(e.search({ query: 'chuyển đ*' }).hits.some((h) => h.id === 'c'));
    assert.deepEqual(e.search({ query: 'Hà Nội', from: '2025-08-12', to: '2025-08-12', sort: 'date' }).hits.map((h) => h.id), ['c', 'd']);
    assert.deepEqual(e.search({ query: 'Hà Nội', sources: ['Báo B'] }).hits.map((h) => h.id), ['d']);
    assert.deepEqual(e.search({ query: 'Hà Nội', categories: ['Công nghệ'] }).hits.map((h) => h.id), ['c']);
    const f = e.search({ query: 'Hà Nội', facets: true });
    assert.deepEqual(f.facets?.sources, [
      { value: 'Báo A', count: 1 },
      { value: 'Báo B', count: 1 },
    ]);
    assert.equal(e.search({ query: '?!…' }).hits.length, 0);
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snippets highlight the matched words with offsets into the snippet (NFD too)', async () => {
  const dir = tmp();
  try {
    const e = await openEngine(dir);
    const text = 'Người dân Thành phố Hồ Chí Minh đón chào năm mới.'.normalize('NFD');
    await e.add([{ id: 'n', title: 'Tin', text }]);
    const r = e.search({ query: 'hồ chí minh' });
    const h = r.hits[0];
    assert.ok(h.snippet && h.highlights);
    assert.equal(h.highlights.length, 1);
    const [s, t] = h.highlights[0];
    assert.equal(h.snippet.slice(s, t).normalize('NFC'), 'Hồ Chí Minh');
    const ex = e.search({ query: 'hồ chí minh', explain: true }).hits[0].explain!;
    assert.ok(ex.terms.some((x) => x.term === 'bigram:ho chi'));
    assert.ok(Math.abs(ex.score - r.hits[0].score) < 1e-3);
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replace, delete, reopen, merge and reindex keep the index equal to the store', async () => {
  const dir = tmp();
  try {
    let e = await openEngine(dir, { maxSegments: 2 });
    await e.add(DOCS.slice(0, 2));
    await e.add(DOCS.slice(2));
    await e.add([{ id: 'a', title: 'Bài đã sửa', text: 'Nội dung mới về xe đạp.' }]);
    assert.equal(e.search({ query: 'trường' }).total, 0);
    assert.deepEqual(e.search({ query: 'xe đạp' }).hits.map((h) => h.id), ['a']);
    assert.equal(await e.delete(['b', 'zzz']), 1);
    assert.equal(e.search({ query: 'đại dương' }).total, 0);
    assert.equal(e.stats().documents, 3);
    assert.ok(e.stats().segments <= 2);
    assert.deepEqual(e.get('c')?.extra, { tags: ['x'] });
    e.close();
    e = await openEngine(dir, { readOnly: true });
    assert.equal(e.stats().documents, 3);
    assert.deepEqual(e.search({ query: 'xe đạp' }).hits.map((h) => h.id), ['a']);
    e.close();
    e = await openEngine(dir);
    assert.equal((await e.reindex()).indexed, 3);
    assert.equal(e.stats().documents, 3);
    assert.equal(e.search({ query: '"Hà Nội"' }).total, 2);
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trends count documents per day, week and month in Vietnam time, zeros included', async () => {
  const dir = tmp();
  try {
    const e = await openEngine(dir);
    await e.add(DOCS);
    const t = e.trends({ query: 'Hà Nội' });
    assert.equal(t.total, 2);
    // 2025-08-12T23:30+07:00 and 2025-08-12T01:00+07:00 are both the 12th in Hà Nội.
    assert.deepEqual(t.buckets, [{ start: '2025-08-12', count: 2 }]);
    const w = e.trends({ query: 'đường', interval: 'day', from: '2025-08-08', to: '2025-08-10' });
    assert.deepEqual(w.buckets.map((b) => b.count), [0, 1, 0]);
    const m = e.trends({ query: 'giá', interval: 'month' });
    assert.deepEqual(m.buckets, [{ start: '2025-08-01', count: 1 }]);
    const wk = e.trends({ query: 'Hà Nội', interval: 'week' });
    assert.deepEqual(wk.buckets, [{ start: '2025-08-11', count: 2 }]);
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('many small commits stay bounded by merging; results equal a single build', async () => {
  const dir = tmp();
  const dir2 = tmp();
  try {
    const docs: DocInput[] = [];
    const words = ['mưa', 'nắng', 'bão', 'lũ', 'gió', 'sông', 'núi', 'biển'];
    for (let i = 0; i < 60; i++) docs.push({ id: `d${i}`, title: `${words[i % 8]} ${words[(i * 3) % 8]}`, text: `${words[(i * 5) % 8]} và ${words[(i * 7) % 8]} ngày ${i}` });
    const e = await openEngine(dir, { maxSegments: 3 });
    for (let i = 0; i < 60; i += 6) await e.add(docs.slice(i, i + 6));
    assert.ok(e.stats().segments <= 3);
    const e2 = await openEngine(dir2);
    await e2.add(docs);
    for (const q of ['mưa', 'bão lũ', 'sông núi biển']) {
      const a = e.search({ query: q, limit: 100 });
      const b = e2.search({ query: q, limit: 100 });
      assert.equal(a.total, b.total);
      assert.deepEqual(a.hits.map((h) => [h.id, h.score]), b.hits.map((h) => [h.id, h.score]));
    }
    e.close();
    e2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dir2, { recursive: true, force: true });
  }
});

test('merges never make a segment larger than maxSegmentBytes; full segments are left alone', async () => {
  const dirs = [tmp(), tmp(), tmp()];
  try {
    const words = ['mưa', 'nắng', 'bão', 'lũ', 'gió', 'sông', 'núi', 'biển', 'đồng', 'rừng', 'phố', 'chợ'];
    const batch = (b: number): DocInput[] =>
      Array.from({ length: 40 }, (_, i) => {
        const k = b * 40 + i;
        return { id: `m${k}`, title: `${words[k % 12]} ${words[(k * 5) % 12]} số ${k}`, text: `${words[(k * 7) % 12]} và ${words[(k * 11) % 12]} ngày ${k} tin ${k * 13}` };
      });
    const sizes = (dir: string) => readdirSync(path.join(dir, 'index')).filter((f) => f.endsWith('.tseg')).map((f) => statSync(path.join(dir, 'index', f)).size);
    // One commit's segment, to set the cap at about four of them.
    const probe = await openEngine(dirs[0], { parallel: false });
    await probe.add(batch(0));
    const one = sizes(dirs[0])[0];
    probe.close();
    const cap = 4 * one;

    const capped = await openEngine(dirs[1], { parallel: false, maxSegments: 2, maxSegmentBytes: cap });
    const uncapped = await openEngine(dirs[2], { parallel: false, maxSegments: 2 });
    for (let b = 0; b < 16; b++) {
      await capped.add(batch(b));
      await uncapped.add(batch(b));
    }
    const got = sizes(dirs[1]);
    assert.ok(got.every((n) => n <= cap), `segments ${got} within ${cap}`);
    assert.ok(got.filter((n) => n < cap / 2).length <= 2, `at most two segments not full: ${got}`);
    assert.ok(got.length > 2, 'full segments are not merged further');
    const before = sizes(dirs[2]);
    assert.ok(before.length <= 2 && Math.max(...before) > cap, `without the cap the same commits make ${before}`);
    for (const q of ['mưa', 'bão lũ', 'sông núi biển', 'số 77']) {
      const a = capped.search({ query: q, limit: 1000 });
      const b = uncapped.search({ query: q, limit: 1000 });
      assert.equal(a.total, b.total, q);
      assert.deepEqual(new Set(a.hits.map((h) => h.id)), new Set(b.hits.map((h) => h.id)), q);
    }
    capped.close();
    uncapped.close();
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('MaxScore pruning returns exactly the unpruned top k', async () => {
  const dir = tmp();
  try {
    const vocab = ['là', 'của', 'có', 'và', 'người', 'năm', 'Hà', 'Nội', 'giá', 'vàng', 'bão', 'lũ', 'học', 'sinh', 'trường', 'bệnh', 'viện', 'xe', 'điện', 'cháy'];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const docs: DocInput[] = [];
    for (let i = 0; i < 3000; i++) {
      const words: string[] = [];
      const len = 5 + Math.floor(rnd() * 40);
      // Zipf-like: early words are common, later ones rare.
      for (let k = 0; k < len; k++) words.push(vocab[Math.floor(vocab.length * rnd() * rnd() * rnd())]);
      docs.push({ id: `z${i}`, title: words.slice(0, 4).join(' '), text: words.join(' ') });
    }
    const e = await openEngine(dir, { parallel: false });
    await e.add(docs);
    let pruned = 0;
    // Long queries (more than 8 syllables) are the ones whose top k may be pruned.
    for (const q of ['là của xe điện người có bệnh viện học', 'giá vàng là của có và người năm Hà', 'người có bệnh viện là của và năm học sinh', 'cháy xe là của có và người năm học', 'học sinh trường năm là của có và người', 'của và có là cháy người năm Hà Nội']) {
      for (const limit of [1, 3, 10]) {
        process.env.TRA_NOPRUNE = '1';
        const full = e.search({ query: q, limit });
        delete process.env.TRA_NOPRUNE;
        const fast = e.search({ query: q, limit });
        if (fast.total_exact === false) pruned++;
        assert.deepEqual(fast.hits.map((h) => [h.id, h.score]), full.hits.map((h) => [h.id, h.score]), `${q} @${limit}`);
      }
    }
    assert.ok(pruned > 0, 'pruning happened at least once');
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bulk load analysed in a worker thread equals a one-thread build, merged or not', async () => {
  const dirs = [tmp(), tmp(), tmp()];
  try {
    const vocab = ['mưa', 'nắng', 'bão', 'lũ', 'gió', 'sông', 'núi', 'biển', 'đường', 'phố', 'làng', 'chợ'];
    const docs: DocInput[] = [];
    for (let i = 0; i < 6500; i++) {
      const id = i % 97 === 5 && i > 3000 ? `d${i - 3000}` : `d${i}`; // some replacements across batches
      docs.push({ id, title: `${vocab[i % 12]} ${vocab[(i * 5) % 12]}`, text: `${vocab[(i * 7) % 12]} và ${vocab[(i * 11) % 12]} số ${i % 50}` });
    }
    const one = await openEngine(dirs[0], { parallel: false });
    await one.add(docs);
    const split = await openEngine(dirs[1], { parallel: true });
    await split.add(docs);
    const merged = await openEngine(dirs[2], { parallel: true, maxSegments: 1, flushBytes: 200_000 });
    await merged.add(docs);
    assert.equal(merged.stats().segments, 1);
    for (const e of [split, merged]) {
      assert.equal(e.stats().documents, one.stats().documents);
      for (const q of ['mưa bão', 'sông núi biển', 'số 7', '"và lũ"']) {
        const a = one.search({ query: q, limit: 20 });
        const b = e.search({ query: q, limit: 20 });
        // (a pruned query's total is only a lower bound, which depends on the segments)
        if (a.total_exact !== false && b.total_exact !== false) assert.equal(b.total, a.total, q);
        // Merging drops deleted documents from df and average lengths, so scores move a little;
        // the worker build keeps the very same statistics, so its scores are identical.
        if (e === split) assert.deepEqual(b.hits.map((h) => [h.id, h.score]), a.hits.map((h) => [h.id, h.score]), q);
        else assert.deepEqual(new Set(b.hits.map((h) => h.id)), new Set(a.hits.map((h) => h.id)), q);
      }
    }
    for (const e of [one, split, merged]) e.close();
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('a reader refreshes to see what a writer committed since', async () => {
  const dir = tmp();
  try {
    const w = await openEngine(dir);
    await w.add(DOCS.slice(0, 2));
    const r = await openEngine(dir, { readOnly: true });
    assert.equal(r.stats().documents, 2);
    await w.add(DOCS.slice(2));
    await w.delete(['a']);
    assert.equal(r.stats().documents, 2);
    assert.equal(r.refresh(), true);
    assert.equal(r.stats().documents, 3);
    assert.equal(r.search({ query: 'trường' }).total, 0);
    assert.equal(r.refresh(), false);
    r.close();
    w.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pasted paragraph is scored with its 48 weightiest lists, and still finds the document', async () => {
  const dir = tmp();
  try {
    const e = await openEngine(dir);
    const words = Array.from({ length: 70 }, (_, i) => `từ${i}`).join(' ');
    await e.add([...DOCS, { id: 'long', title: 'Một đoạn dài', text: words }]);
    const res = e.search({ query: words, explain: true });
    assert.equal(res.hits[0]?.id, 'long');
    // 70 words give 70 folded + 70 exact + 69 bigram lists (fewer after merging); 48 are scored.
    const kept = res.hits[0].explain!.terms.length;
    assert.equal(kept, 48);
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a segment whose documents were all replaced leaves the disk at once, not at the next open', async () => {
  const dir = tmp();
  try {
    const { readdirSync } = await import('node:fs');
    const e = await openEngine(dir, { parallel: false });
    await e.add([{ id: 'a', title: 'một' }, { id: 'b', title: 'hai' }]);
    const first = readdirSync(path.join(dir, 'index')).filter((f) => f.endsWith('.tseg'));
    assert.equal(first.length, 1);
    await e.add([{ id: 'a', title: 'một mới' }, { id: 'b', title: 'hai mới' }]);
    const after = readdirSync(path.join(dir, 'index')).filter((f) => f.endsWith('.tseg') || /\.del\d+$/.test(f));
    assert.ok(!after.includes(first[0]), `${first[0]} is gone: ${after.join(', ')}`);
    assert.equal(e.search({ query: 'mới' }).total, 2);
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
