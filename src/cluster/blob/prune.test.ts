// Pruning retired segments (prune.ts) on a directory store, with segment and searcher rows written
// directly: which retired blobs go and which stay, by the searchers' generations and heartbeats,
// the grace period, the janitor running it, and a writer holding a key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PG_SKIP, testSchema, type TestSchema } from '../../../test/cluster/pg.ts';
import { withTransaction } from '../pg/connect.ts';
import { DirBlobStore } from './dir.ts';
import { contentKey } from './store.ts';
import { collectOrphans, holdBlobs } from './janitor.ts';
import { pruneRetired, stampRetired } from './prune.ts';

const opts = { skip: PG_SKIP, timeout: 60_000 };
const MIN = 60_000;

async function setup() {
  const s = await testSchema();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-prune-'));
  const blob = await new DirBlobStore(dir).open();
  await s.pool.query("INSERT INTO shards (shard) VALUES ('2025-Q3'), ('2025-Q4')");
  return {
    s,
    blob,
    async [Symbol.asyncDispose]() {
      fs.rmSync(dir, { recursive: true, force: true });
      await s.drop();
    },
  };
}

/** A segment row and its blob; retired at `retired` (generation) when given, as a merge does. */
async function segment(s: TestSchema, blob: DirBlobStore, shard: string, name: string, published: number, retired?: number): Promise<{ id: string; key: string }> {
  const bytes = Buffer.from(`segment ${name}`);
  const key = contentKey('segments', bytes, '.tseg');
  await blob.put(key, bytes);
  const { rows } = await s.pool.query<{ id: string }>(
    `INSERT INTO segments (shard, segment_key, checksum, bytes, doc_count, min_seq, max_seq, state, published_generation)
     VALUES ($1, $2, 'x', $3, 1, 1, 1, 'live', $4) RETURNING id`,
    [shard, key, bytes.length, published],
  );
  if (retired !== undefined) await s.pool.query("UPDATE segments SET state = 'retired', retired_generation = $2 WHERE id = $1", [rows[0].id, retired]);
  return { id: rows[0].id, key };
}

/** Make the retirement of `id` look `ms` old. */
async function age(s: TestSchema, id: string, ms: number): Promise<void> {
  await s.pool.query("UPDATE segments SET retired_at = now() - $2 * interval '1 millisecond' WHERE id = $1", [id, ms]);
}

async function searcher(s: TestSchema, id: string, generations: Record<string, number>, heartbeatAgoMs = 0): Promise<void> {
  await s.pool.query(
    `INSERT INTO searchers (id, url, shards, generations, heartbeat_at) VALUES ($1, 'http://127.0.0.1:1', $2, $3, now() - $4 * interval '1 millisecond')
     ON CONFLICT (id) DO UPDATE SET shards = $2, generations = $3, heartbeat_at = now() - $4 * interval '1 millisecond'`,
    [id, Object.keys(generations), JSON.stringify(generations), heartbeatAgoMs],
  );
}

async function prunedAt(s: TestSchema, id: string): Promise<Date | null> {
  return (await s.pool.query<{ pruned_at: Date | null }>('SELECT pruned_at FROM segments WHERE id = $1', [id])).rows[0].pruned_at;
}

test('a retired segment is kept while a live searcher serves an older generation of its shard, and pruned once every searcher moved past it', opts, async () => {
  await using t = await setup();
  // Generation 3 of 2025-Q3 merged a and b (retired at 3) into m.
  const a = await segment(t.s, t.blob, '2025-Q3', 'a', 1, 3);
  const b = await segment(t.s, t.blob, '2025-Q3', 'b', 2, 3);
  const m = await segment(t.s, t.blob, '2025-Q3', 'm', 3);
  await age(t.s, a.id, 20 * MIN);
  await age(t.s, b.id, 20 * MIN);
  await searcher(t.s, 's1', { '2025-Q3': 3 });
  await searcher(t.s, 's2', { '2025-Q3': 2 }); // still on the generation before the merge

  const first = await pruneRetired({ pool: t.s.pool, blob: t.blob });
  assert.deepEqual(first, { pruned: 0, bytes: 0, served: 2, young: 0, held: 0 });
  for (const x of [a, b, m]) assert.ok(await t.blob.stat(x.key), 'every blob kept while s2 serves generation 2');

  await searcher(t.s, 's2', { '2025-Q3': 4 });
  const second = await pruneRetired({ pool: t.s.pool, blob: t.blob });
  assert.equal(second.pruned, 2);
  assert.equal(second.bytes, 'segment a'.length + 'segment b'.length);
  assert.equal(await t.blob.stat(a.key), undefined);
  assert.equal(await t.blob.stat(b.key), undefined);
  assert.ok(await t.blob.stat(m.key), 'the live segment stays');
  assert.ok(await prunedAt(t.s, a.id));
  assert.equal(await prunedAt(t.s, m.id), null);
  const rows = (await t.s.pool.query("SELECT state, count(*)::int AS n FROM segments GROUP BY state ORDER BY state")).rows;
  assert.deepEqual(rows, [{ state: 'live', n: 1 }, { state: 'retired', n: 2 }], 'rows stay: deleted versions still name them');

  const third = await pruneRetired({ pool: t.s.pool, blob: t.blob });
  assert.deepEqual(third, { pruned: 0, bytes: 0, served: 0, young: 0, held: 0 }, 'a pruned segment is not looked at again');
});

