import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickMerge, MAX_MERGED_BYTES, MAX_MERGED_DOCS } from './merge.ts';

const segs = (...counts: number[]) => counts.map((doc_count, i) => ({ id: String(i + 1), doc_count }));

test('pickMerge merges the smallest size class that holds mergeAt segments, never the large segment with the small ones', () => {
  // One large segment and nine batches: the batches alone are not yet mergeAt of a class.
  assert.equal(pickMerge(segs(90_000, ...Array(9).fill(1000)), 10), undefined);
  // The tenth batch: the ten batches are merged, the large segment stays.
  const p = pickMerge(segs(90_000, ...Array(10).fill(1000)), 10)!;
  assert.deepEqual(p.map((s) => s.doc_count), Array(10).fill(1000));
  // Ten segments of the second class (10,000–99,999) merge together once the first class is short.
  const q = pickMerge(segs(...Array(10).fill(20_000), 1000, 1000), 10)!;
  assert.deepEqual(q.map((s) => s.doc_count), Array(10).fill(20_000));
  // The smallest class first when both are due.
  assert.deepEqual(pickMerge(segs(...Array(10).fill(20_000), ...Array(10).fill(500)), 10)!.map((s) => s.doc_count), Array(10).fill(500));
  // Small test batches (a few documents) are all one class: merged as the smallest ones, as before.
  assert.deepEqual(pickMerge(segs(30, 3, 4, 5), 3)!.map((s) => s.doc_count), [3, 4, 5]);
  // Never a merge past MAX_MERGED_DOCS: as many of the smallest as fit, none when two do not;
  // mergeAt 0 or 1: never.
  const big = Math.ceil(MAX_MERGED_DOCS / 4) + 1;
  assert.equal(pickMerge(segs(big, big, big, big, big), 5)?.length, 3);
  assert.equal(pickMerge(segs(...Array(5).fill(Math.ceil(MAX_MERGED_DOCS / 2) + 1)), 5), undefined);
  assert.equal(pickMerge(segs(1, 1, 1), 0), undefined);
  // Nor past MAX_MERGED_BYTES, however few the documents (bytes come from PostgreSQL as text).
  const heavy = (b: number) => segs(2000, 2000, 2000).map((s) => ({ ...s, bytes: String(b) }));
  assert.equal(pickMerge(heavy(MAX_MERGED_BYTES / 2 + 1), 3), undefined);
  assert.equal(pickMerge(heavy(MAX_MERGED_BYTES / 2), 3)?.length, 2);
  assert.equal(pickMerge(heavy(1000), 3)?.length, 3);
  assert.equal(pickMerge(segs(1, 1, 1), 1), undefined);
});

test('pickMerge keeps a shard of N batches at fewer than mergeAt segments per size class', () => {
  // Simulate 5,000 batches of 1,000 documents into one shard, merging whenever a merge is due.
  let live = [] as { id: string; doc_count: number }[];
  let next = 1;
  let rewritten = 0;
  for (let b = 0; b < 5000; b++) {
    live.push({ id: String(next++), doc_count: 1000 });
    for (let p = pickMerge(live, 10); p; p = pickMerge(live, 10)) {
      const gone = new Set(p.map((s) => s.id));
      const n = p.reduce((x, s) => x + s.doc_count, 0);
      rewritten += n;
      live = live.filter((s) => !gone.has(s.id));
      live.push({ id: String(next++), doc_count: n });
    }
  }
  assert.equal(live.reduce((x, s) => x + s.doc_count, 0), 5_000_000);
  assert.ok(live.length < 10 * 4, `${live.length} live segments`);
  // Each document is rewritten about once per size class (3 classes below 5M), not once per batch.
  assert.ok(rewritten / 5_000_000 <= 4, `write amplification ${rewritten / 5_000_000}`);
});

test('pickMerge keeps every merged segment within MAX_MERGED_BYTES, and the shard at a bounded count', () => {
  // 5,000 batches of 1,000 documents of ~3.3 KB of segment each (the bench corpus): 16.5 GB.
  const perDoc = 3300;
  let live = [] as { id: string; doc_count: number; bytes: number }[];
  let next = 1;
  for (let b = 0; b < 5000; b++) {
    live.push({ id: String(next++), doc_count: 1000, bytes: 1000 * perDoc });
    for (let p = pickMerge(live, 10); p; p = pickMerge(live, 10)) {
      const gone = new Set(p.map((s) => s.id));
      const n = p.reduce((x, s) => x + s.doc_count, 0);
      live = live.filter((s) => !gone.has(s.id));
      live.push({ id: String(next++), doc_count: n, bytes: n * perDoc });
    }
  }
  assert.equal(live.reduce((x, s) => x + s.doc_count, 0), 5_000_000);
  assert.ok(live.every((s) => s.bytes <= MAX_MERGED_BYTES), 'no segment past the cap');
  // At least 16.5 GB / 1 GiB full segments; the rest fewer than mergeAt per class.
  assert.ok(live.length < 30, `${live.length} live segments`);
});
