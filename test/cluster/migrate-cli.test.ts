// `tra migrate --pg URL` as a user runs it: creates the schema, is a no-op the second time, and
// says in one line what is wrong with a bad URL or an unreachable server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tra, lastJson, lines } from '../hostile/run.ts';
import { PG_SKIP, testSchema } from './pg.ts';
import { SCHEMA_VERSION } from '../../src/cluster/pg/migrations.ts';

test('tra migrate creates the schema, then reports nothing to do', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema({ migrated: false });
  try {
    const first = await tra(['migrate', '--pg', s.url, '--json'], {}, 30_000);
    assert.equal(first.code, 0, first.stderr);
    const r = lastJson(first.stdout);
    assert.equal(r.to, SCHEMA_VERSION);
    assert.equal((r.applied as unknown[]).length, SCHEMA_VERSION);
    const second = await tra(['migrate', '--pg', s.url], {}, 30_000);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /không có gì để nâng cấp/);
  } finally {
    await s.drop();
  }
});

test('tra migrate with a malformed URL or a closed port fails with one line', { timeout: 60_000 }, async () => {
  const bad = await tra(['migrate', '--pg', 'not a url'], {}, 30_000);
  assert.equal(bad.code, 1);
  assert.deepEqual(lines(bad.stderr).length, 1);
  assert.match(bad.stderr, /^tra: --pg: địa chỉ PostgreSQL không hợp lệ/);
  // Port 1 on loopback: nothing listens there.
  const down = await tra(['migrate', '--pg', 'postgres://tra:secret@127.0.0.1:1/tra'], {}, 30_000);
  assert.equal(down.code, 1);
  assert.equal(lines(down.stderr).length, 1);
  assert.match(down.stderr, /không nhận kết nối/);
  assert.doesNotMatch(down.stderr, /secret/, 'the password is not printed');
});
