/**
 * What `tra serve --coordinator URL --pg URL [--blob PATH]` adds to the coordinator's answers:
 * the parts of the site kept in the cluster's PostgreSQL and blob storage rather than in the
 * searchers' segments. Opened once at start; each part that cannot be opened is left out (its
 * pages stay a polite 501, remote-backend.ts) and said in one line on stderr.
 */
import { openPool, type Pool } from '../pg/connect.ts';
import { requireSchema } from '../pg/migrate.ts';
import { openBlobStore } from '../blob/open.ts';
import type { BlobStore } from '../blob/store.ts';
import type { ClusterExtras } from './remote-backend.ts';

export interface ExtrasOptions {
  /** PostgreSQL URL of the cluster. */
  pg: string;
  /** Blob storage (directory or s3:// URL): archived versions are read from its WARC files. */
  blob?: string;
  /** The coordinator's base URL (the observatory asks it for trends and best documents). */
  coordinator: string;
  /** A directory of this machine for derived copies (the observatory's mirror of the counts). */
  cacheDir: string;
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
  void blob;
  extras.close = async () => {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  return extras;
}
