import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as A from '../../src/social/federation/activities.ts';
import { startInstance, type Instance } from './instance.ts';
import { eventually } from './memory-social.ts';
import type { FollowerAddress, LocalPost } from '../../src/social/federation/ports.ts';

const AP = 'application/activity+json';
let dir: string;
let a: Instance; // alice's server
let b: Instance; // bob's server

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-fed-'));
  a = await startInstance(path.join(dir, 'a.sqlite'));
  b = await startInstance(path.join(dir, 'b.sqlite'));
  a.social.addAccount('alice');
  b.social.addAccount('bob', { displayName: 'Bảo Bình', avatarUrl: 'https://cdn.example/bob.png' });
});

after(async () => {
  await a?.stop();
  await b?.stop();
});

async function getJson(url: string, accept = AP): Promise<{ status: number; type: string; body: Record<string, unknown> | string }> {
  const res = await fetch(url, { headers: { accept } });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, body: type.includes('json') ? JSON.parse(text) : text };
}

function bobAddress(): FollowerAddress {
  return { id: `${b.origin}/users/bob`, inbox: `${b.origin}/users/bob/inbox`, sharedInbox: `${b.origin}/inbox` };
}

test('WebFinger answers acct:user@host with the actor, and the other server resolves the handle', async () => {
  const host = new URL(b.origin).host;
  const r = await getJson(`${b.origin}/.well-known/webfinger?resource=acct:bob@${host}`, 'application/jrd+json');
  assert.equal(r.status, 200);
  const jrd = r.body as { subject: string; links: { rel: string; type?: string; href?: string }[] };
  assert.equal(jrd.subject, `acct:bob@${host}`);
  assert.ok(jrd.links.some((l) => l.rel === 'self' && l.type === AP && l.href === `${b.origin}/users/bob`));
  assert.equal((await getJson(`${b.origin}/.well-known/webfinger?resource=acct:nobody@${host}`, 'application/jrd+json')).status, 404);

  const found = await a.fed.lookup.actor(`@bob@${host}`);
  assert.ok(found);
  assert.equal(found.id, `${b.origin}/users/bob`);
  assert.equal(found.inbox, `${b.origin}/users/bob/inbox`);
  assert.equal(found.sharedInbox, `${b.origin}/inbox`);
  assert.equal(found.name, 'Bảo Bình');
  assert.equal(found.avatarUrl, 'https://cdn.example/bob.png');
  assert.equal(found.indexable, true);
});

test('the same actor URL serves ActivityPub JSON to servers and the HTML page to browsers', async () => {
  const json = await getJson(`${b.origin}/users/bob`);
  assert.equal(json.status, 200);
  assert.match(json.type, /application\/activity\+json/);
  const actor = json.body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(actor.type, 'Person');
  assert.equal(actor.preferredUsername, 'bob');
  assert.equal(actor.inbox, `${b.origin}/users/bob/inbox`);
  assert.equal(actor.followers, `${b.origin}/users/bob/followers`);
  assert.equal(actor.endpoints.sharedInbox, `${b.origin}/inbox`);
  assert.match(actor.publicKey.publicKeyPem, /BEGIN PUBLIC KEY/);
  assert.equal(actor.assertionMethod.length, 2);
  assert.equal(actor.discoverable, true);
  assert.equal(actor.indexable, true);
  assert.equal(actor.published, '2025-01-02T03:04:05Z');

  const html = await getJson(`${b.origin}/users/bob`, 'text/html,application/xhtml+xml');
  assert.equal(html.status, 200);
  assert.match(html.type, /text\/html/);
  assert.match(String(html.body), /<title>bob<\/title>/);

  assert.equal((await getJson(`${b.origin}/users/nobody`)).status, 404);
  // A federation route the application has no page for: Fedify's own 406.
  assert.equal((await getJson(`${b.origin}/users/bob/followers`, 'text/html')).status, 406);
});

