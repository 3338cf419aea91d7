/**
 * Blobs in an S3-compatible bucket (`s3://bucket/prefix`): Amazon S3, MinIO, Ceph RGW, Garage…,
 * through `@aws-sdk/client-s3` (loaded only when an s3:// location is used).
 *
 * Configuration (`s3OptionsFromEnv`), from the environment of every process that opens the store:
 * - credentials: the SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 *   AWS_SESSION_TOKEN, AWS_PROFILE and ~/.aws, instance roles);
 * - endpoint of an S3-compatible service: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL (none: AWS);
 * - region: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1 (redirects to the bucket's region
 *   are followed);
 * - TRA_S3_PATH_STYLE=1|0: path-style addressing (http://host/bucket/key); default on when an
 *   endpoint is set (most self-hosted services need it), off on AWS;
 * - TRA_S3_TIMEOUT_MS (a request idle that long fails, default 60000), TRA_S3_CONNECT_TIMEOUT_MS
 *   (default 10000); retries are the SDK's (AWS_MAX_ATTEMPTS, default 3; AWS_RETRY_MODE);
 * - TRA_S3_CONDITIONAL_PUT=auto|yes|no: whether the service honours `If-None-Match: *` on
 *   PutObject (default auto: probed once, at the first put).
 *
 * Write-once (`put`):
 * - With conditional puts, PutObject carries `If-None-Match: *`: the service refuses (412) when
 *   the key exists, atomically, so two writers can never replace each other's object. On 412 the
 *   existing object is compared with ours.
 * - Without (a service that ignores the header silently overwrites: the probe puts a scratch
 *   object twice and sees whether the second is refused): HEAD, compare if it exists, else a plain
 *   PutObject. Two writers may then both find the key absent and both write. That is safe because
 *   every key Tra writes is content-addressed (`contentKey`: SHA-256 of the bytes): the same key
 *   means the same bytes, so whichever write lands last stores what the other stored. Different
 *   bytes under one key would need a SHA-256 collision (or a caller not using `contentKey`: then a
 *   sequential second put is still refused, but a racing one is not).
 * - Comparing: the SHA-256 each put records in the object's metadata (x-amz-meta-sha256), else
 *   the ETag when it is a plain MD5 (single-part upload without KMS), else the bytes themselves.
 * - The same content again refreshes the object's time for the janitor: a CopyObject onto itself;
 *   if the service keeps the old time for that (s3rver does), the bytes are put again.
 *
 * Sizes: one PutObject (no multipart), at most `maxPutBytes` (S3's own limit for one PUT is
 * 5 GiB); `get` refuses an object over its `maxBytes` before reading its body.
 *
 * Errors an operator can fix come out as one line (ClusterError): no credentials, no such
 * bucket, access denied, endpoint unreachable. `openS3BlobStore` checks them at once (HeadBucket).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ClusterError } from '../errors.ts';
import { BlobConflict, checkKey, DEFAULT_MAX_GET_BYTES, type BlobInfo, type BlobStore } from './store.ts';

type Client = { send(command: unknown): Promise<Record<string, unknown>>; destroy(): void };
type Command = new (input: Record<string, unknown>) => unknown;

/** The part of the SDK used here (typed locally, so a fake can stand in for it in tests). */
export interface S3Module {
  S3Client: new (config: Record<string, unknown>) => Client;
  PutObjectCommand: Command;
  GetObjectCommand: Command;
  HeadObjectCommand: Command;
  HeadBucketCommand: Command;
  DeleteObjectCommand: Command;
  CopyObjectCommand: Command;
  ListObjectsV2Command: Command;
}

export interface S3Options {
  /** An S3-compatible service's URL (undefined: AWS). */
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  /** Explicit credentials (undefined: the SDK's default chain). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Attempts per request (undefined: the SDK's, AWS_MAX_ATTEMPTS or 3). */
  maxAttempts?: number;
  /** Whether the service refuses a PutObject with `If-None-Match: *` on an existing key. */
  conditionalPut?: 'auto' | 'yes' | 'no';
  /** Keys per ListObjectsV2 page (default 1000, S3's maximum). */
  pageSize?: number;
  /** Largest blob `put` accepts (default 5 GiB, S3's limit for one PutObject). */
  maxPutBytes?: number;
}

const SDK = '@aws-sdk/client-s3';
const MAX_PUT = 5 * 1024 ** 3;

function flag(v: string | undefined, name: string): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ClusterError(`${name}=${v}: giá trị phải là 1 hoặc 0`);
}

