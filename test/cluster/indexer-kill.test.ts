// An indexer killed (SIGKILL) between uploading its segments and publishing them: the shards'
// checkpoints do not move and its blob is referenced by nothing; another indexer then takes the
// job when its lease ends, and afterwards every document's current version is in exactly one
// live segment, every older version deleted, and no version in two live segments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tra } from '../hostile/run.ts';
import { PG_SKIP, testSchema } from './pg.ts';
import { corpus, start, until, type Proc } from './procs.ts';
import { clusterStatistics } from '../../src/cluster/roles/stats.ts';
import { DirBlobStore } from '../../src/cluster/blob/dir.ts';
import { collectOrphans } from '../../src/cluster/blob/janitor.ts';
import { Segment } from '../../src/engine/segment.ts';

test('an indexer killed between upload and publish changes nothing; the next one publishes every version once', { skip: PG_SKIP, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-ixkill-'));
  const s = await testSchema();
  const procs: Proc[] = [];
  try {
    const docs = corpus(150, 11);
    const f1 = join(dir, 'a.jsonl');
    const f2 = join(dir, 'b.jsonl');
    writeFileSync(f1, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    // Replacements of 40 documents (some moving to another quarter) and 10 new ones.
    const changed = docs.slice(0, 40).map((d, i) => ({ ...d, title: `${d.title} (cập nhật)`, ...(i % 4 === 0 ? { published: '2025-11-02T09:00:00+07:00' } : {}) }));
    writeFileSync(f2, [...changed, ...corpus(10, 99)].map((d) => JSON.stringify(d)).join('\n') + '\n');
    const blobDir = join(dir, 'blob');
    for (const f of [f1, f2]) {
      const r = await tra(['index', '--pg', s.url, '--blob', blobDir, f], {}, 60_000);
      assert.equal(r.code, 0, r.stderr);
    }
    const checkpoints = async () => (await s.pool.query('SELECT shard, generation::int, indexed_seq::int FROM shard_checkpoints ORDER BY shard')).rows;

    const a = start(['indexer', '--pg', s.url, '--blob', blobDir, '--lease-ms', '2000'], { TRA_TEST_INDEXER_PAUSE_BEFORE_PUBLISH_MS: '60000' });
    procs.push(a);
    const line = await a.waitFor(/uploaded job \d+:/, 30_000);
    const keys = line.split(': ').pop()!.trim().split(' ');
    const before = await checkpoints();
    await a.kill('SIGKILL');
    assert.deepEqual(await checkpoints(), before, 'checkpoints unchanged by the killed indexer');
    const blob = new DirBlobStore(blobDir);
    for (const k of keys) assert.ok(await blob.stat(k), `${k} uploaded`);
    const refs = (await s.pool.query('SELECT count(*)::int AS n FROM segments WHERE segment_key = ANY($1)', [keys])).rows[0].n;
    assert.equal(refs, 0, 'the uploaded segments are orphans');

    const b = start(['indexer', '--pg', s.url, '--blob', blobDir, '--lease-ms', '2000']);
    procs.push(b);
    await until('every document published', async () => {
      const st = await clusterStatistics(s.pool);
      return st.documents === 160 && st.unpublished === 0 && st.jobs_pending === 0 && st;
    }, 45_000);

    const q = async (sql: string) => (await s.pool.query(sql)).rows[0].n as number;
    assert.equal(await q('SELECT count(*)::int AS n FROM documents d LEFT JOIN version_segments v ON v.seq = d.current_seq WHERE v.segment_id IS NULL OR v.deleted_generation IS NOT NULL'), 0, 'every current version live');
    assert.equal(await q('SELECT count(*)::int AS n FROM version_segments v JOIN document_versions x ON x.seq = v.seq JOIN documents d ON d.id = x.doc_id WHERE v.seq <> d.current_seq AND v.deleted_generation IS NULL'), 0, 'every older version deleted');
    assert.equal(await q('SELECT count(*)::int AS n FROM document_versions v WHERE NOT EXISTS (SELECT 1 FROM version_segments m WHERE m.seq = v.seq)'), 0, 'every version published');
    // The segments themselves: each version in exactly one live segment, and in the one the row names.
    const segs = (await s.pool.query<{ id: string; segment_key: string }>("SELECT id, segment_key FROM segments WHERE state = 'live'")).rows;
    const where = new Map<number, string>();
    for (const seg of segs) {
      const bytes = await blob.get(seg.segment_key);
      for (const seq of new Segment(seg.segment_key, bytes!).seq) {
        assert.ok(!where.has(seq), `version ${seq} in two segments`);
        where.set(seq, seg.id);
      }
    }
    const rows = (await s.pool.query<{ seq: string; segment_id: string }>('SELECT v.seq, m.segment_id FROM document_versions v LEFT JOIN version_segments m ON m.seq = v.seq')).rows;
    assert.equal(where.size, rows.length);
    for (const r of rows) assert.equal(where.get(Number(r.seq)), r.segment_id);
    assert.ok((await checkpoints()).every((c: { generation: number }) => c.generation > 0));
    // The killed attempt's blobs: rebuilt identically (same key, now referenced) or collected.
    const j = await collectOrphans({ pool: s.pool, blob, graceMs: 0 });
    for (const k of keys) {
      const referenced = segs.some((x) => x.segment_key === k);
      assert.equal(Boolean(await blob.stat(k)), referenced, `${k}: kept only if referenced`);
    }
    assert.ok(j.scanned >= segs.length);
  } finally {
    await Promise.all(procs.map((p) => p.kill()));
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
