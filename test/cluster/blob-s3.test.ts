// What is particular to the S3 backend, against s3rver on loopback: configuration from the
// environment, detection of conditional puts, prefixes sharing one bucket, objects that are not
// blobs, objects written by other tools (ETag comparison), and the one-line errors of `tra index`
// for missing credentials, an unknown bucket, an unreachable endpoint and a silent endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { S3BlobStore, s3OptionsFromEnv, openS3BlobStore, type S3Module } from '../../src/cluster/blob/s3.ts';
import { openBlobStore } from '../../src/cluster/blob/open.ts';
import { BlobConflict } from '../../src/cluster/blob/store.ts';
import { ClusterError } from '../../src/cluster/errors.ts';
import { tra } from '../hostile/run.ts';
import { startS3rver, S3_KEY, type S3rver } from './blob-s3rver.ts';
import { fakeS3 } from './blob-fake-s3.ts';

const BUCKET = 'tra-s3-specific';
let server: S3rver;
let sdk: typeof import('@aws-sdk/client-s3');

before(async () => {
  server = await startS3rver([BUCKET]);
  sdk = await import('@aws-sdk/client-s3');
});
after(async () => {
  await server?.stop();
});

function store(prefix: string, extra: Record<string, unknown> = {}): S3BlobStore {
  return new S3BlobStore(sdk as unknown as S3Module, `s3://${BUCKET}/${prefix}`, { ...s3OptionsFromEnv(server.env), credentials: S3_KEY, ...extra });
}

function rawClient() {
  return new sdk.S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_KEY });
}

test('configuration from the environment: endpoint, region, path style, timeouts, conditional puts', () => {
  assert.deepEqual(s3OptionsFromEnv({}), { endpoint: undefined, region: 'us-east-1', pathStyle: false, requestTimeoutMs: undefined, connectTimeoutMs: undefined, conditionalPut: 'auto' });
  const o = s3OptionsFromEnv({ AWS_ENDPOINT_URL: 'http://a:9000', AWS_ENDPOINT_URL_S3: 'http://garage:3900', AWS_DEFAULT_REGION: 'garage', TRA_S3_TIMEOUT_MS: '5000', TRA_S3_CONDITIONAL_PUT: 'no' });
  assert.equal(o.endpoint, 'http://garage:3900', 'the S3-specific variable wins');
  assert.equal(o.region, 'garage');
  assert.equal(o.pathStyle, true, 'path style by default with a custom endpoint');
  assert.equal(o.requestTimeoutMs, 5000);
  assert.equal(o.conditionalPut, 'no');
  assert.equal(s3OptionsFromEnv({ AWS_ENDPOINT_URL: 'http://minio:9000', TRA_S3_PATH_STYLE: '0' }).pathStyle, false);
  assert.throws(() => s3OptionsFromEnv({ TRA_S3_PATH_STYLE: 'maybe' }), ClusterError);
  assert.throws(() => s3OptionsFromEnv({ TRA_S3_TIMEOUT_MS: '-1' }), ClusterError);
  assert.throws(() => s3OptionsFromEnv({ TRA_S3_CONDITIONAL_PUT: 'sometimes' }), ClusterError);
  for (const bad of ['s3://ab/x', 's3://Upper/x', 's3:///x', 's3://bucket/../x', `s3://${'b'.repeat(64)}/x`]) {
    assert.throws(() => new S3BlobStore(sdk as unknown as S3Module, bad, {}), ClusterError, bad);
  }
  assert.equal(new S3BlobStore(sdk as unknown as S3Module, 's3://my-bucket/a/b/', {}).location, 's3://my-bucket/a/b');
});

test('conditional puts are detected: s3rver ignores If-None-Match, the stand-in honours it; the probe leaves nothing', async () => {
  const s = store('probe');
  assert.equal(await s.conditionalPuts(), false);
  const fake = fakeS3(['b-1']);
  const f = new S3BlobStore(fake, 's3://b-1/p', {});
  assert.equal(await f.conditionalPuts(), true);
  assert.equal(fake.objects.size, 0);
  await f.put('k/1', Buffer.from('x'));
  assert.ok(fake.conditionalPuts >= 3, 'the put itself was conditional');
  const listed = await rawClient().send(new sdk.ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'probe/' }));
  assert.equal(listed.KeyCount ?? 0, 0, 'no probe object left in the bucket');
  s.close();
});

