/**
 * Decompression bombs and endless bodies against the crawler, on loopback: a page served with
 * Content-Encoding: gzip that inflates 1 MB into 1 GiB, a sitemap published as a .xml.gz file of
 * the same kind, and a body that never ends. Each is cut at its limit, reported in one line with
 * the URL and the limit, and the run goes on to the real article.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crawlOnce } from '../../src/archive/crawler.ts';
import { openArchiveDb } from '../../src/archive/db.ts';
import { MAX_DECODED_BYTES, MAX_RAW_BYTES } from '../../src/archive/http.ts';

let site: Server;
let base = '';
let dir = '';

/** 1 GiB of zeros in about 1 MB: one 16 MiB gzip member, repeated (gunzip reads every member). */
function bomb(): Buffer {
  const member = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
  return Buffer.concat(new Array<Buffer>(64).fill(member));
}

before(async () => {
  const b = bomb();
  site = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/robots.txt') return res.writeHead(404).end();
    if (url === '/rss.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      return res.end(`<?xml version="1.0"?><rss version="2.0"><channel><title>Tin</title>${['/bom.html', '/vo-tan.html', '/bai/1.html'].map((p) => `<item><title>${p}</title><link>${base}${p}</link></item>`).join('')}</channel></rss>`);
    }
    if (url === '/bom.html') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': String(b.length) });
      return res.end(b);
    }
    if (url === '/sitemap.xml.gz') {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      return res.end(b);
    }
    if (url === '/vo-tan.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      return pump();
    }
    if (url === '/bai/1.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(`<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Giá lúa tăng</title></head><body><article><h1>Giá lúa tăng</h1>${'<p>Giá lúa tại Đồng bằng sông Cửu Long tăng mạnh trong tuần này do nhu cầu xuất khẩu tăng cao.</p>'.repeat(3)}</article></body></html>`);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  dir = mkdtempSync(path.join(tmpdir(), 'tra-bomb-'));
});

after(async () => {
  site.closeAllConnections();
  await new Promise<void>((r) => site.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

test('a 1 MB → 1 GiB gzip bomb, a .xml.gz bomb and an endless body are cut at their limits; the run goes on', async () => {
  const notices: string[] = [];
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  let r;
  try {
    r = await crawlOnce({ dataDir: dir, sources: [`${base}/rss.xml`, `${base}/sitemap.xml.gz`], delayMs: 0, sink: null, fsync: false, notice: (l) => notices.push(l) });
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  const ms = performance.now() - t0;
  assert.ok(ms < 15_000, `run took ${ms} ms`);
  // The limit is 50 MiB of output: well under what the bomb would take (1 GiB, 3.6 GB before).
  assert.ok(peak - rss0 < 400 * 1024 * 1024, `rss grew by ${Math.round((peak - rss0) / 1048576)} MB`);

  const line = (p: string) => notices.find((l) => l.includes(base + p));
  assert.match(line('/bom.html') ?? notices.join('\n'), new RegExp(`/bom\\.html: nội dung giải nén lớn hơn giới hạn ${MAX_DECODED_BYTES} byte`));
  assert.match(line('/sitemap.xml.gz') ?? notices.join('\n'), new RegExp(`/sitemap\\.xml\\.gz: tệp gzip giải nén lớn hơn giới hạn ${MAX_DECODED_BYTES} byte`));
  assert.match(line('/vo-tan.html') ?? notices.join('\n'), new RegExp(`/vo-tan\\.html: nội dung lớn hơn giới hạn ${MAX_RAW_BYTES} byte`));
  assert.ok(notices.every((l) => !l.includes('\n')));

  assert.equal(r.articles, 1, 'the real article was still crawled');
  const db = openArchiveDb(dir);
  try {
    const states = Object.fromEntries((db.prepare('SELECT url, state FROM urls').all() as Array<{ url: string; state: string }>).map((x) => [x.url.slice(base.length), x.state]));
    assert.equal(states['/bom.html'], 'failed');
    assert.equal(states['/vo-tan.html'], 'failed');
    assert.equal(states['/sitemap.xml.gz'], 'failed');
    assert.equal(states['/bai/1.html'], 'done');
  } finally {
    db.close();
  }
});
