/**
 * Two real `tra serve` processes on two loopback ports federate, driven only through the Mastodon
 * client API (masto 8.0.0) with tokens from `tra accounts token`: lan (on A) looks bob (on B) up by
 * handle and follows him, the Accept comes back, bob's posts reach lan's home timeline within
 * 2 s, a reply thread reads whole on both sides, likes, boosts, undo, edit and delete cross over;
 * a kill -9 of the receiver, then of the sender, loses nothing; a 410 inbox ends in the
 * permanent-failure handler (the follower is dropped). Content negotiation and WebFinger on the
 * product server too.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { mastodon } from 'masto';
import { addAccount, freePort, TraProcess, until } from './tra-process.ts';

const AP = 'application/activity+json';
let root: string;
let A: TraProcess; // lan's server (the follower, the receiver)
let B: TraProcess; // bob's server (the sender)
let lan: mastodon.rest.Client;
let bob: mastodon.rest.Client;
let bobOnA: mastodon.v1.Account;
const arrivals: number[] = [];

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-fed-serve-'));
  const [pa, pb] = [await freePort(), await freePort()];
  A = new TraProcess(path.join(root, 'a'), pa);
  B = new TraProcess(path.join(root, 'b'), pb);
  const [ta, tb] = await Promise.all([addAccount(A.dir, 'lan'), addAccount(B.dir, 'bob')]);
  await Promise.all([A.start(), B.start()]);
  lan = A.client(ta.token);
  bob = B.client(tb.token);
});

after(async () => {
  await Promise.all([A?.stop(), B?.stop()]);
  if (process.env.TRA_KEEP !== '1') fs.rmSync(root, { recursive: true, force: true });
});

async function homeOfLan(): Promise<mastodon.v1.Status[]> {
  return lan.v1.timelines.home.list({ limit: 40 });
}

/** Posts as bob and waits until the post is in lan's home timeline; returns lan's copy and the time it took. */
async function postAndArrive(text: string): Promise<{ mine: mastodon.v1.Status; theirs: mastodon.v1.Status; ms: number }> {
  const t0 = Date.now();
  const mine = await bob.v1.statuses.create({ status: text, visibility: 'public', language: 'vi' });
  const theirs = await until(async () => (await homeOfLan()).find((s) => s.uri === mine.uri), `"${text}" in lan's home`, 20_000);
  return { mine, theirs, ms: Date.now() - t0 };
}

test('WebFinger, NodeInfo 2.1 and the actor on the product server; /@name is the page for people and the actor for servers', async () => {
  const wf = await fetch(`${B.origin}/.well-known/webfinger?resource=acct:bob@${B.host}`);
  assert.equal(wf.status, 200);
  const jrd = (await wf.json()) as { links: { rel: string; href?: string }[] };
  assert.ok(jrd.links.some((l) => l.rel === 'self' && l.href === `${B.origin}/users/bob`));
  const ni = await fetch(`${B.origin}/nodeinfo/2.1`);
  const info = (await ni.json()) as { software: { name: string }; usage: { users: { total: number } } };
  assert.equal(info.software.name, 'tra');
  assert.equal(info.usage.users.total, 1);
  const actor = (await (await fetch(`${B.origin}/@bob`, { headers: { accept: AP } })).json()) as { id: string; type: string; inbox: string };
  assert.equal(actor.id, `${B.origin}/users/bob`);
  assert.equal(actor.type, 'Person');
  const page = await fetch(`${B.origin}/@bob`, { headers: { accept: 'text/html' } });
  assert.doesNotMatch(page.headers.get('content-type') ?? '', /activity\+json/);
});

test('lan looks bob up by handle, follows him, and the Accept comes back', async () => {
  bobOnA = await lan.v1.accounts.lookup({ acct: `bob@${B.host}` });
  assert.equal(bobOnA.acct, `bob@${B.host}`);
  assert.equal(bobOnA.url, `${B.origin}/@bob`);
  const rel = await lan.v1.accounts.$select(bobOnA.id).follow();
  assert.equal(rel.requested || rel.following, true);
  await until(async () => ((await lan.v1.accounts.relationships.fetch({ id: [bobOnA.id] }))[0].following ? true : undefined), 'Accept of the follow');
  const me = await bob.v1.accounts.verifyCredentials();
  const followers = await bob.v1.accounts.$select(me.id).followers.list();
  assert.deepEqual(followers.map((f) => f.acct), [`lan@${A.host}`]);
});

