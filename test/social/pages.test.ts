/**
 * The social pages over plain HTTP against the real server: home timeline with the feed switcher,
 * compose (the 500-character check as the API counts, content warning, visibility), reply,
 * favourite, boost, delete, threads, profiles (local and remote) with follow/unfollow, followers
 * and following, notifications (follow requests answered from the page), post search typed
 * without marks, following a feed — and every form refused without its CSRF token, with another
 * browser's token, or by someone who may not (403/404).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CookieJar, csrfOf, form, signUp, startSocialServer, type SocialServer } from './support.ts';
import { configureFeeds } from '../../src/social/feeds/service.ts';

let s: SocialServer;
const lan = new CookieJar();
const minh = new CookieJar();
const ids: Record<string, string> = {};

/** A browser signed in as an account made straight in the store. */
function jarFor(username: string, o: { locked?: boolean; indexable?: boolean } = {}): CookieJar {
  const a = s.social.store.accounts.createLocal({ username, passwordHash: 'x', displayName: username.toUpperCase() });
  if (o.locked !== undefined || o.indexable !== undefined) s.social.store.accounts.updateProfile(a.id, { locked: o.locked, indexable: o.indexable });
  ids[username] = a.id;
  const jar = new CookieJar();
  jar.cookies.set('tra_phien', s.social.store.sessions.create(a.id).id);
  return jar;
}

async function page(jar: CookieJar | undefined, path: string): Promise<{ status: number; html: string; res: Response }> {
  const res = jar ? await jar.fetch(s.base + path) : await fetch(s.base + path, { redirect: 'manual' });
  return { status: res.status, html: await res.text(), res };
}

/** Submit a form from `path` (its CSRF token taken from that page). */
async function submit(jar: CookieJar, from: string, action: string, fields: Record<string, string> = {}): Promise<Response> {
  const { html } = await page(jar, from);
  return jar.fetch(s.base + action, form({ csrf: csrfOf(html), ...fields }));
}

