/**
 * What `tra serve --coordinator URL --pg URL [--blob PATH]` adds to the coordinator's answers:
 * the parts of the site kept in the cluster's PostgreSQL and blob storage rather than in the
 * searchers' segments: the observatory and saved searches (src/cluster/observe/, alerts/), the
 * list of sources and each source's latest articles, and, with a blob store, archived versions (src/cluster/archive/). PostgreSQL
 * must answer at start with the schema this program needs (else one line, and the server does not
 * start); the observatory then opens in the background (its pages say it is counting until its
 * first copy is done). Without --pg none of these is here and their pages stay a polite 501
 * (remote-backend.ts).
 */
import { openPool, type Pool } from '../pg/connect.ts';
import { requireSchema } from '../pg/migrate.ts';
import { openBlobStore } from '../blob/open.ts';
import type { BlobStore } from '../blob/store.ts';
import { coordinatorBackend, type ClusterExtras } from './remote-backend.ts';
import { clusterAlertsService } from '../alerts/service.ts';
import { clusterVersions } from '../archive/versions.ts';
import { clusterSources } from '../archive/sources.ts';
import { clusterBrowse } from '../archive/browse.ts';
import { clusterCompletions } from './completions.ts';
import { openClusterObservatory, mirrorDirOf } from '../observe/view.ts';

export interface ExtrasOptions {
  /** PostgreSQL URL of the cluster. */
  pg: string;
  /** Blob storage (directory or s3:// URL): archived versions are read from its WARC files. */
  blob?: string;
  /** The coordinator's base URL (the observatory asks it for trends and best documents). */
  coordinator: string;
  /** A directory of this machine for derived copies (the observatory's mirror of the counts). */
  cacheDir: string;
  /** Alert checks every this many ms (0: only on demand; default 300 s as `tra serve`). */
  alertIntervalMs?: number;
  /** Webhooks may reach private addresses (`--allow-private-addresses`). */
  allowPrivate?: boolean;
  log?: (line: string) => void;
}

export async function openClusterExtras(o: ExtrasOptions): Promise<ClusterExtras> {
  const pool: Pool = openPool(o.pg, { max: 4, application: 'tra serve --coordinator' });
  await requireSchema(pool).catch(async (e) => {
    await pool.end().catch(() => undefined);
    throw e;
  });
  const blob: BlobStore | undefined = o.blob !== undefined ? await openBlobStore(o.blob) : undefined;
  const extras: ClusterExtras = {};
  const closers: Array<() => void | Promise<void>> = [() => pool.end()];
  // The list of sources (counted at start, kept 5 minutes) and archived versions (needs --blob).
  const sources = clusterSources(pool, { log: o.log });
  extras.sources = sources;
  // A source's latest articles (`/nguon/:name`), with its count from that list.
  extras.browse = clusterBrowse(pool, sources);
  // Search-as-you-type from the titles of every live document, built in the background (prefix
  // searches through the coordinator meanwhile).
  const remote = coordinatorBackend(o.coordinator);
  const completions = clusterCompletions(pool, (req) => Promise.resolve(remote.search(req)), { log: o.log });
  extras.suggest = completions.suggest;
  closers.push(() => completions.close());
  if (blob) extras.versions = clusterVersions(pool, blob, { log: o.log });
  // The observatory: a worker thread over a local mirror of the cluster's daily counts
  // (src/cluster/observe/view.ts). It opens in the background: until its first copy is done the
  // pages say it is counting, and a start that fails is said (503) and retried.
  const observatory = openClusterObservatory({ pg: o.pg, coordinator: o.coordinator, cacheDir: o.cacheDir, log: o.log });
  extras.observatory = () => observatory.view();
  extras.health = () => observatory.health();
  closers.push(() => observatory.close());
  // Saved searches: judged against the observatory's mirror of the counts, which lives in cacheDir.
  const alerts = clusterAlertsService({
    pool,
    pgUrl: o.pg,
    trends: (req) => Promise.resolve(remote.trends(req)),
    countsDir: mirrorDirOf(o.cacheDir),
    intervalMs: o.alertIntervalMs ?? 300_000,
    allowPrivate: o.allowPrivate,
    log: o.log,
  });
  extras.alerts = alerts;
  closers.push(() => alerts.close());
  extras.close = async () => {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  return extras;
}
