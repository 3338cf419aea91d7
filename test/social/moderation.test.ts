/**
 * Moderation on a real loopback server: masto 8.0.0 drives blocks, mutes, domain blocks and
 * reports through the Mastodon API; plain HTTP drives the operator's pages (sign-in redirect,
 * 403 for non-admins, CSRF) and the public policy page; the feeds honour mutes and silenced
 * servers; Decree 147's verified-only setting holds on every posting path (API post, edit, boost;
 * the compose page).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRestAPIClient, MastoHttpError, type mastodon } from 'masto';
import { startSocialServer, CookieJar, csrfOf, form, signIn, type SocialServer } from './support.ts';
import type { AccountRow } from '../../src/social/store/rows.ts';

let s: SocialServer;
const PASSWORD = 'mật-khẩu-thật-dài-2025';
const users: Record<string, { account: AccountRow; token: string; api: mastodon.rest.Client }> = {};

async function makeUser(username: string, role: 'user' | 'admin' = 'user') {
  const account = await s.social.accounts.signUp({ username, password: PASSWORD }, { role });
  const app = s.social.store.oauth.ownApp('thử kiểm duyệt');
  const token = s.social.store.oauth.createToken({ appId: app.id, accountId: account.id, scopes: ['read', 'write', 'follow'] }).token;
  users[username] = { account, token, api: createRestAPIClient({ url: s.base, accessToken: token }) };
  return users[username];
}

const api = (name: string) => users[name].api;
const id = (name: string) => users[name].account.id;
const ids = (list: Array<{ id: string }>) => list.map((x) => x.id);

async function expectStatus(p: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof MastoHttpError && e.statusCode === status);
}

/** A remote account and one public post of it, as the federation inbox would have stored them. */
function remotePost(username: string, domain: string, text: string) {
  const a = s.social.store.accounts.upsertRemote({ uri: `https://${domain}/users/${username}`, username, domain, inboxUrl: `https://${domain}/users/${username}/inbox`, discoverable: true, indexable: true });
  const st = s.social.store.statuses.create({ accountId: a.id, content: `<p>${text}</p>`, visibility: 'public', uri: `https://${domain}/users/${username}/statuses/${Date.now()}${Math.random()}` });
  return { account: a, status: st };
}

before(async () => {
  s = await startSocialServer();
  await makeUser('lan');
  await makeUser('minh');
  await makeUser('quan_tri', 'admin');
});

after(async () => {
  await s.close();
});

test('mute: the muted account leaves home, public and feeds; relationships and /mutes show it; unmute brings it back', async () => {
  await api('lan').v1.accounts.$select(id('minh')).follow();
  const post = await api('minh').v1.statuses.create({ status: 'Bài của Minh trước khi bị ẩn' });
  assert.ok(ids(await api('lan').v1.timelines.home.list()).includes(post.id));

  const rel = await api('lan').v1.accounts.$select(id('minh')).mute({ notifications: true });
  assert.equal(rel.muting, true);
  assert.equal(rel.mutingNotifications, true);
  assert.equal(rel.following, true, 'a mute is not an unfollow');
  assert.ok(!ids(await api('lan').v1.timelines.home.list()).includes(post.id));
  assert.ok(!ids(await api('lan').v1.timelines.public.list()).includes(post.id));
  // Still public for everyone else.
  assert.ok(ids(await createRestAPIClient({ url: s.base }).v1.timelines.public.list()).includes(post.id));
  // A feed (the built-in chronological one) through the feeds API.
  const feed = (await (await fetch(`${s.base}/api/v1/tra/feeds/theo-thoi-gian/timeline`, { headers: { authorization: `Bearer ${users.lan.token}` } })).json()) as Array<{ id: string }>;
  assert.ok(!ids(feed).includes(post.id), 'muted posts leave feeds too');
  // A boost by someone else of the muted account's post is hidden as well.
  await api('quan_tri').v1.statuses.$select(post.id).reblog();
  await api('lan').v1.accounts.$select(id('quan_tri')).follow();
  const home = await api('lan').v1.timelines.home.list();
  assert.ok(!home.some((x) => x.reblog?.id === post.id));
  // Notifications from a muted account are not made.
  await api('minh').v1.statuses.create({ status: '@lan bạn có đó không?' });
  assert.ok(!(await api('lan').v1.notifications.list()).some((n) => n.account.id === id('minh') && n.type === 'mention'));
  // Listed, with the expiry when given.
  assert.deepEqual(ids(await api('lan').v1.mutes.list()), [id('minh')]);
  await api('lan').v1.accounts.$select(id('minh')).mute({ duration: 3600 });
  const raw = (await (await fetch(`${s.base}/api/v1/mutes`, { headers: { authorization: `Bearer ${users.lan.token}` } })).json()) as Array<{ mute_expires_at: string | null }>;
  assert.ok(raw[0].mute_expires_at && Date.parse(raw[0].mute_expires_at) > Date.now());

  const back = await api('lan').v1.accounts.$select(id('minh')).unmute();
  assert.equal(back.muting, false);
  assert.ok(ids(await api('lan').v1.timelines.home.list()).includes(post.id));
  await expectStatus(api('lan').v1.accounts.$select(id('lan')).mute(), 422);
});

