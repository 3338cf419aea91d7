// The coordinator's statistics cache on its own (no PostgreSQL): entries are per shard and
// generation, the byte budget holds, the least recently used go first, and a shard whose base
// numbers disagree at the same generation (a replaced database) is forgotten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsCache } from '../../src/cluster/coordinator/cluster-search.ts';

test('statistics are kept per shard and generation: another generation is a miss', () => {
  const c = new StatsCache(1 << 20);
  c.set('2025-Q3', 7, 'd', 'egiá', 12);
  assert.equal(c.get('2025-Q3', 7, 'd', 'egiá'), 12);
  assert.equal(c.get('2025-Q3', 8, 'd', 'egiá'), undefined);
  assert.equal(c.get('2025-Q2', 7, 'd', 'egiá'), undefined);
  assert.equal(c.get('2025-Q3', 7, 'a', 'egiá'), undefined, 'kinds do not mix');
  c.set('2025-Q3', 7, 'x', 'fgi', [['fgia', 3], ['fgiao', 1]]);
  assert.deepEqual(c.get('2025-Q3', 7, 'x', 'fgi'), [['fgia', 3], ['fgiao', 1]]);
});

test('the byte budget holds and the least recently used entry goes first', () => {
  const c = new StatsCache(4_000);
  for (let i = 0; i < 10; i++) c.set('s', 1, 'd', `e${i}`, i);
  const per = c.bytes / c.size;
  const fit = Math.floor(4_000 / per);
  c.get('s', 1, 'd', 'e0'); // e0 is now the most recently used
  // Room for about `fit`: some of e1…e9 must go, e0 (used after them) must not.
  for (let i = 10; i < 5 + fit; i++) c.set('s', 1, 'd', `e${i}`, i);
  assert.ok(c.size < 5 + fit - 1, `${c.size} entries after ${5 + fit} were set`);
  assert.ok(c.bytes <= 4_000, `${c.bytes} bytes`);
  assert.equal(c.get('s', 1, 'd', 'e0'), 0, 'used recently: kept');
  assert.equal(c.get('s', 1, 'd', 'e1'), undefined, 'least recently used: gone');
  // A value larger than the whole budget is not kept (and evicts nothing).
  const before = c.size;
  c.set('s', 1, 'x', 'big', Array.from({ length: 500 }, (_, i) => [`term-${i}`, i]));
  assert.equal(c.get('s', 1, 'x', 'big'), undefined);
  assert.equal(c.size, before);
});

test('a budget of 0 keeps nothing', () => {
  const c = new StatsCache(0);
  c.set('s', 1, 'd', 'e', 1);
  assert.equal(c.get('s', 1, 'd', 'e'), undefined);
  assert.equal(c.size, 0);
});

test('other base numbers at the same generation forget that shard only', () => {
  const c = new StatsCache(1 << 20);
  c.set('a', 3, 'b', '', { docs: 100, sumLen: [1, 2, 3], span: [1, 2] });
  c.set('a', 3, 'd', 'ex', 5);
  c.set('b', 3, 'd', 'ex', 6);
  // The same numbers again: nothing forgotten.
  c.set('a', 3, 'b', '', { docs: 100, sumLen: [1, 2, 3], span: [1, 2] });
  assert.equal(c.get('a', 3, 'd', 'ex'), 5);
  // Generation 3 of shard a now names other statistics.
  c.set('a', 3, 'b', '', { docs: 40, sumLen: [1, 2, 3], span: [1, 2] });
  assert.equal(c.get('a', 3, 'd', 'ex'), undefined);
  assert.deepEqual(c.get('a', 3, 'b', ''), { docs: 40, sumLen: [1, 2, 3], span: [1, 2] });
  assert.equal(c.get('b', 3, 'd', 'ex'), 6);
  c.clear();
  assert.equal(c.size, 0);
  assert.equal(c.bytes, 0);
  assert.equal(c.get('b', 3, 'd', 'ex'), undefined);
});