test('the instance actor is an Application at /actor, found by WebFinger as the host name', async () => {
  const r = await getJson(`${b.origin}/actor`);
  assert.equal(r.status, 200);
  const actor = r.body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(actor.type, 'Application');
  assert.equal(actor.id, `${b.origin}/actor`);
  assert.match(actor.publicKey.publicKeyPem, /BEGIN PUBLIC KEY/);
  const host = new URL(b.origin).host;
  const wf = await getJson(`${b.origin}/.well-known/webfinger?resource=acct:127.0.0.1@${host}`, 'application/jrd+json');
  assert.equal(wf.status, 200);
  assert.ok((wf.body as { links: { rel: string; href?: string }[] }).links.some((l) => l.rel === 'self' && l.href === `${b.origin}/actor`));
});

test('NodeInfo answers valid 2.1 JSON: software tra, protocol activitypub, usage counts', async () => {
  const wk = await getJson(`${b.origin}/.well-known/nodeinfo`, 'application/json');
  assert.equal(wk.status, 200);
  const links = (wk.body as { links: { rel: string; href: string }[] }).links;
  const link = links.find((l) => l.rel === 'http://nodeinfo.diaspora.software/ns/schema/2.1');
  assert.ok(link, 'the well-known document links the 2.1 schema');
  const ni = await getJson(link.href, 'application/json');
  assert.equal(ni.status, 200);
  assert.match(ni.type, /application\/json/);
  const doc = ni.body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(doc.version, '2.1');
  assert.equal(doc.software.name, 'tra');
  assert.match(doc.software.name, /^[a-z0-9-]+$/);
  assert.equal(typeof doc.software.version, 'string');
  assert.deepEqual(doc.protocols, ['activitypub']);
  assert.deepEqual(doc.services, { inbound: [], outbound: [] });
  assert.equal(doc.openRegistrations, false);
  assert.equal(doc.usage.users.total, 1);
  assert.equal(typeof doc.usage.localPosts, 'number');
  assert.equal(typeof doc.metadata, 'object');
});

test('Follow → Accept: bob records alice as follower, alice learns her follow was accepted', async () => {
  const ctx = a.fed.context();
  await a.fed.outbox.send('alice', A.follow(ctx, 'alice', 'f1', new URL(`${b.origin}/users/bob`)), [bobAddress()]);
  await eventually(() => a.social.of('followAccepted').length === 1, 'Accept at alice');
  const req = b.social.of('followRequested')[0] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(req.local.username, 'bob');
  assert.equal(req.follower.id, `${a.origin}/users/alice`);
  assert.equal(req.follower.inbox, `${a.origin}/users/alice/inbox`);
  assert.equal(req.followId, `${a.origin}/users/alice/follows/f1`);
  assert.deepEqual(a.social.of('followAccepted')[0], { kind: 'followAccepted', username: 'alice', followId: 'f1', followeeId: `${b.origin}/users/bob` });
  assert.equal(b.social.followersCount('bob'), 1);
  const followers = await getJson(`${b.origin}/users/bob/followers`);
  assert.equal((followers.body as { totalItems: number }).totalItems, 1);
});

const post = (over: Partial<LocalPost> = {}): LocalPost => ({
  id: 'p1',
  username: 'bob',
  type: 'Note',
  contentHtml: '<p>Chuyển đổi số ở Hà Nội #tin</p>',
  language: 'vi',
  published: new Date('2025-06-01T08:00:00Z'),
  visibility: 'public',
  hashtags: ['tin'],
  ...over,
});

