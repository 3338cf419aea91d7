/**
 * The Mastodon client API driven end to end by two client libraries we did not write — masto
 * 8.0.0 and megalodon 10.3.0 (`generator('mastodon')`) — against the real server on loopback:
 * register apps, get tokens through the OAuth code flow (with PKCE for masto; the consent form is
 * driven with plain HTTP carrying the session cookie and CSRF token) and through `tra accounts
 * token`, verify credentials, post Vietnamese in NFC and NFD (stored NFC), follow, read home and
 * public timelines, page with max_id and the Link header, Idempotency-Key, favourite, reblog,
 * thread context, notifications, lists, account search, and a read-only token refused with 403.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createOAuthAPIClient, createRestAPIClient, MastoHttpError, type mastodon } from 'masto';
import generator, { type MegalodonInterface } from 'megalodon';
import { tra } from '../hostile/run.ts';
import { authorize, CookieJar, csrfOf, form, pkce, signUp, startSocialServer, type SocialServer } from './support.ts';

const PASSWORD = 'mat-khau-that-dai-2025';
const NFC = 'Chuyển đổi số ở Hà Nội: người dân đã quen với dịch vụ công trực tuyến. #ChuyểnĐổiSố'.normalize('NFC');
const NFD = 'Thời tiết Đà Nẵng hôm nay mưa rào, gió mạnh cấp 6'.normalize('NFD');

let s: SocialServer;
let lan: mastodon.rest.Client;
let lanId: string;
let minh: MegalodonInterface;
let minhId: string;
const redirect = 'http://127.0.0.1:9/ve-ung-dung';

before(async () => {
  s = await startSocialServer();
  // lan signs up on the page, then authorises masto's app with PKCE.
  const jar = new CookieJar();
  assert.equal((await signUp(s.base, jar, 'lan', PASSWORD)).status, 303);
  const registered = await createRestAPIClient({ url: s.base }).v1.apps.create({ clientName: 'masto thử', redirectUris: redirect, scopes: 'read write follow' });
  assert.ok(registered.clientId && registered.clientSecret);
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({ response_type: 'code', client_id: registered.clientId!, redirect_uri: redirect, scope: 'read write follow', code_challenge: challenge, code_challenge_method: 'S256', state: 'x' });
  const consent = await jar.fetch(`${s.base}/oauth/authorize?${q}`);
  assert.equal(consent.status, 200);
  const page = await consent.text();
  assert.match(page, /masto thử/);
  const hidden = Object.fromEntries([...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
  const allowed = await jar.fetch(`${s.base}/oauth/authorize`, form({ ...hidden, csrf: csrfOf(page), decision: 'allow' }));
  assert.equal(allowed.status, 303);
  const code = new URL(allowed.headers.get('location')!).searchParams.get('code')!;
  // masto's OAuth client sends the exchange as multipart/form-data.
  const token = await createOAuthAPIClient({ url: s.base }).token.create({ grantType: 'authorization_code', clientId: registered.clientId!, clientSecret: registered.clientSecret!, redirectUri: redirect, code, codeVerifier: verifier } as never);
  lan = createRestAPIClient({ url: s.base, accessToken: token.accessToken });
  lanId = (await lan.v1.accounts.verifyCredentials()).id;

  // minh is made by the operator's CLI on the running server's directory; megalodon uses the CLI's token.
  const add = await tra(['accounts', 'add', '--data', s.dir, 'minh', '--display-name', 'Minh Nguyễn'], {}, 60_000, PASSWORD + '\n');
  assert.equal(add.code, 0, add.stderr);
  minhId = JSON.parse(add.stdout.trim().split('\n').at(-1)!).id;
  const tok = await tra(['accounts', 'token', '--data', s.dir, 'minh', '--scopes', 'read write follow'], {}, 60_000);
  assert.equal(tok.code, 0, tok.stderr);
  minh = generator('mastodon', s.base, JSON.parse(tok.stdout.trim()).access_token);
});

after(async () => {
  await s?.close();
});

test('verify credentials with both clients; the instance says what it is', async () => {
  const me = await lan.v1.accounts.verifyCredentials();
  assert.equal(me.username, 'lan');
  assert.equal(me.acct, 'lan');
  const m = await minh.verifyAccountCredentials();
  assert.equal(m.data.id, minhId);
  assert.equal(m.data.display_name, 'Minh Nguyễn');
  const inst = await lan.v2.instance.fetch();
  assert.equal(inst.version, '4.3.0 (compatible; Tra 0.2)');
  assert.equal(inst.configuration.statuses.maxCharacters, 500);
  const v1 = await minh.getInstance();
  assert.equal(v1.data.version, '4.3.0 (compatible; Tra 0.2)');
});

test('post NFC and NFD Vietnamese: stored and returned composed; hashtags keep their accents', async () => {
  const a = await lan.v1.statuses.create({ status: NFC, visibility: 'public', language: 'vi' });
  const b = await lan.v1.statuses.create({ status: NFD, spoilerText: 'Thời tiết'.normalize('NFD') });
  assert.ok(a.content.includes('Chuyển đổi số ở Hà Nội'));
  assert.ok(b.content.includes('Thời tiết Đà Nẵng hôm nay'.normalize('NFC')), b.content);
  assert.ok(!b.content.includes('Thời tiết'.normalize('NFD')));
  assert.equal(b.spoilerText, 'Thời tiết'.normalize('NFC'));
  assert.equal(b.sensitive, true);
  assert.deepEqual(a.tags.map((t) => t.name), ['ChuyểnĐổiSố']);
  const row = s.social.store.statuses.byId(b.id)!;
  assert.equal(row.text, NFD.normalize('NFC'));
  // The same hashtag typed with the other tone-mark placement finds it.
  const tagged = await minh.getTagTimeline('chuyểnđổisố');
  assert.ok(tagged.data.some((x) => x.id === a.id));
});

test('the posts are found with /api/v2/search typed without marks, by both clients', async () => {
  const plain = await lan.v2.search.list({ q: 'chuyen doi so ha noi', type: 'statuses' });
  assert.ok(plain.statuses.some((x) => x.content.includes('Chuyển đổi số ở Hà Nội')), 'NFC post found typed without marks');
  const nfd = await minh.search('thoi tiet da nang', { type: 'statuses' });
  assert.ok(nfd.data.statuses.some((x) => x.content.includes('Thời tiết Đà Nẵng')), 'the post written in NFD found typed without marks');
});

test('follow with megalodon, read the followed posts in home; public local timeline has them', async () => {
  const rel = await minh.followAccount(lanId);
  assert.equal(rel.data.following, true);
  const home = await minh.getHomeTimeline({ limit: 40 });
  assert.ok(home.data.some((st) => st.content.includes('Chuyển đổi số')), 'lan\'s post in minh\'s home');
  const pub = await lan.v1.timelines.public.list({ local: true, limit: 40 });
  assert.ok(pub.some((st) => st.account.id === lanId));
  const rels = await lan.v1.accounts.relationships.fetch({ id: [minhId] });
  assert.equal(rels[0].followedBy, true);
  const followers = await lan.v1.accounts.$select(lanId).followers.list();
  assert.deepEqual(followers.map((a) => a.username), ['minh']);
});

test('page the home timeline with max_id, and with the Link header masto follows', async () => {
  const posted: string[] = [];
  for (let i = 1; i <= 5; i++) posted.push((await lan.v1.statuses.create({ status: `Bài số ${i} về giao thông Hà Nội` })).id);
  const first = await minh.getHomeTimeline({ limit: 2 });
  assert.deepEqual(first.data.map((x) => x.id), [posted[4], posted[3]]);
  const second = await minh.getHomeTimeline({ limit: 2, max_id: first.data[1].id });
  assert.deepEqual(second.data.map((x) => x.id), [posted[2], posted[1]]);
  const newer = await minh.getHomeTimeline({ limit: 2, min_id: posted[1] });
  assert.deepEqual(newer.data.map((x) => x.id), [posted[3], posted[2]]);
  // masto's paginator reads rel="next" from the Link header.
  const pages: string[][] = [];
  for await (const page of lan.v1.timelines.home.list({ limit: 3 })) {
    pages.push(page.map((x) => x.id));
    if (pages.length === 3) break;
  }
  const flat = pages.flat();
  assert.equal(new Set(flat).size, flat.length, 'no status twice across pages');
  assert.deepEqual(flat.slice(0, 5), [...posted].reverse());
  assert.deepEqual([...flat].sort().reverse(), flat, 'newest first throughout');
});

test('the same Idempotency-Key gives the same status, a new key a new one', async () => {
  const opts = { requestInit: { headers: { 'Idempotency-Key': 'khoa-1' } } };
  const a = await lan.v1.statuses.create({ status: 'Gửi một lần thôi' }, opts);
  const b = await lan.v1.statuses.create({ status: 'Gửi một lần thôi' }, opts);
  const c = await lan.v1.statuses.create({ status: 'Gửi một lần thôi' }, { requestInit: { headers: { 'Idempotency-Key': 'khoa-2' } } });
  assert.equal(a.id, b.id);
  assert.notEqual(a.id, c.id);
});

test('favourite, reblog, reply thread and the notifications they make', async () => {
  const post = await lan.v1.statuses.create({ status: 'Ai đi xem pháo hoa tối nay?' });
  const fav = await minh.favouriteStatus(post.id);
  assert.equal(fav.data.favourited, true);
  assert.equal(fav.data.favourites_count, 1);
  const boost = await minh.reblogStatus(post.id);
  assert.equal(boost.data.reblog?.id, post.id);
  const reply = await minh.postStatus('@lan mình đi!', { in_reply_to_id: post.id });
  const replyStatus = reply.data as { id: string; in_reply_to_id: string | null };
  assert.equal(replyStatus.in_reply_to_id, post.id);
  const ctx = await lan.v1.statuses.$select(replyStatus.id).context.fetch();
  assert.deepEqual(ctx.ancestors.map((x) => x.id), [post.id]);
  const down = await lan.v1.statuses.$select(post.id).context.fetch();
  assert.deepEqual(down.descendants.map((x) => x.id), [replyStatus.id]);
  const notes = await lan.v1.notifications.list({ limit: 40 });
  const types = new Set(notes.map((n) => n.type));
  for (const t of ['follow', 'favourite', 'reblog', 'mention']) assert.ok(types.has(t as never), `notification ${t}: ${[...types]}`);
  const unfav = await minh.unfavouriteStatus(post.id);
  assert.equal(unfav.data.favourited, false);
  const unboost = await minh.unreblogStatus(post.id);
  assert.equal(unboost.data.reblogged, false);
});

test('lists: create, add a followed account, read its timeline, rename, delete', async () => {
  await lan.v1.accounts.$select(minhId).follow();
  const list = await lan.v1.lists.create({ title: 'Bạn bè ở Hà Nội' });
  await lan.v1.lists.$select(list.id).accounts.create({ accountIds: [minhId] });
  const members = await lan.v1.lists.$select(list.id).accounts.list();
  assert.deepEqual(members.map((a) => a.id), [minhId]);
  const said = await minh.postStatus('Bài của Minh cho danh sách', {});
  const tl = await lan.v1.timelines.list.$select(list.id).list();
  assert.equal(tl[0].id, (said.data as { id: string }).id);
  const renamed = await lan.v1.lists.$select(list.id).update({ title: 'Bạn bè' });
  assert.equal(renamed.title, 'Bạn bè');
  await lan.v1.lists.$select(list.id).remove();
  assert.deepEqual(await lan.v1.lists.list(), []);
});

test('search finds accounts by username and by display name; empty features answer empty', async () => {
  const byName = await lan.v2.search.list({ q: 'Nguyễn', type: 'accounts' });
  assert.deepEqual(byName.accounts.map((a) => a.username), ['minh']);
  const found = await minh.searchAccount('lan');
  assert.equal(found.data[0].username, 'lan');
  assert.deepEqual(await lan.v1.customEmojis.list(), []);
  assert.deepEqual(await lan.v2.filters.list(), []);
  assert.deepEqual(await lan.v1.announcements.list(), []);
  assert.deepEqual(await lan.v1.trends.tags.list(), []);
  const prefs = await lan.v1.preferences.fetch();
  assert.equal(prefs['posting:default:visibility'], 'public');
});

test('a read-only token cannot post (403), and a deleted status is gone', async () => {
  const tok = await tra(['accounts', 'token', '--data', s.dir, 'lan', '--scopes', 'read'], {}, 60_000);
  const reader = createRestAPIClient({ url: s.base, accessToken: JSON.parse(tok.stdout.trim()).access_token });
  assert.equal((await reader.v1.accounts.verifyCredentials()).username, 'lan');
  await assert.rejects(reader.v1.statuses.create({ status: 'Không được đăng' }), (err: unknown) => err instanceof MastoHttpError && err.statusCode === 403);
  const st = await lan.v1.statuses.create({ status: 'Sẽ xoá ngay' });
  const gone = await lan.v1.statuses.$select(st.id).remove();
  assert.equal(gone.text, 'Sẽ xoá ngay');
  await assert.rejects(lan.v1.statuses.$select(st.id).fetch(), (err: unknown) => err instanceof MastoHttpError && err.statusCode === 404);
});

test('megalodon\'s own OAuth flow (code without PKCE, client secret) also gives a working token', async () => {
  const anon = generator('mastodon', s.base);
  const app = await anon.registerApp('megalodon thử', { scopes: ['read', 'write'], redirect_uris: redirect });
  const jar = new CookieJar();
  const page = await jar.fetch(`${s.base}/dang-nhap`);
  const signedIn = await jar.fetch(`${s.base}/dang-nhap`, form({ csrf: csrfOf(await page.text()), username: 'minh', password: PASSWORD }));
  assert.equal(signedIn.status, 303);
  const consent = await jar.fetch(app.url!);
  const html = await consent.text();
  const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
  const ok = await jar.fetch(`${s.base}/oauth/authorize`, form({ ...hidden, decision: 'allow' }));
  const code = new URL(ok.headers.get('location')!).searchParams.get('code')!;
  const token = await anon.fetchAccessToken(app.client_id, app.client_secret, code, redirect);
  const me = await generator('mastodon', s.base, token.access_token).verifyAccountCredentials();
  assert.equal(me.data.username, 'minh');
  // And the helper used by other tests (PKCE through plain HTTP) agrees.
  const t2 = await authorize(s.base, jar, { client_id: app.client_id, client_secret: app.client_secret, redirect_uri: redirect }, 'read');
  assert.equal(t2.scope, 'read');
});
