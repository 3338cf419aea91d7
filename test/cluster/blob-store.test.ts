// One conformance suite for every blob store backend (src/cluster/blob/store.ts): the directory,
// the S3 backend against s3rver on loopback (a real S3-compatible HTTP server, without
// conditional puts: the HEAD-and-compare path), and the S3 backend over an in-memory stand-in of
// the SDK that honours If-None-Match (the conditional-put path).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirBlobStore } from '../../src/cluster/blob/dir.ts';
import { S3BlobStore, s3OptionsFromEnv, type S3Module } from '../../src/cluster/blob/s3.ts';
import { BlobConflict, contentKey, type BlobStore } from '../../src/cluster/blob/store.ts';
import { ClusterError } from '../../src/cluster/errors.ts';
import { startS3rver, S3_KEY, type S3rver } from './blob-s3rver.ts';
import { fakeS3 } from './blob-fake-s3.ts';

interface Opened {
  store: BlobStore;
  dispose(): Promise<void>;
}

interface Backend {
  name: string;
  open(): Promise<Opened>;
  /** Racing puts of one key: exactly one is `created` (and a racing other content is refused). */
  exclusive: boolean;
}

const BUCKET = 'tra-conformance';
let server: S3rver | undefined;
let sdk: S3Module | undefined;

before(async () => {
  server = await startS3rver([BUCKET]);
  sdk = (await import('@aws-sdk/client-s3')) as unknown as S3Module;
});
after(async () => {
  await server?.stop();
});

/** A store under a fresh prefix of the s3rver bucket, listing 2 keys a page (paging exercised). */
function s3rverStore(prefix = `t-${randomBytes(4).toString('hex')}`): S3BlobStore {
  return new S3BlobStore(sdk!, `s3://${BUCKET}/${prefix}`, { ...s3OptionsFromEnv(server!.env), credentials: S3_KEY, pageSize: 2 });
}

const backends: Backend[] = [
  {
    name: 'directory',
    exclusive: true,
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-blob-'));
      const store = await new DirBlobStore(dir).open();
      return { store, dispose: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 's3 (s3rver on loopback)',
    exclusive: false,
    async open() {
      const store = await s3rverStore().check();
      return { store, dispose: async () => store.close() };
    },
  },
  {
    name: 's3 (conditional puts, in-memory SDK stand-in)',
    exclusive: true,
    async open() {
      const store = await new S3BlobStore(fakeS3(['fake-bucket']), 's3://fake-bucket/some/prefix', { pageSize: 2 }).check();
      return { store, dispose: async () => store.close() };
    },
  },
];

async function keys(store: BlobStore, prefix?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of store.list(prefix)) out.push(b.key);
  return out;
}

