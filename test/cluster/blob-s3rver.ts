/**
 * An S3-compatible server on loopback for the blob tests: s3rver (a devDependency), in a child
 * process of its own, with its data in a temporary directory.
 *
 * Why a child process started with --openssl-legacy-provider: s3rver 3.7.1 encrypts its
 * ListObjectsV2 continuation tokens with DES, which Node 24's OpenSSL 3 refuses without the
 * legacy provider; every truncated listing page would otherwise be a 500. (A bug of the test
 * server, not of S3: AWS, MinIO and Garage page normally.) s3rver also ignores `If-None-Match`
 * on PutObject, so the store under test takes its HEAD-and-compare path (src/cluster/blob/s3.ts).
 *
 * Why its store is wrapped (`atomicObjects`): S3 makes a PUT visible all at once, body and
 * metadata together, and a HEAD meanwhile sees the old object or none. s3rver writes the body,
 * its MD5 and its metadata as three files, without waiting for the body to reach the disk, so
 * racing writers could see a half-written body or one writer's body under the other's hash (CI
 * saw both). The wrapper writes the body to a temporary file, renames it into place and writes
 * the metadata, one store operation at a time, so the tests exercise our code against what S3
 * promises rather than against s3rver's tearing.
 *
 * Run as a script (by `startS3rver`): prints `{"port":N}` once listening; exits when its stdin
 * closes, so it never outlives the test.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SELF = fileURLToPath(import.meta.url);
export const S3_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3rver {
  endpoint: string;
  /** Environment for a `tra` process (or `s3OptionsFromEnv`) to reach it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Start s3rver with `buckets` created (names of 3–63 characters). */
export async function startS3rver(buckets: string[]): Promise<S3rver> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', SELF, dir, ...buckets], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`s3rver did not start in 20 s: ${err.slice(-500)}`)), 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited ${code}: ${err.slice(-500)}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: S3_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_KEY.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.stdin!.end();
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await gone;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The parts of s3rver's filesystem store the wrapper touches (lib/stores/filesystem.js, 3.7.1). */
interface FsStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: { bucket: string; key: string; content: Buffer | NodeJS.ReadableStream; metadata: unknown }): Promise<{ size: number; md5: string }>;
  [method: string]: unknown;
}

/** Make `store`'s object writes all-at-once and its object operations one at a time (see above). */
function atomicObjects(store: FsStore): void {
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
  for (const method of ['getObject', 'existsObject', 'copyObject', 'deleteObject']) {
    const original = (store[method] as (...a: unknown[]) => Promise<unknown>).bind(store);
    store[method] = (...args: unknown[]) => serial(() => original(...args));
  }
  let temp = 0;
  store.putObject = async (object) => {
    const chunks: Buffer[] = [];
    if (Buffer.isBuffer(object.content)) chunks.push(object.content);
    else for await (const chunk of object.content as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    const body = Buffer.concat(chunks);
    const md5 = createHash('md5').update(body).digest('hex');
    return serial(async () => {
      const target = store.getResourcePath(object.bucket, object.key, 'object');
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const staged = `${target}.put-${process.pid}-${temp++}`;
      fs.writeFileSync(staged, body);
      fs.renameSync(staged, target);
      await store.putMetadata(object.bucket, object.key, object.metadata, md5);
      return { size: body.length, md5 };
    });
  };
}

async function main(dir: string, buckets: string[]): Promise<void> {
  const S3rverClass = createRequire(import.meta.url)('s3rver') as new (o: Record<string, unknown>) => {
    run(): Promise<{ port: number }>;
    close(): Promise<void>;
  };
  const server = new S3rverClass({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) });
  atomicObjects((server as unknown as { store: FsStore }).store);
  const { port } = await server.run();
  process.stdout.write(JSON.stringify({ port }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().finally(() => process.exit(0)));
}

if (process.argv[1] === SELF) await main(process.argv[2], process.argv.slice(3));
