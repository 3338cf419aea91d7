/**
 * Home, feed and post-search latency through HTTP on loopback, on the generated directory of
 * bench/social-gen.ts (1,000 accounts, 100,000 posts, 200 follows each). The real server
 * (buildServer with the social plugin, no search workers); requests one after another with
 * `fetch`, 100 different users' tokens in turn; times cover the whole exchange including JSON.
 * Ranked feeds are measured with their result cache off (every request computes the feed).
 *
 *   node bench/social-feeds.ts [DIR] [--requests 300]
 *
 * DIR is generated when it has no social.sqlite (default /tmp/social-bench). Prints one JSON line
 * per measurement.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildServer } from '../src/server/app.ts';
import { openEngineBackend } from '../src/server/engine-backend.ts';
import { openEngine } from '../src/engine/index.ts';
import { createSocialContext } from '../src/social/http.ts';
import { configureFeeds } from '../src/social/feeds/service.ts';
import { configurePostIndex, postIndexOf } from '../src/social/search/services.ts';
import type { RisingStory } from '../src/social/feeds/rising.ts';
import { generate, STORY_URLS, STORY_WORDS } from './social-gen.ts';

const args = process.argv.slice(2);
const dir = args[0] && !args[0].startsWith('--') ? args[0] : '/tmp/social-bench';
const N = Number(args[args.indexOf('--requests') + 1]) || 300;

if (!existsSync(path.join(dir, 'social.sqlite'))) {
  const g = generate(dir, { accounts: 1000, posts: 100_000, follows: 200, days: 90 });
  console.log(JSON.stringify({ name: 'generate social.sqlite', ms: g.ms }));
}
if (!existsSync(path.join(dir, 'store.sqlite'))) (await openEngine(dir)).close();
const backend = await openEngineBackend(dir, { workers: 0 });
let base = '';
const social = createSocialContext({ dataDir: dir, origin: () => base });
const stories: RisingStory[] = STORY_WORDS.map((w, i) => ({ label: w, terms: [w], urls: STORY_URLS.slice(i * 5, i * 5 + 5), date: new Date().toISOString().slice(0, 10) }));
configureFeeds(social, { rising: () => stories, cacheSize: 0 });
configurePostIndex(social, { pollMs: 0 });
const app = await buildServer({ logger: false, rateLimit: { max: 0, windowMs: 60_000 }, backend, social: { dataDir: dir, origin: () => base, context: social } });
await app.listen({ host: '127.0.0.1', port: 0 });
const a = app.server.address();
base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;

// The post index: everything the table holds (timed; a second run finds it caught up).
let t0 = performance.now();
const index = await postIndexOf(social);
await index.ready;
await index.catchUp();
console.log(JSON.stringify({ name: 'post index catch-up', ms: Math.round(performance.now() - t0), documents: index.documents() }));

const cli = social.store.oauth.ownApp('bench');
const tokens: string[] = [];
for (let i = 0; i < 100; i++) tokens.push(social.store.oauth.createToken({ appId: cli.id, accountId: social.store.accounts.local(`u${i * 7}`)!.id, scopes: ['read'] }).token);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

async function run(name: string, n: number, url: (i: number) => string, html = false): Promise<void> {
  const times: number[] = [];
  let items = 0;
  for (let i = -20; i < n; i++) {
    const start = performance.now();
    const r = await fetch(base + url(Math.abs(i)), { headers: { authorization: `Bearer ${tokens[Math.abs(i) % tokens.length]}` } });
    const body = html ? await r.text() : ((await r.json()) as unknown);
    if (i < 0) continue;
    times.push(performance.now() - start);
    if (r.status !== 200) throw new Error(`${name}: ${r.status} ${JSON.stringify(body).slice(0, 200)}`);
    items += html ? 1 : Array.isArray(body) ? body.length : ((body as { statuses?: unknown[] }).statuses?.length ?? 0);
  }
  console.log(JSON.stringify({ name, n, p50: +pct(times, 0.5).toFixed(1), p99: +pct(times, 0.99).toFixed(1), avgItems: +(items / n).toFixed(1) }));
}

const QUERIES = ['gia vang', 'bao so 10', 'thue quan', 'cao toc bac nam', 'diem chuan dai hoc', 'sat lo quang nam', 'chuyen doi so', 'sot xuat huyet', 'mua lon', 'gia xang giam',
  'le hoi phao hoa', 'metro', 'bong da viet nam', 'hoc phi', 'gia dien', 'o nhiem khong khi', 'nha o xa hoi', 'du lich phu quoc', 'tri tue nhan tao', 'an toan thuc pham',
  'giá vàng', 'bão', 'Hà Nội', 'sinh vien da nang', 'nong dan trong lua', 'tai xe cong nghe', 'phu huynh hoc sinh', 'giáo viên vùng cao', 'doanh nghiep nho', 'nguoi lao dong'];

t0 = performance.now();
await run('GET /api/v1/timelines/home?limit=20', N, () => '/api/v1/timelines/home?limit=20');
await run('feed theo-thoi-gian limit=20', N, () => '/api/v1/tra/feeds/theo-thoi-gian/timeline?limit=20');
await run('feed nguon-toi-theo-doi limit=20 (ranked, computed every time)', N, () => '/api/v1/tra/feeds/nguon-toi-theo-doi/timeline?limit=20');
await run('feed tin-nong limit=20 (ranked, computed every time)', N, () => '/api/v1/tra/feeds/tin-nong/timeline?limit=20');
await run('page /bang-tin/tin-nong (HTML, computed every time)', Math.min(N, 100), () => '/bang-tin/tin-nong', true);
await run('GET /api/v2/search?type=statuses (30 queries, most typed without marks)', N * 2, (i) => `/api/v2/search?type=statuses&limit=20&q=${encodeURIComponent(QUERIES[i % QUERIES.length])}`);
await run('GET /api/v2/search (all types)', N, (i) => `/api/v2/search?limit=20&q=${encodeURIComponent(QUERIES[i % QUERIES.length])}`);
// The match set alone (no HTTP, no entities).
const qt: number[] = [];
for (let i = 0; i < 600; i++) {
  const s = performance.now();
  index.search({ query: QUERIES[i % QUERIES.length], limit: 20 });
  qt.push(performance.now() - s);
}
console.log(JSON.stringify({ name: 'post index search only (ids)', p50: +pct(qt, 0.5).toFixed(2), p99: +pct(qt, 0.99).toFixed(2) }));
console.log(JSON.stringify({ name: 'total', s: Math.round((performance.now() - t0) / 1000) }));
await app.close();
social.store.close();
await backend.close();
