/**
 * Post search through the engine's match set (src/social/search/, /api/v2/search) on a real
 * loopback server: Vietnamese typed without marks, NFD, a syllable typed with marks meaning that
 * reading only; the index follows new, edited and deleted posts; only public posts of indexable
 * authors; `indexable` turned off removes an author's posts, turned on brings them back;
 * hashtags typed without marks; offset and max_id paging; remote posts only when their author
 * allows it; the index picks up at restart where it stopped.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSocialServer, type SocialServer } from './support.ts';
import { postIndexOf } from '../../src/social/search/services.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
let s: SocialServer;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

async function account(name: string): Promise<void> {
  const a = s.social.store.accounts.createLocal({ username: name, passwordHash: 'x', displayName: name });
  ids[name] = a.id;
  const app = s.social.store.oauth.ownApp('test');
  tokens[name] = s.social.store.oauth.createToken({ appId: app.id, accountId: a.id, scopes: ['read', 'write', 'follow'] }).token;
}

const auth = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });
async function post(who: string, status: string, extra: Record<string, string> = {}): Promise<Json> {
  const r = await fetch(`${s.base}/api/v1/statuses`, { method: 'POST', headers: { ...auth(who), 'content-type': 'application/json' }, body: JSON.stringify({ status, ...extra }) });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()) as Json;
}
async function search(who: string, q: string, extra: Record<string, string> = {}): Promise<Json> {
  const r = await fetch(`${s.base}/api/v2/search?${new URLSearchParams({ q, ...extra })}`, { headers: auth(who) });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()) as Json;
}
const found = async (who: string, q: string, extra: Record<string, string> = {}) => ((await search(who, q, { type: 'statuses', ...extra })).statuses as Json[]).map((x) => x.id as string);

before(async () => {
  s = await startSocialServer();
  await account('lan');
  await account('minh');
});
after(async () => {
  await s?.close();
});

test('typed without marks, in NFD, or with marks meaning that reading only', async () => {
  const storm = await post('lan', 'Bão số 3 đổ bộ vào Quảng Ninh chiều nay');
  const paper = await post('minh', 'Tôi đọc báo mỗi sáng ở Hà Nội');
  const nfd = await post('minh', 'Chuyển đổi số ở nông thôn'.normalize('NFD'));
  assert.deepEqual(await found('lan', 'bao so 3'), [storm.id]);
  assert.deepEqual(await found('lan', 'chuyen doi so'), [nfd.id]);
  assert.deepEqual(await found('lan', 'Chuyển đổi số'.normalize('NFD')), [nfd.id]);
  assert.deepEqual(await found('lan', 'bão'), [storm.id]);
  assert.deepEqual(await found('lan', 'báo'), [paper.id]);
  assert.deepEqual((await found('lan', 'bao')).sort(), [storm.id, paper.id].sort());
  // All types at once: the Mastodon shape.
  const all = await search('lan', 'bao so 3');
  assert.ok(Array.isArray(all.accounts) && Array.isArray(all.hashtags));
  assert.equal(all.statuses[0].account.username, 'lan');
  assert.match(all.statuses[0].content, /Bão số 3/);
});

test('edited and deleted posts; only public posts', async () => {
  const p = await post('lan', 'Giá vàng hôm nay tăng mạnh');
  assert.deepEqual(await found('minh', 'gia vang'), [p.id]);
  const edit = await fetch(`${s.base}/api/v1/statuses/${p.id}`, { method: 'PUT', headers: { ...auth('lan'), 'content-type': 'application/json' }, body: JSON.stringify({ status: 'Giá xăng hôm nay giảm' }) });
  assert.equal(edit.status, 200);
  assert.deepEqual(await found('minh', 'gia vang'), []);
  assert.deepEqual(await found('minh', 'gia xang'), [p.id]);
  assert.equal((await fetch(`${s.base}/api/v1/statuses/${p.id}`, { method: 'DELETE', headers: auth('lan') })).status, 200);
  assert.deepEqual(await found('minh', 'gia xang'), []);
  for (const visibility of ['unlisted', 'private', 'direct']) await post('lan', `Bí mật về hồ Tây ${visibility}`, { visibility });
  assert.deepEqual(await found('minh', 'ho tay'), []);
  assert.deepEqual(await found('lan', 'ho tay'), []);
});

test('indexable off removes an author from search, on brings the posts back', async () => {
  const p = await post('minh', 'Lễ hội pháo hoa Đà Nẵng năm nay');
  assert.deepEqual(await found('lan', 'phao hoa da nang'), [p.id]);
  const off = await fetch(`${s.base}/api/v1/accounts/update_credentials`, { method: 'PATCH', headers: { ...auth('minh'), 'content-type': 'application/json' }, body: JSON.stringify({ indexable: false }) });
  assert.equal(off.status, 200);
  // At once (each hit is checked against the author's flags), and out of the index itself after a catch-up.
  assert.deepEqual(await found('lan', 'phao hoa da nang'), []);
  const index = await postIndexOf(s.social);
  await index.catchUp();
  assert.equal(index.has(p.id), false);
  await fetch(`${s.base}/api/v1/accounts/update_credentials`, { method: 'PATCH', headers: { ...auth('minh'), 'content-type': 'application/json' }, body: JSON.stringify({ indexable: true }) });
  assert.deepEqual(await found('lan', 'phao hoa da nang'), [p.id]);
  assert.equal(index.has(p.id), true);
});

test('remote posts only when their author allows it', async () => {
  const yes = s.social.store.accounts.upsertRemote({ uri: 'https://xa.example/users/an', username: 'an', domain: 'xa.example', indexable: true });
  const no = s.social.store.accounts.upsertRemote({ uri: 'https://xa.example/users/binh', username: 'binh', domain: 'xa.example', indexable: false });
  const a = s.social.store.statuses.create({ accountId: yes.id, content: '<p>Mưa lớn ở Huế suốt tuần</p>', visibility: 'public', uri: 'https://xa.example/notes/1', url: 'https://xa.example/@an/1' });
  s.social.store.statuses.create({ accountId: no.id, content: '<p>Mưa lớn ở Huế, tôi không muốn được tìm thấy</p>', visibility: 'public', uri: 'https://xa.example/notes/2' });
  assert.deepEqual(await found('lan', 'mua lon o hue'), [a.id]);
});

test('hashtags typed without marks; paging by offset and max_id', async () => {
  const posts: Json[] = [];
  for (let i = 0; i < 5; i++) posts.push(await post('lan', `Ngày ${i} bàn về #HòaBình và hòa bình thế giới`));
  await post('minh', 'Nói về #hoabinh khác hẳn');
  const tags = (await search('lan', 'hoabinh', { type: 'hashtags' })).hashtags as Json[];
  assert.deepEqual(tags.map((t) => t.name), ['hoabinh', 'HòaBình']);
  const marked = (await search('lan', '#HÒABÌNH', { type: 'hashtags' })).hashtags as Json[];
  assert.deepEqual(marked.map((t) => t.name), ['HòaBình']);
  const everything = await found('lan', 'hoa binh the gioi', { limit: '40' });
  assert.equal(everything.length, 5);
  const page1 = await found('lan', 'hoa binh the gioi', { limit: '2' });
  const page2 = await found('lan', 'hoa binh the gioi', { limit: '2', offset: '2' });
  assert.deepEqual([...page1, ...page2], everything.slice(0, 4));
  // max_id: newest first below the bound.
  const newest = posts.map((p) => p.id as string).sort().reverse();
  assert.deepEqual(await found('lan', 'hoa binh the gioi', { max_id: newest[1], limit: '2' }), newest.slice(2, 4));
  assert.deepEqual(await found('lan', 'hoa binh the gioi', { min_id: newest[2], limit: '10' }), newest.slice(0, 2));
});

test('paging by max_id and min_id just after midnight in Vietnam (17:30 UTC): the day bounds are Vietnam days', async (t) => {
  // The engine files posts by their day in Vietnam; bounds computed as UTC days left out the
  // posts made between 00:00 and 07:00 there (this test failed every evening in UTC).
  t.mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-12-07T17:30:00Z') });
  try {
    const made: string[] = [];
    for (let i = 0; i < 4; i++) {
      made.push((await post('lan', `Đêm khuya số ${i} bàn chuyện nửa đêm`)).id as string);
      t.mock.timers.tick(60_000);
    }
    const newest = made.sort().reverse();
    assert.deepEqual(await found('lan', 'nua dem', { max_id: newest[0], limit: '10' }), newest.slice(1));
    assert.deepEqual(await found('lan', 'nua dem', { min_id: newest[3], limit: '10' }), newest.slice(0, 3));
  } finally {
    t.mock.timers.reset();
  }
});

test('resolve=true answers what is local when federation has no resolver', async () => {
  const r = await search('lan', 'https://xa.example/@an/1', { resolve: 'true' });
  assert.ok(Array.isArray(r.statuses));
});

test('resolve=true asks federation\'s resolver when the context has one', async () => {
  const remote = s.social.store.accounts.upsertRemote({ uri: 'https://xa.example/users/chi', username: 'chi', domain: 'xa.example' });
  const st = s.social.store.statuses.create({ accountId: remote.id, content: '<p>Một bài ở xa</p>', visibility: 'public', uri: 'https://xa.example/notes/9', url: 'https://xa.example/@chi/9' });
  const ctx = s.social as unknown as { resolveRemote?: (q: string) => Promise<unknown> };
  ctx.resolveRemote = async (q) => (q === 'https://xa.example/@chi/9' ? { status: st } : undefined);
  try {
    const r = await search('lan', 'https://xa.example/@chi/9', { resolve: 'true', type: 'statuses' });
    assert.deepEqual(r.statuses.map((x: Json) => x.id), [st.id]);
  } finally {
    delete ctx.resolveRemote;
  }
});
