/**
 * Connections to the cluster's PostgreSQL: one pool per process, every wait bounded.
 *
 * - Connecting gives up after 10 s; a statement after `statementTimeoutMs` (server side) and the
 *   client stops waiting for an answer a little later (a server that vanished mid-query cannot
 *   hang a worker); a session idle inside a transaction is ended by the server after 60 s.
 * - Every session sets `synchronous_commit = on`, whatever the server's default: a COMMIT that
 *   returned is on disk (docs/SCALE.md, "Durability"). Nothing here needs SERIALIZABLE.
 * - An idle connection that breaks (the server restarted) is dropped by the pool and reported to
 *   nobody: the next query opens a new one, and its error, if any, goes to the caller.
 *
 * The URL is libpq's (`postgres://user:password@host:port/database?options=...`); tests choose
 * their schema with `options=-c search_path=NAME`.
 */
import pg from 'pg';
import { ClusterError } from '../errors.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that runs a query: the pool (autocommit) or a client inside a transaction. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

export interface PoolOptions {
  /** Connections at most (default 4: a CLI command or one worker). */
  max?: number;
  /** Shown in pg_stat_activity (default "tra"). */
  application?: string;
  /** Longest statement, in ms (default 60 s). */
  statementTimeoutMs?: number;
  /** Longest wait for a connection, in ms (default 10 s). */
  connectTimeoutMs?: number;
}

/** Throw one line unless `url` is a postgres:// (or postgresql://) URL. */
export function checkPgUrl(url: string): void {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') || !u.hostname) {
    throw new ClusterError('--pg: địa chỉ PostgreSQL không hợp lệ — dạng đúng: postgres://user:password@host:5432/database');
  }
}

export function openPool(url: string, opts: PoolOptions = {}): Pool {
  checkPgUrl(url);
  const statement = opts.statementTimeoutMs ?? 60_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 4,
    application_name: opts.application ?? 'tra',
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    statement_timeout: statement,
    query_timeout: statement + 5_000,
    idle_in_transaction_session_timeout: 60_000,
    idleTimeoutMillis: 10_000,
    keepAlive: true,
    onConnect: async (client) => {
      await client.query('SET synchronous_commit = on');
    },
  });
  // An idle client's error (server restart, network) would otherwise crash the process.
  pool.on('error', () => undefined);
  // So would a checked-out client's: when the server dies in the middle of a transaction the
  // client emits 'error' besides failing its query. The query's rejection reaches the caller; the
  // event has nobody to tell.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/**
 * Run `fn` in one transaction (READ COMMITTED, PostgreSQL's default) on a client of `pool`:
 * committed when it returns, rolled back when it throws. A client whose connection broke is
 * released as broken so the pool does not hand it out again.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>, opts: { snapshot?: boolean } = {}): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // snapshot: one consistent read-only view of the database for the whole of `fn`.
    await client.query(opts.snapshot ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
    try {
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch (e2) {
        broken = e2 as Error;
      }
      throw e;
    }
  } finally {
    client.release(broken);
  }
}

/** `url` with its password replaced by "***", for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(địa chỉ PostgreSQL không đọc được)';
  }
}

/** SQLSTATE of a PostgreSQL error, or undefined. */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * One line saying why PostgreSQL at `url` could not be used and what to do, for the errors a
 * user can fix (server down, wrong address, password, database, schema not created); undefined
 * for anything else.
 */
export function describePgError(e: unknown, url: string): string | undefined {
  const where = redactUrl(url);
  const err = e as NodeJS.ErrnoException & { code?: string };
  const code = err?.code;
  if (code === 'ECONNREFUSED') return `${where}: PostgreSQL không nhận kết nối (connection refused) — máy chủ đã chạy chưa, cổng có đúng không?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${where}: không tìm thấy máy chủ PostgreSQL (${code}) — kiểm tra tên máy trong --pg`;
  if (code === 'ETIMEDOUT' || /timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(err?.message ?? '')) {
    return `${where}: PostgreSQL không trả lời trong thời hạn (connection timeout) — kiểm tra mạng và máy chủ`;
  }
  if (code === '28P01' || code === '28000') return `${where}: PostgreSQL từ chối đăng nhập (${err.message}) — kiểm tra tên người dùng và mật khẩu trong --pg`;
  if (code === '3D000') return `${where}: cơ sở dữ liệu không tồn tại (${err.message}) — tạo nó bằng createdb rồi chạy "tra migrate --pg URL"`;
  if (code === '42P01' || code === '3F000') return `${where}: chưa có lược đồ của Tra (${err.message}) — chạy "tra migrate --pg URL" trước`;
  if (code === '57P01' || code === '57P02' || code === 'ECONNRESET' || code === 'EPIPE' || /Connection terminated unexpectedly|terminating connection/i.test(err?.message ?? '')) {
    return `${where}: PostgreSQL ngắt kết nối giữa chừng (connection lost) — những gì đã ghi xong vẫn còn; hãy chạy lại lệnh khi máy chủ đã lên (phần đã ghi được bỏ qua)`;
  }
  if (code === '57P03') return `${where}: PostgreSQL đang khởi động hoặc đang dừng (${err.message}) — thử lại sau ít giây`;
  return undefined;
}