test('stores under two prefixes of one bucket do not see each other; objects that are not blob keys are skipped', async () => {
  const a = store('tenant-a');
  const b = store('tenant-b');
  await a.put('warc/1', Buffer.from('a1'));
  await b.put('warc/1', Buffer.from('b1'));
  assert.equal((await a.get('warc/1'))!.toString(), 'a1');
  assert.equal((await b.get('warc/1'))!.toString(), 'b1');
  const c = rawClient();
  for (const Key of ['tenant-a/.tra-probe/leftover', 'tenant-a/folder/', 'tenant-a/with space', 'tenant-ab/warc/2']) {
    await c.send(new sdk.PutObjectCommand({ Bucket: BUCKET, Key, Body: Buffer.from('?') }));
  }
  const seen: string[] = [];
  for await (const info of a.list()) seen.push(info.key);
  assert.deepEqual(seen, ['warc/1']);
  // An object another tool wrote (no x-amz-meta-sha256): compared by its ETag (MD5).
  await c.send(new sdk.PutObjectCommand({ Bucket: BUCKET, Key: 'tenant-a/imported/x', Body: Buffer.from('bytes') }));
  assert.deepEqual(await a.put('imported/x', Buffer.from('bytes')), { created: false });
  await assert.rejects(a.put('imported/x', Buffer.from('other')), BlobConflict);
  c.destroy();
  a.close();
  b.close();
});

test('a put over the size limit is refused before anything is sent', async () => {
  const s = store('limits', { maxPutBytes: 10 });
  await assert.rejects(s.put('x/1', Buffer.alloc(11)), /quá giới hạn 10 byte/);
  assert.equal(await s.stat('x/1'), undefined);
  s.close();
});

test('openBlobStore opens an s3:// location from the environment and checks the bucket', async () => {
  const saved = { ...process.env };
  Object.assign(process.env, server.env);
  try {
    const s = await openBlobStore(`s3://${BUCKET}/opened`);
    await s.put('a/b', Buffer.from('ok'));
    assert.equal((await s.get('a/b'))!.toString(), 'ok');
    (s as S3BlobStore).close();
    await assert.rejects(openS3BlobStore('s3://no-such-bucket/x'), (e: Error) => e instanceof ClusterError && /không có bucket "no-such-bucket"/.test(e.message));
  } finally {
    for (const k of Object.keys(server.env)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

test('tra index says in one line what is wrong with an s3:// location', { timeout: 120_000 }, async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-s3-home-'));
  const file = path.join(home, 'tin.jsonl');
  fs.writeFileSync(file, JSON.stringify({ id: 'a', title: 'Hà Nội', url: 'https://a.example/1' }) + '\n');
  // A listening socket that never answers: the request times out.
  const silent = net.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const noCreds = {
    ...server.env,
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
    AWS_WEB_IDENTITY_TOKEN_FILE: '',
    HOME: home,
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
    AWS_CONFIG_FILE: path.join(home, 'none'),
  };
  const cases: [string, string, Record<string, string>, RegExp][] = [
    ['missing credentials', `s3://${BUCKET}/x`, noCreds, /không tìm thấy thông tin đăng nhập S3 — đặt AWS_ACCESS_KEY_ID/],
    ['unknown bucket', 's3://no-such-bucket/x', server.env, /không có bucket "no-such-bucket"/],
    ['unreachable endpoint', `s3://${BUCKET}/x`, { ...server.env, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${await closedPort()}`, AWS_MAX_ATTEMPTS: '2' }, /không kết nối được tới dịch vụ S3 \(ECONNREFUSED\)/],
    ['silent endpoint', `s3://${BUCKET}/x`, { ...server.env, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, AWS_MAX_ATTEMPTS: '1', TRA_S3_TIMEOUT_MS: '500' }, /không kết nối được tới dịch vụ S3/],
  ];
  try {
    await Promise.all(
      cases.map(async ([what, where, env, re]) => {
        const r = await tra(['index', '--pg', 'postgres://tra@127.0.0.1:1/none', '--blob', where, file], env, 60_000);
        assert.notEqual(r.code, 0, what);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, `${what}: one line: ${r.stderr}`);
        assert.match(lines[0], re, what);
        assert.match(lines[0], /s3:\/\//, `${what} names the location`);
      }),
    );
  } finally {
    silent.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
});