function millis(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new ClusterError(`${name}=${v}: phải là số mili giây dương`);
  return n;
}

/** The options the environment gives (see the file's comment). */
export function s3OptionsFromEnv(env: NodeJS.ProcessEnv = process.env): S3Options {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const cond = env.TRA_S3_CONDITIONAL_PUT || 'auto';
  if (cond !== 'auto' && cond !== 'yes' && cond !== 'no') throw new ClusterError(`TRA_S3_CONDITIONAL_PUT=${cond}: chỉ nhận auto, yes hoặc no`);
  return {
    endpoint,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    pathStyle: flag(env.TRA_S3_PATH_STYLE, 'TRA_S3_PATH_STYLE') ?? endpoint !== undefined,
    requestTimeoutMs: millis(env.TRA_S3_TIMEOUT_MS, 'TRA_S3_TIMEOUT_MS'),
    connectTimeoutMs: millis(env.TRA_S3_CONNECT_TIMEOUT_MS, 'TRA_S3_CONNECT_TIMEOUT_MS'),
    conditionalPut: cond,
  };
}

async function loadSdk(): Promise<S3Module> {
  try {
    return (await import(SDK)) as S3Module;
  } catch (e) {
    throw new ClusterError(`--blob s3://…: thiếu gói ${SDK} — chạy "npm install" trong thư mục của Tra rồi chạy lại (S3 SDK not installed)`, { cause: e });
  }
}

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function status(e: unknown): number | undefined {
  return (e as SdkError | null)?.$metadata?.httpStatusCode;
}

function errName(e: unknown): string {
  const x = e as SdkError | null;
  return x?.name ?? x?.Code ?? '';
}

function isNotFound(e: unknown): boolean {
  return (status(e) === 404 && errName(e) !== 'NoSuchBucket') || errName(e) === 'NotFound' || errName(e) === 'NoSuchKey';
}

