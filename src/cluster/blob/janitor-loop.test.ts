import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { DirBlobStore } from './dir.ts';
import { contentKey } from './store.ts';
import { janitorPass, runJanitorEvery } from './janitor-loop.ts';

test('a janitor pass runs in one indexer at a time; the loop stops at once when the indexer stops', { skip: PG_SKIP }, async () => {
  const s = await testSchema();
  const dir = mkdtempSync(join(tmpdir(), 'tra-janitor-loop-'));
  try {
    const blob = await new DirBlobStore(dir).open();
    // Another indexer's pass holds the lock: this one skips.
    const other = await s.pool.connect();
    await other.query('SELECT pg_advisory_lock($1)', [0x7472_6a01]);
    assert.equal(await janitorPass(s.pool, blob), undefined);
    await other.query('SELECT pg_advisory_unlock($1)', [0x7472_6a01]);
    other.release();
    const r = await janitorPass(s.pool, blob);
    assert.ok(r, 'the lock is free: the pass runs');
    assert.equal(r.deleted, 0, 'a fresh orphan is young: kept');
    // The loop stops when told, at once.
    const bytes = new TextEncoder().encode('orphan');
    await blob.put(contentKey('segments', bytes, '.tseg'), bytes);
    const ctl = new AbortController();
    const loop = runJanitorEvery({ pool: s.pool, blob, everyMs: 60_000, signal: ctl.signal });
    ctl.abort();
    await loop;
    let n = 0;
    for await (const b of blob.list('segments/')) n += b.key ? 1 : 0;
    assert.equal(n, 1, 'the loop was stopped before its first pass');
  } finally {
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
