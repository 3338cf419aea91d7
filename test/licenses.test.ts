import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isCompatible, listLicences } from '../scripts/licenses.ts';

test('SPDX expressions are judged term by term', () => {
  assert.equal(isCompatible('MIT'), true);
  assert.equal(isCompatible('(MIT OR GPL-3.0)'), true);
  assert.equal(isCompatible('MIT AND GPL-3.0'), false);
  assert.equal(isCompatible('GPL-2.0'), false);
  assert.equal(isCompatible('UNKNOWN'), false);
});

test('every installed package has a licence compatible with Apache-2.0', () => {
  const root = path.resolve(import.meta.dirname, '..');
  const all = listLicences(root);
  assert.ok(all.length > 10, 'node_modules should be installed');
  const bad = all.filter((p) => !p.compatible).map((p) => `${p.name}@${p.version} (${p.license})`);
  assert.deepEqual(bad, []);
});
