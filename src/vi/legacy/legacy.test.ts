import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VOWELS, withTone } from '../chars.ts';
import {
  decodeHtml, decodeLegacy, decodeText, detectEncoding, encodeLegacy, encodeTcvn3, encodeVni,
  encodeWindows1258, normalizeEncodingLabel, windows1252View, bytesToByteString, stringToByteString,
  type LegacyEncoding,
} from './index.ts';

const LEGACY: LegacyEncoding[] = ['tcvn3', 'vni', 'windows-1258'];
const bytes = (...b: number[]) => Uint8Array.from(b);
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const utf8 = (s: string) => new TextEncoder().encode(s);

// Our own sentences: every tone, every quality mark, đ, ươ, capitals at sentence starts.
const SENTENCES = [
  'Người dân ở Hà Nội và Đà Nẵng đang chờ kết quả cuộc họp của Quốc hội về giá điện.',
  'Sáng nay, trời mưa lớn khiến nhiều tuyến đường ngập sâu, xe cộ phải đi vòng qua cầu Nhật Tân.',
  'Bộ Y tế khuyến cáo người dân giữ sức khỏe, uống đủ nước và nghỉ ngơi hợp lý trong mùa nắng nóng.',
];

test('hand-checked TCVN3 bytes from the public tables decode to the right letters', () => {
  // ViÖt: Ö = 0xD6 = ệ; B¶o Th¾ng: 0xB6 = ả, 0xBE = ắ; Mường: 0xAD = ư, 0xEA = ờ; 0xA7 Đ, 0xAE đ.
  assert.equal(decodeLegacy(bytesToByteString(bytes(...ascii('Vi'), 0xd6, ...ascii('t Nam'))), 'tcvn3'), 'Việt Nam');
  assert.equal(decodeLegacy('B\u00b6o Th\u00beng', 'tcvn3'), 'Bảo Thắng');
  assert.equal(decodeLegacy(bytesToByteString(bytes(0x4d, 0xad, 0xea, 0x6e, 0x67)), 'tcvn3'), 'Mường');
  assert.equal(decodeLegacy('\u00a7\u00ae', 'tcvn3'), 'Đđ');
  // VN2 capitals and combining tones (0xB0..0xB4) are read too.
  assert.equal(decodeLegacy('\u00af \u00ff a\u00b3', 'tcvn3'), 'Ằ Ố á');
  assert.deepEqual(encodeTcvn3('Việt Nam'), bytes(...ascii('Vi'), 0xd6, ...ascii('t Nam')));
});

test('TCVN3 headlines set in the capitals font get their capitals back', () => {
  for (const caps of ['HÀ NỘI', 'NGƯỜI Ở LẠI CHARLIE', 'ĐẢNG VÀ NHÀ NƯỚC', 'TP HỒ CHÍ MINH']) {
    assert.equal(decodeLegacy(bytesToByteString(encodeTcvn3(caps)), 'tcvn3'), caps);
  }
  // Title case and lone capitals stay as they are.
  for (const text of ['Tổng thống Mỹ thăm TP Hà Nội', 'Bà ở Hà Nội\nTP HỒ CHÍ MINH']) {
    assert.equal(decodeLegacy(bytesToByteString(encodeTcvn3(text)), 'tcvn3'), text);
  }
  // Without the neighbouring evidence "HÀ" alone cannot be told from "Hà".
  assert.equal(decodeLegacy(bytesToByteString(encodeTcvn3('HÀ')), 'tcvn3'), 'Hà');
});

test('hand-checked VNI bytes decode, capitals included', () => {
  assert.equal(decodeLegacy('Vie\u00e4t Nam', 'vni'), 'Việt Nam');
  assert.equal(decodeLegacy('\u00d1a\u00f8 Na\u00fcng', 'vni'), 'Đà Nẵng');
  assert.equal(decodeLegacy('M\u00f6\u00f4\u00f8ng', 'vni'), 'Mường');
  assert.equal(decodeLegacy('VIE\u00c4T NAM \u00d1A\u00d8 NA\u00dcNG', 'vni'), 'VIỆT NAM ĐÀ NẴNG');
  // Toned i and ỵ are single bytes: í = 0xED, ỉ = 0xE6, ị = 0xF2, ỵ = 0xEE.
  assert.equal(decodeLegacy('t\u00ednh ch\u00e6 l\u00f2ch s\u00ee', 'vni'), 'tính chỉ lịch sỵ');
  assert.deepEqual(encodeVni('Đà Nẵng'), bytes(0xd1, 0x61, 0xf8, 0x20, 0x4e, 0x61, 0xfc, 0x6e, 0x67));
});