test('bob posts: it is in lan\'s home timeline within 2 s', async () => {
  for (let i = 0; i < 5; i++) {
    const { ms, theirs } = await postAndArrive(`Tin nóng số ${i}: mưa lớn ở Hà Nội #thờitiết`);
    arrivals.push(ms);
    assert.equal(theirs.account.acct, `bob@${B.host}`);
    assert.deepEqual(theirs.tags.map((t) => t.name), ['thờitiết']);
  }
  arrivals.sort((x, y) => x - y);
  process.stderr.write(`# post → follower's home timeline on the other server: ${arrivals.join(', ')} ms\n`);
  assert.ok(arrivals[arrivals.length - 1] < 2000, `slowest arrival ${arrivals.at(-1)} ms`);
});

test('/api/v2/search with resolve=true finds a remote account by handle and a remote post by its URL', async () => {
  const byHandle = await lan.v2.search.list({ q: `@bob@${B.host}`, resolve: true, type: 'accounts' });
  assert.deepEqual(byHandle.accounts.map((a) => a.acct), [`bob@${B.host}`]);
  const mine = await bob.v1.statuses.create({ status: 'Bài để tìm bằng địa chỉ', visibility: 'public' });
  const byUrl = await lan.v2.search.list({ q: mine.uri, resolve: true, type: 'statuses' });
  assert.deepEqual(byUrl.statuses.map((x) => x.uri), [mine.uri]);
  const without = await lan.v2.search.list({ q: `@nobody@${B.host}`, resolve: true, type: 'accounts' });
  assert.deepEqual(without.accounts, [], 'an unknown handle is an empty answer, not an error');
});

test('a reply thread reads whole on both sides; the mention notifies bob', async () => {
  const { mine, theirs } = await postAndArrive('Các bạn nghĩ sao về quy hoạch mới?');
  const reply = await lan.v1.statuses.create({ status: `@bob@${B.host} Tôi thấy hợp lý.`, inReplyToId: theirs.id });
  const ctxA = await lan.v1.statuses.$select(reply.id).context.fetch();
  assert.deepEqual(ctxA.ancestors.map((s) => s.id), [theirs.id]);
  const ctxB = await until(async () => {
    const c = await bob.v1.statuses.$select(mine.id).context.fetch();
    return c.descendants.length ? c : undefined;
  }, 'lan\'s reply on bob\'s server');
  assert.equal(ctxB.descendants[0].account.acct, `lan@${A.host}`);
  assert.match(ctxB.descendants[0].content, /Tôi thấy hợp lý/);
  const bobReply = await bob.v1.statuses.create({ status: `@lan@${A.host} Cảm ơn bạn!`, inReplyToId: ctxB.descendants[0].id });
  const thread = await until(async () => {
    const c = await lan.v1.statuses.$select(theirs.id).context.fetch();
    return c.descendants.length === 2 ? c : undefined;
  }, 'bob\'s answer in the thread on lan\'s server');
  assert.deepEqual(thread.descendants.map((s) => s.uri), [reply.uri, bobReply.uri]);
  const notes = await until(async () => {
    const n = await bob.v1.notifications.list({ types: ['mention'] });
    return n.length ? n : undefined;
  }, 'mention notification');
  assert.equal(notes[0].account.acct, `lan@${A.host}`);
});

