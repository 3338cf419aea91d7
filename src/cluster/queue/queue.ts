/**
 * The job queue, in PostgreSQL itself (table `jobs`): no second system to keep consistent.
 *
 * - **Enqueue** with the same client as the state change that causes the job, inside its
 *   transaction: both commit or neither does (an indexed batch always has its index job).
 * - **Claim** takes ready jobs with `FOR UPDATE SKIP LOCKED` (claimers never wait on each other
 *   and never take the same row), marks them running under a lease (owner, expiry by the
 *   database's clock, an epoch incremented on every claim) and counts the attempt. A running job
 *   whose lease has expired is ready again: its worker is presumed dead.
 * - **Complete** deletes the job, **fail** puts it back with exponential backoff (or marks it
 *   failed for good after `max_attempts`), **extend** renews the lease. Each is fenced by the
 *   epoch of the claim: a worker whose job was reclaimed gets LeaseLost and must drop its work.
 *   `complete` and `extend` also need the lease still live, so nothing a worker wrote before it
 *   (a blob) is older than the lease when the row that references it commits (docs/SCALE.md).
 *
 * `complete` accepts a client inside the caller's transaction: the job's effects (a segment
 * published, a checkpoint advanced) and its completion commit together.
 */
import type { Queryable } from '../pg/connect.ts';
import { LeaseLost } from '../errors.ts';

export interface JobSpec {
  kind: string;
  payload?: unknown;
  /** Not before this delay, ms (default 0). */
  delayMs?: number;
  /** Higher first (default 0). */
  priority?: number;
  /** Attempts before the job is failed for good (default 10). */
  maxAttempts?: number;
  /** While a job with this key is ready or running, enqueueing another with it does nothing. */
  dedupeKey?: string;
}

export interface ClaimedJob {
  id: number;
  kind: string;
  payload: unknown;
  /** This claim's attempt number, from 1. */
  attempt: number;
  owner: string;
  /** The fencing token of this claim. */
  epoch: number;
  /** When the claim was made and when its lease ends, by the database's clock. */
  claimedAt: Date;
  leaseExpiresAt: Date;
}

export interface ClaimOptions {
  /** Who claims (worker id: host, pid, random), shown in the row. */
  owner: string;
  kinds: string[];
  leaseMs: number;
  /** Jobs at most (default 1). */
  limit?: number;
}

export interface Backoff {
  /** Delay after the first failure, ms; doubled after each next one (default 1 s). */
  baseMs: number;
  /** Longest delay, ms (default 1 h). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, maxMs: 3_600_000 };

/** Longest error text kept on a job row. */
const MAX_ERROR_CHARS = 2000;

/** Add a job; returns its id, or undefined when a job with the same dedupe key is pending. */
export async function enqueue(q: Queryable, job: JobSpec): Promise<number | undefined> {
  const values = [job.kind, JSON.stringify(job.payload ?? {}), job.delayMs ?? 0, job.priority ?? 0, job.maxAttempts ?? 10, job.dedupeKey ?? null];
  const sql = `INSERT INTO jobs (kind, payload, run_at, priority, max_attempts, dedupe_key)
    VALUES ($1, $2::jsonb, now() + $3 * interval '1 millisecond', $4, $5, $6)
    ${job.dedupeKey === undefined ? '' : "ON CONFLICT (dedupe_key) WHERE state IN ('ready', 'running') DO NOTHING"}
    RETURNING id`;
  const { rows } = await q.query<{ id: string }>(sql, values);
  return rows.length ? Number(rows[0].id) : undefined;
}

interface JobRow {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  lease_owner: string;
  lease_epoch: string;
  claimed_at: Date;
  lease_expires_at: Date;
}

/**
 * Claim up to `limit` jobs of `kinds` that are due (or whose lease expired). Runs as its own
 * statements on `q` (give it the pool): the claim is committed when this returns.
 */
export async function claim(q: Queryable, opts: ClaimOptions): Promise<ClaimedJob[]> {
  if (!(opts.leaseMs > 0)) throw new RangeError('leaseMs must be positive');
  // A job whose last allowed attempt died with its worker is failed for good, not retried.
  await q.query(
    `UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL,
       last_error = 'lease expired on the last attempt (worker died or stalled)'
     WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_expires_at < now()
                  AND attempts >= max_attempts AND kind = ANY($1) FOR UPDATE SKIP LOCKED)`,
    [opts.kinds],
  );
  const { rows } = await q.query<JobRow>(
    `WITH picked AS (
       SELECT id FROM jobs
       WHERE kind = ANY($1) AND attempts < max_attempts
         AND ((state = 'ready' AND run_at <= now()) OR (state = 'running' AND lease_expires_at < now()))
       ORDER BY priority DESC, run_at, id
       LIMIT $2
       FOR UPDATE SKIP LOCKED)
     UPDATE jobs j SET state = 'running', lease_owner = $3, attempts = j.attempts + 1,
       lease_epoch = j.lease_epoch + 1, lease_expires_at = now() + $4 * interval '1 millisecond'
     FROM picked WHERE j.id = picked.id
     RETURNING j.id, j.kind, j.payload, j.attempts, j.lease_owner, j.lease_epoch, now() AS claimed_at, j.lease_expires_at`,
    [opts.kinds, opts.limit ?? 1, opts.owner, opts.leaseMs],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    payload: r.payload,
    attempt: r.attempts,
    owner: r.lease_owner,
    epoch: Number(r.lease_epoch),
    claimedAt: r.claimed_at,
    leaseExpiresAt: r.lease_expires_at,
  }));
}

