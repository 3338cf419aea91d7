/**
 * Crawl throughput against the fixture news site (test/fixtures/site) on loopback, politeness off
 * (no delay, Crawl-delay 0): pages per second through the whole pipeline — fetch, WARC capture
 * (gzip per record, fsync'd), charset decoding, extraction, versioning, near-duplicate
 * fingerprints, and (unless --no-index) indexing into the engine.
 *
 *   cd /work/main && npx node bench/crawl-throughput.ts [--pages 500] [--no-index] [--no-fsync]
 *
 * One host, so requests are sequential (the crawler never sends two requests at once to a host);
 * the figure is per host. Pages counts article pages; robots.txt and the feed are fetched too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSite } from '../test/fixtures/site/server.ts';
import { crawlOnce } from '../src/archive/crawler.ts';

const args = process.argv.slice(2);
const at = args.indexOf('--pages');
const pages = at >= 0 ? Number(args[at + 1]) : 500;
const index = !args.includes('--no-index');
const fsync = !args.includes('--no-fsync');

const site = await startSite({ many: pages, crawlDelaySeconds: 0 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-bench-crawl-'));
try {
  const t0 = performance.now();
  const r = await crawlOnce({ dataDir: dir, sources: [`${site.main}/rss/many.rss`], delayMs: 0, fsync, maxPerList: pages, sink: index ? undefined : null });
  const s = (performance.now() - t0) / 1000;
  const warcBytes = fs.readdirSync(path.join(dir, 'warc')).filter((f) => f.endsWith('.warc.gz')).reduce((n, f) => n + fs.statSync(path.join(dir, 'warc', f)).size, 0);
  console.log(JSON.stringify({
    pages: r.articles, fetched: r.fetched, errors: r.errors, seconds: +s.toFixed(2), pages_per_s: +(r.articles / s).toFixed(1),
    warc_bytes_per_page: Math.round(warcBytes / r.fetched), indexed: r.indexed, index, fsync, cpus: os.cpus().length, load: os.loadavg()[0].toFixed(1),
  }));
} finally {
  await site.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
