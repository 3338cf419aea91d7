/**
 * Blob storage for what is too big for PostgreSQL: WARC records and index segments. Blobs are
 * write-once: a key names one content forever (content-addressed keys: `contentKey`), so a
 * retried upload is harmless and a reader never sees a half-written or replaced blob.
 *
 * PostgreSQL, not the store, decides what exists: a blob counts once a committed row names it
 * (a capture, a segment). Uploads that never got their row are orphans; the janitor deletes
 * them after a grace period (./janitor.ts).
 *
 * Backends: a directory (a local disk, or a shared volume such as NFS: ./dir.ts) and an
 * S3-compatible bucket (./s3.ts). `openBlobStore` picks one from the `--blob` argument.
 */
import { createHash } from 'node:crypto';
import { ClusterError } from '../errors.ts';

export interface BlobInfo {
  key: string;
  bytes: number;
  /** When it was written (or last re-put with the same content). */
  modified: Date;
}

export interface BlobStore {
  /** Where it is, for messages (a path or s3://bucket/prefix). */
  readonly location: string;
  /**
   * Store `data` under `key` unless it is there. The same content already there: `created` is
   * false and its modified time is refreshed (the janitor's grace restarts). Different content:
   * BlobConflict, and nothing changes.
   */
  put(key: string, data: Uint8Array): Promise<{ created: boolean }>;
  /** The blob's bytes, or undefined when absent. Refuses (ClusterError) a blob over `maxBytes`. */
  get(key: string, maxBytes?: number): Promise<Buffer | undefined>;
  /** Size and time of one blob, or undefined. */
  stat(key: string): Promise<BlobInfo | undefined>;
  /**
   * Every blob whose key starts with `prefix`, each once, in a stable order (directory: by path
   * segment; S3: by the key's bytes). Anything under the store that is not a valid key is skipped.
   */
  list(prefix?: string): AsyncIterable<BlobInfo>;
  /** Remove a blob; false when it was not there. */
  delete(key: string): Promise<boolean>;
}

/** Another content is already stored under this key. */
export class BlobConflict extends ClusterError {
  constructor(location: string, key: string) {
    super(`${location}: khoá ${key} đã chứa nội dung khác — blob chỉ ghi một lần, không ghi đè (write-once key holds different content)`);
    this.name = 'BlobConflict';
  }
}

/** Default limit of `get`: a segment or a WARC file is read whole only below this. */
export const DEFAULT_MAX_GET_BYTES = 1 << 30;

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/**
 * Throw unless `key` is a safe blob key: path segments of letters, digits, `.`, `_` and `-`,
 * none starting with a dot (no `..`, no hidden or temporary names), at most 512 characters.
 */
export function checkKey(key: string): void {
  if (key.length === 0 || key.length > 512 || !KEY.test(key)) {
    throw new ClusterError(`khoá blob không hợp lệ: ${JSON.stringify(key.slice(0, 100))} (chỉ chữ, số, ".", "_", "-" và "/"; không bắt đầu bằng dấu chấm)`);
  }
}

/** The content-addressed key of `data`: `KIND/ab/abcdef…SUFFIX` (SHA-256, hex). */
export function contentKey(kind: string, data: Uint8Array, suffix = ''): string {
  const hex = createHash('sha256').update(data).digest('hex');
  const key = `${kind}/${hex.slice(0, 2)}/${hex}${suffix}`;
  checkKey(key);
  return key;
}
