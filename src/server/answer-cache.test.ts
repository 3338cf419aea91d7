import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerCache, keyHash, requestKey } from './answer-cache.ts';

test('answer cache returns a kept answer without recomputing it, with the lookup time as took_ms', () => {
  const c = new AnswerCache<{ took_ms: number; total: number }>(10);
  let runs = 0;
  const compute = () => ({ took_ms: 42, total: ++runs });
  assert.deepEqual(c.get('a', compute), { took_ms: 42, total: 1 });
  const again = c.get('a', compute);
  assert.equal(again.total, 1);
  assert.equal(runs, 1);
  assert.ok(again.took_ms < 42);
  assert.equal(c.hits, 1);
  assert.equal(c.misses, 1);
});

test('answer cache drops the least recently used answer when full, and everything on clear', () => {
  const c = new AnswerCache<{ v: string }>(2);
  let runs = 0;
  const val = (v: string) => () => (runs++, { v });
  c.get('a', val('a'));
  c.get('b', val('b'));
  c.get('a', val('a')); // a is now the most recent
  c.get('c', val('c')); // evicts b
  assert.equal(runs, 3);
  c.get('a', val('a'));
  assert.equal(runs, 3);
  c.get('b', val('b'));
  assert.equal(runs, 4);
  c.clear();
  assert.equal(c.size, 0);
  c.get('a', val('a'));
  assert.equal(runs, 5);
});

test('answer cache of capacity 0 keeps nothing', () => {
  const c = new AnswerCache<{ n: number }>(0);
  let runs = 0;
  c.get('a', () => ({ n: ++runs }));
  c.get('a', () => ({ n: ++runs }));
  assert.equal(runs, 2);
});

test('request keys ignore field order and undefined fields; hashes are stable', () => {
  assert.equal(requestKey('search', { query: 'x', limit: 10 }), requestKey('search', { limit: 10, query: 'x', from: undefined }));
  assert.notEqual(requestKey('search', { query: 'x' }), requestKey('trends', { query: 'x' }));
  assert.notEqual(requestKey('search', { query: 'x', offset: 0 }), requestKey('search', { query: 'x', offset: 10 }));
  assert.equal(keyHash('giá vàng'), keyHash('giá vàng'));
  assert.ok(Number.isInteger(keyHash('giá vàng')) && keyHash('giá vàng') >= 0);
});
