// The janitor (src/cluster/blob/janitor.ts) against both backends: a directory, and an
// S3-compatible bucket (s3rver on loopback). Unreferenced old blobs go; referenced, young and
// held ones stay; a writer whose blob was collected is told to upload it again.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PG_SKIP, testSchema } from './pg.ts';
import { withTransaction } from '../../src/cluster/pg/connect.ts';
import { DirBlobStore } from '../../src/cluster/blob/dir.ts';
import { S3BlobStore, s3OptionsFromEnv, type S3Module } from '../../src/cluster/blob/s3.ts';
import { contentKey, type BlobStore } from '../../src/cluster/blob/store.ts';
import { collectOrphans, holdBlobs } from '../../src/cluster/blob/janitor.ts';
import { startS3rver, S3_KEY, type S3rver } from './blob-s3rver.ts';

const opts = { skip: PG_SKIP, timeout: 60_000 };
const HOUR = 3_600_000;
const BUCKET = 'tra-janitor';
let server: S3rver | undefined;

before(async () => {
  if (!PG_SKIP) server = await startS3rver([BUCKET]);
});
after(async () => {
  await server?.stop();
});

const backends: [string, () => Promise<{ blob: BlobStore; dispose(): void }>][] = [
  [
    'directory',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-janitor-'));
      return { blob: await new DirBlobStore(dir).open(), dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    's3 (s3rver)',
    async () => {
      const sdk = (await import('@aws-sdk/client-s3')) as unknown as S3Module;
      const blob = await new S3BlobStore(sdk, `s3://${BUCKET}/j-${randomBytes(4).toString('hex')}`, { ...s3OptionsFromEnv(server!.env), credentials: S3_KEY, pageSize: 2 }).check();
      return { blob, dispose: () => blob.close() };
    },
  ],
];

for (const [name, open] of backends) {
  describe(`janitor: ${name}`, () => {
    async function setup() {
      const s = await testSchema();
      const { blob, dispose } = await open();
      return {
        s,
        blob,
        async [Symbol.asyncDispose]() {
          dispose();
          await s.drop();
        },
      };
    }

    async function addCapture(q: { query: (sql: string, v: unknown[]) => Promise<unknown> }, key: string): Promise<void> {
      await q.query(
        `INSERT INTO captures (url, urlkey, captured_at, digest, blob_key, blob_offset, blob_length) VALUES ('https://a.example/', 'example,a)/', now(), 'sha1:X', $1, 0, 10)`,
        [key],
      );
    }

    test('the janitor deletes unreferenced blobs past the grace period and keeps referenced and young ones', opts, async () => {
      await using t = await setup();
      const captured = contentKey('warc', Buffer.from('captured'));
      const segment = contentKey('segments', Buffer.from('segment'));
      const orphan = contentKey('warc', Buffer.from('orphan of a refused commit'));
      for (const [k, v] of [[captured, 'captured'], [segment, 'segment'], [orphan, 'orphan of a refused commit']]) await t.blob.put(k, Buffer.from(v));
      await addCapture(t.s.pool, captured);
      await t.s.pool.query("INSERT INTO shards (shard) VALUES ('2025')");
      await t.s.pool.query(
        `INSERT INTO segments (shard, segment_key, checksum, bytes, doc_count, min_seq, max_seq, state, published_generation) VALUES ('2025', $1, 'x', 7, 1, 1, 1, 'live', 1)`,
        [segment],
      );
      const now = await collectOrphans({ pool: t.s.pool, blob: t.blob, graceMs: HOUR });
      assert.equal(now.deleted, 0, 'nothing is old enough yet');
      assert.equal(now.young, 3);
      const later = await collectOrphans({ pool: t.s.pool, blob: t.blob, graceMs: HOUR, now: () => Date.now() + 2 * HOUR, batch: 2 });
      assert.deepEqual({ scanned: later.scanned, deleted: later.deleted, referenced: later.referenced }, { scanned: 3, deleted: 1, referenced: 2 });
      assert.equal(await t.blob.stat(orphan), undefined);
      assert.ok(await t.blob.stat(captured));
      assert.ok(await t.blob.stat(segment));
    });

    test('an orphan that a writer is committing a reference to is not deleted under it', opts, async () => {
      await using t = await setup();
      const key = contentKey('warc', Buffer.from('same bytes as an old orphan'));
      await t.blob.put(key, Buffer.from('same bytes as an old orphan'));
      const later = () => Date.now() + 2 * HOUR;
      // The writer holds the key in its open transaction while the janitor runs: skipped.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let inside!: () => void;
      const held = new Promise<void>((r) => (inside = r));
      const writer = withTransaction(t.s.pool, async (c) => {
        await holdBlobs(c, t.blob, [key]);
        await addCapture(c, key);
        inside();
        await gate;
      });
      await held;
      const during = await collectOrphans({ pool: t.s.pool, blob: t.blob, graceMs: HOUR, now: later });
      assert.equal(during.held, 1);
      assert.equal(during.deleted, 0);
      release();
      await writer;
      const after = await collectOrphans({ pool: t.s.pool, blob: t.blob, graceMs: HOUR, now: later });
      assert.equal(after.deleted, 0);
      assert.equal(after.referenced, 1);
      assert.ok(await t.blob.stat(key));
    });

    test('a writer whose blob the janitor already deleted is told to upload it again', opts, async () => {
      await using t = await setup();
      const key = contentKey('warc', Buffer.from('orphan'));
      await t.blob.put(key, Buffer.from('orphan'));
      const r = await collectOrphans({ pool: t.s.pool, blob: t.blob, graceMs: HOUR, now: () => Date.now() + 2 * HOUR });
      assert.equal(r.deleted, 1);
      await assert.rejects(
        withTransaction(t.s.pool, async (c) => {
          await holdBlobs(c, t.blob, [key]);
          await addCapture(c, key);
        }),
        /tải lên lại/,
      );
      assert.equal((await t.s.pool.query('SELECT count(*)::int AS n FROM captures')).rows[0].n, 0, 'no row points at a missing blob');
    });
  });
}
