// `tra index --pg URL --blob PATH FILE...` as the contract states it: the same input and the same
// last line as `tra index --data DIR`, and the documents durable in PostgreSQL when it returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tra, lastJson, lines } from '../hostile/run.ts';
import { PG_SKIP, testSchema } from './pg.ts';

const INPUT = [
  { id: 'a', title: 'Bão Kalmaegi đổ bộ', text: 'Gió mạnh cấp 12.', published: '2025-11-06T08:00:00+07:00' },
  { id: 2, title: 'Giá vàng tăng', text: 'Vàng miếng lên đỉnh.' },
  { title: 'thiếu id' },
].map((d) => JSON.stringify(d)).join('\n') + '\n{not json\n';

test('tra index --pg --blob prints the single-machine summary and the documents are in PostgreSQL', { skip: PG_SKIP, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-index-pg-'));
  const s = await testSchema();
  try {
    const file = join(dir, 'tin.jsonl');
    writeFileSync(file, INPUT);
    const cluster = await tra(['index', '--pg', s.url, '--blob', join(dir, 'blob'), file], {}, 60_000);
    assert.equal(cluster.code, 0, cluster.stderr);
    const one = await tra(['index', '--data', join(dir, 'data'), file], {}, 60_000);
    assert.equal(one.code, 0, one.stderr);
    const a = lastJson(cluster.stdout);
    const b = lastJson(one.stdout);
    delete a.ms;
    delete b.ms;
    assert.deepEqual(a, b, 'same last line as on one machine');
    assert.deepEqual(a, { indexed: 2, skipped: 2 });
    const ids = (await s.pool.query('SELECT id FROM documents ORDER BY id')).rows.map((r: { id: string }) => r.id);
    assert.deepEqual(ids, ['2', 'a']);
  } finally {
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tra index with --pg but no --blob, or with --data too, says what to give in one line', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-index-pg-'));
  try {
    const file = join(dir, 'tin.jsonl');
    writeFileSync(file, INPUT);
    const noBlob = await tra(['index', '--pg', 'postgres://127.0.0.1:1/tra', file], {}, 30_000);
    assert.equal(noBlob.code, 1);
    assert.equal(lines(noBlob.stderr).length, 1);
    assert.match(noBlob.stderr, /cần cả --pg URL lẫn --blob PATH/);
    const both = await tra(['index', '--data', join(dir, 'd'), '--pg', 'postgres://127.0.0.1:1/tra', '--blob', join(dir, 'b'), file], {}, 30_000);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /--data và --pg không đi cùng nhau/);
    const none = await tra(['index', file], {}, 30_000);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /thiếu --data DIR/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
