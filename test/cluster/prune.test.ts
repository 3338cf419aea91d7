// Pruning retired segments with real processes: an indexer merging (--merge-at 3) and searchers
// following the manifest. A searcher stopped (SIGSTOP) at a generation before a merge keeps the
// merge's inputs stored while its heartbeat counts; once it moved past them they are pruned, and
// it and a searcher started afterwards (which copies every segment it serves) answer for every
// document. A searcher whose heartbeat stopped for longer than the window holds nothing: the next
// merge's inputs go while it is stopped, and when it continues it syncs to the new generation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_SKIP, testSchema, type TestSchema } from './pg.ts';
import { getJson, start, until, type Proc } from './procs.ts';
import { writeBatch } from '../../src/cluster/ingest/write.ts';
import { DirBlobStore } from '../../src/cluster/blob/dir.ts';
import { pruneRetired } from '../../src/cluster/blob/prune.ts';

const SHARD = '2025-Q3';

let docs = 0;
async function batch(s: TestSchema): Promise<void> {
  await writeBatch(s.pool, [0, 1, 2].map(() => {
    const i = docs++;
    return { id: `cat-tia-${i}`, title: `Bản tin cắt tỉa số ${i}`, summary: 'Giá vàng và thời tiết hôm nay.', published: `2025-08-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00+07:00`, source: 'VnExpress' };
  }));
}

async function settled(s: TestSchema): Promise<void> {
  await until('every job done', async () => {
    const { rows } = await s.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE state IN ('ready', 'running')");
    const unpublished = (await s.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM document_versions v WHERE NOT EXISTS (SELECT 1 FROM version_segments m WHERE m.seq = v.seq)')).rows[0].n;
    return rows[0].n === 0 && unpublished === 0;
  }, 90_000, 200);
}

async function generation(s: TestSchema): Promise<number> {
  return Number((await s.pool.query<{ generation: string }>('SELECT generation FROM shard_checkpoints WHERE shard = $1', [SHARD])).rows[0].generation);
}

async function retired(s: TestSchema): Promise<{ id: string; key: string }[]> {
  return (await s.pool.query<{ id: string; key: string }>("SELECT id, segment_key AS key FROM segments WHERE state = 'retired' ORDER BY id")).rows;
}

test('retired segments are pruned only once no live searcher serves an older generation; searchers keep answering', { skip: PG_SKIP, timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-prune-'));
  const s = await testSchema();
  const blobDir = join(dir, 'blob');
  const blob = new DirBlobStore(blobDir);
  const procs: Proc[] = [];
  const run = (args: string[]) => {
    const p = start(args);
    procs.push(p);
    return p;
  };
  const searcher = async (name: string) => {
    const p = run(['searcher', '--pg', s.url, '--blob', blobDir, '--port', '0', '--host', '127.0.0.1', '--dir', join(dir, name)]);
    return { p, url: (await p.waitFor(/^http:/, 60_000)).trim() };
  };
  const serving = async (url: string, g: number) =>
    until(`${url} serving generation ${g}`, async () => ((await getJson(`${url}/healthz`)).body.shards as Record<string, number>)[SHARD] >= g, 30_000);
  try {
    await batch(s);
    await batch(s);
    // With --port the indexer's pool and log are watched (src/cluster/roles/http.ts): merges too.
    const ix = run(['indexer', '--pg', s.url, '--blob', blobDir, '--merge-at', '3', '--lease-ms', '20000', '--port', '0']);
    const ixUrl = (await ix.waitFor(/^http:/, 60_000)).trim();
    await settled(s);
    assert.equal((await retired(s)).length, 0, 'two segments: no merge yet');
    const a = await searcher('a');
    await serving(a.url, await generation(s));

    // Searcher a stops at this generation; a third batch brings a merge that retires all three.
    a.p.child.kill('SIGSTOP');
    await batch(s);
    await settled(s);
    const first = await retired(s);
    assert.equal(first.length, 3, 'the merge retired the three segments');
    const kept = await pruneRetired({ pool: s.pool, blob, graceMs: 0, searcherStaleMs: 600_000 });
    assert.deepEqual({ pruned: kept.pruned, served: kept.served }, { pruned: 0, served: 3 }, JSON.stringify(kept));
    for (const r of first) assert.ok(await blob.stat(r.key), `${r.key} kept while searcher a serves the generation before the merge`);

    a.p.child.kill('SIGCONT');
    await serving(a.url, await generation(s));
    await until('searcher a advertising the generation of the merge', async () => {
      const { rows } = await s.pool.query<{ g: number }>('SELECT (generations ->> $1)::int AS g FROM searchers', [SHARD]);
      return rows.length === 1 && rows[0].g >= (await generation(s));
    }, 30_000);
    const pruned = await pruneRetired({ pool: s.pool, blob, graceMs: 0, searcherStaleMs: 600_000 });
    assert.equal(pruned.pruned, 3, JSON.stringify(pruned));
    for (const r of first) assert.equal(await blob.stat(r.key), undefined, `${r.key} pruned`);
    const live = (await s.pool.query<{ key: string }>("SELECT segment_key AS key FROM segments WHERE state = 'live'")).rows;
    for (const r of live) assert.ok(await blob.stat(r.key), 'live segments stay');
    assert.equal((await getJson(`${a.url}/healthz`)).body.documents, 9);
    const b = await searcher('b');
    assert.equal((await getJson(`${b.url}/healthz`)).body.documents, 9, 'a searcher started after the pruning needs none of the pruned segments');
    await b.p.kill();

    // A searcher whose heartbeat stopped does not hold the next merge's inputs for ever.
    a.p.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await batch(s);
    await batch(s);
    await settled(s);
    const second = (await retired(s)).filter((r) => !first.some((f) => f.id === r.id));
    assert.equal(second.length, 3, 'the second merge retired three more');
    const held = await pruneRetired({ pool: s.pool, blob, graceMs: 0, searcherStaleMs: 600_000 });
    assert.equal(held.pruned, 0, 'within the window the stopped searcher still counts');
    await new Promise((r) => setTimeout(r, Math.max(0, 3_000 - (Date.now() - stoppedAt))));
    const gone = await pruneRetired({ pool: s.pool, blob, graceMs: 0, searcherStaleMs: 2_500 });
    assert.equal(gone.pruned, 3, JSON.stringify(gone));
    for (const r of second) assert.equal(await blob.stat(r.key), undefined);
    a.p.child.kill('SIGCONT');
    await serving(a.url, await generation(s));
    assert.equal((await getJson(`${a.url}/healthz`)).body.documents, 15, 'the searcher that came back syncs to the current generation');
    const metrics = await (await fetch(`${ixUrl}/metrics`)).text();
    const merges = Number(/^tra_indexer_jobs_total\{kind="merge",outcome="done"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    assert.ok(merges >= 2, `merges seen done: ${merges}`);
    assert.match(metrics, /^tra_indexer_jobs_total\{kind="index",outcome="done"\} 5$/m, 'five batches indexed');
  } catch (e) {
    for (const p of procs) process.stderr.write(`--- ${p.child.spawnargs.slice(2, 3)} ${p.child.pid}\n${p.err.slice(-2000)}\n`);
    throw e;
  } finally {
    for (const p of procs) p.child.kill('SIGCONT');
    await Promise.all(procs.map((p) => p.kill()));
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
