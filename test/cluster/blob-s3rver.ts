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
 * Run as a script (by `startS3rver`): prints `{"port":N}` once listening; exits when its stdin
 * closes, so it never outlives the test.
 */
import { spawn } from 'node:child_process';
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

async function main(dir: string, buckets: string[]): Promise<void> {
  const S3rverClass = createRequire(import.meta.url)('s3rver') as new (o: Record<string, unknown>) => {
    run(): Promise<{ port: number }>;
    close(): Promise<void>;
  };
  const server = new S3rverClass({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  process.stdout.write(JSON.stringify({ port }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().finally(() => process.exit(0)));
}

if (process.argv[1] === SELF) await main(process.argv[2], process.argv.slice(3));