const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export class S3BlobStore implements BlobStore {
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  /** Where requests go, for messages. */
  readonly endpoint: string;
  private readonly sdk: S3Module;
  private readonly client: Client;
  private readonly o: S3Options;
  private conditional: Promise<boolean> | undefined;

  constructor(sdk: S3Module, location: string, options: S3Options = {}) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(location);
    if (!m) throw new ClusterError(`--blob: ${location}: dạng đúng là s3://bucket/prefix (bucket 3–63 ký tự: chữ thường, số, "." và "-")`);
    this.bucket = m[1];
    this.prefix = (m[2] ?? '').replace(/\/+$/, '');
    if (this.prefix) checkKey(this.prefix);
    this.location = `s3://${this.bucket}${this.prefix ? '/' + this.prefix : ''}`;
    this.sdk = sdk;
    this.o = options;
    this.endpoint = options.endpoint ?? `AWS S3 (${options.region ?? 'us-east-1'})`;
    this.client = new sdk.S3Client({
      region: options.region ?? 'us-east-1',
      followRegionRedirects: true,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.pathStyle ?? options.endpoint !== undefined,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      requestHandler: { requestTimeout: options.requestTimeoutMs ?? 60_000, connectionTimeout: options.connectTimeoutMs ?? 10_000, throwOnRequestTimeout: true },
    });
    if (options.conditionalPut === 'yes') this.conditional = Promise.resolve(true);
    if (options.conditionalPut === 'no') this.conditional = Promise.resolve(false);
  }

  private objectKey(key: string): string {
    checkKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /** One SDK call; operator errors (credentials, bucket, access, network) become one line. */
  private async send(command: unknown): Promise<Record<string, unknown>> {
    try {
      return await this.client.send(command);
    } catch (e) {
      throw this.describe(e) ?? e;
    }
  }

  /** The one-line ClusterError for an error the operator can fix, else undefined. */
  describe(e: unknown): ClusterError | undefined {
    if (e instanceof ClusterError) return e;
    const name = errName(e);
    const x = e as SdkError | null;
    const where = `${this.location} (${this.endpoint})`;
    if (name === 'CredentialsProviderError' || /could not load credentials/i.test(x?.message ?? '')) {
      return new ClusterError(`${where}: không tìm thấy thông tin đăng nhập S3 — đặt AWS_ACCESS_KEY_ID và AWS_SECRET_ACCESS_KEY (hoặc AWS_PROFILE) (no S3 credentials)`, { cause: e });
    }
    if (name === 'NoSuchBucket') {
      return new ClusterError(`${where}: không có bucket "${this.bucket}" — tạo nó trước, hoặc sửa tên trong --blob (no such bucket)`, { cause: e });
    }
    if (status(e) === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
      return new ClusterError(`${where}: bị từ chối truy cập (${name || 403}) — kiểm tra khoá truy cập, khoá bí mật và quyền trên bucket "${this.bucket}" (access denied)`, { cause: e });
    }
    const code = x?.code ?? '';
    if (NETWORK.has(code) || name === 'TimeoutError' || name === 'RequestTimeout' || (status(e) === undefined && /socket hang up|timed? ?out/i.test(x?.message ?? ''))) {
      return new ClusterError(`${where}: không kết nối được tới dịch vụ S3 (${code || name || x?.message}) — kiểm tra AWS_ENDPOINT_URL_S3 và mạng (endpoint unreachable)`, { cause: e });
    }
    return undefined;
  }

  /** Check at once that the bucket is reachable with these credentials. */
  async check(): Promise<this> {
    try {
      await this.client.send(new this.sdk.HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      if (status(e) === 404) throw this.describe({ ...(e as object), name: 'NoSuchBucket' })!;
      throw this.describe(e) ?? e;
    }
    return this;
  }

  /**
   * Whether the service refuses a conditional put on an existing key: put a scratch object (a
   * name no blob can have: it starts with a dot) twice with `If-None-Match: *`, then remove it.
   */
  conditionalPuts(): Promise<boolean> {
    this.conditional ??= (async () => {
      const Key = `${this.prefix ? this.prefix + '/' : ''}.tra-probe/${randomBytes(8).toString('hex')}`;
      try {
        await this.send(new this.sdk.PutObjectCommand({ Bucket: this.bucket, Key, Body: Buffer.from('1'), IfNoneMatch: '*' }));
        try {
          await this.send(new this.sdk.PutObjectCommand({ Bucket: this.bucket, Key, Body: Buffer.from('2'), IfNoneMatch: '*' }));
          return false;
        } catch (e) {
          if (status(e) === 412) return true;
          throw e;
        }
      } catch (e) {
        // A service that rejects the header outright (501 NotImplemented, 400) has no conditional puts.
        if (status(e) === 501 || status(e) === 400) return false;
        throw e;
      } finally {
        await this.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key })).catch(() => undefined);
      }
    })();
    const p = this.conditional;
    p.catch(() => {
      if (this.conditional === p) this.conditional = undefined; // probe again next time
    });
    return p;
  }

  private async putObject(Key: string, data: Uint8Array, hash: string, conditional: boolean): Promise<Record<string, unknown>> {
    return this.send(
      new this.sdk.PutObjectCommand({
        Bucket: this.bucket,
        Key,
        Body: data,
        ContentLength: data.length,
        ContentType: 'application/octet-stream',
        Metadata: { sha256: hash },
        ...(conditional ? { IfNoneMatch: '*' } : {}),
      }),
    );
  }

  private async head(Key: string): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key }));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Whether the object `head` describes holds `data`. */
  private async holds(key: string, head: Record<string, unknown>, data: Uint8Array, hash: string): Promise<boolean> {
    if (Number(head.ContentLength) !== data.length) return false;
    const recorded = (head.Metadata as Record<string, string> | undefined)?.sha256;
    if (recorded) return recorded === hash;
    const etag = String(head.ETag ?? '').replace(/"/g, '');
    if (/^[0-9a-f]{32}$/.test(etag) && etag === createHash('md5').update(data).digest('hex')) return true;
    // A multipart or encrypted object's ETag is no MD5 of its bytes: compare the bytes.
    const theirs = await this.get(key, data.length);
    return theirs !== undefined && Buffer.compare(theirs, Buffer.from(data.buffer, data.byteOffset, data.byteLength)) === 0;
  }

  async put(key: string, data: Uint8Array): Promise<{ created: boolean }> {
    const Key = this.objectKey(key);
    const limit = this.o.maxPutBytes ?? MAX_PUT;
    if (data.length > limit) throw new ClusterError(`${this.location}: blob ${key} dài ${data.length} byte, quá giới hạn ${limit} byte của một lần ghi S3`);
    const hash = sha256(data);
    const conditional = await this.conditionalPuts();
    for (let attempt = 0; ; attempt++) {
      let head: Record<string, unknown> | undefined;
      if (conditional) {
        try {
          await this.putObject(Key, data, hash, true);
          return { created: true };
        } catch (e) {
          // 409: another conditional write of this key is in flight (AWS); try again shortly.
          if (status(e) === 409 && attempt < 8) {
            await sleep(50 * 2 ** attempt);
            continue;
          }
          if (status(e) !== 412) throw e;
        }
        head = await this.head(Key);
        if (!head) continue; // deleted (by the janitor) since: put again
      } else {
        head = await this.head(Key);
        if (!head) {
          await this.putObject(Key, data, hash, false);
          return { created: true };
        }
      }
      if (!(await this.holds(key, head, data, hash))) throw new BlobConflict(this.location, key);
      await this.refresh(Key, data, hash, head);
      return { created: false };
    }
  }

  /** Give an object that holds `data` a new modified time (the janitor's grace restarts). */
  private async refresh(Key: string, data: Uint8Array, hash: string, head: Record<string, unknown>): Promise<void> {
    const before = (head.LastModified as Date | undefined)?.getTime() ?? 0;
    let after = 0;
    try {
      const out = await this.send(
        new this.sdk.CopyObjectCommand({
          Bucket: this.bucket,
          Key,
          CopySource: `${this.bucket}/${Key.split('/').map(encodeURIComponent).join('/')}`,
          MetadataDirective: 'REPLACE',
          Metadata: { sha256: hash },
          ContentType: 'application/octet-stream',
        }),
      );
      after = ((out.CopyObjectResult as { LastModified?: Date } | undefined)?.LastModified)?.getTime() ?? 0;
    } catch (e) {
      if (this.describe(e) || isNotFound(e)) throw e;
      // A service without copy-onto-itself: put the same bytes again below.
    }
    // The same bytes again: harmless, the key holds exactly these (checked above).
    if (after <= before) await this.putObject(Key, data, hash, false);
  }

  async get(key: string, maxBytes = DEFAULT_MAX_GET_BYTES): Promise<Buffer | undefined> {
    let out: Record<string, unknown>;
    try {
      out = await this.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    const body = out.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    const tooBig = (n: number) => new ClusterError(`${this.location}: blob ${key} dài ${n} byte, quá giới hạn ${maxBytes} byte`);
    if (!body) return Buffer.alloc(0);
    const length = out.ContentLength === undefined ? undefined : Number(out.ContentLength);
    if (length !== undefined && length > maxBytes) {
      body.destroy?.();
      throw tooBig(length);
    }
    const chunks: Uint8Array[] = [];
    let n = 0;
    try {
      for await (const chunk of body) {
        n += chunk.length;
        if (n > maxBytes) {
          body.destroy?.();
          throw tooBig(n);
        }
        chunks.push(chunk);
      }
    } catch (e) {
      throw this.describe(e) ?? e;
    }
    if (length !== undefined && n !== length) throw new ClusterError(`${this.location}: blob ${key}: nhận ${n} byte, dịch vụ báo ${length} byte (truncated read)`);
    return Buffer.concat(chunks, n);
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    const h = await this.head(this.objectKey(key));
    return h ? { key, bytes: Number(h.ContentLength ?? 0), modified: h.LastModified as Date } : undefined;
  }

  /** Keys in the service's order (by their bytes); objects under the prefix that are not blob keys are skipped. */
  async *list(prefix = ''): AsyncIterable<BlobInfo> {
    const base = this.prefix ? `${this.prefix}/` : '';
    let token: string | undefined;
    do {
      const page = await this.send(
        new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: base + prefix, MaxKeys: this.o.pageSize ?? 1000, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const o of (page.Contents as Array<{ Key?: string; Size?: number; LastModified?: Date }> | undefined) ?? []) {
        if (!o.Key?.startsWith(base)) continue;
        const key = o.Key.slice(base.length);
        try {
          checkKey(key);
        } catch {
          continue; // a probe, a folder marker, someone else's object
        }
        yield { key, bytes: Number(o.Size ?? 0), modified: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? (page.NextContinuationToken as string | undefined) : undefined;
      if (page.IsTruncated && !token) throw new ClusterError(`${this.location}: dịch vụ S3 báo còn trang sau nhưng không trả NextContinuationToken`);
    } while (token);
  }

  async delete(key: string): Promise<boolean> {
    const Key = this.objectKey(key);
    if (!(await this.head(Key))) return false;
    await this.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key }));
    return true;
  }

  close(): void {
    this.client.destroy();
  }
}

/** The store `location` names, configured from the environment, checked to be usable. */
export async function openS3BlobStore(location: string, options: S3Options = s3OptionsFromEnv()): Promise<S3BlobStore> {
  const store = new S3BlobStore(await loadSdk(), location, options);
  try {
    return await store.check();
  } catch (e) {
    store.close();
    throw e;
  }
}