test('block: follows end both ways, the blocked cannot follow, mention or see non-public posts; /blocks lists; unblock', async () => {
  await api('minh').v1.accounts.$select(id('lan')).follow();
  await api('lan').v1.accounts.$select(id('minh')).follow();
  const secret = await api('lan').v1.statuses.create({ status: 'Chỉ người theo dõi mới đọc', visibility: 'private' });
  assert.equal((await api('minh').v1.statuses.$select(secret.id).fetch()).id, secret.id);

  const rel = await api('lan').v1.accounts.$select(id('minh')).block();
  assert.equal(rel.blocking, true);
  assert.equal(rel.following, false);
  assert.equal(rel.followedBy, false);
  const [seen] = await api('minh').v1.accounts.relationships.fetch({ id: [id('lan')] });
  assert.equal(seen.blockedBy, true);

  await expectStatus(api('minh').v1.accounts.$select(id('lan')).follow(), 403);
  await expectStatus(api('minh').v1.statuses.$select(secret.id).fetch(), 404);
  assert.deepEqual(await api('minh').v1.accounts.$select(id('lan')).statuses.list(), []);
  const mention = await api('minh').v1.statuses.create({ status: '@lan mở chặn đi mà' });
  assert.deepEqual(mention.mentions, [], 'a blocked account cannot mention its blocker');
  assert.ok(!(await api('lan').v1.notifications.list()).some((n) => n.account.id === id('minh')));
  assert.ok(!ids(await api('lan').v1.timelines.public.list()).includes(mention.id));
  assert.deepEqual(ids(await api('lan').v1.blocks.list()), [id('minh')]);

  const after = await api('lan').v1.accounts.$select(id('minh')).unblock();
  assert.equal(after.blocking, false);
  assert.deepEqual(await api('lan').v1.blocks.list(), []);
  await api('minh').v1.accounts.$select(id('lan')).follow();
  assert.equal((await api('minh').v1.statuses.$select(secret.id).fetch()).id, secret.id);
});

