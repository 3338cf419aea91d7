/**
 * PostgreSQL for tests: the server named by TRA_TEST_PG_URL (`.ci/run` starts one with
 * test/cluster/postgres.sh; so can a developer). Each test gets a schema of its own, so test
 * files run in parallel against one database and leave nothing behind.
 *
 * Without TRA_TEST_PG_URL, the tests that need PostgreSQL are skipped with `PG_SKIP` as reason.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPool, type Pool, type PoolOptions } from '../../src/cluster/pg/connect.ts';
import { migrate } from '../../src/cluster/pg/migrate.ts';

export const PG_URL = process.env.TRA_TEST_PG_URL;

/** The skip reason of a test that needs PostgreSQL, or false when it is there. */
export const PG_SKIP: string | false = PG_URL ? false : 'TRA_TEST_PG_URL is not set: start one with `eval "$(test/cluster/postgres.sh start /tmp/tra-pg)"` (docs/SCALE.md)';

export interface TestSchema {
  /** The URL of the test database with search_path set to this schema. */
  url: string;
  name: string;
  /** A pool on `url` (closed by drop). */
  pool: Pool;
  /** Close the pool and drop the schema with everything in it. */
  drop(): Promise<void>;
}

/** `url` with `options=-c search_path=SCHEMA`. */
export function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000, statement_timeout: 30_000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A new empty schema (migrated unless `migrated: false`). */
export async function testSchema(opts: { migrated?: boolean; pool?: PoolOptions } = {}): Promise<TestSchema> {
  if (!PG_URL) throw new Error('TRA_TEST_PG_URL is not set');
  const name = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE SCHEMA ${name}`));
  const url = urlWithSchema(PG_URL, name);
  const pool = openPool(url, { max: 8, statementTimeoutMs: 20_000, ...opts.pool });
  if (opts.migrated !== false) await migrate(pool);
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end();
      await admin((c) => c.query(`DROP SCHEMA ${name} CASCADE`));
    },
  };
}