test('hand-checked windows-1258 bytes: base letter + combining tone, composed to NFC', () => {
  const text = decodeLegacy(bytesToByteString(bytes(0x56, 0x69, 0xea, 0xf2, 0x74, 0x20, 0xd0, 0xf4, 0xec, 0x63)), 'windows-1258');
  assert.equal(text, 'Việt Đốc');
  assert.equal(text, text.normalize('NFC'));
  assert.equal(decodeLegacy('\u00fe', 'windows-1258'), '₫');
  assert.deepEqual(encodeWindows1258('Việt'), bytes(0x56, 0x69, 0xea, 0xf2, 0x74));
});

/** Every Vietnamese letter, lower and upper case. */
function allLetters(): string[] {
  const out = ['đ', 'Đ'];
  for (const v of VOWELS) {
    for (let t = 0; t <= 5; t++) {
      const l = withTone(v, t);
      out.push(l, l.toUpperCase());
    }
  }
  return out;
}

test('every Vietnamese letter survives a round trip through VNI and windows-1258', () => {
  const letters = allLetters();
  assert.equal(letters.length, 146); // 12 vowels × 6 tones × 2 cases + đ Đ
  for (const enc of ['vni', 'windows-1258'] as const) {
    for (const l of letters) {
      const b = encodeLegacy(l, enc);
      assert.ok(!b.includes(0x3f), `${enc} cannot encode ${l}`);
      assert.equal(decodeLegacy(bytesToByteString(b), enc), l, `${enc} ${l}`);
    }
  }
});

test('TCVN3 round trip: toned capitals come back in lower case, as the ABC fonts wrote them', () => {
  for (const l of allLetters()) {
    const b = encodeTcvn3(l);
    assert.equal(b.length, 1, l);
    const back = decodeLegacy(bytesToByteString(b), 'tcvn3');
    const toneless = l.normalize('NFD').replace(/[\u0300\u0301\u0303\u0309\u0323]/g, '').normalize('NFC') === l;
    assert.equal(back, toneless ? l : l.toLowerCase(), l);
  }
});

test('sentences: detected and decoded back from bytes in each legacy encoding', () => {
  for (const s of SENTENCES) {
    for (const enc of LEGACY) {
      const b = encodeLegacy(s, enc);
      const d = detectEncoding(b);
      assert.equal(d.encoding, enc, `${enc}: ${s}`);
      assert.ok(d.confidence >= 0.6, `${enc} confidence ${d.confidence}`);
      assert.deepEqual(decodeText(b), { text: s, encoding: enc, confidence: d.confidence });
    }
  }
});

test('TCVN3 and VNI text mis-decoded as latin-1 / windows-1252 strings are repaired', () => {
  const tcvn = windows1252View(encodeTcvn3(SENTENCES[0]));
  assert.ok(tcvn.startsWith('Ng\u00adêi d©n ë Hµ Néi'), tcvn); // ê ờ, © â, ë ở, µ à, é ộ
  assert.deepEqual(decodeText(tcvn).text, SENTENCES[0]);
  assert.equal(decodeText(tcvn).encoding, 'tcvn3');
  const vni = windows1252View(encodeVni(SENTENCES[1]));
  assert.ok(vni.startsWith('Saùng nay, trôøi möa'), vni);
  assert.equal(decodeText(vni).text, SENTENCES[1]);
  assert.equal(decodeText(vni).encoding, 'vni');
  // A true latin-1 reading leaves 0x80..0x9F as C1 controls; both readings map back to bytes.
  assert.equal(stringToByteString('\u201cx\u201d'), '\u0093x\u0094');
  // Mis-decoded, then saved as UTF-8: valid UTF-8 bytes that hold TCVN3 text.
  assert.deepEqual(decodeText(utf8(tcvn)), { text: SENTENCES[0], encoding: 'tcvn3', confidence: detectEncoding(tcvn).confidence });
});

