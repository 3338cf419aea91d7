/**
 * Extraction bounded in time and memory (issue #11, item 4). Before: Readability on 1,000 nested
 * <div>s (11.6 KB) took 7.5 s, on 2,000 took 59 s, a page nested 200,000 deep never finished, a
 * million <p> took 82 s and 3.3 GB, all on the crawl's own thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExtractPool, LIMITS, extractBounded, htmlShape } from '../../src/archive/extract-pool.ts';
import { extractPlain, MAX_TEXT_CHARS } from '../../src/archive/extract.ts';

const BODY = 'Mưa lớn kéo dài khiến nhiều tuyến phố ở Hà Nội ngập sâu, giao thông ùn tắc nhiều giờ. ';
const nested = (depth: number): string =>
  `<!doctype html><html lang="vi"><head><title>Trang lồng sâu</title><meta property="og:title" content="Mưa lớn ở Hà Nội"></head><body>${'<div>'.repeat(depth)}<p>${BODY.repeat(8)}</p>${'</div>'.repeat(depth)}</body></html>`;

function measure<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; rssGrowthMb: number }> {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  return fn().then((value) => ({ value, ms: performance.now() - t0, rssGrowthMb: (process.memoryUsage().rss - rss0) / (1 << 20) }));
}

test('1,000, 2,000 and 200,000 nested <div>s (the last 2.2 MB) are extracted in bounded time by the one-pass extractor, body and title kept', async () => {
  for (const depth of [1000, 2000, 200_000]) {
    const html = nested(depth);
    const { value: ex, ms } = await measure(() => extractBounded(html, 'https://bao.example.vn/sau.html'));
    assert.match(ex.fallback ?? '', /lồng sâu hơn 160 cấp/, `depth ${depth}`);
    assert.equal(ex.title, 'Mưa lớn ở Hà Nội');
    assert.equal(ex.text, BODY.repeat(8).trim());
    assert.ok(ms < 1500, `depth ${depth}: ${Math.round(ms)} ms`);
  }
});

test('a page of a million <p> (14 MB) is read in bounded time and memory', async () => {
  const html = `<html><body>${'<p>đoạn văn 1</p>'.repeat(1_000_000)}</body></html>`;
  assert.ok(html.length > 14_000_000);
  const { value: ex, ms, rssGrowthMb } = await measure(() => extractBounded(html, 'https://bao.example.vn/trieu.html'));
  assert.ok(ex.fallback);
  assert.ok(ex.text.startsWith('đoạn văn 1\n\nđoạn văn 1'));
  assert.ok(ms < 4000, `${Math.round(ms)} ms`);
  assert.ok(rssGrowthMb < 400, `rss +${Math.round(rssGrowthMb)} MB`);
});

test('the shape scan counts like a parser: void elements, implied </p> and raw text do not deepen the page', () => {
  assert.deepEqual(htmlShape('<div><p>a<p>b<p>c<br><img src=x></div>'), { depth: 2, elements: 6, over: false });
  assert.deepEqual(htmlShape(`<script>${'<div>'.repeat(1000)}</script><div></div>`), { depth: 1, elements: 2, over: false });
  assert.equal(htmlShape('<div>'.repeat(500)).over, true);
});

test('a page Readability cannot finish before the deadline: its worker is stopped, the one-pass extractor answers, the event loop never stalls, the next page gets a fresh worker', async () => {
  const saved = LIMITS.deadlineMs;
  const pool = new ExtractPool(1);
  try {
    LIMITS.deadlineMs = 300;
    // Within the shape limits (39,000 elements), but ~1 s of Readability on this machine.
    const slow = `<html><body><article>${`<p>${BODY}</p>`.repeat(39_000)}</article></body></html>`;
    let last = performance.now();
    let worstGap = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
    }, 5);
    const t0 = performance.now();
    const ex = await pool.extract(slow, 'https://bao.example.vn/cham.html');
    const ms = performance.now() - t0;
    clearInterval(tick);
    assert.equal(ex.fallback, 'Readability quá 300 ms');
    assert.ok((ex.textCut ?? 0) > 39_000 * 50, 'the whole page was read');
    assert.ok(ex.text.length <= MAX_TEXT_CHARS, 'and the body kept is bounded');
    assert.ok(ms < 300 + 2000, `${Math.round(ms)} ms`);
    // The main thread only pays for the one-pass extractor of this 3.5 MB page.
    assert.ok(worstGap < 1000, `event loop stalled ${Math.round(worstGap)} ms`);
    LIMITS.deadlineMs = saved;
    const ok = await pool.extract(`<html><head><title>Bình thường</title></head><body><article>${`<p>${BODY}</p>`.repeat(6)}</article></body></html>`, 'https://bao.example.vn/thuong.html');
    assert.equal(ok.fallback, undefined, 'a fresh worker runs Readability again');
    assert.ok(ok.text.includes('Mưa lớn kéo dài'));
  } finally {
    LIMITS.deadlineMs = saved;
    await pool.close();
  }
});

test('a worker that runs out of memory is replaced; its page is read the one-pass way', async () => {
  const saved = LIMITS.heapMb;
  LIMITS.heapMb = 16;
  const pool = new ExtractPool(1);
  try {
    const big = `<html><body><article>${`<div class="x"><p>${BODY}</p><span>${BODY}</span></div>`.repeat(9000)}</article></body></html>`;
    const ex = await pool.extract(big, 'https://bao.example.vn/to.html');
    assert.match(ex.fallback ?? '', /Readability (vượt 16 MB bộ nhớ|luồng trích xuất)/);
    assert.ok(ex.text.includes('Mưa lớn kéo dài'));
  } finally {
    LIMITS.heapMb = saved;
    await pool.close();
  }
});

test('JSON-LD nested 100,000 deep and a page nested 200,000 deep do not overflow the one-pass extractor', () => {
  const ld = `<script type="application/ld+json">${'['.repeat(100_000)}{"@type":"NewsArticle","headline":"Sâu"}${']'.repeat(100_000)}</script>`;
  const ex = extractPlain(`<html><head>${ld}<title>Tiêu đề</title></head><body>${'<section>'.repeat(200_000)}<p>Thân bài.</p></body></html>`, 'https://bao.example.vn/ld.html');
  assert.equal(ex.title, 'Tiêu đề', 'the article node deeper than 32 levels is ignored');
  assert.equal(ex.text, 'Thân bài.');
});
