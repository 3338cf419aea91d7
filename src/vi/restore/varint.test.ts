import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteReader, ByteWriter } from './varint.ts';

test('varints and strings round-trip, including counts beyond 32 bits', () => {
  const values = [0, 1, 127, 128, 300, 65535, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];
  const w = new ByteWriter();
  for (const v of values) w.uint(v);
  w.string('đường\nhà nội');
  w.bytes(Uint8Array.of(9, 8, 7));
  const r = new ByteReader(w.finish());
  for (const v of values) assert.equal(r.uint(), v);
  assert.equal(r.string(), 'đường\nhà nội');
  assert.deepEqual([...r.take(3)], [9, 8, 7]);
  assert.throws(() => r.byte(), /unexpected end/);
});

test('small numbers take one byte; bad input is refused', () => {
  const w = new ByteWriter();
  w.uint(127);
  assert.equal(w.finish().length, 1);
  assert.throws(() => w.uint(-1), RangeError);
  assert.throws(() => w.uint(1.5), RangeError);
  assert.throws(() => new ByteReader(Uint8Array.of(0x80, 0x80)).uint(), /unexpected end/);
});
