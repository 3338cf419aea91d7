/**
 * Saved searches as actors, in one process (the harness of bridge.test.ts): a Tra server made of
 * the real social store and `connectFederation` on loopback, and a remote federation over the
 * in-memory ports as the follower's server.
 *
 * - a published saved search is a Service actor `tim-kiem.{id}` whose profile gives its query;
 * - its remote follower receives an Article when a matching document is indexed, and nothing for
 *   a document that does not match (the engine's match set for the saved query);
 * - at most `searchPerHour` articles per hour;
 * - unpublishing (and removing the saved search) federates as Delete of the actor.
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
import { connectFederation, type SocialFederation } from '../../src/social/bridge/index.ts';
import { federationPlugin } from '../../src/social/federation/fastify-adapter.ts';
import * as A from '../../src/social/federation/activities.ts';
import { AlertStore, type Alert } from '../../src/observe/alerts.ts';
import { DocStore } from '../../src/store/store.ts';
import { startInstance, type Instance } from './instance.ts';
import { eventually } from './memory-social.ts';
import type { RemotePost } from '../../src/social/federation/ports.ts';

const AP = 'application/activity+json';
const PER_HOUR = 3;
let dir: string;
let server: http.Server;
let app: FastifyInstance;
let origin: string;
let social: SocialContext;
let fed: SocialFederation;
let remote: Instance;
let storm: Alert;
let gold: Alert;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-saved-search-'));
  (await openEngine(dir)).close();
  const alerts = new AlertStore(dir);
  storm = alerts.add({ name: 'Bão lũ miền Trung', query: 'bão', kind: 'threshold', value: 5 });
  gold = alerts.add({ name: 'Giá vàng', query: 'giá vàng', kind: 'threshold', value: 5 });
  alerts.close();
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
    sources: { pollMs: 100, searchPerHour: PER_HOUR },
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

const storeEnd = () => {
  const docs = new DocStore(path.join(dir, 'store.sqlite'), { readOnly: true });
  try {
    return docs.lastSeq();
  } finally {
    docs.close();
  }
};

let n = 0;
async function index(...titles: string[]): Promise<void> {
  const engine = await openEngine(dir);
  await engine.add(titles.map((title) => {
    const url = `https://baomau.vn/bai-${++n}`;
    return { id: url, title, text: `${title}. Nội dung bài viết số ${n}.`, summary: 'Đoạn mở đầu không phải cảnh báo nội dung.', url, source: 'Báo Mẫu', published: new Date().toISOString() };
  }));
  engine.close();
}

/** Posts the follower received from one actor. */
const received = (username: string) =>
  remote.social.of('postCreated').map((e) => e.post as RemotePost).filter((p) => p.authorId === `${origin}/users/${username}`);

async function follow(username: string, id: string): Promise<void> {
  const actor = `${origin}/users/${username}`;
  await remote.fed.outbox.send('doc_gia', A.follow(remote.fed.context(), 'doc_gia', id, new URL(actor)), [{ id: actor, inbox: `${actor}/inbox` }]);
  await eventually(() => remote.social.of('followAccepted').some((e) => e.followeeId === actor), `Accept from ${username}`);
}

test('a saved search published as an actor sends matching new articles to its follower, and nothing else', async () => {
  const account = fed.sources!.searches.publish(storm, { fromSeq: storeEnd() });
  assert.equal(account.username, `tim-kiem.${storm.id}`);
  const actor = (await (await fetch(`${origin}/users/${account.username}`, { headers: { accept: AP } })).json()) as Record<string, unknown>;
  assert.equal(actor.type, 'Service');
  assert.match(String(actor.summary), /tìm kiếm đã lưu “Bão lũ miền Trung”.*truy vấn: bão/);
  assert.match(JSON.stringify(actor.attachment), /Truy vấn/);
  assert.equal((await fetch(`${origin}/.well-known/webfinger?resource=acct:${account.username}@${new URL(origin).host}`)).status, 200);
  await follow(account.username, 'f-storm');

  await index('Giá vàng hôm nay tăng mạnh');
  await index('Bão số 3 đổ bộ vào Quảng Ngãi');
  await eventually(() => received(account.username).length >= 1, 'the matching Article at the follower', 20_000);
  await new Promise((r) => setTimeout(r, 1500)); // time for anything else to arrive
  const got = received(account.username);
  assert.equal(got.length, 1, JSON.stringify(got.map((p) => p.name)));
  assert.equal(got[0].type, 'Article');
  assert.equal(got[0].name, 'Bão số 3 đổ bộ vào Quảng Ngãi');
  assert.match(got[0].url ?? '', /^https:\/\/baomau\.vn\/bai-\d+$/);
  assert.equal(got[0].summary, null);
  assert.match(got[0].id, new RegExp(`/users/tim-kiem\\.${storm.id}/articles/\\d+$`));
});

test(`at most ${PER_HOUR} articles per hour per saved-search actor`, async () => {
  const username = `tim-kiem.${storm.id}`;
  const before = received(username).length; // 1, from the test above
  await index('Bão số 4 mạnh lên', 'Bão gây mưa lớn ở Huế', 'Sau bão, nước sông dâng cao', 'Bão làm đổ cây ở Đà Nẵng');
  await eventually(() => received(username).length >= PER_HOUR, 'the articles within the cap', 20_000);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(received(username).length, PER_HOUR, `${before} before, cap ${PER_HOUR}`);
  const pub = fed.sources!.searches.list().find((p) => p.username === username)!.pub;
  assert.equal(pub.sent.length, PER_HOUR);
  // Still capped for the next batch in the same hour.
  await index('Bão tan dần trên đất Lào');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(received(username).length, PER_HOUR);
});

test('unpublishing federates as Delete of the actor; a removed saved search is withdrawn too', async () => {
  const username = `tim-kiem.${storm.id}`;
  const actorId = `${origin}/users/${username}`;
  assert.ok(fed.sources!.searches.unpublish(storm.id));
  await eventually(() => remote.social.of('objectDeleted').some((e) => e.objectId === actorId && e.actorId === actorId), 'Delete(actor) at the follower', 20_000);
  assert.notEqual(social.store.accounts.local(username)!.deletedAt, null);
  const res = await fetch(actorId, { headers: { accept: AP } });
  assert.equal(((await res.json()) as { name: string }).name, ''); // emptied, then 410 after the drain (docs/FEDERATION.md)
  // Published again, it is a new actor (handles are never reused).
  assert.equal(fed.sources!.searches.publish(storm, { fromSeq: storeEnd() }).username, `${username}-2`);

  // A saved search removed with `tra alerts remove` takes its actor with it.
  const goldAccount = fed.sources!.searches.publish(gold, { fromSeq: storeEnd() });
  await follow(goldAccount.username, 'f-gold');
  const alerts = new AlertStore(dir);
  alerts.remove(gold.id);
  alerts.close();
  const goldId = `${origin}/users/${goldAccount.username}`;
  await eventually(() => remote.social.of('objectDeleted').some((e) => e.objectId === goldId), 'Delete(actor) of the removed saved search', 20_000);
  await index('Giá vàng giảm sau phiên tăng');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(received(goldAccount.username).length, 0);
});