const h1Count = (html: string) => (html.match(/<h1[\s>]/g) ?? []).length;
const statusIds = (html: string) => [...html.matchAll(/<article class="post[^"]*" id="bai-(\d+)"/g)].map((m) => m[1]);

before(async () => {
  s = await startSocialServer();
  configureFeeds(s.social, { rising: () => [], cacheSize: 0 });
  assert.equal((await signUp(s.base, lan, 'lan', 'mat-khau-cua-lan-1')).status, 303);
  assert.equal((await signUp(s.base, minh, 'minh', 'mat-khau-cua-minh-1')).status, 303);
  ids.lan = s.social.store.accounts.local('lan')!.id;
  ids.minh = s.social.store.accounts.local('minh')!.id;
});

after(async () => {
  await s?.close();
});

test('the site header links the social home; a visitor gets a welcome page, not a timeline', async () => {
  const anon = await page(undefined, '/mang-xa-hoi');
  assert.equal(anon.status, 200);
  assert.match(anon.html, /<a href="\/mang-xa-hoi" aria-current="page">Mạng xã hội<\/a>/);
  assert.match(anon.html, /Đăng nhập/);
  assert.equal(h1Count(anon.html), 1);
  assert.doesNotMatch(anon.html, /<textarea/);
  const home = await page(lan, '/mang-xa-hoi');
  assert.equal(home.status, 200);
  assert.equal(h1Count(home.html), 1);
  assert.match(home.html, /<nav aria-label="Chọn bảng tin">/);
  assert.match(home.html, /aria-current="page">Theo thời gian</);
  assert.match(home.html, /<legend>Ai được xem bài này\?<\/legend>/);
  for (const label of ['Công khai', 'Không liệt kê', 'Chỉ người theo dõi', 'Nhắn riêng']) assert.match(home.html, new RegExp(`<label for="soan-[a-z]+">${label}</label>`));
});

test('compose: Vietnamese typed decomposed is stored composed and shown on the home timeline; content warning and visibility kept', async () => {
  const text = 'Chiều nay Hà Nội mưa to, đường Láng ngập sâu'.normalize('NFD');
  const r = await submit(lan, '/mang-xa-hoi', '/bai-viet/moi', { status: text, spoiler_text: 'Tin thời tiết', visibility: 'unlisted', tiep: '/mang-xa-hoi', khoa: 'k1' });
  assert.equal(r.status, 303);
  const loc = r.headers.get('location')!;
  assert.match(loc, /^\/mang-xa-hoi\?da=dang-bai#bai-\d+$/);
  const id = loc.split('#bai-')[1];
  const row = s.social.store.statuses.byId(id)!;
  assert.equal(row.text, text.normalize('NFC'));
  assert.equal(row.spoilerText, 'Tin thời tiết');
  assert.equal(row.visibility, 'unlisted');
  const home = await page(lan, loc.split('#')[0]);
  assert.match(home.html, /Đã đăng bài\./);
  assert.equal(statusIds(home.html)[0], id);
  assert.match(home.html, /<summary>Cảnh báo nội dung: Tin thời tiết/);
  assert.match(home.html, /đường Láng ngập sâu/);
  // The same form sent twice (a double click) posts once.
  const again = await submit(lan, '/mang-xa-hoi', '/bai-viet/moi', { status: text, spoiler_text: 'Tin thời tiết', visibility: 'unlisted', tiep: '/mang-xa-hoi', khoa: 'k1' });
  assert.equal(again.headers.get('location'), loc);
});

test('compose: 500 characters counted as the API counts (links 23, NFC); over the limit the page says by how much and keeps the text', async () => {
  const link = 'https://vnexpress.net/' + 'a'.repeat(120);
  const fits = 'ệ'.normalize('NFD').repeat(476) + ' ' + link; // 476 + 1 + 23 = 500
  const ok = await submit(lan, '/mang-xa-hoi', '/bai-viet/moi', { status: fits, visibility: 'public', tiep: '/mang-xa-hoi' });
  assert.equal(ok.status, 303);
  const long = 'ơ'.repeat(501);
  const no = await submit(lan, '/mang-xa-hoi', '/bai-viet/moi', { status: long, spoiler_text: 'dài', visibility: 'private', tiep: '/mang-xa-hoi' });
  assert.equal(no.status, 422);
  const html = await no.text();
  assert.match(html, /Bài viết dài 501 ký tự, quá giới hạn 500 ký tự: hãy rút ngắn 1 ký tự/);
  assert.match(html, /<output class="over" for="soan-noi-dung">501\/500 ký tự<\/output>/);
  assert.ok(html.includes(`>${long}</textarea>`));
  assert.match(html, /id="soan-private" name="visibility" value="private" checked/);
  const empty = await submit(lan, '/mang-xa-hoi', '/bai-viet/moi', { status: '   ', tiep: '/mang-xa-hoi' });
  assert.equal(empty.status, 422);
  assert.match(await empty.text(), /Bài viết trống/);
});

test('every form refuses a missing or foreign CSRF token (403) and sends visitors to sign in', async () => {
  const st = s.social.actions.post(ids.minh, { text: 'Bài của Minh để thử CSRF' });
  const minhCsrf = csrfOf((await page(minh, '/mang-xa-hoi')).html);
  const forms: Array<[string, Record<string, string>]> = [
    ['/bai-viet/moi', { status: 'không có mã' }],
    [`/bai-viet/${st.id}/thich`, {}],
    [`/bai-viet/${st.id}/bo-thich`, {}],
    [`/bai-viet/${st.id}/dang-lai`, {}],
    [`/bai-viet/${st.id}/bo-dang-lai`, {}],
    [`/bai-viet/${st.id}/xoa`, {}],
    ['/@minh/theo-doi', {}],
    ['/@minh/bo-theo-doi', {}],
    [`/thong-bao/yeu-cau/${ids.minh}/chap-nhan`, {}],
    ['/bang-tin/tin-nong/theo-doi', {}],
  ];
  for (const [action, fields] of forms) {
    const none = await lan.fetch(s.base + action, form(fields));
    assert.equal(none.status, 403, `${action} without a token`);
    assert.match(await none.text(), /tải lại trang/);
    const foreign = await lan.fetch(s.base + action, form({ ...fields, csrf: minhCsrf }));
    assert.equal(foreign.status, 403, `${action} with another session's token`);
  }
  assert.equal(s.social.store.statuses.counts(st.id).favourites, 0);
  assert.equal(s.social.store.follows.get(ids.lan, ids.minh), undefined);
  // A visitor with a valid visitor token is sent to sign in; nothing is written.
  const visitor = new CookieJar();
  const signInPage = (await page(visitor, '/dang-nhap')).html;
  const r = await visitor.fetch(s.base + `/bai-viet/${st.id}/thich`, form({ csrf: csrfOf(signInPage), tiep: `/@minh/${st.id}` }));
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/dang-nhap?tiep=${encodeURIComponent(`/@minh/${st.id}`)}`);
  assert.equal((await page(visitor, '/thong-bao')).status, 303);
  assert.equal((await page(visitor, '/bai-viet/moi')).status, 303);
});

test('reply from the thread page; the thread shows ancestors and replies; the author is told', async () => {
  const root = s.social.actions.post(ids.minh, { text: 'Có ai biết giá vàng hôm nay không?' });
  const thread = await page(lan, `/@minh/${root.id}`);
  assert.equal(thread.status, 200);
  assert.equal(h1Count(thread.html), 1);
  assert.match(thread.html, /<h1>Bài viết của @minh<\/h1>/);
  assert.match(thread.html, /<textarea id="tra-loi-bai-noi-dung" name="status"[^>]*>@minh <\/textarea>/);
  const r = await lan.fetch(s.base + '/bai-viet/moi', form({ csrf: csrfOf(thread.html), status: '@minh Vàng lên 120 triệu một lượng', in_reply_to_id: root.id, visibility: 'public', tiep: `/@minh/${root.id}` }));
  assert.equal(r.status, 303);
  const [back, anchor] = r.headers.get('location')!.split('#bai-');
  assert.equal(back, `/@minh/${root.id}`);
  const replyRow = s.social.store.statuses.byId(anchor)!;
  assert.equal(replyRow.inReplyToId, root.id);
  const after1 = await page(lan, back);
  assert.match(after1.html, /Các trả lời \(1\)/);
  assert.match(after1.html, /Vàng lên 120 triệu/);
  // The reply's own page shows the question above it.
  const replyPage = await page(undefined, `/@lan/${replyRow.id}`);
  assert.equal(replyPage.status, 200);
  assert.match(replyPage.html, /Trong cuộc trò chuyện[\s\S]*giá vàng hôm nay[\s\S]*aria-current="page"[\s\S]*120 triệu/);
  assert.match(replyPage.html, /Đăng nhập<\/a> để trả lời/);
  const notes = await page(minh, '/thong-bao');
  assert.match(notes.html, />@lan<\/a> đã nhắc đến bạn/);
  // A reply page opened from the compose route too.
  const composeReply = await page(lan, `/bai-viet/moi?tra_loi=${root.id}`);
  assert.equal(composeReply.status, 200);
  assert.match(composeReply.html, /<h1>Trả lời bài viết<\/h1>/);
});

test('thread: wrong author, unknown id, a followers-only post to a stranger — all 404; a boost opens its original', async () => {
  const st = s.social.actions.post(ids.minh, { text: 'Chỉ người theo dõi mới đọc', visibility: 'private' });
  assert.equal((await page(lan, `/@lan/${st.id}`)).status, 404);
  assert.equal((await page(lan, '/@minh/123456789012345678')).status, 404);
  assert.equal((await page(lan, '/@minh/khong-phai-so')).status, 404);
  assert.equal((await page(lan, `/@minh/${st.id}`)).status, 404);
  assert.equal((await page(undefined, `/@minh/${st.id}`)).status, 404);
  assert.equal((await page(minh, `/@minh/${st.id}`)).status, 200);
  const pub = s.social.actions.post(ids.minh, { text: 'Bài để đăng lại' });
  const boost = s.social.actions.reblog(ids.lan, pub.id);
  const b = s.social.store.statuses.reblogBy(ids.lan, pub.id)!;
  assert.ok(boost);
  const r = await page(lan, `/@lan/${b.id}`);
  assert.equal(r.status, 303);
  assert.equal(r.res.headers.get('location'), `/@minh/${pub.id}`);
});

test('favourite, boost, undo both, and delete — through the forms; another person cannot delete', async () => {
  const st = s.social.actions.post(ids.minh, { text: 'Ai thích phở bò?' });
  const from = `/@minh/${st.id}`;
  let r = await submit(lan, from, `/bai-viet/${st.id}/thich`, { tiep: from });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `${from}#bai-${st.id}`);
  r = await submit(lan, from, `/bai-viet/${st.id}/dang-lai`, { tiep: from });
  assert.equal(r.status, 303);
  let html = (await page(lan, from)).html;
  assert.match(html, /1 đăng lại · 1 thích/);
  assert.match(html, />Bỏ thích</);
  assert.match(html, />Bỏ đăng lại</);
  assert.match((await page(minh, '/thong-bao')).html, /đã thích bài của bạn[\s\S]*/);
  assert.match((await page(minh, '/thong-bao')).html, /đã đăng lại bài của bạn/);
  // The boost is on Lan's profile, marked as one.
  assert.match((await page(undefined, '/@lan')).html, /↻ <a href="\/@lan">@lan<\/a> đã đăng lại[\s\S]*Ai thích phở bò/);
  await submit(lan, from, `/bai-viet/${st.id}/bo-thich`, { tiep: from });
  await submit(lan, from, `/bai-viet/${st.id}/bo-dang-lai`, { tiep: from });
  html = (await page(lan, from)).html;
  assert.match(html, /0 đăng lại · 0 thích/);
  assert.doesNotMatch(html, /class="danger">Xoá bài/);
  // Someone else's post: 403, still there.
  r = await lan.fetch(s.base + `/bai-viet/${st.id}/xoa`, form({ csrf: csrfOf(html), tiep: from }));
  assert.equal(r.status, 403);
  assert.equal(s.social.store.statuses.byId(st.id)!.deletedAt, null);
  // The author deletes it from its page: back to the home timeline, the page is gone.
  html = (await page(minh, from)).html;
  assert.match(html, /class="danger">Xoá bài/);
  r = await minh.fetch(s.base + `/bai-viet/${st.id}/xoa`, form({ csrf: csrfOf(html), tiep: from }));
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/mang-xa-hoi?da=xoa');
  assert.match((await page(minh, '/mang-xa-hoi?da=xoa')).html, /Đã xoá bài\./);
  assert.equal((await page(minh, from)).status, 404);
  assert.equal((await submit(minh, '/mang-xa-hoi', `/bai-viet/${st.id}/thich`, { tiep: '/mang-xa-hoi' })).status, 404);
});

test('profiles: follow and unfollow from the page, followers and following lists, the followed account\'s post on the home timeline', async () => {
  const hoa = jarFor('hoa');
  const post = s.social.actions.post(ids.hoa, { text: 'Hoa viết về lễ hội Huế' });
  let prof = await page(lan, '/@hoa');
  assert.equal(prof.status, 200);
  assert.equal(h1Count(prof.html), 1);
  assert.match(prof.html, /<h1>HOA<\/h1>/);
  assert.match(prof.html, new RegExp(`@hoa@127\\.0\\.0\\.1:\\d+`));
  assert.match(prof.html, /lễ hội Huế/);
  assert.doesNotMatch((await page(lan, '/mang-xa-hoi')).html, /lễ hội Huế/);
  let r = await lan.fetch(s.base + '/@hoa/theo-doi', form({ csrf: csrfOf(prof.html), tiep: '/@hoa' }));
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/@hoa?da=theo-doi');
  prof = await page(lan, '/@hoa?da=theo-doi');
  assert.match(prof.html, /Bạn đang theo dõi @hoa\./);
  assert.match(prof.html, />Bỏ theo dõi</);
  assert.match(prof.html, /Người theo dõi \(1\)/);
  assert.match((await page(undefined, '/@hoa/nguoi-theo-doi')).html, /<a class="who" href="\/@lan">@lan<\/a>/);
  assert.match((await page(undefined, '/@lan/dang-theo-doi')).html, /<a class="who" href="\/@hoa">HOA<\/a>/);
  assert.ok(statusIds((await page(lan, '/mang-xa-hoi')).html).includes(post.id));
  assert.match((await page(hoa, '/thong-bao')).html, />@lan<\/a> đã theo dõi bạn/);
  // Hoa sees that Lan follows her.
  assert.match((await page(hoa, '/@lan')).html, /Đang theo dõi bạn/);
  r = await lan.fetch(s.base + '/@hoa/bo-theo-doi', form({ csrf: csrfOf(prof.html), tiep: '/@hoa' }));
  assert.equal(r.status, 303);
  assert.equal(s.social.store.follows.get(ids.lan, ids.hoa), undefined);
  assert.doesNotMatch((await page(lan, '/mang-xa-hoi')).html, /lễ hội Huế/);
  // Unknown and deleted accounts.
  assert.equal((await page(lan, '/@khong-co-ai')).status, 404);
  assert.equal((await page(lan, '/@hoa%3Cscript%3E')).status, 404);
});

test('a locked account: the follow is a request, answered from the notifications page', async () => {
  const kin = jarFor('kin', { locked: true });
  const prof = await page(lan, '/@kin');
  assert.match(prof.html, /Tài khoản này duyệt từng người theo dõi/);
  await lan.fetch(s.base + '/@kin/theo-doi', form({ csrf: csrfOf(prof.html), tiep: '/@kin' }));
  assert.match((await page(lan, '/@kin')).html, />Huỷ yêu cầu theo dõi</);
  const notes = await page(kin, '/thong-bao');
  assert.match(notes.html, /muốn theo dõi bạn/);
  const r = await kin.fetch(s.base + `/thong-bao/yeu-cau/${ids.lan}/chap-nhan`, form({ csrf: csrfOf(notes.html) }));
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/thong-bao?da=chap-nhan');
  assert.equal(s.social.store.follows.get(ids.lan, ids.kin)?.state, 'accepted');
  const after1 = await page(kin, '/thong-bao?da=chap-nhan');
  assert.match(after1.html, /Đã chấp nhận yêu cầu theo dõi\./);
  assert.doesNotMatch(after1.html, />Chấp nhận</);
  // Answering again: nothing is pending any more.
  assert.equal((await kin.fetch(s.base + `/thong-bao/yeu-cau/${ids.lan}/chap-nhan`, form({ csrf: csrfOf((await page(kin, '/mang-xa-hoi')).html) }))).status, 404);
});

test('a remote account has a page at /@name@domain; following it is a request its server answers', async () => {
  const remote = s.social.store.accounts.upsertRemote({ uri: 'https://xa.example/users/an', username: 'an', domain: 'xa.example', displayName: 'An ở xa', url: 'https://xa.example/@an' });
  s.social.store.statuses.create({ accountId: remote.id, content: '<p>Xin chào từ máy chủ khác</p>', visibility: 'public', uri: 'https://xa.example/notes/1', url: 'https://xa.example/@an/1' });
  const prof = await page(lan, '/@an@xa.example');
  assert.equal(prof.status, 200);
  assert.match(prof.html, /<h1>An ở xa<\/h1>/);
  assert.match(prof.html, /@an@xa\.example · tài khoản trên máy chủ xa\.example/);
  assert.match(prof.html, /Xin chào từ máy chủ khác/);
  assert.match(prof.html, /href="https:\/\/xa\.example\/@an"/);
  const r = await lan.fetch(s.base + '/@an@xa.example/theo-doi', form({ csrf: csrfOf(prof.html), tiep: '/@an@xa.example' }));
  assert.equal(r.status, 303);
  assert.equal(s.social.store.follows.get(ids.lan, remote.id)?.state, 'pending');
  assert.match((await page(lan, '/@an@xa.example?da=theo-doi')).html, /Đã gửi yêu cầu theo dõi\./);
});

test('post search through the post index: typed without marks, visitors too; authors who refuse search are not found', async () => {
  s.social.actions.post(ids.minh, { text: 'Bão số 3 đổ bộ vào Quảng Ninh chiều nay' });
  const shy = jarFor('shy', { indexable: false });
  assert.ok(shy);
  s.social.actions.post(ids.shy, { text: 'Bão số 3 làm đổ cây trước nhà tôi' });
  const r = await page(undefined, '/mang-xa-hoi/tim-kiem?q=bao+so+3');
  assert.equal(r.status, 200);
  assert.equal(h1Count(r.html), 1);
  assert.match(r.html, /<label for="tim-q">Tìm trong bài viết<\/label>/);
  assert.match(r.html, /đổ bộ vào Quảng Ninh/);
  assert.doesNotMatch(r.html, /trước nhà tôi/);
  const none = await page(lan, '/mang-xa-hoi/tim-kiem?q=xyzzy+khong+co');
  assert.match(none.html, /Không có bài viết nào khớp/);
  const people = await page(lan, '/mang-xa-hoi/tim-kiem?q=%40hoa');
  assert.match(people.html, /<a class="who" href="\/@hoa">HOA<\/a>/);
  const empty = await page(lan, '/mang-xa-hoi/tim-kiem');
  assert.equal(empty.status, 200);
  assert.doesNotMatch(empty.html, /<h2 id="kq-bai">/);
});

test('feed switcher on the home page: a ranked feed with "Vì sao tôi thấy bài này?", the choice kept, an unknown feed 404', async () => {
  s.social.actions.follow(ids.lan, ids.minh);
  s.social.actions.post(ids.minh, { text: 'Một bài mới của Minh cho bảng tin xếp hạng' });
  const r = await page(lan, '/mang-xa-hoi?bang-tin=nguon-toi-theo-doi');
  assert.equal(r.status, 200);
  assert.match(r.html, /aria-current="page">Tin từ nguồn tôi theo dõi</);
  const why = /<a href="(\/bang-tin\/nguon-toi-theo-doi\/vi-sao\/\d+\?at=\d+)">Vì sao tôi thấy bài này\?<\/a>/.exec(r.html);
  assert.ok(why, 'a ranked item explains itself');
  assert.match(r.html, /Hạng 1 · điểm/);
  const explained = await page(lan, why[1].replace(/&amp;/g, '&'));
  assert.equal(explained.status, 200);
  assert.match(explained.html, /Bạn theo dõi @minh\./);
  assert.match(explained.html, /Tổng/);
  // Kept in a cookie: the home page without a choice shows the same feed.
  assert.match((await page(lan, '/mang-xa-hoi')).html, /aria-current="page">Tin từ nguồn tôi theo dõi</);
  assert.match((await page(lan, '/mang-xa-hoi?bang-tin=theo-thoi-gian')).html, /aria-current="page">Theo thời gian</);
  assert.doesNotMatch((await page(lan, '/mang-xa-hoi')).html, /Vì sao tôi thấy bài này/);
  assert.equal((await page(lan, '/mang-xa-hoi?bang-tin=khong-co')).status, 404);
  assert.equal((await page(lan, '/mang-xa-hoi?bang-tin=..%2F..')).status, 404);
});

test('home timeline pages: 20 a page, the next page continues without repeating', async () => {
  const pager = jarFor('trang');
  for (let i = 0; i < 25; i++) s.social.actions.post(ids.trang, { text: `Bài số ${i} của Trang` });
  const first = await page(pager, '/mang-xa-hoi');
  const a = statusIds(first.html);
  assert.equal(a.length, 20);
  const next = /<a rel="next" href="([^"]+)">/.exec(first.html)![1].replace(/&amp;/g, '&');
  const b = statusIds((await page(pager, next)).html);
  assert.equal(b.length, 5);
  assert.equal(new Set([...a, ...b]).size, 25);
});

