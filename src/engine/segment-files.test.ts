import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFully, readWholeFile } from './segment-files.ts';

// Files over 2 GiB cannot be read with one call (readFileSync refuses them, readSync refuses the
// length); the same loop is checked here with parts of a few bytes.
test('a segment file is read whole in parts of any size', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-segfiles-'));
  try {
    const file = path.join(dir, 'seg-000001.tseg');
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) % 251);
    writeFileSync(file, data);
    for (const chunk of [1, 7, 999, 1000, 4096]) assert.deepEqual(readWholeFile(file, chunk), data, `parts of ${chunk}`);
    writeFileSync(path.join(dir, 'empty'), '');
    assert.equal(readWholeFile(path.join(dir, 'empty')).length, 0);
    assert.throws(() => readWholeFile(path.join(dir, 'gone.tseg')), { code: 'ENOENT' });
    // A file shorter than the bytes asked for says so instead of leaving zeros.
    const fd = openSync(file, 'r');
    try {
      assert.throws(() => readFully(fd, new Uint8Array(1200), file, 64), { code: 'ESHORT' });
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
