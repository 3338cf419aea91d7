import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanText, normalizeForMatch } from './normalize.ts';
import { fold, hasDiacritics } from './fold.ts';

const NFD = 'Tiếng Việt có dấu'.normalize('NFD');

test('NFD and NFC text are equal after normalisation', () => {
  assert.notEqual(NFD, 'Tiếng Việt có dấu');
  assert.equal(cleanText(NFD), 'Tiếng Việt có dấu');
  assert.equal(normalizeForMatch(NFD), 'tiếng việt có dấu');
});

test('invisible characters, odd spaces, soft hyphens and curly quotes are handled', () => {
  assert.equal(cleanText('Vi\u200Bệt\u00A0Nam'), 'Việt Nam');
  assert.equal(cleanText('chuyển\u00ADđổi'), 'chuyểnđổi');
  assert.equal(cleanText('\uFEFF“Đổi mới” và ‘hội nhập’'), '"Đổi mới" và \'hội nhập\'');
  assert.equal(cleanText('a\u2003b\u202Fc\tz'), 'a b c z');
  assert.equal(cleanText('dòng 1\r\ndòng 2'), 'dòng 1\ndòng 2');
});

test('matching form: lower case, one tone placement, Icelandic eth repaired', () => {
  assert.equal(normalizeForMatch('HOÀ BÌNH và Hòa Bình'), 'hòa bình và hòa bình');
  assert.equal(normalizeForMatch('Sức KHOẺ, thuỷ lợi'), 'sức khỏe, thủy lợi');
  assert.equal(normalizeForMatch('ÐÀ NẴNG'), 'đà nẵng');
});

test('Vietnamese capitals fold and lower correctly', () => {
  assert.equal(normalizeForMatch('ĐƯỜNG ƠN ƯỚC'), 'đường ơn ước');
  assert.equal(fold('Đường Ơn Ước'), 'duong on uoc');
  assert.equal(fold('Chuyển đổi số'), 'chuyen doi so');
  assert.equal(fold(NFD), 'tieng viet co dau');
  assert.equal(fold('ĐÀ NẴNG'), 'da nang');
});

test('hasDiacritics tells accented from unaccented text', () => {
  assert.equal(hasDiacritics('chuyen doi so'), false);
  assert.equal(hasDiacritics('chuyển doi so'), true);
  assert.equal(hasDiacritics('da nang'), false);
  assert.equal(hasDiacritics('đa nang'), true);
});
