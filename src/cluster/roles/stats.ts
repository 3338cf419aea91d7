/**
 * The cluster's numbers for `tra stats --pg URL --json` (docs/SCALE.md, "Operations"):
 * - documents: acknowledged (durable in PostgreSQL, not deleted);
 * - published: of those, whose current version is in a live segment (searchable once a searcher
 *   has synced); unpublished: the rest;
 * - jobs_pending / jobs_failed: index jobs waiting or running / failed for good;
 * - lag_seconds: age of the oldest acknowledged version not yet published (0: none) — the
 *   indexing lag an operator alerts on;
 * - shards, segments, segment_bytes: the live manifest; searchers: those with a recent heartbeat;
 * - observe_jobs_pending / observe_jobs_failed: batches waiting to be added to the observatory's
 *   daily counts (src/cluster/observe/write.ts) / failed for good; observe_lag_seconds: age of the
 *   oldest waiting one (0: none) — how far the observatory is behind the documents.
 * Exact counts (count(*)): seconds on tens of millions of rows, fine for an operator's command.
 */
import type { Queryable } from '../pg/connect.ts';

export interface ClusterStatistics {
  documents: number;
  published: number;
  unpublished: number;
  versions: number;
  jobs_pending: number;
  jobs_failed: number;
  lag_seconds: number;
  shards: number;
  segments: number;
  segment_bytes: number;
  searchers: number;
  observe_jobs_pending: number;
  observe_jobs_failed: number;
  observe_lag_seconds: number;
}

export async function clusterStatistics(q: Queryable): Promise<ClusterStatistics> {
  const { rows } = await q.query<Record<string, string | null>>(`
    SELECT
      (SELECT count(*) FROM documents WHERE NOT deleted) AS documents,
      (SELECT count(*) FROM documents d JOIN version_segments m ON m.seq = d.current_seq
        WHERE NOT d.deleted AND m.deleted_generation IS NULL) AS published,
      (SELECT count(*) FROM document_versions) AS versions,
      (SELECT count(*) FROM jobs WHERE kind = 'index' AND state IN ('ready', 'running')) AS jobs_pending,
      (SELECT count(*) FROM jobs WHERE kind = 'index' AND state = 'failed') AS jobs_failed,
      (SELECT coalesce(extract(epoch FROM now() - min(v.written_at)), 0) FROM documents d
        JOIN document_versions v ON v.seq = d.current_seq
        WHERE NOT d.deleted AND NOT EXISTS (SELECT 1 FROM version_segments m WHERE m.seq = v.seq)) AS lag_seconds,
      (SELECT count(*) FROM shard_checkpoints WHERE generation > 0) AS shards,
      (SELECT count(*) FROM segments WHERE state = 'live') AS segments,
      (SELECT coalesce(sum(bytes), 0) FROM segments WHERE state = 'live') AS segment_bytes,
      (SELECT count(*) FROM searchers WHERE heartbeat_at > now() - interval '10 seconds') AS searchers,
      (SELECT count(*) FROM jobs WHERE kind = 'observe' AND state IN ('ready', 'running')) AS observe_jobs_pending,
      (SELECT count(*) FROM jobs WHERE kind = 'observe' AND state = 'failed') AS observe_jobs_failed,
      (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM jobs
        WHERE kind = 'observe' AND state IN ('ready', 'running')) AS observe_lag_seconds`);
  const r = rows[0];
  const n = (k: string) => Number(r[k] ?? 0);
  return {
    documents: n('documents'),
    published: n('published'),
    unpublished: n('documents') - n('published'),
    versions: n('versions'),
    jobs_pending: n('jobs_pending'),
    jobs_failed: n('jobs_failed'),
    lag_seconds: Math.round(n('lag_seconds') * 1000) / 1000,
    shards: n('shards'),
    segments: n('segments'),
    segment_bytes: n('segment_bytes'),
    searchers: n('searchers'),
    observe_jobs_pending: n('observe_jobs_pending'),
    observe_jobs_failed: n('observe_jobs_failed'),
    observe_lag_seconds: Math.round(n('observe_lag_seconds') * 1000) / 1000,
  };
}
