/**
 * Create or upgrade the cluster's schema (`tra migrate --pg URL`).
 *
 * Each migration runs in its own transaction, which first takes a transaction-level advisory lock
 * named after the schema: a second `tra migrate` started at the same time waits for the first
 * one's transaction, then finds the migration recorded in `tra_migrations` and skips it. Running
 * it again is a no-op. A migration that fails rolls back whole; the ones before it stay applied.
 *
 * A database whose recorded migration differs from the text this program holds (someone edited a
 * released migration) or that is newer than this program is refused with one line saying so.
 */
import { createHash } from 'node:crypto';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.ts';
import { withTransaction, type Pool, type Queryable } from './connect.ts';
import { ClusterError } from '../errors.ts';

export interface MigrateResult {
  /** Version before and after. */
  from: number;
  to: number;
  /** Migrations this run applied (others may have been applied concurrently by another run). */
  applied: Array<{ version: number; name: string }>;
}

function checksum(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex');
}

const LEDGER = `CREATE TABLE IF NOT EXISTS tra_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

async function lock(q: Queryable): Promise<void> {
  const { rows } = await q.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  if (!rows[0].schema) {
    throw new ClusterError('không có lược đồ (schema) nào để tạo bảng: search_path trỏ tới lược đồ chưa tồn tại — tạo nó (CREATE SCHEMA) hoặc sửa options=-c search_path=… trong --pg');
  }
  await q.query("SELECT pg_advisory_xact_lock(hashtext('tra migrate ' || current_schema()))");
}

async function appliedVersions(q: Queryable): Promise<Map<number, string>> {
  const { rows } = await q.query<{ version: number; checksum: string }>('SELECT version, checksum FROM tra_migrations');
  return new Map(rows.map((r) => [r.version, r.checksum]));
}

function check(applied: Map<number, string>, migrations: readonly Migration[]): void {
  const newest = Math.max(0, ...applied.keys());
  const known = migrations[migrations.length - 1]?.version ?? 0;
  if (newest > known) {
    throw new ClusterError(`lược đồ PostgreSQL ở phiên bản ${newest}, mới hơn phiên bản ${known} mà bản tra này biết — hãy cập nhật tra`);
  }
  for (const m of migrations) {
    const sum = applied.get(m.version);
    if (sum !== undefined && sum !== checksum(m)) {
      throw new ClusterError(`migration ${m.version} (${m.name}) đã áp dụng khác với bản trong tra này (checksum khác) — lược đồ đã bị sửa tay; khôi phục cơ sở dữ liệu hoặc dùng đúng phiên bản tra`);
    }
  }
}

/** Apply every migration not yet applied, in order. `migrations` is for tests. */
export async function migrate(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  const applied: MigrateResult['applied'] = [];
  let from = -1;
  let to = 0;
  for (const m of migrations) {
    await withTransaction(pool, async (c) => {
      await lock(c);
      await c.query(LEDGER);
      const done = await appliedVersions(c);
      check(done, migrations);
      if (from < 0) from = Math.max(0, ...done.keys());
      if (!done.has(m.version)) {
        await c.query(m.sql);
        await c.query('INSERT INTO tra_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, checksum(m)]);
        applied.push({ version: m.version, name: m.name });
      }
      to = m.version;
    });
  }
  return { from: Math.max(0, from), to, applied };
}

/** The applied schema version (0: none). */
export async function schemaVersion(q: Queryable): Promise<number> {
  const exists = await q.query<{ t: string | null }>("SELECT to_regclass('tra_migrations')::text AS t");
  if (exists.rows[0].t === null) return 0;
  const { rows } = await q.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM tra_migrations');
  return rows[0].v;
}

/** Throw one line telling to run `tra migrate` unless the schema is at this program's version. */
export async function requireSchema(q: Queryable): Promise<void> {
  const v = await schemaVersion(q);
  if (v < SCHEMA_VERSION) throw new ClusterError(`lược đồ PostgreSQL ở phiên bản ${v}, cần ${SCHEMA_VERSION} — chạy "tra migrate --pg URL" trước`);
  if (v > SCHEMA_VERSION) throw new ClusterError(`lược đồ PostgreSQL ở phiên bản ${v}, mới hơn phiên bản ${SCHEMA_VERSION} mà bản tra này biết — hãy cập nhật tra`);
}
