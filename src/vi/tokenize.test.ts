import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from './tokenize.ts';

function texts(s: string): string[] {
  return tokenize(s).map((t) => t.text);
}

test('syllables with exact offsets into the original text', () => {
  const s = 'Hà Nội, ngày mới.';
  const toks = tokenize(s);
  assert.deepEqual(toks.map((t) => t.text), ['Hà', 'Nội', 'ngày', 'mới']);
  for (const t of toks) assert.equal(s.slice(t.start, t.end), t.text);
  assert.deepEqual(toks.map((t) => t.norm), ['hà', 'nội', 'ngày', 'mới']);
  assert.deepEqual(toks.map((t) => t.folded), ['ha', 'noi', 'ngay', 'moi']);
});

test('offsets are right on decomposed (NFD) input', () => {
  const s = 'Thành phố Hồ Chí Minh'.normalize('NFD');
  const toks = tokenize(s);
  assert.equal(toks.length, 5);
  for (const t of toks) assert.equal(s.slice(t.start, t.end), t.text);
  assert.deepEqual(toks.map((t) => t.norm), ['thành', 'phố', 'hồ', 'chí', 'minh']);
  assert.equal(toks[2].text.normalize('NFC'), 'Hồ');
});

test('zero-width characters and soft hyphens stay inside a token', () => {
  const s = 'Vi\u200Bệt Na\u00ADm';
  const toks = tokenize(s);
  assert.deepEqual(toks.map((t) => t.norm), ['việt', 'nam']);
  assert.equal(toks[0].end, 5);
});

test('numbers, dates and times are single tokens', () => {
  assert.deepEqual(texts('Ngày 8-8, tháng 12/2025 lúc 10:30 giá 1.000.000 đồng (3,5%).'), [
    'Ngày', '8-8', 'tháng', '12/2025', 'lúc', '10:30', 'giá', '1.000.000', 'đồng', '3,5',
  ]);
  assert.equal(tokenize('12/2025')[0].type, 'number');
});

test('abbreviations, e-mail, URLs, hashtags and mentions', () => {
  const toks = tokenize('UBND TP.HCM gửi thư tới lienhe@tra.vn, xem https://vnexpress.net/a-b.html. #chuyểnđổisố @tra');
  const by = toks.map((t) => [t.text, t.type]);
  assert.deepEqual(by, [
    ['UBND', 'word'], ['TP.HCM', 'abbr'], ['gửi', 'word'], ['thư', 'word'], ['tới', 'word'],
    ['lienhe@tra.vn', 'email'], ['xem', 'word'], ['https://vnexpress.net/a-b.html', 'url'],
    ['#chuyểnđổisố', 'hashtag'], ['@tra', 'mention'],
  ]);
  assert.equal(toks[1].norm, 'tp.hcm');
  assert.equal(toks[8].folded, '#chuyendoiso');
});

test('hyphenated and alphanumeric words', () => {
  assert.deepEqual(texts('Covid-19, U23 Việt Nam, iPhone 17'), ['Covid', '19', 'U23', 'Việt', 'Nam', 'iPhone', '17']);
});

test('gap marks punctuation between tokens', () => {
  const toks = tokenize('Hà Nội. Sài Gòn, Huế');
  assert.deepEqual(toks.map((t) => t.gap), [false, false, true, false, true]);
});

test('tone placement variants share one norm', () => {
  const [a, b] = tokenize('hoà hòa');
  assert.equal(a.norm, b.norm);
  assert.equal(a.text, 'hoà');
});
