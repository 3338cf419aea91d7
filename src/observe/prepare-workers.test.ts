import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DocStore } from '../store/store.ts';
import { syncFromStore, type SyncOptions } from './sync.ts';
import { syntheticNews } from './test-fixtures.ts';

/** A digest of every table of DIR/observe.sqlite but the bulk marker. */
function tables(dir: string): Record<string, string> {
  const db = new DatabaseSync(join(dir, 'observe.sqlite'), { readOnly: true });
  try {
    const h = (q: string) => {
      const c = createHash('sha256');
      for (const row of db.prepare(q).all()) c.update(JSON.stringify(row, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
      return c.digest('hex');
    };
    return {
      days: h('SELECT * FROM days ORDER BY day'),
      dict: h('SELECT * FROM dict ORDER BY chunk'),
      sources: h('SELECT * FROM source_days ORDER BY source, day'),
      seen: h('SELECT * FROM seen ORDER BY h'),
      meta: h("SELECT key, value FROM meta WHERE key <> 'bulk' ORDER BY key"),
    };
  } finally {
    db.close();
  }
}

test('a catch-up prepared in worker threads counts exactly what one thread counts (windows, dictionary resets, a failed worker)', () => {
  const base = mkdtempSync(join(tmpdir(), 'tra-prepare-'));
  try {
    const seed = join(base, 'seed');
    mkdirSync(seed);
    const docs = syntheticNews('2025-06-02', 40, 30, [{ day: 30, docs: 12, title: 'Bão Yagi đổ bộ Quảng Ninh' }]);
    // Duplicates (same URL), an undated and an implausibly dated article among them.
    const all = [...docs, { ...docs[5], id: 'lap-lai' }, { id: 'khong-ngay', title: 'Không có ngày', text: 'bài không ghi ngày' }, { id: 'ngay-la', title: 'Ngày lạ', published: '1890-01-01T00:00:00Z' }];
    const store = new DocStore(join(seed, 'store.sqlite'));
    store.putBatch(all);
    store.close();
    const run = (name: string, o: SyncOptions) => {
      const dir = join(base, name);
      cpSync(seed, dir, { recursive: true });
      const r = syncFromStore(dir, undefined, o);
      return { r, t: tables(dir) };
    };
    const one = run('one', { workers: 0 });
    assert.equal(one.r.counted + one.r.duplicates + one.r.undated + one.r.implausible, all.length);
    assert.ok(one.r.duplicates >= 1 && one.r.undated >= 1 && one.r.implausible >= 1, JSON.stringify(one.r));
    const two = run('two', { workers: 2, window: 37 });
    assert.deepEqual(two.r.counted, one.r.counted);
    assert.deepEqual(two.t, one.t, 'two workers, windows of 37 rows');
    const resets = run('resets', { workers: 2, window: 37, maxCodes: 50 });
    assert.deepEqual(resets.t, one.t, 'worker dictionaries emptied every few windows');
    const lines: string[] = [];
    process.env.TRA_TEST_PREPARE_FAIL_FROM = '74';
    try {
      const failed = run('failed', { workers: 2, window: 37, log: (l) => lines.push(l) });
      assert.deepEqual(failed.t, one.t, 'a failed worker: the rest prepared in this thread');
    } finally {
      delete process.env.TRA_TEST_PREPARE_FAIL_FROM;
    }
    assert.equal(lines.length, 1);
    assert.match(lines[0], /window after 74 refused/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
