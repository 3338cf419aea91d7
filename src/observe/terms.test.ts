import { test } from 'node:test';
import assert from 'node:assert/strict';
import { termsOf, observedText } from './terms.ts';
import { isStopword, isStopPair } from './stopwords.ts';

test('syllables and pairs in matching form, stopwords out', () => {
  const t = termsOf('Bão Yagi đổ bộ vào Quảng Ninh và Hải Phòng');
  for (const w of ['bão', 'yagi', 'bão yagi', 'đổ bộ', 'quảng ninh', 'hải phòng']) assert.ok(t.has(w), w);
  for (const w of ['vào', 'và', 'bộ vào', 'vào quảng', 'ninh và', 'và hải']) assert.ok(!t.has(w), w);
});

test('no pair across punctuation or between fields', () => {
  const t = termsOf(observedText({ title: 'Hà Nội', summary: 'Sáng nay mưa lớn. Ngập sâu' }));
  assert.ok(t.has('hà nội'));
  assert.ok(t.has('mưa lớn'));
  assert.ok(!t.has('nội sáng'));
  assert.ok(!t.has('lớn ngập'));
});

test('NFD and new-style tone placement count as the same term', () => {
  const a = termsOf('Hoà bình và thuỷ điện');
  const b = termsOf('Hòa bình và thủy điện'.normalize('NFD'));
  assert.deepEqual([...a].sort(), [...b].sort());
  assert.ok(a.has('hòa bình'));
});

test('dates and clock times are not terms; amounts and years are', () => {
  const t = termsOf('Quốc khánh 2-9, ngày 15/10/2025 lúc 10:30, giá 1.000 đồng năm 2026');
  for (const w of ['2-9', '15/10/2025', '10:30', 'khánh 2-9']) assert.ok(!t.has(w), w);
  for (const w of ['quốc khánh', '1.000', '2026', '1.000 đồng']) assert.ok(t.has(w), w);
  assert.ok(!t.has('năm 2026'));
});

test('sequence numbers are not topics: "vòng 18", "mùng 5", "khóa XIV"; "iPhone 17" is', () => {
  const t = termsOf('Vòng 18 V-League, mùng 5 Tết, Quốc hội khóa XIV, ra mắt iPhone 17');
  for (const w of ['vòng 18', 'mùng 5', 'khóa xiv']) assert.ok(!t.has(w), w);
  for (const w of ['iphone 17', 'quốc hội', 'xiv']) assert.ok(t.has(w), w);
});

test('stopword lists', () => {
  assert.ok(isStopword('của'));
  assert.ok(isStopword('người'));
  assert.ok(!isStopword('bão'));
  assert.ok(isStopPair('của', 'bão'));
  assert.ok(isStopPair('hôm', 'nay'));
  assert.ok(!isStopPair('người', 'dân'));
  assert.ok(!isStopPair('không', 'quân'));
});

test('a numbered storm is a term: "bão số 10", never the bare "số 10"', () => {
  const t = termsOf('Áp thấp nhiệt đới có thể mạnh lên thành bão số 10; siêu bão số 9. Bão, số 3 vòng 2');
  for (const w of ['bão số 10', 'bão số 9', 'bão số']) assert.ok(t.has(w), w);
  for (const w of ['số 10', 'số 9', 'bão số 3', 'số 3']) assert.ok(!t.has(w), w);
});