test('user domain blocks: GET/POST/DELETE, the server disappears from the reader\'s timelines, relationships say so', async () => {
  const r = remotePost('tuan', 'xa.example', 'Bài từ máy chủ xa');
  assert.ok(ids(await api('lan').v1.timelines.public.list()).includes(r.status.id));
  await api('lan').v1.domainBlocks.create({ domain: 'https://XA.example/@tuan' });
  assert.deepEqual(await api('lan').v1.domainBlocks.list(), ['xa.example']);
  assert.ok(!ids(await api('lan').v1.timelines.public.list()).includes(r.status.id));
  assert.ok(ids(await api('minh').v1.timelines.public.list()).includes(r.status.id), 'only for the reader who hid it');
  const [rel] = await api('lan').v1.accounts.relationships.fetch({ id: [r.account.id] });
  assert.equal(rel.domainBlocking, true);
  await api('lan').v1.domainBlocks.remove({ domain: 'xa.example' });
  assert.deepEqual(await api('lan').v1.domainBlocks.list(), []);
  const bad = await fetch(`${s.base}/api/v1/domain_blocks`, { method: 'POST', headers: { authorization: `Bearer ${users.lan.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ domain: 'không phải máy chủ' }) });
  assert.equal(bad.status, 422);
  const noScope = s.social.store.oauth.createToken({ appId: s.social.store.oauth.ownApp('thử kiểm duyệt').id, accountId: id('lan'), scopes: ['read'] }).token;
  assert.equal((await fetch(`${s.base}/api/v1/accounts/${id('minh')}/block`, { method: 'POST', headers: { authorization: `Bearer ${noScope}` } })).status, 403);
});

test('reports through masto reach the operator\'s page; resolving and taking a post down need an admin and a CSRF token', async () => {
  const bad = await api('minh').v1.statuses.create({ status: 'Bài bị báo cáo vì là thư rác' });
  const report = await api('lan').v1.reports.create({ accountId: id('minh'), statusIds: [bad.id], comment: 'Thư rác lặp lại', category: 'spam' });
  assert.equal(report.actionTaken, false);
  assert.equal(report.category, 'spam');
  assert.equal(report.targetAccount.id, id('minh'));
  assert.deepEqual(report.statusIds, [bad.id]);
  await expectStatus(api('lan').v1.reports.create({ accountId: id('minh'), statusIds: [(await api('lan').v1.statuses.create({ status: 'của tôi' })).id] }), 422);

  // Not signed in: to the sign-in page. Signed in, not an admin: 403.
  const anon = await fetch(`${s.base}/quan-tri/kiem-duyet`, { redirect: 'manual' });
  assert.equal(anon.status, 303);
  assert.match(anon.headers.get('location') ?? '', /^\/dang-nhap\?tiep=/);
  const reader = new CookieJar();
  await signIn(s.base, reader, 'lan', PASSWORD);
  assert.equal((await reader.fetch(`${s.base}/quan-tri/kiem-duyet`)).status, 403);
  const readerCsrf = csrfOf(await (await reader.fetch(`${s.base}/cai-dat/chan`)).text());
  assert.equal((await reader.fetch(`${s.base}/quan-tri/kiem-duyet/go-bai`, form({ csrf: readerCsrf, status_id: bad.id, note: 'x' }))).status, 403);

  const op = new CookieJar();
  await signIn(s.base, op, 'quan_tri', PASSWORD);
  const pageRes = await op.fetch(`${s.base}/quan-tri/kiem-duyet`);
  assert.equal(pageRes.status, 200);
  const pageHtml = await pageRes.text();
  assert.match(pageHtml, /Thư rác lặp lại/);
  assert.match(pageHtml, /Bài bị báo cáo vì là thư rác/);
  const csrf = csrfOf(pageHtml);
  // Without the token: 403, nothing done.
  assert.equal((await op.fetch(`${s.base}/quan-tri/kiem-duyet/go-bai`, form({ status_id: bad.id, note: 'Thư rác' }))).status, 403);
  assert.equal((await api('lan').v1.statuses.$select(bad.id).fetch()).id, bad.id);
  // Take it down, then resolve the report with a note.
  const down = await op.fetch(`${s.base}/quan-tri/kiem-duyet/go-bai`, form({ csrf, status_id: bad.id, note: 'Thư rác quảng cáo', report_id: report.id }));
  assert.equal(down.status, 200);
  await expectStatus(api('lan').v1.statuses.$select(bad.id).fetch(), 404);
  const noNote = await op.fetch(`${s.base}/quan-tri/kiem-duyet/bao-cao/${report.id}`, form({ csrf, note: '' }));
  assert.equal(noNote.status, 422);
  const resolved = await op.fetch(`${s.base}/quan-tri/kiem-duyet/bao-cao/${report.id}`, form({ csrf, note: 'Đã gỡ bài, nhắc tác giả' }));
  assert.equal(resolved.status, 200);
  assert.match(await resolved.text(), /Không có báo cáo nào đang chờ/);
  // The public log says when and why, not what the post said.
  const pub = await (await fetch(`${s.base}/may-chu/chinh-sach`)).text();
  assert.match(pub, /Thư rác quảng cáo/);
  assert.match(pub, /Đã gỡ bài, nhắc tác giả/);
  assert.doesNotMatch(pub, /Bài bị báo cáo vì là thư rác/);
});

test('domain policy: silence keeps a server out of public timelines and ranked feeds, suspend hides it; both public with reasons', async () => {
  const quiet = remotePost('an', 'on-ao.example', 'Bài từ máy chủ bị giới hạn');
  const gone = remotePost('binh', 'xau.example', 'Bài từ máy chủ bị đình chỉ');
  s.social.store.follows.follow(id('minh'), quiet.account.id, { state: 'accepted' });
  s.social.store.follows.follow(id('minh'), gone.account.id, { state: 'accepted' });

  const op = new CookieJar();
  await signIn(s.base, op, 'quan_tri', PASSWORD);
  const csrf = csrfOf(await (await op.fetch(`${s.base}/quan-tri/kiem-duyet`)).text());
  const noReason = await op.fetch(`${s.base}/quan-tri/kiem-duyet/may-chu`, form({ csrf, domain: 'on-ao.example', severity: 'silence', public_comment: '' }));
  assert.equal(noReason.status, 422, 'a policy needs a public reason');
  assert.equal((await op.fetch(`${s.base}/quan-tri/kiem-duyet/may-chu`, form({ csrf, domain: 'on-ao.example', severity: 'silence', public_comment: 'Quảng cáo hàng loạt' }))).status, 200);
  assert.equal((await op.fetch(`${s.base}/quan-tri/kiem-duyet/may-chu`, form({ csrf, domain: 'xau.example', severity: 'suspend', public_comment: 'Phát tán mã độc' }))).status, 200);

  const listed = await createRestAPIClient({ url: s.base }).v1.instance.domainBlocks.fetch();
  assert.deepEqual(listed.map((d) => [d.domain, d.severity, d.comment]), [['on-ao.example', 'silence', 'Quảng cáo hàng loạt'], ['xau.example', 'suspend', 'Phát tán mã độc']]);
  assert.match(listed[0].digest, /^[0-9a-f]{64}$/);
  const pub = await (await fetch(`${s.base}/may-chu/chinh-sach`)).text();
  assert.match(pub, /on-ao\.example/);
  assert.match(pub, /Phát tán mã độc/);

  const anon = createRestAPIClient({ url: s.base });
  const publicIds = ids(await anon.v1.timelines.public.list());
  assert.ok(!publicIds.includes(quiet.status.id), 'silenced: not in the public timeline');
  assert.ok(!publicIds.includes(gone.status.id), 'suspended: nowhere');
  const home = ids(await api('minh').v1.timelines.home.list());
  assert.ok(home.includes(quiet.status.id), 'silenced: followers still see it');
  assert.ok(!home.includes(gone.status.id), 'suspended: not even for followers');
  await expectStatus(api('minh').v1.statuses.$select(gone.status.id).fetch(), 404);
  const why = (await (await fetch(`${s.base}/api/v1/tra/feeds/tin-nong/why/${quiet.status.id}?at=${Date.now() + 120_000}`, { headers: { authorization: `Bearer ${users.minh.token}` } })).json()) as { refused?: string; reason?: string };
  assert.match(why.refused ?? '', /on-ao\.example bị máy chủ này giới hạn/);

  assert.equal((await op.fetch(`${s.base}/quan-tri/kiem-duyet/may-chu`, form({ csrf, domain: 'xau.example', severity: 'none', public_comment: '' }))).status, 200);
  assert.ok(ids(await api('minh').v1.timelines.home.list()).includes(gone.status.id), 'lifting the suspension restores what was kept');
});

test('a reader\'s blocks page: block, mute and hide a server with forms; CSRF required', async () => {
  const jar = new CookieJar();
  await signIn(s.base, jar, 'minh', PASSWORD);
  const csrf = csrfOf(await (await jar.fetch(`${s.base}/cai-dat/chan`)).text());
  assert.equal((await jar.fetch(`${s.base}/cai-dat/chan`, form({ action: 'mute', account_id: id('lan') }))).status, 403);
  const muted = await jar.fetch(`${s.base}/cai-dat/chan`, form({ csrf, action: 'mute', account_id: id('lan') }));
  assert.equal(muted.status, 200);
  assert.match(await muted.text(), /@lan/);
  assert.equal((await api('minh').v1.accounts.relationships.fetch({ id: [id('lan')] }))[0].muting, true);
  await jar.fetch(`${s.base}/cai-dat/chan`, form({ csrf, action: 'unmute', account_id: id('lan') }));
  assert.equal((await api('minh').v1.accounts.relationships.fetch({ id: [id('lan')] }))[0].muting, false);
  const hidden = await jar.fetch(`${s.base}/cai-dat/chan`, form({ csrf, action: 'block_domain', domain: 'xa.example' }));
  assert.match(await hidden.text(), /xa\.example/);
  assert.deepEqual(await api('minh').v1.domainBlocks.list(), ['xa.example']);
});

test('Decree 147: with verified-only posting on, an unverified account cannot post, edit or boost (API) nor post from the compose page', async () => {
  const before = await api('lan').v1.statuses.create({ status: 'Viết trước khi bật xác minh' });
  s.social.store.settings.update({ verifiedOnlyPosting: true });
  try {
    await expectStatus(api('lan').v1.statuses.create({ status: 'Chưa xác minh' }), 403);
    await expectStatus(api('lan').v1.statuses.$select(before.id).update({ status: 'Sửa khi chưa xác minh' }), 403);
    await expectStatus(api('lan').v1.statuses.$select(before.id).reblog(), 403);
    const jar = new CookieJar();
    await signIn(s.base, jar, 'lan', PASSWORD);
    const compose = await jar.fetch(`${s.base}/bai-viet/moi`);
    const res = await jar.fetch(`${s.base}/bai-viet/moi`, form({ csrf: csrfOf(await compose.text()), status: 'Đăng từ trang khi chưa xác minh', visibility: 'public' }));
    assert.equal(res.status, 403);
    assert.match(await res.text(), /147\/2024/);
    assert.ok(!(await api('lan').v1.accounts.$select(id('lan')).statuses.list()).some((x) => /chưa xác minh/.test(x.content)));
    s.social.store.accounts.setVerified(id('lan'), true);
    assert.ok((await api('lan').v1.statuses.create({ status: 'Đã xác minh' })).id);
  } finally {
    s.social.store.settings.update({ verifiedOnlyPosting: false });
  }
});
