/**
 * Feeds whose rules are public (src/social/feeds/, /api/v1/tra/feeds, /bang-tin) on generated
 * data with a fixed clock: specs (canonical hash, validation, Vietnamese rules), built-ins, the
 * contributions adding up to every score exactly, determinism (same spec + same inputs + same
 * clock → the same page, ties by id), consent (discoverable: false never in ranked feeds, still in
 * chronological home), rising stories from an observatory stand-in, a saved query through the
 * post index, copy/publish/history, Link paging, and the pages without JavaScript.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSocialServer, type SocialServer } from './support.ts';
import { configureFeeds } from '../../src/social/feeds/service.ts';
import { FeedRunner } from '../../src/social/feeds/rank.ts';
import { canonicalJson, normalizeSpec, specHash, SpecError } from '../../src/social/feeds/spec.ts';
import { describeSpec } from '../../src/social/feeds/describe.ts';
import { BUILTIN_FEEDS } from '../../src/social/feeds/builtin.ts';
import { postIndexOf } from '../../src/social/search/services.ts';
import type { RisingStory } from '../../src/social/feeds/rising.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
let s: SocialServer;
const T = Date.UTC(2025, 9, 1, 5, 0, 0); // the fixed clock
const H = 3_600_000;
const ids: Record<string, string> = {};
const tokens: Record<string, string> = {};
const STORY_URL = 'https://vnexpress.net/bao-so-10-do-bo-4930000.html';
const stories: RisingStory[] = [{ label: 'bão số 10', terms: ['bão số 10'], urls: [STORY_URL], date: '2025-10-01' }];

function account(name: string, o: { discoverable?: boolean } = {}): string {
  const a = s.social.store.accounts.createLocal({ username: name, passwordHash: 'x', displayName: name.toUpperCase() });
  if (o.discoverable === false) s.social.store.accounts.updateProfile(a.id, { discoverable: false });
  ids[name] = a.id;
  const app = s.social.store.oauth.ownApp('test');
  tokens[name] = s.social.store.oauth.createToken({ appId: app.id, accountId: a.id, scopes: ['read', 'write', 'follow'] }).token;
  return a.id;
}
const post = (who: string, text: string, hoursAgo: number, extra: Record<string, unknown> = {}) =>
  s.social.store.statuses.create({ accountId: ids[who], text, content: `<p>${text}</p>`, visibility: 'public', createdAt: T - hoursAgo * H, language: 'vi', ...extra });
const auth = (who?: string): Record<string, string> => (who ? { authorization: `Bearer ${tokens[who]}` } : {});
async function get(path: string, who?: string): Promise<{ status: number; body: Json; headers: Headers }> {
  const r = await fetch(s.base + path, { headers: auth(who) });
  return { status: r.status, body: (await r.json()) as Json, headers: r.headers };
}
async function send(method: string, path: string, who: string, body: unknown): Promise<{ status: number; body: Json }> {
  const r = await fetch(s.base + path, { method, headers: { ...auth(who), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Json };
}

before(async () => {
  s = await startSocialServer();
  configureFeeds(s.social, { rising: () => stories, cacheSize: 0 });
  account('doc');
  for (const n of ['an', 'binh', 'chi', 'dung']) account(n);
  account('kin', { discoverable: false });
  for (const n of ['an', 'binh', 'chi', 'kin']) s.social.store.follows.follow(ids.doc, ids[n], { state: 'accepted' });
  // 40 posts over two days, some with the same time (ties), counts on a few.
  for (let i = 0; i < 40; i++) {
    const who = ['an', 'binh', 'chi', 'dung'][i % 4];
    post(who, `Bài ${i} về đời sống Hà Nội`, (i % 20) * 2 + (i < 20 ? 0.5 : 1));
  }
  const hot = post('an', `Cả phố đang chờ bão số 10, tin ở ${STORY_URL}`, 3);
  const talk = post('binh', 'Mọi người chuẩn bị gì cho bão số 10 chưa?', 4);
  post('chi', 'Bão số 1 năm ngoái', 5);
  for (let i = 0; i < 3; i++) s.social.store.statuses.create({ accountId: ids.dung, text: `trả lời ${i}`, content: `<p>trả lời ${i}</p>`, visibility: 'public', createdAt: T - 2 * H, inReplyToId: hot.id, inReplyToAccountId: ids.an });
  s.social.store.statuses.favourite(ids.chi, hot.id);
  s.social.store.statuses.favourite(ids.dung, talk.id);
  s.social.store.statuses.create({ accountId: ids.chi, content: '', visibility: 'public', createdAt: T - 1 * H, reblogOfId: talk.id });
  post('kin', 'Bài của người không muốn được khám phá, về bão số 10', 1);
  // A post after the clock never enters.
  post('an', 'Bài viết sau thời điểm tính', -1);
  await (await postIndexOf(s.social)).catchUp();
});
after(async () => {
  await s?.close();
});

test('a spec has one canonical form and hash; refusals name the field in Vietnamese', () => {
  const a = normalizeSpec({ name: 'Thử', include: { hashtags: ['b', '#a', 'b'], follows: true }, order: 'ranked', signals: [{ name: 'replies', weight: 1 }, { name: 'recency', weight: 2 }] });
  const b = normalizeSpec({ signals: [{ weight: 2, name: 'recency' }, { weight: 1, name: 'replies' }], order: 'ranked', include: { follows: true, hashtags: ['a', 'b'] }, name: 'Thử' });
  assert.equal(canonicalJson(a), canonicalJson(b));
  assert.equal(specHash(a), specHash(b));
  assert.match(specHash(a), /^[0-9a-f]{64}$/);
  assert.throws(() => normalizeSpec({ name: 'x', include: { follows: true }, order: 'ranked', signals: [{ name: 'clicks', weight: 1 }] }), (e: Error) => e instanceof SpecError && /không có tín hiệu "clicks"/.test(e.message));
  assert.throws(() => normalizeSpec({ name: 'x', include: {} }), /chưa nói bài nào được vào/);
  const text = describeSpec(BUILTIN_FEEDS[1].spec).lines.join('\n');
  assert.match(text, /các tài khoản bạn theo dõi/);
  assert.match(text, /3 × Độ mới \(nửa đời \(giờ\) 8\)/);
  assert.match(text, /nhiều nhất 3 bài/);
});

test('built-in feeds: listed and readable without a token, with rules, hash and history', async () => {
  const list = await get('/api/v1/tra/feeds');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.slice(0, 3).map((f: Json) => f.id), ['theo-thoi-gian', 'nguon-toi-theo-doi', 'tin-nong']);
  const f = await get('/api/v1/tra/feeds/tin-nong');
  assert.equal(f.body.hash, specHash(f.body.spec));
  assert.ok(f.body.rules.some((l: string) => /câu chuyện đài quan sát/.test(l)));
  assert.match(f.body.personal_data, /Không dùng dữ liệu nào về bạn/);
  const h = await get('/api/v1/tra/feeds/tin-nong/versions');
  assert.equal(h.body.length, 1);
  assert.equal(h.body[0].hash, f.body.hash);
});

test('every score is exactly the sum of its contributions; the same clock gives the same page', async () => {
  const at = T;
  const a = await get(`/api/v1/tra/feeds/nguon-toi-theo-doi/timeline?at=${at}&limit=40`, 'doc');
  assert.equal(a.status, 200);
  assert.equal(a.body.length, 9); // three followed, discoverable authors, at most 3 posts each
  for (const st of a.body as Json[]) {
    const f = st.tra_feed;
    assert.equal(f.contributions.reduce((x: number, c: Json) => x + c.micro, 0), f.score_micro);
    assert.equal(Number(f.contributions.reduce((x: number, c: Json) => x + c.points, 0).toFixed(6)), f.score);
    assert.ok(f.admitted.length >= 1);
  }
  // Best first; equal scores: larger id first.
  for (let i = 1; i < a.body.length; i++) {
    const [p, q] = [a.body[i - 1].tra_feed, a.body[i].tra_feed];
    assert.ok(p.score_micro > q.score_micro || (p.score_micro === q.score_micro && a.body[i - 1].id > a.body[i].id));
  }
  // Caps: at most 3 per author; the post after the clock is not there; kin (not discoverable) never.
  const per = new Map<string, number>();
  for (const st of a.body as Json[]) per.set(st.account.id, (per.get(st.account.id) ?? 0) + 1);
  assert.ok([...per.values()].every((n) => n <= 3));
  assert.ok(!a.body.some((st: Json) => st.account.id === ids.kin));
  assert.ok(!a.body.some((st: Json) => /sau thời điểm/.test(st.content)));
  const b = await get(`/api/v1/tra/feeds/nguon-toi-theo-doi/timeline?at=${at}&limit=40`, 'doc');
  assert.deepEqual(b.body.map((x: Json) => [x.id, x.tra_feed]), a.body.map((x: Json) => [x.id, x.tra_feed]));
  // And straight from the spec, without the server.
  const index = await postIndexOf(s.social);
  const run = () => new FeedRunner(BUILTIN_FEEDS[1].spec, { store: s.social.store, index, rising: stories }).ranked({ viewerId: ids.doc, now: at }).map((x) => [x.status.id, x.scoreMicro]);
  assert.deepEqual(run(), run());
  assert.deepEqual(run().slice(0, a.body.length), a.body.map((x: Json) => [x.id, x.tra_feed.score_micro]));
});

test('discoverable: false never enters a ranked feed; the chronological home still shows it', async () => {
  const chrono = await get(`/api/v1/tra/feeds/theo-thoi-gian/timeline?at=${T}&limit=40`, 'doc');
  assert.ok(chrono.body.some((st: Json) => st.account.id === ids.kin));
  assert.ok(!chrono.body.some((st: Json) => st.account.id === ids.dung), 'dung is not followed');
  const hot = await get(`/api/v1/tra/feeds/tin-nong/timeline?at=${T}&limit=40`);
  assert.ok(!hot.body.some((st: Json) => st.account.id === ids.kin));
  const kinPost = s.social.store.statuses.byAccount(ids.kin, undefined, { limit: 1 })[0];
  const why = await get(`/api/v1/tra/feeds/tin-nong/why/${kinPost.id}?at=${T}`);
  assert.equal(why.body.in_feed, false);
  assert.match(why.body.refused, /cho phép khám phá/);
});

test('"Thảo luận quanh tin nóng": a link to a rising story\'s article, or its words', async () => {
  const hot = await get(`/api/v1/tra/feeds/tin-nong/timeline?at=${T}&limit=40`);
  const texts = hot.body.map((st: Json) => st.content as string);
  assert.equal(hot.body.length, 2, JSON.stringify(texts));
  const link = hot.body.find((st: Json) => st.content.includes('vnexpress'));
  const words = hot.body.find((st: Json) => st.content.includes('chuẩn bị'));
  const val = (st: Json) => st.tra_feed.contributions.find((c: Json) => c.signal === 'rising_story').value;
  assert.equal(val(link), 1);
  assert.equal(val(words), 0.5);
  assert.ok(!texts.some((t: string) => t.includes('Bão số 1 năm ngoái')), '"bão số 1" is another story');
  assert.ok(link.tra_feed.admitted.some((l: string) => /dẫn liên kết tới một bài báo của câu chuyện "bão số 10"/.test(l)));
  assert.ok(link.tra_feed.contributions.find((c: Json) => c.signal === 'replies').note.startsWith('3 trả lời'));
});

test('copy with other weights, publish, history; a draft is its owner\'s only', async () => {
  const copy = await send('POST', '/api/v1/tra/feeds/nguon-toi-theo-doi/copy', 'doc', { name: 'Bảng tin của tôi', weights: { favourites: 2, source_diversity: 0 } });
  assert.equal(copy.status, 200, JSON.stringify(copy.body));
  assert.equal(copy.body.published, false);
  assert.equal(copy.body.copied_from, 'nguon-toi-theo-doi@1');
  assert.equal(copy.body.spec.signals.find((x: Json) => x.name === 'favourites').weight, 2);
  assert.ok(!copy.body.spec.signals.some((x: Json) => x.name === 'source_diversity'));
  assert.equal((await get(`/api/v1/tra/feeds/${copy.body.id}`, 'an')).status, 404);
  assert.equal((await send('POST', `/api/v1/tra/feeds/${copy.body.id}/publish`, 'an', {})).status, 404);
  const edit = await send('PUT', `/api/v1/tra/feeds/${copy.body.id}`, 'doc', { weights: { recency: 5 }, note: 'mới hơn nữa' });
  assert.equal(edit.body.version, 2);
  assert.notEqual(edit.body.hash, copy.body.hash);
  const pub = await send('POST', `/api/v1/tra/feeds/${copy.body.id}/publish`, 'doc', {});
  assert.equal(pub.body.published, true);
  const seen = await get(`/api/v1/tra/feeds/${copy.body.id}/versions`, 'an');
  assert.deepEqual(seen.body.map((v: Json) => v.version), [2, 1]);
  assert.equal(seen.body[1].hash, copy.body.hash);
  assert.ok((await get('/api/v1/tra/feeds')).body.some((f: Json) => f.id === copy.body.id));
  assert.equal((await send('PUT', '/api/v1/tra/feeds/tin-nong', 'doc', { weights: { recency: 1 } })).status, 403);
  const bad = await send('POST', '/api/v1/tra/feeds', 'doc', { spec: { name: 'x', include: { follows: true }, order: 'ranked', signals: [{ name: 'recency', weight: 'nhiều' }] } });
  assert.equal(bad.status, 422);
  assert.match(bad.body.error, /weight/);
});

test('a saved query through the post index\'s match set (typed without marks)', async () => {
  const made = await send('POST', '/api/v1/tra/feeds', 'doc', { spec: { name: 'Bão', include: { everyone: true, query: 'bao so 10' }, order: 'chronological' } });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const t = await get(`/api/v1/tra/feeds/${made.body.id}/timeline?at=${T}`, 'doc');
  const texts = t.body.map((st: Json) => st.content as string);
  assert.equal(texts.length, 2, JSON.stringify(texts)); // kin's post enters only through a follow
  assert.ok(texts.every((x: string) => /bão số 10/i.test(x)));
});

test('Link paging with the clock fixed: pages neither repeat nor skip', async () => {
  const all = (await get(`/api/v1/tra/feeds/nguon-toi-theo-doi/timeline?at=${T}&limit=40`, 'doc')).body.map((x: Json) => x.id);
  const seen: string[] = [];
  let url: string | undefined = `/api/v1/tra/feeds/nguon-toi-theo-doi/timeline?limit=4&at=${T}`;
  while (url) {
    const r = await get(url, 'doc');
    seen.push(...r.body.map((x: Json) => x.id));
    const next = /<([^>]+)>; rel="next"/.exec(r.headers.get('link') ?? '')?.[1];
    url = next ? next.replace(s.base, '') : undefined;
  }
  assert.deepEqual(seen, all);
  const chrono: string[] = [];
  url = `/api/v1/tra/feeds/theo-thoi-gian/timeline?limit=7&at=${T}`;
  while (url) {
    const r = await get(url, 'doc');
    chrono.push(...r.body.map((x: Json) => x.id));
    const next = /<([^>]+)>; rel="next"/.exec(r.headers.get('link') ?? '')?.[1];
    url = next ? next.replace(s.base, '') : undefined;
  }
  assert.deepEqual(chrono, [...chrono].sort().reverse());
  assert.equal(new Set(chrono).size, chrono.length);
});

test('pages: the feed with its rules, "Vì sao tôi thấy bài này?" adding up, history', async () => {
  const page = await (await fetch(`${s.base}/bang-tin/tin-nong?at=${T}`)).text();
  assert.match(page, /Quy tắc của bảng tin/);
  assert.match(page, /Vì sao tôi thấy bài này\?/);
  assert.doesNotMatch(page, /<script(?! src="\/static\/suggest\.js")/);
  const href = /href="(\/bang-tin\/tin-nong\/vi-sao\/\d+\?at=\d+)"/.exec(page)![1];
  const why = await (await fetch(s.base + href.replace(/&amp;/g, '&'))).text();
  assert.match(why, /Tin đang nổi/);
  assert.match(why, /Các đóng góp cộng lại đúng bằng điểm/);
  const hist = await (await fetch(`${s.base}/bang-tin/tin-nong/phien-ban`)).text();
  assert.match(hist, /Phiên bản 1/);
  const dir = await (await fetch(`${s.base}/bang-tin`)).text();
  assert.match(dir, /aria-current="page"/);
});

test('a saved query just after midnight in Vietnam: the post index is bounded by Vietnam days', async () => {
  // 00:30 and 00:40 on 2 October in Vietnam, 17:30 and 17:40 on 1 October in UTC. With the
  // bounds as UTC days (1 October) the engine, which files posts by Vietnam day, left them out.
  const night = Date.UTC(2025, 9, 1, 17, 30);
  const a = s.social.store.statuses.create({ accountId: ids.an, text: 'Mưa đêm khuya ở Huế', content: '<p>Mưa đêm khuya ở Huế</p>', visibility: 'public', createdAt: night, language: 'vi' });
  const b = s.social.store.statuses.create({ accountId: ids.binh, text: 'Lại mưa đêm khuya', content: '<p>Lại mưa đêm khuya</p>', visibility: 'public', createdAt: night + 600_000, language: 'vi' });
  await (await postIndexOf(s.social)).catchUp();
  const made = await send('POST', '/api/v1/tra/feeds', 'doc', { spec: { name: 'Đêm', include: { everyone: true, query: 'mua dem khuya' }, order: 'chronological' } });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const t = await get(`/api/v1/tra/feeds/${made.body.id}/timeline?at=${night + 1_800_000}`, 'doc');
  assert.deepEqual(t.body.map((st: Json) => st.id), [b.id, a.id]);
});