test('a retired segment is kept for the grace period after its retirement, counted from the segment that replaced it', opts, async () => {
  await using t = await setup();
  const a = await segment(t.s, t.blob, '2025-Q3', 'a', 1, 2);
  await segment(t.s, t.blob, '2025-Q3', 'merged', 2);
  await t.s.pool.query("UPDATE segments SET created_at = now() - interval '7 minutes' WHERE published_generation = 2");
  // retired_at comes from the merged segment's creation (the merge's transaction), not from now.
  assert.equal(await stampRetired(t.s.pool), 1);
  const { rows } = await t.s.pool.query<{ ago: number }>('SELECT extract(epoch FROM now() - retired_at)::float8 AS ago FROM segments WHERE id = $1', [a.id]);
  assert.ok(rows[0].ago > 6.9 * 60 && rows[0].ago < 7.5 * 60, `retired ${rows[0].ago} s ago`);

  const young = await pruneRetired({ pool: t.s.pool, blob: t.blob, graceMs: 10 * MIN });
  assert.deepEqual({ pruned: young.pruned, young: young.young }, { pruned: 0, young: 1 });
  assert.ok(await t.blob.stat(a.key));
  const shorter = await pruneRetired({ pool: t.s.pool, blob: t.blob, graceMs: 5 * MIN });
  assert.equal(shorter.pruned, 1);
  assert.equal(await t.blob.stat(a.key), undefined);

  // Retired with no replacing segment (no merge row at its generation): stamped with the time the
  // pruner first saw it, so the grace runs from then.
  const lone = await segment(t.s, t.blob, '2025-Q4', 'lone', 1, 5);
  const seen = await pruneRetired({ pool: t.s.pool, blob: t.blob, graceMs: MIN });
  assert.equal(seen.young, 1);
  assert.ok(await t.blob.stat(lone.key));
});

test('a searcher that stopped heartbeating, or serves other shards, does not hold a retired segment', opts, async () => {
  await using t = await setup();
  const a = await segment(t.s, t.blob, '2025-Q3', 'a', 1, 2);
  const q4 = await segment(t.s, t.blob, '2025-Q4', 'q4', 1, 2);
  await age(t.s, a.id, 20 * MIN);
  await age(t.s, q4.id, 20 * MIN);
  await searcher(t.s, 'dead', { '2025-Q3': 1 }, 5 * MIN); // last heartbeat 5 minutes ago
  await searcher(t.s, 'q4-only', { '2025-Q4': 1 });
  const r = await pruneRetired({ pool: t.s.pool, blob: t.blob, searcherStaleMs: 2 * MIN });
  assert.equal(r.pruned, 1, JSON.stringify(r));
  assert.equal(await t.blob.stat(a.key), undefined, 'the stale searcher does not hold 2025-Q3');
  assert.ok(await t.blob.stat(q4.key), 'the live searcher of 2025-Q4 at generation 1 holds its retired segment');

  // With a longer window the same heartbeat would still count.
  const b = await segment(t.s, t.blob, '2025-Q3', 'b', 1, 2);
  await age(t.s, b.id, 20 * MIN);
  const kept = await pruneRetired({ pool: t.s.pool, blob: t.blob, searcherStaleMs: 10 * MIN });
  assert.equal(kept.pruned, 0);
  assert.ok(await t.blob.stat(b.key));
});

test('the janitor prunes retired segments, never while a writer holds the key', opts, async () => {
  await using t = await setup();
  const a = await segment(t.s, t.blob, '2025-Q3', 'a', 1, 2);
  await age(t.s, a.id, 20 * MIN);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let inside!: () => void;
  const holding = new Promise<void>((r) => (inside = r));
  const writer = withTransaction(t.s.pool, async (c) => {
    await holdBlobs(c, t.blob, [a.key]);
    inside();
    await gate;
  });
  await holding;
  const during = await collectOrphans({ pool: t.s.pool, blob: t.blob });
  assert.equal(during.pruned?.held, 1);
  assert.ok(await t.blob.stat(a.key));
  release();
  await writer;
  const off = await collectOrphans({ pool: t.s.pool, blob: t.blob, prune: false });
  assert.equal(off.pruned, undefined);
  assert.ok(await t.blob.stat(a.key));
  const after = await collectOrphans({ pool: t.s.pool, blob: t.blob });
  assert.equal(after.pruned?.pruned, 1);
  assert.equal(await t.blob.stat(a.key), undefined);
  // The pruned segment's row still names the key: the orphan pass finds no blob and no orphan.
  assert.equal(after.deleted, 0);
});
