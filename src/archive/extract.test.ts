import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractArticle, vietnameseDate, dateFromUrl, toIso } from './extract.ts';

test('Vietnamese date lines, URL timestamps and naive times are Vietnam time (UTC+7)', () => {
  assert.equal(vietnameseDate('Thứ sáu, 6/2/2025, 20:30 (GMT+7)'), '2025-02-06T13:30:00.000Z');
  assert.equal(vietnameseDate('06-02-2025 - 07:05'), '2025-02-06T00:05:00.000Z');
  assert.equal(vietnameseDate('Cập nhật 31/12/2024'), '2024-12-30T17:00:00.000Z');
  assert.equal(vietnameseDate('32/13/2024'), undefined);
  assert.equal(dateFromUrl('https://tuoitre.vn/can-bo-co-so-20250901203946869.htm'), '2025-09-01T13:39:46.000Z');
  assert.equal(dateFromUrl('https://vnexpress.net/bai-4846612.html'), undefined);
  assert.equal(toIso('2025-02-06 20:30'), '2025-02-06T13:30:00.000Z');
  assert.equal(toIso('2025-02-06T20:30:00+07:00'), '2025-02-06T13:30:00.000Z');
});

const para = (i: number): string => `<p>Đoạn văn thứ ${i} kể lại diễn biến của sự việc với đầy đủ chi tiết về thời gian, địa điểm và những người có liên quan trong câu chuyện này.</p>`;

test('JSON-LD inside @graph, broken JSON-LD skipped, metadata and body', () => {
  const html = `<!doctype html><html lang="vi-VN"><head><title>Tiêu đề thẻ title | Báo</title>
    <script type="application/ld+json">{ "@context": "https://schema.org", "headline": "hỏng </script>
    <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Báo"},
      {"@type":["NewsArticle"],"headline":"Tiêu đề từ JSON-LD","datePublished":"2025-03-04T05:06:07+07:00","dateModified":"2025-03-05T00:00:00+07:00",
       "author":[{"@type":"Person","name":"Lê Văn A"},{"@type":"Person","name":"Trần Thị B"}],"articleSection":"Xã hội","description":"Tóm tắt."}]}</script>
    <link rel="canonical" href="/xa-hoi/bai-viet-123.html"></head>
    <body><nav><a href="/">Trang chủ</a> <a href="/xa-hoi">Xã hội</a></nav><article>${[1, 2, 3, 4].map(para).join('')}</article></body></html>`;
  const ex = extractArticle(html, 'https://bao.example.vn/xa-hoi/bai-viet-123.html?utm_source=fb');
  assert.equal(ex.title, 'Tiêu đề từ JSON-LD');
  assert.equal(ex.published, '2025-03-03T22:06:07.000Z');
  assert.equal(ex.modified, '2025-03-04T17:00:00.000Z');
  assert.equal(ex.author, 'Lê Văn A, Trần Thị B');
  assert.equal(ex.section, 'Xã hội');
  assert.equal(ex.lang, 'vi-vn');
  assert.equal(ex.canonical, 'https://bao.example.vn/xa-hoi/bai-viet-123.html');
  assert.equal(ex.summary, 'Tóm tắt.');
  assert.equal(ex.isArticle, true);
  assert.equal(ex.text.split('\n\n').length, 4);
  assert.ok(!ex.text.includes('Trang chủ'));
});

test('no structured data: title from h1, date from the visible date line; a page with no body is not an article', () => {
  const html = `<html><head><title>Trang</title></head><body><h1>Mưa lớn ở Huế</h1><span class="date">Thứ hai, 3/11/2025, 06:15 (GMT+7)</span>
    <div class="content">${[1, 2, 3].map(para).join('')}</div></body></html>`;
  const ex = extractArticle(html, 'https://bao.example.vn/mua-lon.html');
  assert.equal(ex.title, 'Mưa lớn ở Huế');
  assert.equal(ex.published, '2025-11-02T23:15:00.000Z');
  const empty = extractArticle('<html><body><a href="/">Trang chủ</a></body></html>', 'https://bao.example.vn/');
  assert.equal(empty.isArticle, false);
});

test('short pages: the title is not repeated in the body; text without markup falls back to the visible text', () => {
  const ex = extractArticle('<html><body><nav><a href="/">Trang chủ</a></nav><article><h1>Bão</h1><p>Bão số 3 đổ bộ vào Quảng Ninh.</p><p>Gió giật mạnh.</p></article><footer>© Báo</footer></body></html>', 'https://x.vn/a.html');
  assert.equal(ex.title, 'Bão');
  assert.equal(ex.text, 'Bão số 3 đổ bộ vào Quảng Ninh.\n\nGió giật mạnh.');
  assert.equal(extractArticle('Chỉ là văn bản thuần, không có thẻ nào.', 'https://x.vn/b.html').text, 'Chỉ là văn bản thuần, không có thẻ nào.');
});
