import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObserveCounts, dayOfIso, isoOfDay } from './counts.ts';
import { attention, keyTerms, logLikelihood, bucketStart } from './attention.ts';
import { syntheticNews, fakeEngine } from './test-fixtures.ts';

test('attention: counts, bucket totals and shares, overall and per source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-attention-'));
  try {
    const docs = syntheticNews('2025-06-02', 21, 30, [{ day: 10, docs: 12, title: 'Lũ quét ở Lào Cai' }]);
    const c = new ObserveCounts(dir);
    c.add(docs.map((doc) => ({ doc })));
    const engine = fakeEngine(docs);
    const daily = attention(engine, c, { query: 'lũ quét' });
    assert.equal(daily.total, 12);
    assert.equal(daily.buckets.length, 1);
    const b = daily.buckets[0];
    assert.equal(b.start, '2025-06-12');
    assert.equal(b.total, c.totals(dayOfIso('2025-06-12'), dayOfIso('2025-06-12'))[0]);
    assert.ok(Math.abs(b.share - 12 / b.total) < 1e-12);

    const weekly = attention(engine, c, { query: 'giá vàng', interval: 'week', bySource: true });
    assert.ok(weekly.buckets.every((x) => x.start === isoOfDay(bucketStart(dayOfIso(x.start), 'week'))));
    const sum = weekly.buckets.reduce((a, x) => a + x.total, 0);
    assert.equal(sum, docs.length);
    assert.ok(weekly.sources && weekly.sources.length === 2);
    const perSource = weekly.sources.reduce((a, s) => a + s.total, 0);
    assert.equal(perSource, weekly.total);
    for (const s of weekly.sources) for (const x of s.buckets) assert.ok(x.share >= 0 && x.share <= 1 && x.count <= x.total);
    c.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('key terms of a result set: over-represented words first, stopwords out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-attention-'));
  try {
    const docs = syntheticNews('2025-06-02', 14, 30, [{ day: 5, docs: 10, title: 'Lũ quét ở Lào Cai cuốn trôi nhà dân' }]);
    const c = new ObserveCounts(dir);
    c.add(docs.map((doc) => ({ doc })));
    const set = docs.filter((d) => d.title.includes('Lào Cai'));
    const top = keyTerms(set, c, { limit: 5 });
    assert.ok(top.length > 0);
    assert.ok(top.slice(0, 3).some((t) => t.term === 'lào cai' || t.term === 'lũ quét'), JSON.stringify(top));
    assert.ok(!top.some((t) => t.term === 'ở'));
    assert.ok(top.every((t) => t.lift > 1 && t.count >= 2));
    c.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('log-likelihood ratio: zero for independence, larger for stronger association', () => {
  assert.ok(Math.abs(logLikelihood(10, 90, 100, 900)) < 1e-9);
  assert.ok(logLikelihood(50, 50, 100, 900) > logLikelihood(20, 80, 100, 900));
});
