import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { migrate, requireSchema, schemaVersion } from './migrate.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';
import { openPool } from './connect.ts';
import { ClusterError } from '../errors.ts';

test('migrate creates every table once and a second run applies nothing', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema({ migrated: false });
  try {
    assert.equal(await schemaVersion(s.pool), 0);
    await assert.rejects(requireSchema(s.pool), /tra migrate/);
    const first = await migrate(s.pool);
    assert.deepEqual(first.applied.map((a) => a.version), MIGRATIONS.map((m) => m.version));
    assert.equal(first.from, 0);
    assert.equal(first.to, SCHEMA_VERSION);
    const second = await migrate(s.pool);
    assert.deepEqual(second.applied, []);
    assert.equal(second.from, SCHEMA_VERSION);
    await requireSchema(s.pool);
    const { rows } = await s.pool.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1');
    for (const t of ['captures', 'document_versions', 'documents', 'hosts', 'jobs', 'searchers', 'segments', 'shard_checkpoints', 'shards', 'sources', 'tra_migrations', 'urls']) {
      assert.ok(rows.some((r) => r.table_name === t), `table ${t} exists`);
    }
    // Migration 7: the validators of fetched URLs (conditional GETs).
    const cols = await s.pool.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'urls'");
    for (const c of ['etag', 'last_modified']) assert.ok(cols.rows.some((r) => r.column_name === c), `urls.${c} exists`);
  } finally {
    await s.drop();
  }
});

test('migrate from several processes at once applies each migration exactly once', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema({ migrated: false });
  const pools = Array.from({ length: 4 }, () => openPool(s.url, { max: 1 }));
  try {
    const results = await Promise.all(pools.map((p) => migrate(p)));
    const applied = results.flatMap((r) => r.applied.map((a) => a.version)).sort();
    assert.deepEqual(applied, MIGRATIONS.map((m) => m.version));
    const { rows } = await s.pool.query('SELECT version FROM tra_migrations');
    assert.equal(rows.length, MIGRATIONS.length);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
    await s.drop();
  }
});

test('a failing migration rolls back whole and leaves the earlier ones applied', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema({ migrated: false });
  try {
    const good = { version: 1, name: 'one', sql: 'CREATE TABLE one (x int)' };
    const bad = { version: 2, name: 'two', sql: 'CREATE TABLE two (x int); SELECT no_such_function()' };
    await assert.rejects(migrate(s.pool, [good, bad]), /no_such_function/);
    assert.equal(await schemaVersion(s.pool), 1);
    const { rows } = await s.pool.query("SELECT to_regclass('two') AS t");
    assert.equal(rows[0].t, null, 'the half of migration 2 that ran was rolled back');
  } finally {
    await s.drop();
  }
});

test('migrate refuses a database whose applied migration was edited, or that is newer than this program', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema({ migrated: false });
  try {
    await migrate(s.pool, [{ version: 1, name: 'one', sql: 'CREATE TABLE one (x int)' }]);
    await assert.rejects(migrate(s.pool, [{ version: 1, name: 'one', sql: 'CREATE TABLE one (x bigint)' }]), (e) => e instanceof ClusterError && /checksum/.test(e.message));
    await migrate(s.pool, [
      { version: 1, name: 'one', sql: 'CREATE TABLE one (x int)' },
      { version: 2, name: 'two', sql: 'CREATE TABLE two (x int)' },
    ]);
    await assert.rejects(migrate(s.pool, [{ version: 1, name: 'one', sql: 'CREATE TABLE one (x int)' }]), /mới hơn/);
  } finally {
    await s.drop();
  }
});

test('migrate names a search_path schema that does not exist', { skip: PG_SKIP, timeout: 30_000 }, async () => {
  const s = await testSchema({ migrated: false });
  const other = openPool(s.url.replace(/search_path%3D[a-z0-9_]+/, 'search_path%3Dno_such_schema_here'), { max: 1 });
  try {
    await assert.rejects(migrate(other), /CREATE SCHEMA/);
  } finally {
    await other.end();
    await s.drop();
  }
});

test('migration 9 carries published versions, their segments and deletions into version_segments', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema({ migrated: false });
  try {
    await migrate(s.pool, MIGRATIONS.filter((m) => m.version < 9));
    await s.pool.query(`INSERT INTO documents (id, current_seq, content_hash) VALUES ('a', 2, '\\x00'), ('b', 3, '\\x00')`);
    await s.pool.query(`INSERT INTO document_versions (seq, doc_id, content_hash, body, batch) VALUES
      (1, 'a', '\\x00', '{"title":"một"}', 1), (2, 'a', '\\x00', '{"title":"hai"}', 1), (3, 'b', '\\x00', '{"title":"ba"}', 2)`);
    await s.pool.query(`INSERT INTO shards (shard, published_from, published_to) VALUES ('2026', '2026-01-01', '2027-01-01')`);
    const seg = (await s.pool.query<{ id: string }>(
      `INSERT INTO segments (shard, segment_key, checksum, bytes, doc_count, min_seq, max_seq, state, published_generation)
       VALUES ('2026', 'segments/x.tseg', 'c', 1, 2, 1, 2, 'live', 1) RETURNING id`)).rows[0].id;
    await s.pool.query(`UPDATE document_versions SET segment_id = $1, shard = '2026', deleted_generation = CASE seq WHEN 1 THEN 2 END WHERE seq IN (1, 2)`, [seg]);
    const r = await migrate(s.pool);
    assert.deepEqual(r.applied.map((a) => a.version), [9]);
    const rows = (await s.pool.query('SELECT seq::int, segment_id::text, shard, deleted_generation::int FROM version_segments ORDER BY seq')).rows;
    assert.deepEqual(rows, [
      { seq: 1, segment_id: seg, shard: '2026', deleted_generation: 2 },
      { seq: 2, segment_id: seg, shard: '2026', deleted_generation: null },
    ]);
    const cols = (await s.pool.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'document_versions'")).rows.map((c) => c.column_name);
    for (const c of ['segment_id', 'shard', 'deleted_generation']) assert.ok(!cols.includes(c), `document_versions.${c} dropped`);
    assert.equal((await s.pool.query('SELECT count(*)::int AS n FROM document_versions')).rows[0].n, 3, 'no version lost');
  } finally {
    await s.drop();
  }
});
