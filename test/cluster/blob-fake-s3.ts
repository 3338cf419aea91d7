/**
 * An in-memory stand-in for the part of `@aws-sdk/client-s3` that src/cluster/blob/s3.ts uses,
 * honouring `If-None-Match: *` on PutObject (412 when the key exists) as AWS S3 and MinIO do —
 * s3rver does not, so this is how the conditional-put path of the store is exercised.
 */
import { createHash } from 'node:crypto';
import type { S3Module } from '../../src/cluster/blob/s3.ts';

interface Obj {
  body: Buffer;
  modified: Date;
  etag: string;
  meta: Record<string, string>;
}

type Input = Record<string, unknown>;

function fail(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

export function fakeS3(buckets: string[]): S3Module & { objects: Map<string, Obj>; conditionalPuts: number } {
  const objects = new Map<string, Obj>();
  const known = new Set(buckets);
  const cmd = (kind: string) =>
    class {
      readonly kind = kind;
      readonly input: Input;
      constructor(input: Input) {
        this.input = input;
      }
    };
  const mod = {
    objects,
    conditionalPuts: 0,
    PutObjectCommand: cmd('put'),
    GetObjectCommand: cmd('get'),
    HeadObjectCommand: cmd('head'),
    HeadBucketCommand: cmd('headBucket'),
    DeleteObjectCommand: cmd('delete'),
    CopyObjectCommand: cmd('copy'),
    ListObjectsV2Command: cmd('list'),
    S3Client: class {
      async send(c: { kind: string; input: Input }): Promise<Record<string, unknown>> {
        await new Promise((r) => setImmediate(r));
        const bucket = String(c.input.Bucket);
        if (!known.has(bucket)) throw fail(c.kind === 'headBucket' ? 'NotFound' : 'NoSuchBucket', 404);
        const id = `${bucket}/${String(c.input.Key ?? '')}`;
        const o = objects.get(id);
        switch (c.kind) {
          case 'headBucket':
            return {};
          case 'put': {
            if (c.input.IfNoneMatch === '*') {
              mod.conditionalPuts++;
              if (o) throw fail('PreconditionFailed', 412);
            }
            const body = Buffer.from(c.input.Body as Uint8Array);
            const etag = `"${createHash('md5').update(body).digest('hex')}"`;
            objects.set(id, { body, modified: new Date(), etag, meta: { ...((c.input.Metadata as Record<string, string>) ?? {}) } });
            return { ETag: etag };
          }
          case 'head':
          case 'get': {
            if (!o) throw fail(c.kind === 'head' ? 'NotFound' : 'NoSuchKey', 404);
            const head = { ContentLength: o.body.length, LastModified: o.modified, ETag: o.etag, Metadata: o.meta };
            return c.kind === 'head' ? head : { ...head, Body: Object.assign([new Uint8Array(o.body)], { destroy() {} }) };
          }
          case 'copy': {
            const src = objects.get(String(c.input.CopySource).split('/').map(decodeURIComponent).join('/'));
            if (!src) throw fail('NoSuchKey', 404);
            const modified = new Date(Math.max(Date.now(), src.modified.getTime() + 1));
            objects.set(id, { ...src, modified, meta: { ...((c.input.Metadata as Record<string, string>) ?? {}) } });
            return { CopyObjectResult: { LastModified: modified, ETag: src.etag } };
          }
          case 'delete':
            objects.delete(id);
            return {};
          case 'list': {
            const prefix = `${bucket}/${String(c.input.Prefix ?? '')}`;
            const after = c.input.ContinuationToken ? `${bucket}/${String(c.input.ContinuationToken)}` : '';
            const max = Number(c.input.MaxKeys ?? 1000);
            const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
            const page = keys.slice(0, max);
            const truncated = keys.length > max;
            return {
              Contents: page.map((k) => ({ Key: k.slice(bucket.length + 1), Size: objects.get(k)!.body.length, LastModified: objects.get(k)!.modified })),
              IsTruncated: truncated,
              NextContinuationToken: truncated ? page[page.length - 1].slice(bucket.length + 1) : undefined,
            };
          }
        }
        throw new Error(`fake S3: ${c.kind}?`);
      }
      destroy(): void {}
    },
  };
  return mod as unknown as S3Module & { objects: Map<string, Obj>; conditionalPuts: number };
}
