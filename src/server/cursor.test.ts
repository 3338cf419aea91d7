import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor, fingerprint } from './cursor.ts';
import { BadRequest } from './errors.ts';

test('a cursor round-trips for its own query and is refused for another', () => {
  const fp = fingerprint(['giá vàng', undefined]);
  const c = encodeCursor(30, fp);
  assert.equal(decodeCursor(c, fp), 30);
  assert.throws(() => decodeCursor(c, fingerprint(['xăng', undefined])), (e: unknown) => e instanceof BadRequest && e.field === 'cursor');
  assert.throws(() => decodeCursor('không-phải-cursor', fp), BadRequest);
  assert.throws(() => decodeCursor(Buffer.from('{"o":-1,"f":"x"}').toString('base64url'), 'x'), BadRequest);
});