/** Finish `job` (deletes it). Throws LeaseLost if its lease expired or it was reclaimed. */
export async function complete(q: Queryable, job: ClaimedJob): Promise<void> {
  const r = await q.query(
    `DELETE FROM jobs WHERE id = $1 AND lease_epoch = $2 AND state = 'running' AND lease_expires_at > clock_timestamp()`,
    [job.id, job.epoch],
  );
  if (r.rowCount !== 1) throw new LeaseLost(`job ${job.id} (${job.kind})`);
}

/** Renew `job`'s lease for `leaseMs` from now; the new expiry. Throws LeaseLost as complete does. */
export async function extend(q: Queryable, job: ClaimedJob, leaseMs: number): Promise<Date> {
  const { rows } = await q.query<{ lease_expires_at: Date }>(
    `UPDATE jobs SET lease_expires_at = clock_timestamp() + $3 * interval '1 millisecond'
     WHERE id = $1 AND lease_epoch = $2 AND state = 'running' AND lease_expires_at > clock_timestamp()
     RETURNING lease_expires_at`,
    [job.id, job.epoch, leaseMs],
  );
  if (rows.length !== 1) throw new LeaseLost(`job ${job.id} (${job.kind})`);
  job.leaseExpiresAt = rows[0].lease_expires_at;
  return rows[0].lease_expires_at;
}

/** The delay before the next attempt after `attempt` failed. */
export function backoffDelay(attempt: number, b: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 40)));
}

/**
 * Give `job` back after a failure: ready again after the backoff, or failed for good when it has
 * used its attempts. Returns which. Throws LeaseLost if it was reclaimed meanwhile.
 */
export async function fail(q: Queryable, job: ClaimedJob, error: string, backoff: Backoff = DEFAULT_BACKOFF): Promise<'retry' | 'failed'> {
  const { rows } = await q.query<{ state: 'ready' | 'failed' }>(
    `UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'ready' END,
       run_at = now() + $3 * interval '1 millisecond', lease_owner = NULL, lease_expires_at = NULL, last_error = $4
     WHERE id = $1 AND lease_epoch = $2 AND state = 'running'
     RETURNING state`,
    [job.id, job.epoch, backoffDelay(job.attempt, backoff), error.slice(0, MAX_ERROR_CHARS)],
  );
  if (rows.length !== 1) throw new LeaseLost(`job ${job.id} (${job.kind})`);
  return rows[0].state === 'failed' ? 'failed' : 'retry';
}

export interface QueueCounts {
  ready: number;
  running: number;
  failed: number;
}

/** Jobs of `kind` by state (done jobs are deleted, so they are not counted). */
export async function queueCounts(q: Queryable, kind: string): Promise<QueueCounts> {
  const { rows } = await q.query<{ state: keyof QueueCounts; n: string }>('SELECT state, count(*) AS n FROM jobs WHERE kind = $1 GROUP BY state', [kind]);
  const out: QueueCounts = { ready: 0, running: 0, failed: 0 };
  for (const r of rows) out[r.state] = Number(r.n);
  return out;
}
