/**
 * Sitemap indexes that never end, on loopback: every index lists two new indexes (a chain that
 * extends itself and widens), and a single index that lists 5,000 sitemaps. `tra crawl --once`
 * used to follow the first for 3,054 documents in 150 s; now the run ends within its bounds
 * (depth below the source, lists per source, lists per run) and says so once per bound.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crawlOnce, LIST_BOUNDS } from '../../src/archive/crawler.ts';

let site: Server;
let base = '';
const fetched: string[] = [];
const dirs: string[] = [];

before(async () => {
  site = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/robots.txt') return res.writeHead(404).end();
    fetched.push(url);
    res.writeHead(200, { 'content-type': 'application/xml' });
    const index = (locs: string[]) => `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${locs.map((l) => `<sitemap><loc>${base}${l}</loc></sitemap>`).join('')}</sitemapindex>`;
    const chain = /^\/chuoi\/(\d+)\.xml$/.exec(url);
    if (chain) {
      const n = Number(chain[1]);
      return res.end(index([`/chuoi/${2 * n + 1}.xml`, `/chuoi/${2 * n + 2}.xml`]));
    }
    if (url === '/rong.xml') return res.end(index(Array.from({ length: 5000 }, (_, i) => `/la/${i}.xml`)));
    if (url.startsWith('/la/')) return res.end('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>');
    res.end(index([]));
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});

after(async () => {
  site.closeAllConnections();
  await new Promise<void>((r) => site.close(() => r()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'tra-chain-'));
  dirs.push(d);
  return d;
}

test('a self-extending chain of sitemap indexes stops at the depth bound, said once', async () => {
  fetched.length = 0;
  const notices: string[] = [];
  const t0 = performance.now();
  await crawlOnce({ dataDir: tempDir(), sources: [`${base}/chuoi/0.xml`], delayMs: 0, sink: null, fsync: false, notice: (l) => notices.push(l) });
  const ms = performance.now() - t0;
  // Source (depth 0) and three levels under it, two children each: 1 + 2 + 4 + 8.
  const d = LIST_BOUNDS.depth;
  assert.equal(fetched.length, 2 ** (d + 1) - 1, fetched.join(' '));
  assert.ok(ms < 10_000, `run took ${ms} ms`);
  assert.equal(notices.length, 1, notices.join('\n'));
  assert.match(notices[0], new RegExp(`danh sách lồng quá ${d} tầng`));
});

test('an index of 5,000 sitemaps: at most the per-source bound is read; the per-run bound holds across sources', async () => {
  fetched.length = 0;
  const notices: string[] = [];
  const t0 = performance.now();
  await crawlOnce({ dataDir: tempDir(), sources: [`${base}/rong.xml`], delayMs: 0, sink: null, fsync: false, notice: (l) => notices.push(l) });
  const ms = performance.now() - t0;
  assert.equal(fetched.length, LIST_BOUNDS.perSource, 'the source itself and the first sitemaps, up to the bound');
  assert.ok(ms < 20_000, `run took ${ms} ms`);
  assert.equal(notices.length, 1, notices.join('\n'));
  assert.match(notices[0], new RegExp(`đã đọc ${LIST_BOUNDS.perSource} danh sách .* giới hạn mỗi nguồn`));

  fetched.length = 0;
  const runNotices: string[] = [];
  await crawlOnce({ dataDir: tempDir(), sources: [`${base}/rong.xml`], delayMs: 0, sink: null, fsync: false, maxListsPerRun: 30, notice: (l) => runNotices.push(l) });
  assert.equal(fetched.length, 30);
  assert.equal(runNotices.length, 1, runNotices.join('\n'));
  assert.match(runNotices[0], /giới hạn mỗi lượt/);
});
