import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCase } from './case.ts';

test('the typed capitalisation is copied letter by letter', () => {
  assert.equal(applyCase('ha', 'hà'), 'hà');
  assert.equal(applyCase('Ha', 'hà'), 'Hà');
  assert.equal(applyCase('HA', 'hà'), 'HÀ');
  assert.equal(applyCase('dUONG', 'đường'), 'đƯỜNG');
  assert.equal(applyCase('Duong', 'đường'), 'Đường');
});

test('when lengths differ the whole-word pattern is used', () => {
  assert.equal(applyCase('DU\u200bONG', 'đường'), 'ĐƯỜNG');
  assert.equal(applyCase('Du\u200bong', 'đường'), 'Đường');
  assert.equal(applyCase('du\u200bong', 'đường'), 'đường');
});
