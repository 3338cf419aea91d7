/**
 * The list of sources in cluster mode: every outlet with its number of documents, most first —
 * what `Backend.sources()` answers on one machine (src/server/source-catalog.ts: the `source`
 * field of every live document, when it is a non-empty string; ties by name in Vietnamese order).
 *
 * Here the documents are the cluster's: the current version of every document not deleted
 * (`documents` joined to `document_versions`), by the version's `source` column (migration 8,
 * written at ingest: no body is parsed). Counting them is one PostgreSQL aggregate over every
 * document (before the column it parsed every body: 2.6 s for 200,000 documents on the shared
 * development machine). It therefore never runs per page
 * view: the answer is kept for `ttlMs` (default 5 minutes) and, once older, served as it is while
 * one refresh runs in the background (one at a time, whatever the number of requests). Only the
 * very first call waits for a count — one machine's catalogue is likewise built once at start-up
 * — and the count starts as soon as the function is made. A failed refresh keeps the last answer
 * and is tried again at the next request after `retryMs`.
 *
 * The answer is exact as of the count; one machine's catalogue is exact as of its start.
 */
import type { QueryConfig } from 'pg';
import type { Pool } from '../pg/connect.ts';
import type { FacetValue } from '../../server/backend.ts';

export interface ClusterSourcesOptions {
  /** How long an answer is served before it is counted again, ms (default 5 min). */
  ttlMs?: number;
  /** After a failed count, wait this long before the next try, ms (default 30 s). */
  retryMs?: number;
  /** The count's own statement timeout, ms (default 10 min: it reads every document). */
  timeoutMs?: number;
  /** Start counting at once (default true), so the first page view finds the answer ready. */
  warm?: boolean;
  /** Told when a background count fails (the last answer is still served). */
  log?: (line: string) => void;
  now?: () => number;
}

/** The count: sources of the current versions of live documents. */
export const SOURCES_SQL = `SELECT v.source, count(*)::bigint AS n
FROM documents d JOIN document_versions v ON v.seq = d.current_seq
WHERE NOT d.deleted AND v.source IS NOT NULL
GROUP BY 1`;

/** Count the sources now (no cache): every source with its documents, most first. */
export async function countSources(pool: Pool, timeoutMs = 600_000): Promise<FacetValue[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    // The pool's client-side wait is for ordinary statements; this one may take longer.
    const query = { text: SOURCES_SQL, query_timeout: timeoutMs + 5_000 } as QueryConfig;
    const { rows } = await client.query<{ source: string; n: string }>(query);
    await client.query('COMMIT');
    return rows
      .filter((r) => r.source !== '')
      .map((r) => ({ value: r.source, count: Number(r.n) }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value, 'vi'));
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** No count yet, and the last one failed: a 503, asked again later. */
export class SourcesUnavailable extends Error {
  readonly statusCode = 503;
  constructor(cause: Error) {
    super(`Chưa đếm được các nguồn tin trong PostgreSQL của cụm (${cause.message}); hãy thử lại sau ít phút.`, { cause });
    this.name = 'SourcesUnavailable';
  }
}

/** `() => every source with its document count, most first`, counted at most once per `ttlMs`. */
export function clusterSources(pool: Pool, opts: ClusterSourcesOptions = {}): () => Promise<FacetValue[]> {
  const ttl = opts.ttlMs ?? 300_000;
  const retry = opts.retryMs ?? 30_000;
  const now = opts.now ?? Date.now;
  let value: FacetValue[] | undefined;
  let countedAt = 0;
  let failedAt = -Infinity;
  let failure: Error | undefined;
  let running: Promise<FacetValue[]> | undefined;

  const refresh = (): Promise<FacetValue[]> => {
    running ??= countSources(pool, opts.timeoutMs).then(
      (list) => {
        value = list;
        countedAt = now();
        running = undefined;
        return list;
      },
      (e: unknown) => {
        failedAt = now();
        failure = e as Error;
        running = undefined;
        throw e;
      },
    );
    return running;
  };

  if (opts.warm !== false) {
    refresh().catch((e: Error) => opts.log?.(`không đếm được các nguồn tin trong PostgreSQL: ${e.message}`));
  }

  return async () => {
    const t = now();
    if (value === undefined) {
      // Not counted yet and the last try failed moments ago: say so rather than count again per request.
      if (!running && failure && t - failedAt < retry) throw new SourcesUnavailable(failure);
      return (running ?? refresh()).catch((e: Error) => {
        throw new SourcesUnavailable(e);
      });
    }
    if (t - countedAt >= ttl && !running && t - failedAt >= retry) {
      refresh().catch((e: Error) => opts.log?.(`không đếm lại được các nguồn tin (vẫn dùng kết quả trước): ${e.message}`));
    }
    return value;
  };
}
