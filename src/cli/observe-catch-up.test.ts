import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ObserveCounts } from '../observe/counts.ts';
import { syntheticNews } from '../observe/test-fixtures.ts';

const BIN = fileURLToPath(new URL('../../bin/tra.js', import.meta.url));

function tra(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, TRA_PROGRESS: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function counted(dir: string): number {
  const c = new ObserveCounts(dir, { readOnly: true });
  try {
    return c.documents();
  } finally {
    c.close();
  }
}

test('tra index and tra delete keep the observatory counts up to date, so the first emerging call counts nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-catch-up-'));
  try {
    const docs = syntheticNews('2025-06-02', 20, 20, []);
    const file = join(dir, 'tin.jsonl');
    writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    const r = tra(['index', '--data', join(dir, 'data'), file]);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out.trim().split('\n').at(-1)!).indexed, docs.length, 'the last line is still the summary');
    assert.equal(counted(join(dir, 'data')), docs.length, 'counted by tra index itself');
    const e = tra(['emerging', '--data', join(dir, 'data'), '--json']);
    assert.equal(e.code, 0, e.err);
    assert.doesNotMatch(e.err, /Đang đếm|đếm/i, 'nothing left to count on the first call');
    const d = tra(['delete', '--data', join(dir, 'data'), String(docs[0].id)]);
    assert.equal(d.code, 0, d.err);
    assert.equal(counted(join(dir, 'data')), docs.length - 1, 'a deleted document is no longer counted');
    // A new version of an article replaces the old one in the counts.
    const v2 = { ...docs[1], title: 'Bão Kalmaegi đổ bộ vào miền Trung' };
    writeFileSync(file, JSON.stringify(v2) + '\n');
    assert.equal(tra(['index', '--data', join(dir, 'data'), file]).code, 0);
    const c = new ObserveCounts(join(dir, 'data'), { readOnly: true });
    try {
      assert.equal(c.documents(), docs.length - 1, 'replaced, not added');
      assert.equal(c.documentFrequency('kalmaegi'), 1, 'the new version is counted');
    } finally {
      c.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