test('plain UTF-8 and ASCII are left untouched', () => {
  for (const s of SENTENCES) {
    assert.deepEqual(detectEncoding(utf8(s)).encoding, 'utf-8');
    assert.equal(decodeText(utf8(s)).text, s);
    assert.equal(decodeText(s).text, s);
    assert.equal(decodeText(s).encoding, 'utf-8');
  }
  assert.deepEqual(detectEncoding(utf8('Plain ASCII, nothing to do.')), { encoding: 'utf-8', confidence: 1, by: 'ascii' });
  // Latin-1 letters that Vietnamese also uses, in Unicode: not mistaken for legacy text.
  assert.equal(decodeText('Cà phê').text, 'Cà phê');
  // NFD input comes out NFC.
  assert.equal(decodeText(utf8(SENTENCES[2].normalize('NFD'))).text, SENTENCES[2]);
  // A UTF-8 byte-order mark is honoured and dropped.
  assert.equal(decodeText(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('Việt')])).text, 'Việt');
});

test('text in other languages with a few latin-1 symbols is not "converted"', () => {
  // "©" is â in TCVN3 and "·" is ã: alone they would read as Vietnamese syllables.
  const en = 'Copyright © 2024 · All rights reserved. “Smart quotes” and an ellipsis… in the news today, with café and naïve.';
  assert.deepEqual(detectEncoding(utf8(en)).encoding, 'utf-8');
  assert.equal(decodeText(utf8(en)).text, en);
  assert.equal(decodeText(en).text, en);
  const page = utf8(`<html><head><title>News</title></head><body><p>${en}</p><p>${en}</p></body></html>`);
  assert.equal(decodeHtml(page).encoding, 'utf-8');
});

test('a short windows-1258 line read as windows-1252 is repaired despite latin-1 look-alikes', () => {
  // Half the words (Cá, tính, và, khát) look right as they are; the tone bytes read as capitals
  // (Ì, Ò) give the rest away.
  const line = 'Cá tính, ngông cuồng và khát vọng ngay từ nhỏ';
  const seen = windows1252View(encodeWindows1258(line));
  assert.equal(seen, 'Cá tính, ngông cuôÌng và khát voòng ngay týÌ nhoÒ');
  assert.deepEqual([decodeText(seen).encoding, decodeText(seen).text], ['windows-1258', line]);
});

test('UTF-8 with a broken sequence or two stays UTF-8, even when declared', () => {
  const text = SENTENCES.join(' ');
  const cut = utf8(text + ' Việt').subarray(0, utf8(text + ' Việt').length - 3); // cut inside ệ
  const stray = Uint8Array.from([...utf8(SENTENCES[0]), 0xff, ...utf8(SENTENCES[1])]);
  for (const b of [cut, stray]) {
    assert.equal(detectEncoding(b).encoding, 'utf-8');
    assert.ok(decodeText(b).text.startsWith(SENTENCES[0]));
    assert.equal(decodeHtml(page('<meta charset="utf-8">', b)).encoding, 'utf-8');
  }
});

test('non-Vietnamese latin-1 bytes fall back to windows-1252', () => {
  const fr = Uint8Array.from([...ascii('Le caf'), 0xe9, ...ascii(' cr'), 0xe8, ...ascii('me, tr'), 0xe8, ...ascii('s '), 0xe9, ...ascii('l'), 0xe9, ...ascii('gant.')]);
  const r = decodeText(fr);
  assert.equal(r.encoding, 'windows-1252');
  assert.equal(r.text, 'Le café crème, très élégant.');
});

function page(charsetMeta: string, body: Uint8Array, fontFace = ''): Uint8Array {
  const head = utf8(`<!DOCTYPE html><html><head>${charsetMeta}<title>Tin</title></head><body><p${fontFace}>`);
  const tail = utf8('</p></body></html>');
  return Uint8Array.from([...head, ...body, ...tail]);
}

