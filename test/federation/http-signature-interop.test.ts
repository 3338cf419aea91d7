/**
 * HTTP signatures against an implementation we did not write: @peertube/http-signature (the
 * library PeerTube federates with) verifies what we send, and signs what we receive.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import httpSignature from '@peertube/http-signature';
import * as A from '../../src/social/federation/activities.ts';
import { startInstance, type Instance } from './instance.ts';
import { eventually } from './memory-social.ts';

interface Delivery {
  verified: boolean;
  reason: string;
  body: string;
}

const pemPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const peerKeys = pemPair();
const strangerKeys = pemPair();

let ours: Instance;
let peer: http.Server;
let peerOrigin: string;
const deliveries: Delivery[] = [];

function digestOf(body: Buffer | string): string {
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

/** The peer's inbox: verify with @peertube/http-signature, the key fetched from the sender's actor. */
async function verifyDelivery(req: http.IncomingMessage, body: Buffer): Promise<Delivery> {
  const text = body.toString('utf8');
  let parsed;
  try {
    parsed = httpSignature.parseRequest(req, { headers: ['(request-target)', 'host', 'date', 'digest'], clockSkew: 300 });
  } catch (e) {
    return { verified: false, reason: `parse: ${(e as Error).message}`, body: text };
  }
  if (req.headers.digest !== digestOf(body)) return { verified: false, reason: 'digest', body: text };
  const actorUrl = parsed.keyId.split('#')[0];
  const actor = (await (await fetch(actorUrl, { headers: { accept: 'application/activity+json' } })).json()) as { publicKey: { id: string; publicKeyPem: string } };
  if (actor.publicKey.id !== parsed.keyId) return { verified: false, reason: 'key id', body: text };
  const ok = httpSignature.verifySignature(parsed, actor.publicKey.publicKeyPem);
  return { verified: ok, reason: ok ? 'ok' : 'signature', body: text };
}

before(async () => {
  peer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const id = `${peerOrigin}/users/peer`;
      if (req.method === 'GET' && req.url === '/users/peer') {
        res.writeHead(200, { 'content-type': 'application/activity+json' }).end(JSON.stringify({
          '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
          id,
          type: 'Person',
          preferredUsername: 'peer',
          inbox: `${id}/inbox`,
          publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: peerKeys.publicKey },
        }));
        return;
      }
      if (req.method === 'POST' && req.url === '/users/peer/inbox') {
        const d = await verifyDelivery(req, Buffer.concat(chunks));
        deliveries.push(d);
        res.writeHead(d.verified ? 202 : 401).end();
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => peer.listen(0, '127.0.0.1', () => r()));
  peerOrigin = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;
  ours = await startInstance(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tra-fed-sig-')), 'federation.sqlite'));
  ours.social.addAccount('alice');
});

after(async () => {
  await ours?.stop();
  peer?.close();
});

test('a receiver verifying with @peertube/http-signature accepts our signed deliveries (digest included)', async () => {
  const ctx = ours.fed.context();
  const recipient = [{ id: `${peerOrigin}/users/peer`, inbox: `${peerOrigin}/users/peer/inbox` }];
  const note = ours.social.addPost({ id: 's1', username: 'alice', type: 'Note', contentHtml: '<p>Chữ ký HTTP</p>', published: new Date(), visibility: 'public' });
  await ours.fed.outbox.send('alice', A.createPost(ctx, note), recipient);
  await eventually(() => deliveries.some((d) => d.verified), 'a verified delivery at the peer');
  const ok = deliveries.find((d) => d.verified)!;
  // Fedify first knocks with RFC 9421 signatures, which this older library cannot read, then falls
  // back to draft-cavage, which it verifies.
  assert.deepEqual(deliveries.map((d) => d.verified), [false, true]);
  assert.match(deliveries[0].reason, /^parse/);
  assert.equal(JSON.parse(ok.body).object.content, '<p>Chữ ký HTTP</p>');
  // Fedify remembers which kind of signature worked, so the next delivery is verified at once.
  const before = deliveries.length;
  await ours.fed.outbox.send('alice', A.like(ctx, 'alice', 'k1', new URL(`${peerOrigin}/users/peer/notes/1`)), recipient);
  await eventually(() => deliveries.length > before, 'the second delivery');
  assert.deepEqual(deliveries.slice(before).map((d) => d.verified), [true]);
});

/** Posts `body` to our alice's inbox, signed by @peertube/http-signature as the peer. */
function postSigned(body: string, o: { key?: string; date?: string; sendBody?: string } = {}): Promise<number> {
  const url = new URL(`${ours.origin}/users/alice/inbox`);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST' }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.setHeader('Host', url.host);
    req.setHeader('Date', o.date ?? new Date().toUTCString());
    req.setHeader('Content-Type', 'application/activity+json');
    req.setHeader('Digest', digestOf(body));
    httpSignature.signRequest(req, {
      key: o.key ?? peerKeys.privateKey,
      keyId: `${peerOrigin}/users/peer#main-key`,
      headers: ['(request-target)', 'host', 'date', 'digest'],
      authorizationHeaderName: 'Signature',
    });
    req.end(o.sendBody ?? body);
  });
}

function followBody(n: number): string {
  return JSON.stringify({
    '@context': 'https://www.w3.org/ns/activitystreams',
    id: `${peerOrigin}/follows/${n}`,
    type: 'Follow',
    actor: `${peerOrigin}/users/peer`,
    object: `${ours.origin}/users/alice`,
  });
}

test('a request signed by @peertube/http-signature is accepted by our inbox, and answered with Accept', async () => {
  const before = deliveries.length;
  assert.equal(await postSigned(followBody(1)), 202);
  await eventually(() => ours.social.of('followRequested').length === 1, 'the Follow at alice');
  const e = ours.social.of('followRequested')[0] as unknown as { follower: { id: string }; followId: string };
  assert.equal(e.follower.id, `${peerOrigin}/users/peer`);
  assert.equal(e.followId, `${peerOrigin}/follows/1`);
  await eventually(() => deliveries.slice(before).some((d) => d.verified && JSON.parse(d.body).type === 'Accept'), 'the Accept at the peer');
});

test('a changed body, a wrong key or a stale Date gets 401, and nothing reaches the inbox', async () => {
  const count = () => ours.social.of('followRequested').length;
  const start = count();
  assert.equal(await postSigned(followBody(2), { sendBody: followBody(3) }), 401, 'body changed after signing');
  assert.equal(await postSigned(followBody(4), { key: strangerKeys.privateKey }), 401, 'signed with a key the actor does not publish');
  assert.equal(await postSigned(followBody(5), { date: new Date(Date.now() - 2 * 3600_000).toUTCString() }), 401, 'a Date two hours old');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(count(), start);
  // The same request, honest, still goes through (the refusals were for the reasons named).
  assert.equal(await postSigned(followBody(6)), 202);
});
