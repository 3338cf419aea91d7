import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { DatabaseSync } from 'node:sqlite';
import * as A from '../../src/social/federation/activities.ts';
import { startInstance } from './instance.ts';
import { MemorySocial, eventually } from './memory-social.ts';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tra-fed-delivery-'));
}

async function actorKeyPem(origin: string, username: string): Promise<string> {
  const res = await fetch(`${origin}/users/${username}`, { headers: { accept: 'application/activity+json' } });
  return ((await res.json()) as { publicKey: { publicKeyPem: string } }).publicKey.publicKeyPem;
}

test('an inbox that answers 410 ends in the permanent-failure handler, which drops the follower; no retry', async () => {
  const knocks: string[] = [];
  const gone = http.createServer((req, res) => {
    req.resume();
    if (req.method === 'POST') knocks.push(req.headers['signature-input'] ? 'rfc9421' : req.headers.signature ? 'cavage' : 'unsigned');
    res.writeHead(410).end();
  });
  await new Promise<void>((r) => gone.listen(0, '127.0.0.1', () => r()));
  const goneOrigin = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
  const a = await startInstance(path.join(tempDir(), 'a.sqlite'));
  try {
    a.social.addAccount('alice');
    const follower = { id: `${goneOrigin}/users/gone`, inbox: `${goneOrigin}/users/gone/inbox`, sharedInbox: null };
    a.social.followerMap.set('alice', new Map([[follower.id, follower]]));
    const note = a.social.addPost({ id: 'n1', username: 'alice', type: 'Note', contentHtml: '<p>xin chào</p>', published: new Date(), visibility: 'public' });
    await a.fed.outbox.send('alice', A.createPost(a.fed.context(), note), 'followers');
    await eventually(() => a.social.of('inboxGone').length === 1, 'the permanent-failure handler');
    assert.deepEqual(a.social.of('inboxGone')[0], {
      kind: 'inboxGone',
      inbox: follower.inbox,
      actorIds: [follower.id],
      statusCode: 410,
      activityId: `${a.origin}/users/alice/statuses/n1#create`,
    });
    assert.equal(a.social.followersCount('alice'), 0);
    await new Promise((r) => setTimeout(r, 700)); // longer than the first retry delay
    // Fedify knocks twice (RFC 9421, then draft-cavage signatures) before it believes the 410;
    // after that, nothing more.
    assert.deepEqual(knocks, ['rfc9421', 'cavage'], 'a permanent failure is not retried');
  } finally {
    await a.stop();
    gone.close();
  }
});

test('a delivery queued while the receiver is down survives the sender closing, and arrives after both restart', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const aFile = path.join(dir, 'a.sqlite');
  const bFile = path.join(dir, 'b.sqlite');
  const aSocial = new MemorySocial();
  const bSocial = new MemorySocial();
  aSocial.addAccount('alice');
  bSocial.addAccount('bob');
  let a = await startInstance(aFile, { social: aSocial });
  let b = await startInstance(bFile, { social: bSocial });
  const keyBefore = await actorKeyPem(a.origin, 'alice');
  const bob = { id: `${b.origin}/users/bob`, inbox: `${b.origin}/users/bob/inbox`, sharedInbox: `${b.origin}/inbox` };
  await b.stop(); // the receiver is down

  const note = aSocial.addPost({ id: 'n2', username: 'alice', type: 'Note', contentHtml: '<p>Gửi khi máy nhận đang tắt</p>', published: new Date(), visibility: 'public' });
  await a.fed.outbox.send('alice', A.createPost(a.fed.context(), note), [bob]);
  await eventually(() => a.errors.some((e) => e.startsWith('outbox')), 'a failed delivery attempt');
  await a.stop(); // the sender goes away with the delivery still queued

  const raw = new DatabaseSync(aFile, { readOnly: true });
  const waiting = raw.prepare("SELECT COUNT(*) AS n FROM fedify_mq WHERE queue = 'outbox' AND dead_at IS NULL").get() as { n: number };
  raw.close();
  assert.equal(waiting.n, 1, 'the retry is in the file');

  b = await startInstance(bFile, { social: bSocial, port: b.port });
  a = await startInstance(aFile, { social: aSocial, port: a.port });
  try {
    await eventually(() => bSocial.of('postCreated').length === 1, 'the delivery after restart', 20_000);
    assert.equal((bSocial.of('postCreated')[0].post as { contentHtml: string }).contentHtml, '<p>Gửi khi máy nhận đang tắt</p>');
    assert.equal(await actorKeyPem(a.origin, 'alice'), keyBefore, 'keys are kept, not regenerated at boot');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(bSocial.of('postCreated').length, 1, 'delivered once');
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('an inbox body over the limit is refused with 413 before Fedify sees it', async () => {
  const a = await startInstance(path.join(tempDir(), 'a.sqlite'), { bodyLimit: 1000 });
  try {
    a.social.addAccount('alice');
    const res = await fetch(`${a.origin}/users/alice/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/activity+json' },
      body: JSON.stringify({ type: 'Create', pad: 'x'.repeat(2000) }),
    });
    assert.equal(res.status, 413);
    assert.match(await res.text(), /quá lớn/);
    // Chunked (no Content-Length): cut off while reading.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${a.origin}/users/alice/inbox`, { method: 'POST', headers: { 'content-type': 'application/activity+json' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write('y'.repeat(500));
      req.end();
    });
    assert.equal(chunked, 413);
    // Unsigned but small: Fedify answers (401), not the size guard.
    const unsigned = await fetch(`${a.origin}/users/alice/inbox`, { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body: '{}' });
    assert.notEqual(unsigned.status, 413);
    // The inbox of an account that does not exist is answered at once, not left to the app.
    const t0 = Date.now();
    const nobody = await fetch(`${a.origin}/users/nobody/inbox`, { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body: '{}', signal: AbortSignal.timeout(5000) });
    assert.ok(nobody.status >= 400 && nobody.status < 500, `status ${nobody.status}`);
    assert.ok(Date.now() - t0 < 2000);
  } finally {
    await a.stop();
  }
});
