import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTables, contextKey, decodeTables, encodeTables, BOUNDARY, NUM, UNK, DEFAULT_PRUNE } from './tables.ts';
import { fold } from '../fold.ts';
import { csrFind } from './csr.ts';

function bigram(t: ReturnType<typeof buildTables>, a: string, b: string): number {
  const p = csrFind(t.bigrams, t.norms.indexOf(a), t.norms.indexOf(b));
  return p < 0 ? 0 : t.bigrams.counts[p];
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
  assert.equal(all.bigrams.minCount, 1);
  assert.equal(bigram(all, 'a', 'ba'), 1);
  // 3 bigrams + 6 boundary pairs = 9 types; a budget of 8 drops the singleton first.
  const small = buildTables(uni, bi, fold, { ...DEFAULT_PRUNE, maxBigrams: 8 });
  assert.ok(small.bigrams.minCount > 1);
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

function trigram(t: ReturnType<typeof buildTables>, a: string, b: string, c: string): number {
  const ab = csrFind(t.bigrams, t.norms.indexOf(a), t.norms.indexOf(b));
  if (ab < 0 || !t.trigrams) return 0;
  const p = csrFind(t.trigrams, ab, t.norms.indexOf(c));
  return p < 0 ? 0 : t.trigrams.counts[p];
}

test('trigrams are keyed by their bigram, with phrase starts and ends from the margins', () => {
  // Phrases: "con đường mới" ×2, "con đường" ×1.
  const t = buildTables(
    [['con', 3], ['đường', 3], ['mới', 2]],
    [['con đường', 3], ['đường mới', 2]],
    fold,
    DEFAULT_PRUNE,
    [['con đường mới', 2], ['xyz con đường', 0], ['https://a.b con đường', 5]],
  );
  assert.equal(trigram(t, 'con', 'đường', 'mới'), 2);
  assert.equal(trigram(t, 'con', 'đường', BOUNDARY), 1);
  assert.equal(trigram(t, BOUNDARY, 'con', 'đường'), 3);
  assert.equal(trigram(t, 'đường', 'mới', BOUNDARY), 2);
  const back = decodeTables(encodeTables(t));
  assert.deepEqual(back, t);
  assert.equal(buildTables([['con', 1]], [], fold).trigrams, null);
});
