// What a shard serves while replacements, publishes and merges interleave, driven step by step
// (no timing): after every step, the shard's manifest read in one snapshot — its live segments
// with their deletions applied, as a searcher builds its view — holds every document exactly
// once, in the newest of its versions published so far.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PG_SKIP, testSchema, type TestSchema } from '../../../test/cluster/pg.ts';
import { DirBlobStore } from '../blob/dir.ts';
import { writeBatch } from '../ingest/write.ts';
import { claim, type ClaimedJob } from '../queue/queue.ts';
import { Searcher } from '../searcher/searcher.ts';
import { indexJob } from './indexer.ts';
import { applyDeletions, fetchSegment, mergeShard } from './merge.ts';

const opts = { skip: PG_SKIP, timeout: 90_000 };
const SHARD = '2025-Q3';

function doc(i: number, rev: number): { id: string; title: string; summary: string; published: string } {
  return {
    id: `nhat-${i}`,
    title: `Bản tin nhất quán số ${i}, bản ${rev}`,
    summary: `Nội dung nhất quán ${i} về mưa lớn, phiên bản ${rev}.`,
    published: new Date(Date.UTC(2025, 7, 1 + i, 3)).toISOString(),
  };
}

async function setup() {
  const s = await testSchema();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-consistency-'));
  const blob = await new DirBlobStore(path.join(dir, 'blob')).open();
  const jobs = new Map<number, ClaimedJob>();
  let searcher: Searcher | undefined;
  return {
    s,
    blob,
    dir,
    /** Write one ingest batch; returns its batch number (its index job is claimed by `publish`). */
    async write(docs: ReturnType<typeof doc>[]): Promise<number> {
      const r = await writeBatch(s.pool, docs);
      assert.ok(r.job, 'a batch with changes has an index job');
      return r.job.batch;
    },
    /** Index and publish the job of `batch` now, whatever other jobs are pending. */
    async publish(batch: number): Promise<void> {
      for (const j of await claim(s.pool, { owner: 'test', kinds: ['index'], leaseMs: 600_000, limit: 100 })) jobs.set((j.payload as { batch: number }).batch, j);
      const job = jobs.get(batch);
      assert.ok(job, `job of batch ${batch}`);
      await indexJob({ pool: s.pool, blob, mergeAt: 0 }, job);
      jobs.delete(batch);
    },
    async searcher(): Promise<Searcher> {
      searcher ??= new Searcher({ pool: s.pool, pgUrl: s.url, blob, host: '127.0.0.1', port: 0, dir: path.join(dir, 's1'), pollMs: 3_600_000, heartbeatMs: 3_600_000 });
      if (!searcher.url) await searcher.start();
      return searcher;
    },
    async [Symbol.asyncDispose]() {
      await searcher?.stop();
      await s.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the shard serves: each live document's id → its seq, from one snapshot of the manifest. */
async function served(s: TestSchema, blob: DirBlobStore): Promise<{ generation: number; docs: Map<string, number[]> }> {
  const c = await s.pool.connect();
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const generation = Number((await c.query<{ generation: string }>('SELECT generation FROM shard_checkpoints WHERE shard = $1', [SHARD])).rows[0].generation);
    const segs = (await c.query<{ id: string; key: string; checksum: string; bytes: string }>(
      "SELECT id, segment_key AS key, checksum, bytes FROM segments WHERE shard = $1 AND state = 'live'",
      [SHARD],
    )).rows;
    const docs = new Map<string, number[]>();
    const ids = new Map((await c.query<{ seq: string; doc_id: string }>('SELECT seq, doc_id FROM document_versions')).rows.map((r) => [Number(r.seq), r.doc_id]));
    for (const g of segs) {
      const del = (await c.query<{ seq: string }>('SELECT seq FROM version_segments WHERE segment_id = $1 AND deleted_generation IS NOT NULL', [g.id])).rows.map((r) => Number(r.seq));
      const seg = await fetchSegment(blob, g.key, g.checksum, Number(g.bytes));
      applyDeletions(seg, del);
      assert.equal(seg.deletedCount, del.length, `every deletion of segment ${g.id} names one of its documents`);
      for (let d = 0; d < seg.docCount; d++) {
        if (seg.deleted && seg.deleted[d >> 3] & (1 << (d & 7))) continue;
        const id = ids.get(seg.seq[d])!;
        docs.set(id, [...(docs.get(id) ?? []), seg.seq[d]]);
      }
    }
    await c.query('COMMIT');
    return { generation, docs };
  } finally {
    c.release();
  }
}

/** Every document of `want` served exactly once, in the version `want` names (the seq of that revision). */
async function assertServes(t: Awaited<ReturnType<typeof setup>>, want: Map<string, number>, what: string): Promise<void> {
  const got = await served(t.s, t.blob);
  const revs = new Map((await t.s.pool.query<{ seq: string; body: { title: string } }>('SELECT seq, body FROM document_versions')).rows.map((r) => [Number(r.seq), r.body.title]));
  const seen = Object.fromEntries([...got.docs].map(([id, seqs]) => [id, seqs.map((q) => revs.get(q))]).sort());
  const expected = Object.fromEntries([...want].map(([id, rev]) => [id, [doc(Number(id.slice(5)), rev).title]]).sort());
  assert.deepEqual(seen, expected, `${what} (generation ${got.generation})`);
  // A searcher following the manifest serves the same number of documents.
  const s = await t.searcher();
  await s.requestSync();
  const h = (await (await fetch(`${s.url}/healthz`)).json()) as { documents: number };
  assert.equal(h.documents, want.size, `${what}: the searcher's view`);
}

test('a version published while a newer one waits for its indexer stays live until that one is published', opts, async () => {
  await using t = await setup();
  const want = new Map<string, number>();
  const b0 = await t.write([0, 1, 2].map((i) => doc(i, 0)));
  await t.publish(b0);
  for (const i of [0, 1, 2]) want.set(`nhat-${i}`, 0);
  await assertServes(t, want, 'first versions');

  // Revisions 1 and 2 of document 1 are both acknowledged before either is published.
  const b1 = await t.write([doc(1, 1), doc(2, 1)]);
  const b2 = await t.write([doc(1, 2)]);
  await t.publish(b1);
  want.set('nhat-1', 1).set('nhat-2', 1);
  await assertServes(t, want, 'revision 1 published, revision 2 acknowledged but not yet published');
  await t.publish(b2);
  want.set('nhat-1', 2);
  await assertServes(t, want, 'revision 2 published');

  // Published in the other order: the older revision is deleted as it is published.
  const b3 = await t.write([doc(0, 3)]);
  const b4 = await t.write([doc(0, 4)]);
  await t.publish(b4);
  want.set('nhat-0', 4);
  await assertServes(t, want, 'revision 4 published before revision 3');
  await t.publish(b3);
  await assertServes(t, want, 'revision 3 published after revision 4');
});

test('a merge carries over the deletions published after it read its inputs', opts, async () => {
  await using t = await setup();
  const want = new Map<string, number>();
  for (let b = 0; b < 4; b++) {
    await t.publish(await t.write([doc(2 * b, 0), doc(2 * b + 1, 0)]));
    want.set(`nhat-${2 * b}`, 0).set(`nhat-${2 * b + 1}`, 0);
  }
  await assertServes(t, want, 'four segments');
  let during = 0;
  const r = await mergeShard(t.s.pool, t.blob, SHARD, 3, undefined, {
    // Between the merger's snapshot and its publish: replacements of documents in its inputs
    // (the three smallest segments; all hold two documents, so the first three by id).
    beforePublish: async () => {
      during++;
      if (during > 1) return;
      await t.publish(await t.write([doc(0, 1), doc(3, 1)]));
      await t.publish(await t.write([doc(5, 1)]));
      want.set('nhat-0', 1).set('nhat-3', 1).set('nhat-5', 1);
      await assertServes(t, want, 'replacements published during the merge');
    },
  });
  assert.ok(r, 'the merge published');
  assert.equal(during, 1, 'merged from its first snapshot, not redone');
  assert.equal(r.inputs, 3);
  await assertServes(t, want, 'after the merge');
  const live = Number((await t.s.pool.query<{ n: string }>("SELECT count(*) AS n FROM segments WHERE state = 'live'")).rows[0].n);
  assert.equal(live, 4, 'three inputs became one, beside the fourth segment and the two of the replacements');

  // Deletions of versions in the merged segment after the merge are served too.
  await t.publish(await t.write([doc(1, 2), doc(2, 2)]));
  want.set('nhat-1', 2).set('nhat-2', 2);
  await assertServes(t, want, 'replacements of merged documents');
  const again = await mergeShard(t.s.pool, t.blob, SHARD, 2);
  assert.ok(again);
  await assertServes(t, want, 'after a second merge');

  // Two merges of the same inputs: the one publishing second finds them retired and is refused.
  let inner: Awaited<ReturnType<typeof mergeShard>>;
  await assert.rejects(mergeShard(t.s.pool, t.blob, SHARD, 2, undefined, {
    beforePublish: async () => {
      inner = await mergeShard(t.s.pool, t.blob, SHARD, 2);
    },
  }), { name: 'StaleMerge' });
  assert.ok(inner!, 'the other merge published');
  await assertServes(t, want, 'after a refused merge');
});

test('a searcher deletes its local copies of merged-away segments once no view holds them', opts, async () => {
  await using t = await setup();
  const dir = path.join(t.dir, 's-keep0');
  const s = new Searcher({ pool: t.s.pool, pgUrl: t.s.url, blob: t.blob, host: '127.0.0.1', port: 0, dir, pollMs: 3_600_000, heartbeatMs: 3_600_000, keepMs: 0 });
  await s.start();
  try {
    for (let b = 0; b < 4; b++) await t.publish(await t.write([doc(2 * b, 0), doc(2 * b + 1, 0)]));
    const live = async () => new Set((await t.s.pool.query<{ checksum: string }>("SELECT checksum FROM segments WHERE state = 'live'")).rows.map((r) => `${r.checksum}.tseg`));
    const local = () => new Set(fs.readdirSync(dir).filter((n) => n.endsWith('.tseg')));
    await s.requestSync();
    assert.deepEqual(local(), await live(), 'four segments copied');
    assert.equal(local().size, 4);
    const r = await mergeShard(t.s.pool, t.blob, SHARD, 3);
    assert.ok(r);
    await s.requestSync();
    // The replaced view is kept for keepMs (0 here): gone at the latest by the next sync.
    await new Promise((res) => setTimeout(res, 5));
    await s.requestSync();
    assert.deepEqual(local(), await live(), 'only the live segments are kept: the merge and the one segment it left out');
    assert.equal(local().size, 2);
    // A file of another process in the same directory is left alone.
    fs.writeFileSync(path.join(dir, `${'0'.repeat(64)}.tseg`), 'not mine');
    await t.publish(await t.write([doc(20, 0)]));
    await s.requestSync();
    assert.ok(fs.existsSync(path.join(dir, `${'0'.repeat(64)}.tseg`)));
    const h = (await (await fetch(`${s.url}/healthz`)).json()) as { documents: number };
    assert.equal(h.documents, 9);
  } finally {
    await s.stop();
  }
});
