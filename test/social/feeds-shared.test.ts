/**
 * Work shared across readers (src/social/feeds/shared.ts) changes nothing a reader sees: with the
 * server's caching on, "Thảo luận quanh tin nóng" is scored once for everyone at a clock, and the
 * page each reader gets is the one FeedRunner computes for them alone, from the spec, with nothing
 * kept — including a reader who muted an author (their hides apply after the shared part), and
 * with scores still the exact sum of their contributions.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSocialServer, type SocialServer } from './support.ts';
import { configureFeeds, feedsOf } from '../../src/social/feeds/service.ts';
import { FeedRunner } from '../../src/social/feeds/rank.ts';
import { BUILTIN_FEEDS } from '../../src/social/feeds/builtin.ts';
import { postIndexOf } from '../../src/social/search/services.ts';
import type { RisingStory } from '../../src/social/feeds/rising.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
let s: SocialServer;
const T = Date.UTC(2025, 9, 1, 5, 0, 0);
const H = 3_600_000;
const ids: Record<string, string> = {};
const tokens: Record<string, string> = {};
const URL1 = 'https://vnexpress.net/bao-so-10-do-bo-4930000.html';
const stories: RisingStory[] = [
  { label: 'bão số 10', terms: ['bão số 10'], urls: [URL1], date: '2025-10-01' },
  { label: 'giá vàng', terms: ['giá vàng'], urls: [], date: '2025-10-01' },
];
const spec = BUILTIN_FEEDS.find((b) => b.id === 'tin-nong')!.spec;

function account(name: string): void {
  const a = s.social.store.accounts.createLocal({ username: name, passwordHash: 'x', displayName: name });
  ids[name] = a.id;
  const app = s.social.store.oauth.ownApp('test');
  tokens[name] = s.social.store.oauth.createToken({ appId: app.id, accountId: a.id, scopes: ['read', 'write', 'follow'] }).token;
}
async function get(path: string, who: string): Promise<Json[]> {
  const r = await fetch(s.base + path, { headers: { authorization: `Bearer ${tokens[who]}` } });
  assert.equal(r.status, 200);
  return (await r.json()) as Json[];
}
const alone = async (who: string) => {
  const index = await postIndexOf(s.social);
  return new FeedRunner(spec, { store: s.social.store, index, rising: stories }).ranked({ viewerId: ids[who], now: T }).map((x) => [x.status.id, x.scoreMicro, x.rank]);
};

before(async () => {
  s = await startSocialServer();
  // The server's defaults (rankings and shared work kept), only the observatory stood in for.
  configureFeeds(s.social, { rising: () => stories });
  for (const n of ['doc', 'lan', 'an', 'binh', 'chi', 'dung']) account(n);
  const authors = ['an', 'binh', 'chi'];
  for (let i = 0; i < 30; i++) {
    const text = i % 3 === 0 ? `Tin ${i}: bão số 10 vào bờ ${URL1}` : i % 3 === 1 ? `Bài ${i}: mọi người lo bão số 10` : `Bài ${i}: giá vàng lại tăng`;
    s.social.store.statuses.create({ accountId: ids[authors[i % 3]], text, content: `<p>${text}</p>`, visibility: 'public', createdAt: T - (i + 1) * 0.5 * H, language: 'vi' });
  }
  // A link written another way (upper-case host, www., a tracking parameter): still the story's article.
  const odd = 'Đọc ở HTTPS://WWW.VnExpress.net/bao-so-10-do-bo-4930000.html?utm_source=zalo nhé';
  s.social.store.statuses.create({ accountId: ids.dung, text: odd, content: `<p>${odd}</p>`, visibility: 'public', createdAt: T - 20 * H, language: 'vi' });
  await (await postIndexOf(s.social)).catchUp();
});
after(async () => {
  await s?.close();
});

test('tin-nong: every reader gets what FeedRunner computes for them alone; the scoring is done once', async () => {
  const svc = feedsOf(s.social, () => postIndexOf(s.social));
  const before = { ...svc.shared.stats };
  const a = await get(`/api/v1/tra/feeds/tin-nong/timeline?at=${T}&limit=40`, 'doc');
  const b = await get(`/api/v1/tra/feeds/tin-nong/timeline?at=${T}&limit=40`, 'lan');
  assert.ok(a.length >= 6, String(a.length));
  assert.deepEqual(b.map((x) => [x.id, x.tra_feed]), a.map((x) => [x.id, x.tra_feed]));
  assert.deepEqual(a.map((x) => [x.id, x.tra_feed.score_micro, x.tra_feed.rank]), (await alone('doc')).slice(0, a.length));
  for (const st of a) assert.equal(st.tra_feed.contributions.reduce((n: number, c: Json) => n + c.micro, 0), st.tra_feed.score_micro);
  // doc's request scored the feed; lan's found it kept.
  assert.equal(svc.shared.stats.misses - before.misses >= 1, true);
  assert.ok(svc.shared.stats.hits > before.hits);
});

test('a rising feed reads only posts that can be about a story, and misses none: a link written another way still counts', async () => {
  const a = await get(`/api/v1/tra/feeds/tin-nong/timeline?at=${T}&limit=40`, 'doc');
  const odd = a.find((x) => String(x.content).includes('VnExpress'));
  assert.ok(odd, 'the post with an upper-case host is in');
  assert.equal(odd.tra_feed.contributions.find((c: Json) => c.signal === 'rising_story').value, 1);
  // Three authors, at most two posts each (the feed's cap), and dung's one post.
  assert.equal(a.length, 7);
});

test('a reader who muted an author: their hides apply to the shared scoring, as if computed alone', async () => {
  const r = await fetch(`${s.base}/api/v1/accounts/${ids.binh}/mute`, { method: 'POST', headers: { authorization: `Bearer ${tokens.lan}` } });
  assert.equal(r.status, 200);
  const lan = await get(`/api/v1/tra/feeds/tin-nong/timeline?at=${T + 60_000}&limit=40`, 'lan');
  const doc = await get(`/api/v1/tra/feeds/tin-nong/timeline?at=${T + 60_000}&limit=40`, 'doc');
  assert.ok(doc.some((x) => x.account.id === ids.binh));
  assert.ok(!lan.some((x) => x.account.id === ids.binh));
  const index = await postIndexOf(s.social);
  const mine = new FeedRunner(spec, { store: s.social.store, index, rising: stories }).ranked({ viewerId: ids.lan, now: T + 60_000 });
  assert.deepEqual(lan.map((x) => [x.id, x.tra_feed.score_micro, x.tra_feed.rank]), mine.slice(0, lan.length).map((x) => [x.status.id, x.scoreMicro, x.rank]));
  // Ranks are 1, 2, 3… in the reader's own list, not holes where binh's posts were.
  assert.deepEqual(lan.map((x) => x.tra_feed.rank), lan.map((_, i) => i + 1));
});
