import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parseFeed, FeedError } from './feeds.ts';

const BASE = 'https://bao.example.vn/rss/tin-moi.rss';

test('RSS 2.0 with CDATA summaries, relative links and RFC 822 dates', () => {
  const f = parseFeed(`<?xml version="1.0"?><rss version="2.0"><channel><title>Tin mới</title>
    <item><title>Bão số 9 &amp; mưa lớn</title><link>/thoi-su/bao-so-9-1.html</link>
    <description><![CDATA[<a href="/x"><img src="/i.jpg?w=1&h=2"></a></br>Gió giật cấp 12.]]></description>
    <pubDate>Thu, 06 Feb 2025 20:30:48 +0700</pubDate></item>
    <item><title>Chỉ có guid</title><guid>https://bao.example.vn/a-2.html</guid></item>
    <item><title>guid không phải link</title><guid isPermaLink="false">abc-123</guid></item>
    </channel></rss>`, BASE);
  assert.equal(f.kind, 'rss');
  assert.equal(f.title, 'Tin mới');
  assert.equal(f.entries.length, 2);
  assert.deepEqual(f.entries[0], { url: 'https://bao.example.vn/thoi-su/bao-so-9-1.html', title: 'Bão số 9 & mưa lớn', published: '2025-02-06T13:30:48.000Z', modified: undefined, summary: 'Gió giật cấp 12.' });
  assert.equal(f.entries[1].url, 'https://bao.example.vn/a-2.html');
});

test('a feed with a raw & (not well-formed XML) still yields its items', () => {
  const f = parseFeed(`<rss version="2.0"><channel><title>Giáo dục & Sức khỏe</title>
    <item><title>Thi cử & tuyển sinh</title><link>https://bao.example.vn/a-1.html?a=1&b=2</link></item>
    <item><title>Hai</title><link>https://bao.example.vn/a-2.html</link></item></channel></rss>`, BASE);
  assert.equal(f.title, 'Giáo dục & Sức khỏe');
  assert.deepEqual(f.entries.map((e) => e.url), ['https://bao.example.vn/a-1.html?a=1&b=2', 'https://bao.example.vn/a-2.html']);
  assert.equal(f.entries[0].title, 'Thi cử & tuyển sinh');
});

test('the real malformed VnExpress feed in ../shared/data parses', (t) => {
  const p = new URL('../../../shared/data/feeds/vnexpress_the-gioi_2025-02-06_2golang.xml', import.meta.url);
  if (!existsSync(p)) return t.skip('../shared/data absent');
  const f = parseFeed(readFileSync(p, 'utf8'), 'https://vnexpress.net/rss/the-gioi.rss');
  assert.ok(f.entries.length >= 1);
  assert.match(f.entries[0].url, /^https:\/\/vnexpress\.net\/.+-\d+\.html$/);
});

test('Atom, JSON Feed, sitemap index and Google News sitemap', () => {
  const atom = parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><title type="html">Tiêu đề</title>
    <link rel="enclosure" href="/img.jpg"/><link rel="alternate" href="https://bao.example.vn/a.html"/><published>2025-01-02T03:04:05+07:00</published><updated>2025-01-03T00:00:00Z</updated></entry></feed>`, BASE);
  assert.equal(atom.kind, 'atom');
  assert.deepEqual(atom.entries[0], { url: 'https://bao.example.vn/a.html', title: 'Tiêu đề', published: '2025-01-01T20:04:05.000Z', modified: '2025-01-03T00:00:00.000Z', summary: undefined });

  const json = parseFeed(JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'J', items: [{ id: '1', url: '/b.html', title: 'B', content_html: '<p>Nội dung</p>' }, { id: 'x' }] }), BASE);
  assert.equal(json.kind, 'jsonfeed');
  assert.deepEqual(json.entries.map((e) => [e.url, e.summary]), [['https://bao.example.vn/b.html', 'Nội dung'], ['https://bao.example.vn/rss/x', undefined]]);

  const idx = parseFeed(`<sitemapindex><sitemap><loc>https://bao.example.vn/s1.xml</loc></sitemap><sitemap><loc>https://bao.example.vn/s2.xml</loc></sitemap></sitemapindex>`, BASE);
  assert.equal(idx.kind, 'sitemapindex');
  assert.deepEqual(idx.sitemaps, ['https://bao.example.vn/s1.xml', 'https://bao.example.vn/s2.xml']);

  const news = parseFeed(`<urlset xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://bao.example.vn/c.html</loc>
    <news:news><news:publication_date>2025-05-06T07:08:09+07:00</news:publication_date><news:title>Tin C</news:title></news:news><lastmod>2025-05-07</lastmod></url></urlset>`, BASE);
  assert.equal(news.kind, 'sitemap');
  assert.deepEqual(news.entries[0], { url: 'https://bao.example.vn/c.html', title: 'Tin C', published: '2025-05-06T00:08:09.000Z', modified: '2025-05-07T00:00:00.000Z', summary: undefined });
});

test('something that is no feed is a FeedError', () => {
  assert.throws(() => parseFeed('<html><body>trang chủ</body></html>', BASE), FeedError);
  assert.throws(() => parseFeed('{"khong": "phai feed"}', BASE), FeedError);
});
