import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompletionIndex } from './completions.ts';

const TITLES = [
  'Giá vàng hôm nay tăng mạnh',
  'Giá vàng hôm nay giảm nhẹ',
  'Giá vàng miếng lập đỉnh',
  'Giá vé máy bay Tết',
  'Gia vị Việt ra thế giới',
  'Đường sắt tốc độ cao qua Hà Nội',
  'Đại dương nóng lên',
  'Hà Nội mưa lớn, giá rau tăng',
];

function index(): CompletionIndex {
  const marks: Record<string, string> = { gia: 'giá', vang: 'vàng' };
  const c = new CompletionIndex((t) => t.split(' ').map((w) => marks[w] ?? w).join(' '));
  for (const t of TITLES) c.add(t);
  c.finish(1);
  return c;
}

test('a prefix typed without marks completes to the accented phrases, most frequent first', () => {
  const s = index().complete('gia va', 5).map((x) => x.text);
  assert.equal(s[0], 'giá vàng');
  assert.ok(s.includes('giá vàng hôm nay'), JSON.stringify(s));
  assert.ok(!s.includes('giá vé máy'), 'vé does not start with va');
});

test('a word typed with marks only matches itself', () => {
  const c = index();
  assert.deepEqual(c.complete('dương', 5).map((x) => x.text), ['dương', 'dương nóng', 'dương nóng lên']);
  assert.deepEqual(c.complete('đại dươ', 5).map((x) => x.text), ['đại dương', 'đại dương nóng']);
  assert.ok(c.complete('duong', 5).some((x) => x.text === 'đường'));
});

test('a finished word is extended, and the word that always follows is added', () => {
  const c = index();
  const s = c.complete('gia vang ', 5).map((x) => x.text);
  // "hôm" is always followed by "nay" here, so "giá vàng hôm" is finished as "giá vàng hôm nay".
  assert.equal(s[0], 'giá vàng hôm nay');
  assert.ok(!s.includes('giá vàng hôm'));
});

test('longer input: the last words are looked up, the first ones restored', () => {
  const s = index().complete('gia vang hom n', 3).map((x) => x.text);
  assert.equal(s[0], 'giá vàng hôm nay');
});

test('punctuation ends a phrase; nothing typed, nothing suggested', () => {
  const c = index();
  assert.ok(!c.complete('ha noi ', 8).some((x) => x.text.includes('nội giá')), 'no phrase across the comma');
  assert.deepEqual(c.complete('  ', 5), []);
});
