import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFind, csrFromCounts, estimateDiscounts, thresholdForBudget } from './csr.ts';

test('rows hold their ids sorted, and bisection finds them', () => {
  // width 10: key = row × 10 + id.
  const c = csrFromCounts(3, 10, new Map([[27, 4], [3, 1], [21, 2], [5, 9]]), 1);
  assert.deepEqual([...c.offsets], [0, 2, 2, 4]);
  assert.deepEqual([...c.ids], [3, 5, 1, 7]);
  assert.equal(c.counts[csrFind(c, 2, 7)], 4);
  assert.equal(csrFind(c, 1, 3), -1);
  assert.equal(csrFind(c, 0, 4), -1);
  // Pruning at 2 drops the singleton.
  assert.deepEqual([...csrFromCounts(3, 10, new Map([[3, 1], [5, 9]]), 2).ids], [5]);
});

test('modified Kneser–Ney discounts come from the counts of counts', () => {
  // n1 = 4, n2 = 2, n3 = 1, n4 = 1: Y = 4/8 = 0.5; D1 = 1 − 2·0.5·2/4 = 0.5,
  // D2 = 2 − 3·0.5·1/2 = 1.25, D3+ = 3 − 4·0.5·1/1 = 1.
  const counts = new Map([[1, 1], [2, 1], [3, 1], [4, 1], [5, 2], [6, 2], [7, 3], [8, 4], [9, 10]]);
  assert.deepEqual(estimateDiscounts(counts), [0.5, 1.25, 1]);
  // Too little data (no count of 4): one usual discount.
  assert.deepEqual(estimateDiscounts(new Map([[1, 1], [2, 2], [3, 3]])), [0.75, 0.75, 0.75]);
});

test('the budget threshold keeps at most that many entries', () => {
  const counts = new Map([[1, 1], [2, 1], [3, 2], [4, 5]]);
  assert.equal(thresholdForBudget(counts, 4), 1);
  assert.equal(thresholdForBudget(counts, 2), 2);
  assert.equal(thresholdForBudget(counts, 1), 3);
});
