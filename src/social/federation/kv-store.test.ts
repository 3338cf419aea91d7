import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteKvStore } from './kv-store.ts';

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-kv-'));
  return path.join(dir, 'federation.sqlite');
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('kv: set, get and delete round-trip JSON values', async () => {
  const kv = new SqliteKvStore(tempFile());
  await kv.set(['a', 'b'], { n: 1, s: 'chào', list: [true, null] });
  assert.deepEqual(await kv.get(['a', 'b']), { n: 1, s: 'chào', list: [true, null] });
  assert.equal(await kv.get(['a']), undefined);
  await kv.set(['a', 'b'], 2);
  assert.equal(await kv.get(['a', 'b']), 2);
  await kv.delete(['a', 'b']);
  assert.equal(await kv.get(['a', 'b']), undefined);
  await assert.rejects(kv.set(['x'], undefined), /JSON/);
  await assert.rejects(kv.set(['x'], 1n), /JSON/);
  kv.close();
});

test('kv: an entry past its ttl is invisible to get, cas and list, and its row is purged', async () => {
  let now = 1_000_000;
  const file = tempFile();
  const kv = new SqliteKvStore(file, { now: () => now, purgeEveryMs: 0 });
  await kv.set(['t', 'short'], 'x', { ttl: { seconds: 2 } });
  await kv.set(['t', 'long'], 'y', { ttl: { hours: 1 } });
  await kv.set(['t', 'forever'], 'z');
  now += 1999;
  assert.equal(await kv.get(['t', 'short']), 'x');
  now += 1;
  assert.equal(await kv.get(['t', 'short']), undefined);
  assert.deepEqual((await collect(kv.list(['t']))).map((e) => e.key[1]).sort(), ['forever', 'long']);
  assert.equal(await kv.cas(['t', 'short'], 'x', 'new'), false);
  assert.equal(await kv.cas(['t', 'short'], undefined, 'new'), true);
  assert.equal(await kv.get(['t', 'short']), 'new');
  now += 3_600_000;
  await kv.set(['other'], 1); // a write purges
  const raw = new DatabaseSync(file, { readOnly: true });
  const keys = (raw.prepare('SELECT key FROM fedify_kv ORDER BY key').all() as { key: string }[]).map((r) => r.key);
  raw.close();
  assert.deepEqual(keys, ['["other"]', '["t","forever"]', '["t","short"]']);
  await assert.rejects(kv.set(['bad'], 1, { ttl: { months: 1 } }), /năm hay tháng/);
  kv.close();
});

test('kv: ttl accepts a real Temporal.Duration from Fedify', async () => {
  const { Temporal } = await import('@js-temporal/polyfill');
  const kv = new SqliteKvStore(tempFile());
  await kv.set(['d'], 1, { ttl: Temporal.Duration.from({ milliseconds: 30 }) });
  assert.equal(await kv.get(['d']), 1);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(await kv.get(['d']), undefined);
  kv.close();
});

test('kv: list matches whole key elements, never a longer element with the same start', async () => {
  const kv = new SqliteKvStore(tempFile());
  await kv.set(['a'], 0);
  await kv.set(['a', 'x'], 1);
  await kv.set(['a', 'x', 'y'], 2);
  await kv.set(['ab', 'x'], 3);
  await kv.set(['a","x'], 4);
  await kv.set(['b'], 5);
  const byValue = (es: { value: unknown }[]) => [...es].sort((x, y) => Number(x.value) - Number(y.value));
  assert.deepEqual(byValue(await collect(kv.list(['a']))), [
    { key: ['a'], value: 0 },
    { key: ['a', 'x'], value: 1 },
    { key: ['a', 'x', 'y'], value: 2 },
  ]);
  assert.deepEqual(byValue(await collect(kv.list(['a', 'x']))).map((e) => e.value), [1, 2]);
  assert.equal((await collect(kv.list())).length, 6);
  kv.close();
});

test('kv: list pages through more entries than one page holds', async () => {
  const kv = new SqliteKvStore(tempFile());
  for (let i = 0; i < 1203; i++) await kv.set(['p', String(i).padStart(5, '0')], i);
  const all = await collect(kv.list(['p']));
  assert.equal(all.length, 1203);
  assert.equal(new Set(all.map((e) => e.value)).size, 1203);
  kv.close();
});

test('kv: cas swaps only on a deep-equal current value, and is atomic across connections', async () => {
  const file = tempFile();
  const a = new SqliteKvStore(file);
  const b = new SqliteKvStore(file);
  assert.equal(await a.cas(['c'], undefined, { v: 1 }), true);
  assert.equal(await b.cas(['c'], undefined, { v: 2 }), false);
  assert.equal(await b.cas(['c'], { v: 1 }, { v: 2 }), true);
  assert.deepEqual(await a.get(['c']), { v: 2 });
  assert.equal(await a.cas(['c'], { v: 2 }, undefined), true);
  assert.equal(await b.get(['c']), undefined);
  // Many increments from two connections: none is lost.
  await a.set(['n'], 0);
  const bump = async (kv: SqliteKvStore) => {
    for (let done = 0; done < 50; ) {
      const cur = (await kv.get<number>(['n']))!;
      if (await kv.cas(['n'], cur, cur + 1)) done++;
    }
  };
  await Promise.all([bump(a), bump(b)]);
  assert.equal(await a.get(['n']), 100);
  a.close();
  b.close();
});

test('kv: values persist across close and reopen', async () => {
  const file = tempFile();
  const kv = new SqliteKvStore(file);
  await kv.set(['keep'], 'còn đây');
  kv.close();
  const again = new SqliteKvStore(file);
  assert.equal(await again.get(['keep']), 'còn đây');
  again.close();
});