test('like, boost and their undo reach the author; edit and delete reach the follower', async () => {
  const { mine, theirs } = await postAndArrive('Bài để thích và đăng lại');
  const count = async (field: 'favouritesCount' | 'reblogsCount', want: number) =>
    until(async () => ((await bob.v1.statuses.$select(mine.id).fetch())[field] === want ? true : undefined), `${field} = ${want}`);
  await lan.v1.statuses.$select(theirs.id).favourite();
  await count('favouritesCount', 1);
  const favNote = await bob.v1.notifications.list({ types: ['favourite'] });
  assert.equal(favNote[0]?.account.acct, `lan@${A.host}`);
  await lan.v1.statuses.$select(theirs.id).unfavourite();
  await count('favouritesCount', 0);
  await lan.v1.statuses.$select(theirs.id).reblog();
  await count('reblogsCount', 1);
  await lan.v1.statuses.$select(theirs.id).unreblog();
  await count('reblogsCount', 0);

  await bob.v1.statuses.$select(mine.id).update({ status: 'Bài để thích và đăng lại (đã sửa)' });
  await until(async () => ((await lan.v1.statuses.$select(theirs.id).fetch()).content.includes('đã sửa') ? true : undefined), 'the edit on lan\'s server');
  const edited = await lan.v1.statuses.$select(theirs.id).fetch();
  assert.ok(edited.editedAt);
  await bob.v1.statuses.$select(mine.id).remove();
  await until(async () => ((await homeOfLan()).some((s) => s.uri === mine.uri) ? undefined : true), 'the deletion on lan\'s server');
});

test('kill -9 of the receiver: a post made while it is down arrives after it restarts', async () => {
  await A.kill();
  const post = await bob.v1.statuses.create({ status: 'Đăng khi máy chủ của Lan đang tắt' });
  await new Promise((r) => setTimeout(r, 1500)); // at least one failed attempt
  await A.start();
  await until(async () => (await homeOfLan()).find((s) => s.uri === post.uri), 'the queued post after the restart', 60_000);
});

test('kill -9 of the sender right after posting: the post still arrives, once', async () => {
  const post = await bob.v1.statuses.create({ status: 'Đăng rồi máy chủ của Bảo tắt ngay' });
  await B.kill();
  await B.start();
  await until(async () => (await homeOfLan()).find((s) => s.uri === post.uri), 'the post after the sender restarts', 60_000);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await homeOfLan()).filter((s) => s.uri === post.uri).length, 1);
});

test('unfollow reaches bob: lan is no longer among his followers', async () => {
  await lan.v1.accounts.$select(bobOnA.id).unfollow();
  const me = await bob.v1.accounts.verifyCredentials();
  await until(async () => ((await bob.v1.accounts.$select(me.id).followers.list()).length === 0 ? true : undefined), 'Undo(Follow) on bob\'s server');
});

test('an inbox answering 410 ends in the permanent-failure handler: that follower is dropped', async () => {
  const gone = http.createServer((_req, res) => {
    res.writeHead(410).end();
  });
  await new Promise<void>((r) => gone.listen(0, '127.0.0.1', () => r()));
  const port = (gone.address() as import('node:net').AddressInfo).port;
  try {
    // A follower on a server whose inbox is gone, written straight into bob's store.
    const db = new DatabaseSync(path.join(B.dir, 'social.sqlite'));
    db.exec('PRAGMA busy_timeout = 5000');
    const bobId = (db.prepare("SELECT id FROM accounts WHERE username = 'bob' AND domain IS NULL").get() as { id: string }).id;
    const now = Date.now();
    const actor = `http://127.0.0.1:${port}/users/ghost`;
    db.prepare("INSERT INTO accounts (id, username, domain, username_key, uri, inbox_url, created_at, updated_at) VALUES ('900000000000000001', 'ghost', ?, 'ghost', ?, ?, ?, ?)")
      .run(`127.0.0.1:${port}`, actor, `${actor}/inbox`, now, now);
    db.prepare("INSERT INTO follows (id, account_id, target_account_id, state, created_at) VALUES ('900000000000000002', '900000000000000001', ?, 'accepted', ?)").run(bobId, now);
    await bob.v1.statuses.create({ status: 'Gửi tới một hộp thư không còn' });
    await until(async () => (db.prepare("SELECT count(*) AS n FROM follows WHERE id = '900000000000000002'").get() as { n: number }).n === 0 ? true : undefined, 'the follower behind the 410 inbox dropped', 30_000);
    db.close();
  } finally {
    gone.close();
  }
});

test('no errors logged by either server', () => {
  const bad = (s: string) => s.split('\n').filter((l) => /"level":(50|60)/.test(l) || /tra: liên hợp \((inbox|queue)\)/.test(l));
  assert.deepEqual(bad(A.stderr), []);
  assert.deepEqual(bad(B.stderr), []);
});
