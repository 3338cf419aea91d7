import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TermDict } from './term-dict.ts';

test('term ids and frequencies persist across chunks and reopening; a rollback forgets unwritten terms', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-dict-'));
  try {
    const file = path.join(dir, 'd.sqlite');
    let db = new DatabaseSync(file);
    let d = new TermDict(db, true);
    db.exec('BEGIN');
    for (let i = 0; i < 10_000; i++) d.addDf(d.intern(`từ ${i}`), (i % 3) + 1);
    assert.equal(d.intern('từ 5'), 5, 'a known term keeps its id');
    d.flush();
    db.exec('COMMIT');
    db.exec('BEGIN');
    d.intern('chưa ghi');
    db.exec('ROLLBACK');
    d.reload();
    assert.equal(d.id('chưa ghi'), undefined);
    db.close();
    db = new DatabaseSync(file, { readOnly: true });
    d = new TermDict(db, false);
    assert.equal(d.size, 10_000);
    assert.equal(d.text(9_999), 'từ 9999');
    assert.equal(d.id('từ 4097'), 4097);
    assert.equal(d.df(4097), (4097 % 3) + 1);
    assert.deepEqual(d.top(1)[0], { id: 2, term: 'từ 2', df: 3 });
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
