import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repairPublished, canonicalArticleKey, urlTimestamp, toVietnamIso, vietnamDay, parseTime } from './timestamps.ts';

test('Tuổi Trẻ: the URL timestamp replaces the fetch time given as published', () => {
  const r = repairPublished({
    link: 'https://tuoitre.vn/ket-qua-thuc-hien-de-an-nha-o-20250818123857806.htm',
    published: '2025-08-18T13:19:43.419712+07:00',
    source: 'Tuổi Trẻ',
  });
  assert.equal(r.published, '2025-08-18T12:38:57+07:00');
  assert.equal(r.repaired, 'tuoitre-url-time');
});

test('Tuổi Trẻ: shorter and newer URL forms', () => {
  assert.equal(toVietnamIso(urlTimestamp('https://tuoitre.vn/a-b-2025081810292879.htm')), '2025-08-18T10:29:28+07:00');
  assert.equal(toVietnamIso(urlTimestamp('https://tuoitre.vn/a-b-20251202163517.htm')), '2025-12-02T16:35:17+07:00');
  assert.equal(toVietnamIso(urlTimestamp('https://tuoitre.vn/tau-container-100260822215010986.htm')), '2026-08-22T21:50:10+07:00');
  assert.equal(toVietnamIso(urlTimestamp('https://tuoitre.vn/x-1002607282057579.htm')), '2026-07-28T20:57:57+07:00');
  // Not a date: month 13.
  assert.ok(Number.isNaN(urlTimestamp('https://tuoitre.vn/x-20251302163517.htm')));
  // Other hosts carry no URL time.
  assert.ok(Number.isNaN(urlTimestamp('https://example.com/x-20251202163517.htm')));
});

test('Tuổi Trẻ: a URL time later than the given time leaves the given time alone', () => {
  const r = repairPublished({ url: 'https://tuoitre.vn/x-20250901203946869.htm', published: '2025-09-01T10:00:00+07:00' });
  assert.equal(r.published, '2025-09-01T10:00:00+07:00');
  assert.equal(r.repaired, undefined);
});

test('VnExpress and Thanh Niên: UTC labelled +07:00 is moved 7 hours later', () => {
  const v = repairPublished({
    link: 'https://vnexpress.net/khoi-xe-phao-quan-su-4928531.html',
    published: '2025-08-18T15:21:27+07:00',
    fetched: '2025-08-18T23:14:47.766393+07:00',
  });
  assert.equal(v.published, '2025-08-18T22:21:27+07:00');
  assert.equal(v.repaired, 'utc-labelled-+07:00');
  const t = repairPublished({ link: 'https://thanhnien.vn/x-185250818222040506.htm', published: '2025-08-18T15:22:00+07:00' });
  assert.equal(t.published, '2025-08-18T22:22:00+07:00');
  // The shift crosses midnight: the day changes.
  const late = repairPublished({ url: 'https://vnexpress.net/a-4999767.html', published: '2025-12-30T20:52:11+07:00' });
  assert.equal(late.published, '2025-12-31T03:52:11+07:00');
});

test('VnExpress: no shift when it would put publication after the fetch, or the label is not +07:00', () => {
  const fresh = repairPublished({ url: 'https://vnexpress.net/a-4999767.html', published: '2025-12-30T10:00:00+07:00', fetched: '2025-12-30T12:00:00+07:00' });
  assert.equal(fresh.published, '2025-12-30T10:00:00+07:00');
  assert.equal(fresh.repaired, undefined);
  const utc = repairPublished({ url: 'https://vnexpress.net/a-4999767.html', published: '2025-12-30T03:00:00Z' });
  assert.equal(utc.published, '2025-12-30T10:00:00+07:00');
  assert.equal(utc.repaired, undefined);
});

test('other sources keep their time, rewritten in Vietnam time', () => {
  const r = repairPublished({ url: 'https://example.vn/bai-viet', published: '2025-08-09T01:00:00Z' });
  assert.deepEqual(r, { published: '2025-08-09T08:00:00+07:00' });
});

test('missing or broken published', () => {
  assert.deepEqual(repairPublished({ url: 'https://example.vn/a' }), { published: undefined });
  assert.deepEqual(repairPublished({ url: 'https://example.vn/a', published: 'hôm qua' }), { published: undefined, repaired: 'unparseable-published' });
  const tn = repairPublished({ url: 'https://thanhnien.vn/x-185260122130102469.htm' });
  assert.equal(tn.published, '2026-01-22T13:01:02+07:00');
  assert.equal(tn.repaired, 'url-time-missing-published');
});

test('dates without a zone are Vietnam time', () => {
  assert.equal(vietnamDay(parseTime('2025-08-09')), '2025-08-09');
  assert.equal(vietnamDay(parseTime('2025-08-09T23:30:00')), '2025-08-09');
  assert.equal(vietnamDay(parseTime('2025-08-09T17:30:00Z')), '2025-08-10');
});

test('canonicalArticleKey joins the .htm/.html forms of one VnExpress article', () => {
  const a = canonicalArticleKey('https://vnexpress.net/co-giao-nhu-thuat-tuot-dai-mma-viet-nam-4927788.html');
  const b = canonicalArticleKey('http://www.vnexpress.net/co-giao-nhu-thuat-tuot-dai-4927788.htm?utm_source=rss');
  assert.equal(a, 'vnexpress.net/4927788');
  assert.equal(a, b);
  assert.equal(canonicalArticleKey('https://vnexpress.net/ket-qua-thai-lan-vs-viet-nam-5112232-tong-thuat.html'), 'vnexpress.net/5112232');
  assert.notEqual(canonicalArticleKey('https://vnexpress.net/a-4927788.html'), canonicalArticleKey('https://vnexpress.net/a-4927789.html'));
  assert.equal(canonicalArticleKey('https://thanhnien.vn/x-185250818222040506.htm'), 'thanhnien.vn/185250818222040506');
  assert.equal(canonicalArticleKey('https://Example.com/Bai/#x'), 'example.com/Bai');
});
