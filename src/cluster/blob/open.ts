/**
 * The blob store a `--blob` argument names: a directory path (created if missing), or an
 * `s3://bucket/prefix` URL (./s3.ts).
 */
import { ClusterError } from '../errors.ts';
import { DirBlobStore } from './dir.ts';
import type { BlobStore } from './store.ts';

export async function openBlobStore(where: string): Promise<BlobStore> {
  if (!where) throw new ClusterError('--blob: thiếu nơi lưu blob (một thư mục dùng chung, hoặc s3://bucket/prefix)');
  if (/^s3:\/\//i.test(where)) {
    const { openS3BlobStore } = await import('./s3.ts');
    return openS3BlobStore(where);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(where)) throw new ClusterError(`--blob: ${where}: chỉ hỗ trợ thư mục hoặc s3://bucket/prefix`);
  return new DirBlobStore(where).open();
}