test('HTML declaring windows-1258 is decoded as windows-1258, whatever its text looks like', () => {
  // "Hà Nôi" is the same in windows-1252 and windows-1258 but reads as "Hổ Nụi" in TCVN3;
  // the declaration decides.
  const body = Uint8Array.from([...encodeWindows1258(SENTENCES[0]), 0x20, ...encodeWindows1258('Hà Nôi')]);
  for (const meta of ['<meta charset="windows-1258">', '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">']) {
    const r = decodeHtml(page(meta, body));
    assert.equal(r.encoding, 'windows-1258');
    assert.ok(r.text.includes(`<p>${SENTENCES[0]} Hà Nôi</p>`), r.text);
  }
  // The HTTP header counts too, and before the page's own declaration.
  assert.equal(detectEncoding(page('', body), 'text/html; charset=windows-1258').by, 'declared');
  const lying = page('<meta charset="utf-8">', encodeTcvn3(SENTENCES[1]));
  assert.equal(decodeHtml(lying, 'text/html; charset=TCVN3').encoding, 'tcvn3');
});

test('a windows-1258 page without a declaration is recognised from its text', () => {
  const r = decodeHtml(page('', encodeWindows1258(SENTENCES.join(' '))));
  assert.equal(r.encoding, 'windows-1258');
  assert.ok(r.text.includes(SENTENCES[1]));
  assert.ok(r.text.startsWith('<!DOCTYPE html><html><head><title>Tin</title>'));
});

test('pages declaring latin-1 but written for .VnTime or VNI-Times fonts are converted', () => {
  const latin1 = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">';
  const abc = decodeHtml(page(latin1, encodeTcvn3(SENTENCES[2]), ' style="font-family: .VnTime"'));
  assert.equal(abc.encoding, 'tcvn3');
  assert.ok(abc.text.includes(`<p style="font-family: .VnTime">${SENTENCES[2]}</p>`));
  const vni = decodeHtml(page('<meta charset="x-user-defined">', encodeVni(SENTENCES[0]), ' face="VNI-Times"'));
  assert.equal(vni.encoding, 'vni');
  assert.ok(vni.text.includes(SENTENCES[0]));
});

test('font-encoded pages written with character references are converted', () => {
  // VNI "Vieät Nam, Ñaø Naüng" with its high bytes as named references (ä, Ñ, ø, ü).
  const named = utf8('<html><body><font face="VNI-Times">Vie&auml;t Nam, &Ntilde;a&oslash; Na&uuml;ng</font></body></html>');
  const r = decodeHtml(named);
  assert.equal(r.encoding, 'vni');
  assert.equal(r.text, '<html><body><font face="VNI-Times">Việt Nam, Đà Nẵng</font></body></html>');
  // TCVN3 with numeric references only; an escaped ampersand stays escaped.
  const numeric = windows1252View(encodeTcvn3(SENTENCES[1])).replace(/[\u00a0-\u00ff]/g, (c) => `&#${c.charCodeAt(0)};`);
  const t = decodeHtml(utf8(`<html><body><p>${numeric} &amp;eacute;</p></body></html>`));
  assert.equal(t.encoding, 'tcvn3');
  assert.ok(t.text.includes(`<p>${SENTENCES[1]} &amp;eacute;</p>`), t.text);
  // A French page with references stays as it is.
  const fr = utf8('<html><body><p>Le caf&eacute; cr&egrave;me, tr&egrave;s &eacute;l&eacute;gant, est servi ici.</p></body></html>');
  assert.deepEqual(decodeHtml(fr), { text: new TextDecoder().decode(fr), encoding: 'utf-8' });
});

test('explicit encodings and labels', () => {
  const vni = encodeVni('Đà Nẵng');
  assert.deepEqual(decodeText(vni, 'VNI'), { text: 'Đà Nẵng', encoding: 'vni', confidence: 1 });
  assert.equal(decodeText(windows1252View(vni), 'vni').text, 'Đà Nẵng');
  assert.equal(decodeText(utf8('Đà Nẵng'), 'utf-8').text, 'Đà Nẵng');
  assert.throws(() => decodeText(vni, 'klingon'), RangeError);
  assert.equal(normalizeEncodingLabel('TCVN3'), 'tcvn3');
  assert.equal(normalizeEncodingLabel('x-viet-tcvn5712'), 'tcvn3');
  assert.equal(normalizeEncodingLabel('x-viet-vni'), 'vni');
  assert.equal(normalizeEncodingLabel('cp1258'), 'windows-1258');
  assert.equal(normalizeEncodingLabel('latin1'), 'windows-1252');
  assert.equal(normalizeEncodingLabel('UTF8'), 'utf-8');
  assert.equal(normalizeEncodingLabel('no-such-charset'), null);
});
