import { test } from 'node:test';
import assert from 'node:assert/strict';
import { highlight, termRanges } from './highlight.ts';

test('ranges become <mark>, text is escaped', () => {
  assert.equal(highlight('Giá <vàng> tăng', [[5, 9]]).value, 'Giá &lt;<mark>vàng</mark>&gt; tăng');
});

test('bad ranges are sorted, clipped and merged', () => {
  const t = 'abcdefghij';
  assert.equal(highlight(t, [[8, 20], [0, 2], [1, 3], [-5, 0], [5, 5]]).value, '<mark>abc</mark>defgh<mark>ij</mark>');
  assert.equal(highlight(t, [[0, 2], [2, 4]]).value, '<mark>abcd</mark>efghij');
  assert.equal(highlight(t, undefined).value, t);
});

test('query words typed without marks match every accented form; with marks only themselves', () => {
  const title = 'Đường sắt và đại dương';
  const spans = (q: string) => termRanges(title, q).map(([s, e]) => title.slice(s, e));
  assert.deepEqual(spans('duong sat'), ['Đường', 'sắt', 'dương']);
  assert.deepEqual(spans('đường'), ['Đường']);
  assert.deepEqual(spans('ĐƯỜNG'), ['Đường']);
});

test('offsets work on decomposed (NFD) text', () => {
  const nfd = 'Hoà bình'.normalize('NFD');
  const r = termRanges(nfd, 'hoa');
  assert.equal(r.length, 1);
  assert.equal(nfd.slice(r[0][0], r[0][1]).normalize('NFC'), 'Hoà');
});
