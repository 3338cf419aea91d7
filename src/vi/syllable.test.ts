import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalSyllable, parseSyllable } from './syllable.ts';

test('old and new tone placement map to one canonical form (old style)', () => {
  for (const [a, b] of [['hoà', 'hòa'], ['thuỷ', 'thủy'], ['khoẻ', 'khỏe'], ['hoá', 'hóa'], ['tuỳ', 'tùy'], ['loà', 'lòa']]) {
    assert.equal(canonicalSyllable(a), b, a);
    assert.equal(canonicalSyllable(b), b, b);
  }
});

test('tone placement follows Vietnamese syllable structure', () => {
  const cases: Array<[string, string]> = [
    ['toàn', 'toàn'], ['hoàng', 'hoàng'], ['quý', 'quý'], ['quốc', 'quốc'], ['giữa', 'giữa'],
    ['gì', 'gì'], ['gìn', 'gìn'], ['người', 'người'], ['mía', 'mía'], ['múa', 'múa'], ['của', 'của'],
    ['khuỷu', 'khuỷu'], ['ngoài', 'ngoài'], ['thuở', 'thuở'], ['huỳnh', 'huỳnh'], ['yêu', 'yêu'],
    ['chuyển', 'chuyển'], ['cứu', 'cứu'], ['ngoẹo', 'ngoẹo'], ['quyết', 'quyết'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalSyllable(input), want, input);
});

test('misplaced marks are repaired when the syllable parses', () => {
  assert.equal(canonicalSyllable('tòan'), 'toàn');
  assert.equal(canonicalSyllable('vịêt'), 'việt');
  assert.equal(canonicalSyllable('qủa'), 'quả');
  assert.equal(canonicalSyllable('hòang'), 'hoàng');
  assert.equal(canonicalSyllable('hoàng'), 'hoàng');
  assert.equal(canonicalSyllable('qúy'), 'quý');
});

test('non-syllables and ambiguous input are left unchanged', () => {
  for (const w of ['street', 'iphone', 'covid', 'xyzzy', 'chụ́', 'abc1']) assert.equal(canonicalSyllable(w), w);
  assert.equal(parseSyllable('street'), null);
  assert.deepEqual(parseSyllable('quốc'), { initial: 'qu', vowels: 'ô', final: 'c', tone: 2 });
  assert.deepEqual(parseSyllable('giữa'), { initial: 'gi', vowels: 'ưa', final: '', tone: 4 });
});
