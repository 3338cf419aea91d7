import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TRA = path.resolve(import.meta.dirname, '..', 'bin', 'tra.js');

// A Tuổi Trẻ-style item whose `published` is the collector's fetch time; the URL carries the
// publisher's own timestamp (evening of 8 August, Vietnam time).
const ITEM = {
  id: 'tt1', title: 'Tin thử', source: 'Tuổi Trẻ',
  url: 'https://tuoitre.vn/tin-thu-20250808222406149.htm',
  published: '2025-08-09T09:26:47+07:00',
};

function run(dir: string, file: string, ...extra: string[]) {
  execFileSync(process.execPath, [TRA, 'index', '--data', dir, ...extra, file], { encoding: 'utf8' });
  return JSON.parse(execFileSync(process.execPath, [TRA, 'trends', '--data', dir, '--json', 'tin thử'], { encoding: 'utf8' }));
}

test('tra index --repair-dates dates a document by its repaired time and keeps the given one', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'tra-repair-'));
  try {
    const file = path.join(tmp, 'in.jsonl');
    writeFileSync(file, JSON.stringify(ITEM) + '\n');
    const asGiven = run(path.join(tmp, 'plain'), file);
    assert.equal(asGiven.buckets[0].start, '2025-08-09');
    const repaired = run(path.join(tmp, 'repaired'), file, '--repair-dates');
    assert.equal(repaired.buckets[0].start, '2025-08-08');
    const { openEngine } = await import('../src/engine/index.ts');
    const engine = await openEngine(path.join(tmp, 'repaired'), { readOnly: true });
    try {
      const doc = engine.get('tt1') as Record<string, unknown>;
      assert.equal(doc.published_given, ITEM.published);
      assert.match(String(doc.published), /^2025-08-08T22:24:06/);
    } finally {
      engine.close();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