test("bob's Create(Note) to his followers arrives in alice's inbox, Vietnamese text intact", async () => {
  const p = b.social.addPost(post());
  await b.fed.outbox.send('bob', A.createPost(b.fed.context(), p), 'followers');
  await eventually(() => a.social.of('postCreated').length === 1, 'Create at alice');
  const got = a.social.of('postCreated')[0].post as Record<string, unknown>;
  assert.equal(got.id, `${b.origin}/users/bob/statuses/p1`);
  assert.equal(got.type, 'Note');
  assert.equal(got.authorId, `${b.origin}/users/bob`);
  assert.equal(got.contentHtml, '<p>Chuyển đổi số ở Hà Nội #tin</p>');
  assert.equal(got.language, 'vi');
  assert.equal(got.visibility, 'public');
  assert.deepEqual(got.hashtags, ['tin']);
  assert.deepEqual(got.published, new Date('2025-06-01T08:00:00Z'));
  // The post can be fetched at its id; a followers-only post cannot.
  const fetched = await getJson(`${b.origin}/users/bob/statuses/p1`);
  assert.equal(fetched.status, 200);
  assert.equal((fetched.body as { type: string }).type, 'Note');
  b.social.addPost(post({ id: 'secret', visibility: 'followers' }));
  assert.equal((await getJson(`${b.origin}/users/bob/statuses/secret`)).status, 404);
});

test('an Article carries its title as name and its link as url, with no summary', async () => {
  const p = b.social.addPost(post({ id: 'a1', type: 'Article', name: 'Giá xăng giảm', url: 'https://bao.example/gia-xang', contentHtml: '<p>Giá xăng giảm 500 đồng.</p>', summary: 'phần mở đầu' }));
  await b.fed.outbox.send('bob', A.createPost(b.fed.context(), p), 'followers');
  await eventually(() => a.social.of('postCreated').some((e) => (e.post as { type: string }).type === 'Article'), 'Article at alice');
  const got = a.social.of('postCreated').map((e) => e.post as Record<string, unknown>).find((p) => p.type === 'Article')!;
  assert.equal(got.name, 'Giá xăng giảm');
  assert.equal(got.url, 'https://bao.example/gia-xang');
  assert.equal(got.summary, null);
  assert.equal(got.id, `${b.origin}/users/bob/articles/a1`);
});

test('Like and Announce of bob\'s post reach bob; their Undo too', async () => {
  const ctx = a.fed.context();
  const target = new URL(`${b.origin}/users/bob/statuses/p1`);
  const like = A.like(ctx, 'alice', 'l1', target);
  const boost = A.announce(ctx, 'alice', 'r1', target, new URL(`${b.origin}/users/bob`));
  await a.fed.outbox.send('alice', like, [bobAddress()]);
  await a.fed.outbox.send('alice', boost, [bobAddress()]);
  await eventually(() => b.social.of('liked').length === 1 && b.social.of('announced').length === 1, 'Like and Announce at bob');
  assert.deepEqual(b.social.of('liked')[0], { kind: 'liked', likeId: `${a.origin}/users/alice/likes/l1`, actorId: `${a.origin}/users/alice`, objectId: target.href });
  const ann = b.social.of('announced')[0];
  assert.equal(ann.objectId, target.href);
  assert.equal(ann.post, null, 'a boost of our own post needs no fetch');
  await a.fed.outbox.send('alice', A.undo(ctx, 'alice', like), [bobAddress()]);
  await a.fed.outbox.send('alice', A.undo(ctx, 'alice', boost), [bobAddress()]);
  await eventually(() => b.social.of('likeUndone').length === 1 && b.social.of('announceUndone').length === 1, 'Undo at bob');
  assert.deepEqual(b.social.of('likeUndone')[0], { kind: 'likeUndone', likeId: like.id!.href, actorId: `${a.origin}/users/alice`, objectId: target.href });
  assert.equal(b.social.of('announceUndone')[0].announceId, boost.id!.href);
});

test('a boost of a post from another server carries the post, fetched from its origin', async () => {
  a.social.addPost({ id: 'q1', username: 'alice', type: 'Note', contentHtml: '<p>Bài của alice</p>', published: new Date(), visibility: 'public' });
  const boost = A.announce(a.fed.context(), 'alice', 'r10', new URL(`${a.origin}/users/alice/statuses/q1`), null);
  await a.fed.outbox.send('alice', boost, [bobAddress()]);
  await eventually(() => b.social.of('announced').some((e) => e.announceId === boost.id!.href), 'remote boost at bob');
  const got = b.social.of('announced').find((e) => e.announceId === boost.id!.href)!;
  assert.equal((got.post as { contentHtml: string }).contentHtml, '<p>Bài của alice</p>');
  assert.equal((got.post as { authorId: string }).authorId, `${a.origin}/users/alice`);
});

