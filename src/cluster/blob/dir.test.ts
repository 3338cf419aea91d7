import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirBlobStore } from './dir.ts';
import { BlobConflict, checkKey, contentKey } from './store.ts';
import { ClusterError } from '../errors.ts';

async function tempStore(): Promise<{ store: DirBlobStore; dir: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-blob-'));
  const store = await new DirBlobStore(dir).open();
  return { store, dir, [Symbol.asyncDispose]: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('contentKey names content by its SHA-256 and checkKey refuses unsafe keys', () => {
  const k = contentKey('warc', Buffer.from('abc'), '.warc.gz');
  assert.equal(k, 'warc/ba/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.warc.gz');
  for (const bad of ['', '../etc/passwd', 'a/../b', '.tmp/x', 'a//b', '/abs', 'a/b/', 'a b', 'x'.repeat(513), 'a/.hidden']) {
    assert.throws(() => checkKey(bad), ClusterError, JSON.stringify(bad));
  }
  checkKey('segments/2025-09/gen-12.seg');
});

// The behaviour every backend shares is in test/cluster/blob-store.test.ts (one conformance suite
// for the directory and S3); what follows is particular to the directory.

test('a put leaves no temporary file; sweepTemp removes those of dead writers, skipped by list', async () => {
  await using t = await tempStore();
  await t.store.put('seg/a', Buffer.from('one'));
  await assert.rejects(t.store.put('seg/a', Buffer.from('two')), BlobConflict);
  assert.deepEqual(fs.readdirSync(path.join(t.dir, '.tmp')), [], 'no temporary file left');
  fs.writeFileSync(path.join(t.dir, '.tmp', 'dead.part'), 'half');
  const all: string[] = [];
  for await (const b of t.store.list()) all.push(b.key);
  assert.deepEqual(all, ['seg/a']);
  assert.equal(await t.store.sweepTemp(60_000), 0, 'a young temporary file may be a live upload');
  assert.equal(await t.store.sweepTemp(0), 1);
});

test('two writers racing on one key: one creates it, the other finds the same content', async () => {
  await using t = await tempStore();
  const data = Buffer.alloc(2 << 20, 7);
  const results = await Promise.all(Array.from({ length: 8 }, () => t.store.put('warc/big', data)));
  assert.equal(results.filter((r) => r.created).length, 1);
  assert.ok((await t.store.get('warc/big'))!.equals(data));
  const racing = await Promise.allSettled([t.store.put('warc/c', Buffer.from('x')), t.store.put('warc/c', Buffer.from('y'))]);
  assert.equal(racing.filter((r) => r.status === 'fulfilled').length, 1);
  assert.ok(racing.some((r) => r.status === 'rejected' && r.reason instanceof BlobConflict));
});
