/**
 * Blobs in an S3-compatible bucket (`s3://bucket/prefix`), through `@aws-sdk/client-s3`.
 *
 * The SDK is not among Tra's dependencies yet (docs/SCALE.md, "Blob storage"): it is loaded when
 * an s3:// location is used, and its absence is one line saying how to install it. Endpoint,
 * region and credentials come from the SDK's usual environment (AWS_ENDPOINT_URL, AWS_REGION,
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles); with a custom endpoint (MinIO, Ceph,
 * Garage) path-style addressing is used.
 *
 * Write-once: PutObject with `If-None-Match: *`, which the store refuses (412) when the key
 * exists; then the existing object is compared with ours (its ETag is the MD5 of a single-part
 * upload; otherwise its bytes), and the same content is re-copied onto itself to refresh its
 * time for the janitor, as the directory backend does.
 */
import { createHash } from 'node:crypto';
import { ClusterError } from '../errors.ts';
import { BlobConflict, checkKey, DEFAULT_MAX_GET_BYTES, type BlobInfo, type BlobStore } from './store.ts';

/** The part of the SDK used here (typed locally: the package is optional). */
interface S3Module {
  S3Client: new (config: Record<string, unknown>) => { send(command: unknown): Promise<Record<string, unknown>>; destroy(): void };
  PutObjectCommand: new (input: Record<string, unknown>) => unknown;
  GetObjectCommand: new (input: Record<string, unknown>) => unknown;
  HeadObjectCommand: new (input: Record<string, unknown>) => unknown;
  DeleteObjectCommand: new (input: Record<string, unknown>) => unknown;
  CopyObjectCommand: new (input: Record<string, unknown>) => unknown;
  ListObjectsV2Command: new (input: Record<string, unknown>) => unknown;
}

const SDK = '@aws-sdk/client-s3';

async function loadSdk(): Promise<S3Module> {
  try {
    return (await import(SDK)) as S3Module;
  } catch (e) {
    throw new ClusterError(`--blob s3://…: cần gói ${SDK}, chưa được cài — cài bằng "npm install ${SDK}" rồi chạy lại (S3 SDK not installed)`, { cause: e });
  }
}

function status(e: unknown): number | undefined {
  const meta = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return meta?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name;
  return status(e) === 404 || name === 'NotFound' || name === 'NoSuchKey';
}

export class S3BlobStore implements BlobStore {
  readonly location: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly sdk: S3Module;
  private readonly client: InstanceType<S3Module['S3Client']>;

  constructor(sdk: S3Module, location: string) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/i.exec(location);
    if (!m) throw new ClusterError(`--blob: ${location}: dạng đúng là s3://bucket/prefix`);
    this.location = location;
    this.bucket = m[1];
    this.prefix = (m[2] ?? '').replace(/\/+$/, '');
    if (this.prefix) checkKey(this.prefix);
    this.sdk = sdk;
    const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    this.client = new sdk.S3Client({
      region: process.env.AWS_REGION ?? 'us-east-1',
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      requestHandler: { requestTimeout: 60_000, connectionTimeout: 10_000 },
      maxAttempts: 3,
    });
  }

  private objectKey(key: string): string {
    checkKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async put(key: string, data: Uint8Array): Promise<{ created: boolean }> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new this.sdk.PutObjectCommand({ Bucket: this.bucket, Key, Body: data, IfNoneMatch: '*' }));
      return { created: true };
    } catch (e) {
      if (status(e) !== 412 && status(e) !== 409) throw e;
    }
    const head = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key }));
    const etag = String(head.ETag ?? '').replace(/"/g, '');
    const md5 = createHash('md5').update(data).digest('hex');
    let same = etag === md5;
    if (!same && etag.includes('-')) {
      // A multipart upload's ETag is not an MD5 of the content: compare the bytes.
      const theirs = await this.get(key, data.length);
      same = theirs !== undefined && Buffer.compare(theirs, Buffer.from(data)) === 0;
    }
    if (!same) throw new BlobConflict(this.location, key);
    await this.client.send(
      new this.sdk.CopyObjectCommand({ Bucket: this.bucket, Key, CopySource: `${this.bucket}/${encodeURIComponent(Key).replace(/%2F/g, '/')}`, MetadataDirective: 'REPLACE' }),
    );
    return { created: false };
  }

  async get(key: string, maxBytes = DEFAULT_MAX_GET_BYTES): Promise<Buffer | undefined> {
    let out: Record<string, unknown>;
    try {
      out = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    const body = out.Body as { transformToByteArray(): Promise<Uint8Array>; destroy?: () => void };
    const length = Number(out.ContentLength ?? 0);
    if (length > maxBytes) {
      body.destroy?.();
      throw new ClusterError(`${this.location}: blob ${key} dài ${length} byte, quá giới hạn ${maxBytes} byte`);
    }
    return Buffer.from(await body.transformToByteArray());
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    try {
      const h = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { key, bytes: Number(h.ContentLength ?? 0), modified: h.LastModified as Date };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async *list(prefix = ''): AsyncIterable<BlobInfo> {
    const base = this.prefix ? `${this.prefix}/` : '';
    let token: string | undefined;
    do {
      const page = await this.client.send(new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: base + prefix, ContinuationToken: token, MaxKeys: 1000 }));
      for (const o of (page.Contents as Array<{ Key: string; Size: number; LastModified: Date }> | undefined) ?? []) {
        yield { key: o.Key.slice(base.length), bytes: Number(o.Size), modified: o.LastModified };
      }
      token = page.IsTruncated ? (page.NextContinuationToken as string) : undefined;
    } while (token);
  }

  async delete(key: string): Promise<boolean> {
    if (!(await this.stat(key))) return false;
    await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    return true;
  }

  close(): void {
    this.client.destroy();
  }
}

export async function openS3BlobStore(location: string): Promise<S3BlobStore> {
  return new S3BlobStore(await loadSdk(), location);
}
