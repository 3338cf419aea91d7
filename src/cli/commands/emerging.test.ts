import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DocStore } from '../../store/store.ts';
import { syntheticNews } from '../../observe/test-fixtures.ts';

const BIN = fileURLToPath(new URL('../../../bin/tra.js', import.meta.url));

function tra(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, TRA_PROGRESS: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('tra emerging --json follows the contract', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-emerging-'));
  try {
    const store = new DocStore(join(dir, 'store.sqlite'));
    store.putBatch(syntheticNews('2025-06-02', 40, 40, [{ day: 38, docs: 12, title: 'Động đất mạnh ở Kon Tum' }]));
    store.close();
    const r = tra(['emerging', '--data', dir, '--date', '2025-07-10', '--limit', '3', '--json']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines.length, 1);
    const j = JSON.parse(lines[0]);
    assert.equal(j.date, '2025-07-10');
    assert.ok(Array.isArray(j.items) && j.items.length >= 1 && j.items.length <= 3);
    for (const it of j.items) {
      assert.equal(typeof it.label, 'string');
      assert.equal(typeof it.score, 'number');
      assert.equal(typeof it.count, 'number');
      assert.equal(typeof it.baseline, 'number');
    }
    assert.match(j.items[0].label, /động đất|kon tum/i);
    for (let i = 1; i < j.items.length; i++) assert.ok(j.items[i - 1].score >= j.items[i].score);
    // Without --date: the last day with documents (2025-07-11 here).
    const last = tra(['emerging', '--data', dir, '--json']);
    assert.equal(last.code, 0, last.err);
    assert.equal(JSON.parse(last.out).date, '2025-07-11');
    // A day without documents: empty list, exit 0.
    const empty = tra(['emerging', '--data', dir, '--date', '2031-01-01', '--json']);
    assert.equal(empty.code, 0, empty.err);
    assert.deepEqual(JSON.parse(empty.out), { date: '2031-01-01', items: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tra emerging: clear one-line errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-emerging-'));
  try {
    const noData = tra(['emerging', '--data', join(dir, 'none'), '--date', '2025-07-10', '--json']);
    assert.notEqual(noData.code, 0);
    assert.match(noData.err, /tra index/);
    const badDate = tra(['emerging', '--data', dir, '--date', '2025-02-30', '--json']);
    assert.notEqual(badDate.code, 0);
    assert.match(badDate.err, /YYYY-MM-DD/);
    assert.equal(badDate.err.trim().split('\n').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
