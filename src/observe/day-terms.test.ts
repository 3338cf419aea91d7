import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeDay, decodeDay, mergeDay, countOf, encodeSorted, decodeSorted, EMPTY_DAY } from './day-terms.ts';

test('a day of term counts survives encoding, merging and lookup', () => {
  const day = { ids: Int32Array.from([0, 3, 127, 128, 20_000, 3_000_000]), n: Int32Array.from([1, 2, 1, 300, 1, 7]) };
  const back = decodeDay(encodeDay(day));
  assert.deepEqual([...back.ids], [...day.ids]);
  assert.deepEqual([...back.n], [...day.n]);
  const merged = mergeDay(back, new Map([[3, 1], [5, 4], [3_000_001, 1]]));
  assert.deepEqual([...merged.ids], [0, 3, 5, 127, 128, 20_000, 3_000_000, 3_000_001]);
  assert.deepEqual([...merged.n], [1, 3, 4, 1, 300, 1, 7, 1]);
  assert.equal(countOf(merged, 128), 300);
  assert.equal(countOf(merged, 129), 0);
  assert.equal(countOf(EMPTY_DAY, 0), 0);
  assert.equal(decodeDay(null).ids.length, 0);
});

test('a truncated day is refused, not misread', () => {
  const b = encodeDay({ ids: Int32Array.from([1, 200]), n: Int32Array.from([1, 1]) });
  assert.throws(() => decodeDay(b.subarray(0, b.length - 2)), /truncated/);
});

test('sorted store rows round-trip', () => {
  assert.deepEqual(decodeSorted(encodeSorted([2, 9, 10, 100_000])), [2, 9, 10, 100_000]);
  assert.deepEqual(decodeSorted(encodeSorted([])), []);
});
