/**
 * The bridge and the news sources in one process: a Tra server made of the real social store and
 * `connectFederation` (fastify + the federation plugin on loopback), and a second federation over
 * the in-memory ports (test/federation/instance.ts) as the remote side.
 *
 * - a news source is a Service actor; an article indexed into DIR reaches its remote follower as
 *   an Article (title in `name`, link in `url`, no `summary`);
 * - the inbox is idempotent: the same Create twice stores one post;
 * - a deleted account federates as Delete of the actor, and its actor stays fetchable (emptied,
 *   with its key) while the deliveries drain;
 * - remote HTML is sanitised.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { createExponentialBackoffPolicy } from '@fedify/fedify';
import { openEngine } from '../../src/engine/index.ts';
import { createSocialContext, type SocialContext } from '../../src/social/http.ts';
import { connectFederation, sanitizeHtml, type SocialFederation } from '../../src/social/bridge/index.ts';
import { federationPlugin } from '../../src/social/federation/fastify-adapter.ts';
import * as A from '../../src/social/federation/activities.ts';
import { startInstance, type Instance } from './instance.ts';
import { eventually } from './memory-social.ts';
import type { RemotePost } from '../../src/social/federation/ports.ts';

const AP = 'application/activity+json';
let dir: string;
let server: http.Server;
let app: FastifyInstance;
let origin: string;
let social: SocialContext;
let fed: SocialFederation;
let remote: Instance;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-bridge-'));
  (await openEngine(dir)).close();
  fs.writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ names: { 'tinmau.vn': 'Tin Mẫu' } }));
  server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  social = createSocialContext({ dataDir: dir, origin });
  fed = connectFederation(social, {
    dataDir: dir,
    origin,
    allowPrivateAddresses: true,
    queue: { pollIntervalMs: 100 },
    outboxRetryPolicy: createExponentialBackoffPolicy({ initialDelay: { milliseconds: 200 }, maxDelay: { seconds: 1 }, maxAttempts: 10, jitter: false }),
    sources: { pollMs: 100 },
  });
  app = Fastify({ logger: false });
  await app.register(federationPlugin, fed.pluginOptions());
  await app.ready();
  server.on('request', (req, res) => app.routing(req, res));
  fed.start();
  remote = await startInstance(path.join(dir, 'remote.sqlite'));
  remote.social.addAccount('doc_gia');
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await app.close();
  await fed.close();
  social.store.close();
  await remote.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('sanitising remote HTML keeps text, links and mentions, drops scripts, handlers and other schemes', () => {
  const out = sanitizeHtml('<p onclick="x()">Chào <a href="https://a.vn/@b" class="u-url mention evil">@<span>b</span></a> <script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a> &amp; 1 < 2</p><style>p{}</style>');
  assert.equal(out, '<p>Chào <a href="https://a.vn/@b" class="u-url mention" rel="nofollow noopener noreferrer" target="_blank">@<span>b</span></a> <a rel="nofollow noopener noreferrer" target="_blank">x</a> &amp; 1 &lt; 2</p>');
  assert.equal(sanitizeHtml('<b>không đóng'), '<b>không đóng</b>');
});

test('a news source is a Service actor; a new article reaches its remote follower as an Article', async () => {
  const source = await eventually(() => !!social.store.accounts.local('tinmau.vn'), 'the configured source made at start').then(() => social.store.accounts.local('tinmau.vn')!);
  assert.equal(source.displayName, 'Tin Mẫu');
  const actor = (await (await fetch(`${origin}/users/tinmau.vn`, { headers: { accept: AP } })).json()) as Record<string, unknown>;
  assert.equal(actor.type, 'Service');
  assert.equal((await (await fetch(`${origin}/.well-known/webfinger?resource=acct:tinmau.vn@${new URL(origin).host}`)).status), 200);

  // doc_gia on the other server follows the source; our inbox accepts at once.
  const ctx = remote.fed.context();
  await remote.fed.outbox.send('doc_gia', A.follow(ctx, 'doc_gia', 'f1', new URL(`${origin}/users/tinmau.vn`)), [{ id: `${origin}/users/tinmau.vn`, inbox: `${origin}/users/tinmau.vn/inbox` }]);
  await eventually(() => remote.social.of('followAccepted').length === 1, 'Accept from the source');

  // An article is indexed into DIR (as tra crawl or tra index would), the source publishes it.
  const engine = await openEngine(dir);
  await engine.add([{ id: 'https://tinmau.vn/bai-1', title: 'Mưa lớn ở Hà Nội', summary: 'Đoạn mở đầu không được là cảnh báo.', url: 'https://tinmau.vn/bai-1', source: 'Tin Mẫu', published: new Date().toISOString() }]);
  engine.close();
  await eventually(() => remote.social.of('postCreated').length === 1, 'the Article at the follower', 20_000);
  const post = remote.social.of('postCreated')[0].post as RemotePost;
  assert.equal(post.type, 'Article');
  assert.equal(post.name, 'Mưa lớn ở Hà Nội');
  assert.equal(post.url, 'https://tinmau.vn/bai-1');
  assert.equal(post.summary, null);
  assert.match(post.id, /\/users\/tinmau\.vn\/articles\/\d+$/);
  assert.match(post.contentHtml, /Đoạn mở đầu/);
  // The Article is served at its id.
  const served = (await (await fetch(post.id, { headers: { accept: AP } })).json()) as Record<string, unknown>;
  assert.equal(served.type, 'Article');
  assert.equal(served.name, 'Mưa lớn ở Hà Nội');

  // A newsroom's account points at its source, and the source back at it.
  const newsroom = social.store.accounts.createLocal({ username: 'toasoan_tinmau', passwordHash: 'x' });
  fed.sources!.linkNewsroom('tinmau.vn', newsroom.username);
  // JSON-LD writes a single value without an array.
  type Field = { name: string; value: string };
  const fields = async (u: string): Promise<Field[]> => {
    const a = (await (await fetch(`${origin}/users/${u}`, { headers: { accept: AP } })).json()) as { attachment?: Field | Field[] };
    return a.attachment === undefined ? [] : ([] as Field[]).concat(a.attachment);
  };
  const n = await fields('toasoan_tinmau');
  assert.equal(n[0]?.name, 'Nguồn tin');
  assert.match(n[0].value, /tinmau\.vn/);
  assert.ok((await fields('tinmau.vn')).some((f) => f.name === 'Toà soạn' && f.value.includes('toasoan_tinmau')));
});

test('the inbox is idempotent: the same post twice is stored once', async () => {
  remote.social.addPost({ id: 'p1', username: 'doc_gia', type: 'Note', contentHtml: '<p>Xin chào <script>x</script></p>', published: new Date(), visibility: 'public' });
  const ctx = remote.fed.context();
  const post = remote.social.byId('doc_gia', 'p1')!;
  const lan = social.store.accounts.createLocal({ username: 'lan', passwordHash: 'x' });
  const docGia = await fed.ports.accountFor(`${remote.origin}/users/doc_gia`);
  assert.ok(docGia);
  social.store.follows.follow(lan.id, docGia.id, { state: 'accepted' });
  for (let i = 0; i < 2; i++) await remote.fed.outbox.send('doc_gia', A.createPost(ctx, post), [{ id: `${origin}/users/lan`, inbox: `${origin}/users/lan/inbox` }], { immediate: true });
  const uri = `${remote.origin}/users/doc_gia/statuses/p1`;
  await eventually(() => !!social.store.statuses.byUri(uri), 'the post stored');
  const rows = social.store.db.all('SELECT id, content FROM statuses WHERE uri = ?', [uri]) as { content: string }[];
  assert.equal(rows.length, 1);
  assert.equal(rows[0].content, '<p>Xin chào </p>');
  assert.equal(social.store.statuses.home(lan.id, { limit: 10 })[0].uri, uri);
});

test('a deleted account federates as Delete of the actor; its actor stays fetchable, emptied, with its key', async () => {
  const gone = social.store.accounts.createLocal({ username: 'se_xoa', passwordHash: 'x', displayName: 'Sẽ Xoá' });
  await fetch(`${origin}/users/se_xoa`, { headers: { accept: AP } }); // its keys exist before the deletion
  social.actions.deleteAccount(gone.id);
  await eventually(() => remote.social.of('objectDeleted').some((e) => e.objectId === `${origin}/users/se_xoa` && e.actorId === `${origin}/users/se_xoa`), 'Delete(actor) at the known server', 20_000);
  const res = await fetch(`${origin}/users/se_xoa`, { headers: { accept: AP } });
  assert.equal(res.status, 200);
  const actor = (await res.json()) as { name: string; publicKey?: { publicKeyPem: string } };
  assert.equal(actor.name, '');
  assert.match(actor.publicKey!.publicKeyPem, /BEGIN PUBLIC KEY/);
});
