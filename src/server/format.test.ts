import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDelay } from './format.ts';

test('delays after a first article read as people say them, never "1.329 phút"', () => {
  assert.equal(formatDelay(35), '35 phút');
  assert.equal(formatDelay(320), '5 giờ 20 phút');
  assert.equal(formatDelay(120), '2 giờ');
  assert.equal(formatDelay(1329), '22 giờ');
  assert.equal(formatDelay(4400), '3 ngày');
});