for (const b of backends) {
  describe(`blob store conformance: ${b.name}`, { timeout: 60_000 }, () => {
    test('put is write-once: the same content again is a no-op, another content is refused', async () => {
      const { store, dispose } = await b.open();
      try {
        assert.deepEqual(await store.put('seg/a', Buffer.from('one')), { created: true });
        assert.deepEqual(await store.put('seg/a', Buffer.from('one')), { created: false });
        await assert.rejects(store.put('seg/a', Buffer.from('two')), BlobConflict);
        await assert.rejects(store.put('seg/a', Buffer.from('onf')), BlobConflict, 'same length, other bytes');
        assert.equal((await store.get('seg/a'))!.toString(), 'one');
        assert.equal(await store.get('seg/missing'), undefined);
        assert.equal(await store.stat('seg/missing'), undefined);
        assert.deepEqual(await store.put('seg/empty', new Uint8Array(0)), { created: true });
        assert.equal((await store.get('seg/empty'))!.length, 0);
        for (const bad of ['../x', '.tmp/x', 'a//b', '/abs', 'a b']) {
          await assert.rejects(store.put(bad, Buffer.from('x')), ClusterError, bad);
          await assert.rejects(store.get(bad), ClusterError, bad);
        }
      } finally {
        await dispose();
      }
    });

    test('content-addressed blobs of a few MB round-trip byte for byte', async () => {
      const { store, dispose } = await b.open();
      try {
        const data = randomBytes(3 << 20);
        const key = contentKey('segments', data, '.tseg');
        assert.deepEqual(await store.put(key, data), { created: true });
        assert.ok((await store.get(key))!.equals(data));
        const info = await store.stat(key);
        assert.equal(info?.bytes, data.length);
        assert.ok(info!.modified instanceof Date && Math.abs(info!.modified.getTime() - Date.now()) < 60_000);
      } finally {
        await dispose();
      }
    });

    test('putting the same content again refreshes the modified time (the janitor grace restarts)', async () => {
      const { store, dispose } = await b.open();
      try {
        await store.put('warc/r', Buffer.from('again'));
        const first = (await store.stat('warc/r'))!.modified.getTime();
        await new Promise((r) => setTimeout(r, 1_100)); // S3 times have one-second resolution
        assert.deepEqual(await store.put('warc/r', Buffer.from('again')), { created: false });
        const second = (await store.stat('warc/r'))!.modified.getTime();
        assert.ok(second > first, `${second} > ${first}`);
        assert.equal((await store.get('warc/r'))!.toString(), 'again');
      } finally {
        await dispose();
      }
    });

    test('writers racing on one key: all succeed with the same content, one blob stored', async () => {
      const { store, dispose } = await b.open();
      try {
        const data = randomBytes(1 << 20);
        const key = contentKey('warc', data);
        const results = await Promise.all(Array.from({ length: 6 }, () => store.put(key, data)));
        const created = results.filter((r) => r.created).length;
        if (b.exclusive) assert.equal(created, 1);
        else assert.ok(created >= 1);
        assert.ok((await store.get(key))!.equals(data));
        assert.deepEqual(await keys(store), [key]);
        const racing = await Promise.allSettled([store.put('warc/c', Buffer.from('x')), store.put('warc/c', Buffer.from('y'))]);
        const stored = (await store.get('warc/c'))!.toString();
        assert.ok(stored === 'x' || stored === 'y');
        if (b.exclusive) {
          assert.equal(racing.filter((r) => r.status === 'fulfilled').length, 1);
          assert.ok(racing.some((r) => r.status === 'rejected' && r.reason instanceof BlobConflict));
        }
        // Whatever the race did, the key now refuses the other content.
        await assert.rejects(store.put('warc/c', Buffer.from(stored === 'x' ? 'y' : 'x')), BlobConflict);
      } finally {
        await dispose();
      }
    });

    test('list walks every key under a prefix (across pages); stat and delete', async () => {
      const { store, dispose } = await b.open();
      try {
        const all = ['warc/aa/1', 'warc/ab/2', 'segments/s1/g1', 'warc/aa/3', 'warc/b/4', 'segments/s2/g2', 'x'];
        for (const k of all) await store.put(k, Buffer.from(k));
        const listed = await keys(store);
        assert.deepEqual([...listed].sort(), [...all].sort());
        assert.equal(new Set(listed).size, listed.length, 'no key twice');
        assert.deepEqual((await keys(store, 'warc/a')).sort(), ['warc/aa/1', 'warc/aa/3', 'warc/ab/2']);
        assert.deepEqual((await keys(store, 'segments/')).sort(), ['segments/s1/g1', 'segments/s2/g2']);
        assert.deepEqual(await keys(store, 'nothing/'), []);
        for await (const info of store.list('warc/')) assert.equal(info.bytes, info.key.length);
        assert.equal((await store.stat('warc/aa/1'))?.bytes, 'warc/aa/1'.length);
        assert.equal(await store.delete('warc/aa/1'), true);
        assert.equal(await store.delete('warc/aa/1'), false);
        assert.equal(await store.get('warc/aa/1'), undefined);
        assert.equal(await store.stat('warc/aa/1'), undefined);
        assert.equal((await keys(store)).length, all.length - 1);
        // A deleted key can be written again (the janitor removed an orphan, a writer re-uploads).
        assert.deepEqual(await store.put('warc/aa/1', Buffer.from('back')), { created: true });
      } finally {
        await dispose();
      }
    });

    test('get refuses a blob over its size limit instead of reading it whole', async () => {
      const { store, dispose } = await b.open();
      try {
        await store.put('x/big', Buffer.alloc(1000, 1));
        await assert.rejects(store.get('x/big', 999), (e: Error) => e instanceof ClusterError && /quá giới hạn/.test(e.message));
        assert.equal((await store.get('x/big', 1000))!.length, 1000);
      } finally {
        await dispose();
      }
    });
  });
}
