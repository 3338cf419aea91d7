import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTables, contextKey, decodeTables, encodeTables, BOUNDARY, NUM, UNK, DEFAULT_PRUNE } from './tables.ts';
import { fold } from '../fold.ts';

function bigram(t: ReturnType<typeof buildTables>, a: string, b: string): number {
  const l = t.norms.indexOf(a);
  const r = t.norms.indexOf(b);
  for (let i = t.offsets[l]; i < t.offsets[l + 1]; i++) if (t.rights[i] === r) return t.bigramCounts[i];
  return 0;
}

test('context keys: syllables, numbers as one class, other words, nothing for URLs', () => {
  assert.equal(contextKey('đường'), 'đường');
  assert.equal(contextKey('2025'), NUM);
  assert.equal(contextKey('12/2025'), NUM);
  assert.equal(contextKey('covid'), 'covid');
  assert.equal(contextKey('https://tra.vn'), null);
  assert.equal(contextKey('tp.hcm'), null);
});

test('numbers share one entry, rare other words share <unk>', () => {
  const t = buildTables(
    [['năm', 10], ['2020', 3], ['1975', 2], ['vinamilk', 2], ['covid', 30]],
    [['năm 2020', 3], ['năm 1975', 2], ['vinamilk năm', 1], ['covid năm', 4]],
    fold,
  );
  assert.equal(t.counts[t.norms.indexOf(NUM)], 5);
  assert.equal(bigram(t, 'năm', NUM), 5);
  assert.equal(bigram(t, UNK, 'năm'), 1);
  assert.equal(bigram(t, 'covid', 'năm'), 4);
});

test('phrase starts and ends come from the margins', () => {
  // "con đường" twice, and "đường" once alone: đường ends 3 phrases, starts 1; con starts 2.
  const t = buildTables([['con', 2], ['đường', 3]], [['con đường', 2]], fold);
  assert.equal(t.norms[t.norms.length - 1], BOUNDARY);
  assert.equal(bigram(t, 'đường', BOUNDARY), 3);
  assert.equal(bigram(t, BOUNDARY, 'đường'), 1);
  assert.equal(bigram(t, BOUNDARY, 'con'), 2);
  assert.equal(bigram(t, 'con', BOUNDARY), 0);
  assert.equal(t.counts[t.norms.length - 1], 3);
});

test('auto pruning keeps the rarest bigrams out only when over budget', () => {
  const uni: Array<[string, number]> = [['a', 100], ['ba', 100], ['ca', 100]];
  const bi: Array<[string, number]> = [['a ba', 1], ['ba ca', 2], ['ca a', 5]];
  const all = buildTables(uni, bi, fold);
  assert.equal(all.minBigramCount, 1);
  assert.equal(bigram(all, 'a', 'ba'), 1);
  // 3 bigrams + 6 boundary pairs = 9 types; a budget of 8 drops the singleton first.
  const small = buildTables(uni, bi, fold, { ...DEFAULT_PRUNE, maxBigrams: 8 });
  assert.ok(small.minBigramCount > 1);
  assert.equal(bigram(small, 'a', 'ba'), 0);
  assert.equal(bigram(small, 'ca', 'a'), 5);
});

test('rare misspellings of a frequent folded form are dropped', () => {
  const t = buildTables([['người', 100000], ['nguời', 3]], [], fold);
  assert.ok(t.norms.includes('người'));
  assert.ok(!t.norms.includes('nguời'));
});

test('the binary form round-trips', () => {
  const t = buildTables([['con', 2], ['đường', 3], ['2020', 1]], [['con đường', 2], ['đường 2020', 1]], fold);
  const back = decodeTables(encodeTables(t));
  assert.deepEqual(back, t);
});