test('Update(Note) and Delete reach the follower', async () => {
  const ctx = b.fed.context();
  const edited = b.social.addPost(post({ contentHtml: '<p>Đã sửa: chuyển đổi số</p>', updated: new Date('2025-06-01T09:00:00Z') }));
  await b.fed.outbox.send('bob', A.updatePost(ctx, edited), 'followers');
  await eventually(() => a.social.of('postUpdated').length === 1, 'Update at alice');
  assert.equal((a.social.of('postUpdated')[0].post as { contentHtml: string }).contentHtml, '<p>Đã sửa: chuyển đổi số</p>');
  await b.fed.outbox.send('bob', A.deletePost(ctx, edited), 'followers');
  await eventually(() => a.social.of('objectDeleted').length === 1, 'Delete at alice');
  assert.deepEqual(a.social.of('objectDeleted')[0], {
    kind: 'objectDeleted',
    objectId: `${b.origin}/users/bob/statuses/p1`,
    actorId: `${b.origin}/users/bob`,
    activityId: `${b.origin}/users/bob/statuses/p1#delete`,
  });
});

test('a rejected follow reaches the follower as Reject', async () => {
  a.social.addAccount('carol');
  b.social.decision = 'reject';
  try {
    await a.fed.outbox.send('carol', A.follow(a.fed.context(), 'carol', 'f7', new URL(`${b.origin}/users/bob`)), [bobAddress()]);
    await eventually(() => a.social.of('followRejected').length === 1, 'Reject at carol');
    assert.deepEqual(a.social.of('followRejected')[0], { kind: 'followRejected', username: 'carol', followId: 'f7', followeeId: `${b.origin}/users/bob` });
    assert.equal(b.social.followersCount('bob'), 1, 'only alice follows bob');
  } finally {
    b.social.decision = 'accept';
  }
});

test('a profile change reaches followers as Update of the actor', async () => {
  const changed = b.social.addAccount('bob', { displayName: 'Bảo Bình (mới)', indexable: false });
  await b.fed.outbox.send('bob', await A.updateProfile(b.fed.context(), changed), 'followers');
  await eventually(() => a.social.of('actorUpdated').length === 1, 'Update(Person) at alice');
  const actor = a.social.of('actorUpdated')[0].actor as { id: string; name: string; indexable: boolean };
  assert.equal(actor.id, `${b.origin}/users/bob`);
  assert.equal(actor.name, 'Bảo Bình (mới)');
  assert.equal(actor.indexable, false);
});

test('Undo(Follow) removes alice from bob\'s followers', async () => {
  const ctx = a.fed.context();
  await a.fed.outbox.send('alice', A.undo(ctx, 'alice', A.follow(ctx, 'alice', 'f1', new URL(`${b.origin}/users/bob`))), [bobAddress()]);
  await eventually(() => b.social.of('followUndone').length === 1, 'Undo(Follow) at bob');
  assert.deepEqual(b.social.of('followUndone')[0], { kind: 'followUndone', username: 'bob', followerId: `${a.origin}/users/alice`, followId: `${a.origin}/users/alice/follows/f1` });
  assert.equal(b.social.followersCount('bob'), 0);
});

test('sending as an account that does not exist says so', async () => {
  await assert.rejects(a.fed.outbox.send('nobody', A.like(a.fed.context(), 'nobody', 'x', new URL(`${b.origin}/users/bob/statuses/p1`)), [bobAddress()]), /không có tài khoản "nobody"/);
});

test('no listener error on either side', () => {
  assert.deepEqual(a.errors.filter((e) => !e.startsWith('outbox')), []);
  assert.deepEqual(b.errors.filter((e) => !e.startsWith('outbox')), []);
});
