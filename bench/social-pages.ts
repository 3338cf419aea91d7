/**
 * The social web pages' latency (docs/WEB.md "The social pages"), on the generated directory of
 * bench/social-gen.ts (1,000 accounts, 100,000 posts over 90 days, 200 follows each): the home
 * page with each built-in feed, computed (the feed service's caches emptied before each request,
 * so it ranks from nothing) and kept (the server's defaults), its second page, the feed pages, a
 * thread, a profile, notifications and post search. The real server on loopback
 * (bench/social-common.ts); requests one after another with `fetch`, 100 readers' session
 * cookies in turn, timed to the last byte of the HTML.
 *
 *   node_modules/.bin/node bench/social-pages.ts [DIR] [--requests 200]
 *
 * DIR is generated when it has no social.sqlite (default /tmp/social-bench). Prints one JSON line
 * per page (with the 1-minute load average); writes bench/results/social-pages-<stamp>.md and
 * .json and social-pages-latest.md.
 */
import { forget, loadavg, run, startBench, writeResults, type Line } from './social-common.ts';

const args = process.argv.slice(2);
const dir = args[0] && !args[0].startsWith('--') ? args[0] : '/tmp/social-bench';
const N = Number(args[args.indexOf('--requests') + 1]) || 200;
const started = new Date().toISOString();
console.log(JSON.stringify({ name: 'load average at start', loadavg: loadavg() }));

const b = await startBench(dir);
const lines: Line[] = [];
const computed = { as: 'cookie' as const, html: true, before: () => forget(b) };
const kept = { as: 'cookie' as const, html: true };

// Each reader's second home page (the cursor of their first), a thread and a profile to open.
const second: string[] = [];
for (const r of b.readers) second.push((await b.feeds.page('theo-thoi-gian', r, { limit: 20 })).next?.maxId ?? '');
const db = b.social.store.db;
const threads = db.all<{ id: string; username: string }>(
  `SELECT s.id, a.username FROM statuses s JOIN accounts a ON a.id = s.account_id
   WHERE s.in_reply_to_id IS NOT NULL AND s.visibility = 'public' AND s.deleted_at IS NULL ORDER BY s.id DESC LIMIT 100`,
);
const QUERIES = ['gia vang', 'bao so 10', 'thue quan', 'cao toc bac nam', 'diem chuan dai hoc', 'giá vàng', 'Hà Nội', 'sinh vien da nang'];

const t0 = performance.now();
const home = '/mang-xa-hoi';
lines.push(await run(b, 'home, "Theo thời gian" (default), 20 posts', N, () => home, kept));
lines.push(await run(b, 'home, second page (sau=)', N, (i) => `${home}?sau=${second[i % second.length]}`, kept));
lines.push(await run(b, 'home, "Tin từ nguồn tôi theo dõi", computed', N, () => `${home}?bang-tin=nguon-toi-theo-doi`, computed));
lines.push(await run(b, 'home, "Tin từ nguồn tôi theo dõi", kept (each reader twice a minute)', N, () => `${home}?bang-tin=nguon-toi-theo-doi`, kept));
lines.push(await run(b, 'home, "Thảo luận quanh tin nóng", computed', N, () => `${home}?bang-tin=tin-nong`, computed));
lines.push(await run(b, 'home, "Thảo luận quanh tin nóng", kept (scored once for all readers)', N, () => `${home}?bang-tin=tin-nong`, kept));
lines.push(await run(b, '/bang-tin/nguon-toi-theo-doi feed page, computed', N, () => '/bang-tin/nguon-toi-theo-doi', computed));
lines.push(await run(b, '/bang-tin/tin-nong feed page, computed', N, () => '/bang-tin/tin-nong', computed));
lines.push(await run(b, '/bang-tin/tin-nong feed page, kept', N, () => '/bang-tin/tin-nong', kept));
lines.push(await run(b, '/@name/:id thread', N, (i) => `/@${threads[i % threads.length].username}/${threads[i % threads.length].id}`, kept));
lines.push(await run(b, '/@name profile, 20 posts', N, (i) => `/@u${(i * 13) % 1000}`, kept));
lines.push(await run(b, '/thong-bao notifications', N, () => '/thong-bao', kept));
lines.push(await run(b, '/mang-xa-hoi/tim-kiem post search (8 queries, most without marks)', N, (i) => `/mang-xa-hoi/tim-kiem?q=${encodeURIComponent(QUERIES[i % QUERIES.length])}`, kept));
console.log(JSON.stringify({ name: 'total', s: Math.round((performance.now() - t0) / 1000), shared: b.feeds.shared.stats }));
await b.close();
const file = writeResults('social-pages', 'Social web pages (1,000 accounts, 100,000 posts, 200 follows each)', `node_modules/.bin/node bench/social-pages.ts ${dir} --requests ${N}`, lines,
  [...b.notes, 'Loopback, one request at a time, 100 readers\' session cookies in turn, 20 unmeasured requests before each line; "items or KB" is the page size in KB.',
    '"computed": the feed service\'s caches emptied before each request; "kept": the server\'s defaults (rankings kept per reader and clock minute, the scoring of feeds that are the same for everyone kept for all readers).'], started);
console.log(JSON.stringify({ name: 'results', file }));
