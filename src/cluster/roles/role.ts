/**
 * What every long-running role (`tra indexer`, `tra searcher`, `tra coordinator`, `tra fetcher`)
 * does around its work: open PostgreSQL and blob storage, check the schema, turn operator errors
 * into one line, print one line when ready, and stop cleanly on SIGINT/SIGTERM (a second signal,
 * or a stop that takes longer than `stopMs`, exits at once). Roles without an HTTP server of
 * their own (fetcher, indexer) open one for /healthz and /metrics when given a port (./http.ts).
 */
import { openPool, describePgError, type Pool } from '../pg/connect.ts';
import { requireSchema } from '../pg/migrate.ts';
import { openBlobStore } from '../blob/open.ts';
import type { BlobStore } from '../blob/store.ts';
import { describeClusterError } from '../errors.ts';
import { startRoleHttp, type RoleHttp, type RoleHttpOptions } from './http.ts';

export interface RoleContext {
  pool: Pool;
  blob?: BlobStore;
}

export class RoleError extends Error {}

export function roleError(e: unknown, pgUrl: string): unknown {
  const msg = describeClusterError(e, (x) => describePgError(x, pgUrl));
  return msg ? new RoleError(msg) : e;
}

/** Open what the role needs; throws RoleError (one line) when PostgreSQL or the blob store is not usable. */
export async function openRole(o: { pg: string; blob?: string; name: string; connections?: number }): Promise<RoleContext> {
  let pool: Pool | undefined;
  try {
    pool = openPool(o.pg, { max: o.connections ?? 4, application: `tra ${o.name}` });
    await requireSchema(pool);
    const blob = o.blob !== undefined ? await openBlobStore(o.blob) : undefined;
    return { pool, blob };
  } catch (e) {
    await pool?.end().catch(() => undefined);
    throw roleError(e, o.pg);
  }
}

/** Resolve when SIGINT or SIGTERM arrives (the second one exits at once). */
export function untilStopped(stopMs = 10_000): Promise<string> {
  return new Promise((resolve) => {
    let seen = false;
    const on = (sig: string) => {
      if (seen) process.exit(130);
      seen = true;
      setTimeout(() => process.exit(1), stopMs).unref();
      resolve(sig);
    };
    process.once('SIGINT', () => on('SIGINT'));
    process.once('SIGTERM', () => on('SIGTERM'));
  });
}

export function logLine(role: string): (line: string) => void {
  return (line) => process.stderr.write(`tra ${role}: ${line}\n`);
}

/**
 * A worker role's `--port`: start its health and metrics server over `probe`, print its URL on
 * stdout, and give back what closes both. When it cannot listen, the probe is closed and the
 * RoleError (one line) thrown.
 */
export async function serveRoleHealth(o: RoleHttpOptions, probe: { close(): Promise<void> }): Promise<{ close(): Promise<void> }> {
  try {
    const http = await serveHealth(o);
    process.stdout.write(`${http.url}\n`);
    return { close: async () => (await http.close(), await probe.close()) };
  } catch (e) {
    await probe.close();
    throw e;
  }
}

/** Start a role's health and metrics server (./http.ts); RoleError (one line) when it cannot listen. */
export async function serveHealth(o: RoleHttpOptions): Promise<RoleHttp> {
  try {
    return await startRoleHttp(o);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new RoleError(`cổng ${o.port} trên ${o.host} đang bận — chọn cổng khác bằng --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EACCES') {
      throw new RoleError(`không mở được cổng ${o.port} trên ${o.host} (${code}) — kiểm tra --host và --port`);
    }
    throw e;
  }
}
