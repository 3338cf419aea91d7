/**
 * Home, feed and post-search latency through the Mastodon and Tra APIs on loopback, on the
 * generated directory of bench/social-gen.ts (1,000 accounts, 100,000 posts, 200 follows each).
 * The real server (bench/social-common.ts); requests one after another with `fetch`, 100 readers'
 * tokens in turn; times cover the whole exchange including JSON. "computed": the feed service's
 * caches are emptied before each request, so every request ranks from nothing (the first reader
 * of a minute); "kept": the server's defaults.
 *
 *   node_modules/.bin/node bench/social-feeds.ts [DIR] [--requests 300]
 *
 * DIR is generated when it has no social.sqlite (default /tmp/social-bench). Prints one JSON line
 * per measurement (with the 1-minute load average); writes bench/results/social-feeds-<stamp>.md
 * and .json and social-feeds-latest.md.
 */
import { forget, loadavg, pct, run, startBench, writeResults, type Line } from './social-common.ts';

const args = process.argv.slice(2);
const dir = args[0] && !args[0].startsWith('--') ? args[0] : '/tmp/social-bench';
const N = Number(args[args.indexOf('--requests') + 1]) || 300;
const started = new Date().toISOString();
console.log(JSON.stringify({ name: 'load average at start', loadavg: loadavg() }));

const b = await startBench(dir);
const lines: Line[] = [];
const computed = { as: 'token' as const, before: () => forget(b) };
const kept = { as: 'token' as const };

const QUERIES = ['gia vang', 'bao so 10', 'thue quan', 'cao toc bac nam', 'diem chuan dai hoc', 'sat lo quang nam', 'chuyen doi so', 'sot xuat huyet', 'mua lon', 'gia xang giam',
  'le hoi phao hoa', 'metro', 'bong da viet nam', 'hoc phi', 'gia dien', 'o nhiem khong khi', 'nha o xa hoi', 'du lich phu quoc', 'tri tue nhan tao', 'an toan thuc pham',
  'giá vàng', 'bão', 'Hà Nội', 'sinh vien da nang', 'nong dan trong lua', 'tai xe cong nghe', 'phu huynh hoc sinh', 'giáo viên vùng cao', 'doanh nghiep nho', 'nguoi lao dong'];

const t0 = performance.now();
lines.push(await run(b, 'GET /api/v1/timelines/home?limit=20 (reference)', N, () => '/api/v1/timelines/home?limit=20', kept));
lines.push(await run(b, 'feed theo-thoi-gian limit=20', N, () => '/api/v1/tra/feeds/theo-thoi-gian/timeline?limit=20', kept));
lines.push(await run(b, 'feed nguon-toi-theo-doi limit=20, computed', N, () => '/api/v1/tra/feeds/nguon-toi-theo-doi/timeline?limit=20', computed));
lines.push(await run(b, 'feed nguon-toi-theo-doi limit=20, kept (each reader twice a minute: half computed)', N, () => '/api/v1/tra/feeds/nguon-toi-theo-doi/timeline?limit=20', kept));
lines.push(await run(b, 'feed tin-nong limit=20, computed', N, () => '/api/v1/tra/feeds/tin-nong/timeline?limit=20', computed));
lines.push(await run(b, 'feed tin-nong limit=20, kept (scored once for all readers)', N, () => '/api/v1/tra/feeds/tin-nong/timeline?limit=20', kept));
lines.push(await run(b, 'GET /api/v2/search?type=statuses (30 queries, most typed without marks)', N * 2, (i) => `/api/v2/search?type=statuses&limit=20&q=${encodeURIComponent(QUERIES[i % QUERIES.length])}`, kept));
lines.push(await run(b, 'GET /api/v2/search (all types)', N, (i) => `/api/v2/search?limit=20&q=${encodeURIComponent(QUERIES[i % QUERIES.length])}`, kept));
// The match set alone (no HTTP, no entities).
const qt: number[] = [];
for (let i = -60; i < 600; i++) {
  const s = performance.now();
  b.index.search({ query: QUERIES[Math.abs(i) % QUERIES.length], limit: 20 });
  if (i >= 0) qt.push(performance.now() - s);
}
const only: Line = { name: 'post index search only (ids, in process)', n: 600, p50: +pct(qt, 0.5).toFixed(2), p99: +pct(qt, 0.99).toFixed(2), max: +Math.max(...qt).toFixed(1), avg: 20, load: loadavg()[0] };
console.log(JSON.stringify(only));
lines.push(only);
console.log(JSON.stringify({ name: 'total', s: Math.round((performance.now() - t0) / 1000), shared: b.feeds.shared.stats }));
await b.close();
const file = writeResults('social-feeds', 'Social feeds and post search through the APIs (1,000 accounts, 100,000 posts, 200 follows each)',
  `node_modules/.bin/node bench/social-feeds.ts ${dir} --requests ${N}`, lines,
  [...b.notes, 'Loopback, one request at a time, 100 readers in turn, 20 unmeasured requests before each line.', '"computed": caches emptied before each request; "kept": the server\'s defaults (rankings kept per reader and clock minute, shared work kept for all readers).'], started);
console.log(JSON.stringify({ name: 'results', file }));