test('following a feed puts it in the switcher and in the lists Mastodon apps read (timelines/list answers it through the feed)', async () => {
  const app = s.social.store.oauth.ownApp('pages-test');
  const token = s.social.store.oauth.createToken({ appId: app.id, accountId: ids.lan, scopes: ['read', 'write'] }).token;
  const api = (path: string, init: RequestInit = {}) => fetch(s.base + path, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  let lists = (await (await api('/api/v1/lists')).json()) as Array<{ id: string; title: string }>;
  assert.ok(!lists.some((l) => l.id.startsWith('bang-tin-')));
  const feedPage = await page(lan, '/bang-tin/tin-nong');
  assert.match(feedPage.html, /<button type="submit">Theo dõi bảng tin<\/button>/);
  const r = await lan.fetch(s.base + '/bang-tin/tin-nong/theo-doi', form({ csrf: csrfOf(feedPage.html) }));
  assert.equal(r.status, 303);
  assert.match((await page(lan, '/bang-tin/tin-nong?da=theo-doi')).html, /Bỏ theo dõi bảng tin/);
  lists = (await (await api('/api/v1/lists')).json()) as Array<{ id: string; title: string }>;
  assert.deepEqual(lists.filter((l) => l.id.startsWith('bang-tin-')), [{ id: 'bang-tin-tin-nong', title: 'Thảo luận quanh tin nóng', replies_policy: 'list', exclusive: false }]);
  // An own copy is a list too, and reads like the feed it is.
  const copy = (await (await api('/api/v1/tra/feeds/nguon-toi-theo-doi/copy', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Nguồn của Lan' }) })).json()) as { id: string };
  lists = (await (await api('/api/v1/lists')).json()) as Array<{ id: string; title: string }>;
  assert.ok(lists.some((l) => l.id === `bang-tin-${copy.id}` && l.title === 'Nguồn của Lan'));
  assert.match((await page(lan, '/mang-xa-hoi')).html, /Nguồn của Lan/);
  const tl = await api(`/api/v1/timelines/list/bang-tin-${copy.id}?limit=2`);
  assert.equal(tl.status, 200);
  const items = (await tl.json()) as Array<{ id: string; tra_feed: { rank: number; score_micro: number } }>;
  const direct = (await (await api(`/api/v1/tra/feeds/${copy.id}/timeline?limit=2&at=${tl.headers.get('x-tra-feed-at')}`)).json()) as Array<{ id: string }>;
  assert.deepEqual(items.map((x) => x.id), direct.map((x) => x.id));
  assert.equal(items[0].tra_feed.rank, 1);
  const link = tl.headers.get('link');
  if (items.length === 2 && link) {
    const next = /<([^>]+)>; rel="next"/.exec(link)![1];
    assert.match(next, /at=\d+/);
    const more = (await (await api(new URL(next).pathname + new URL(next).search)).json()) as Array<{ id: string; tra_feed: { rank: number } }>;
    if (more.length) assert.equal(more[0].tra_feed.rank, 3);
  }
  assert.equal((await api(`/api/v1/lists/bang-tin-tin-nong`)).status, 200);
  assert.deepEqual(await (await api(`/api/v1/lists/bang-tin-tin-nong/accounts`)).json(), []);
  assert.equal((await api(`/api/v1/lists/bang-tin-tin-nong`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"title":"x"}' })).status, 422);
  assert.equal((await api(`/api/v1/lists/bang-tin-${copy.id}`, { method: 'DELETE' })).status, 422);
  assert.equal((await api(`/api/v1/lists/bang-tin-khong-co`)).status, 404);
  // Deleting the feed's list unfollows the feed; ordinary lists are untouched.
  const own = (await (await api('/api/v1/lists', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"Bạn bè"}' })).json()) as { id: string };
  assert.equal((await api(`/api/v1/lists/bang-tin-tin-nong`, { method: 'DELETE' })).status, 200);
  lists = (await (await api('/api/v1/lists')).json()) as Array<{ id: string; title: string }>;
  assert.ok(lists.some((l) => l.id === own.id));
  assert.ok(!lists.some((l) => l.id === 'bang-tin-tin-nong'));
  // Someone else's draft is no list of ours.
  const minhToken = s.social.store.oauth.createToken({ appId: app.id, accountId: ids.minh, scopes: ['read'] }).token;
  assert.equal((await fetch(`${s.base}/api/v1/timelines/list/bang-tin-${copy.id}`, { headers: { authorization: `Bearer ${minhToken}` } })).status, 404);
});

test('settings explain in plain words what the two consent flags do', async () => {
  const html = (await page(lan, '/cai-dat')).html;
  assert.match(html, /id="discoverable-goi-y"/);
  assert.match(html, /id="indexable-goi-y"/);
});
