// End to end on S3-compatible storage: the same small input through two clusters, one whose
// blobs are a shared directory, one whose blobs are `s3://bucket/prefix` on s3rver (loopback,
// reached through AWS_ENDPOINT_URL_S3 and the AWS_* credentials, as an operator would configure
// MinIO or Garage). `tra index`, `tra indexer` and `tra searcher` all get the s3:// location; the
// coordinator's answers must equal the directory-backed cluster's. Real processes, real PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tra } from '../hostile/run.ts';
import { PG_SKIP, testSchema } from './pg.ts';
import { corpus, getJson, start, until, type Proc } from './procs.ts';
import { clusterStatistics } from '../../src/cluster/roles/stats.ts';
import { S3BlobStore, s3OptionsFromEnv, type S3Module } from '../../src/cluster/blob/s3.ts';
import { startS3rver, S3_KEY } from './blob-s3rver.ts';

const QUERIES = [
  '/api/search?q=H%C3%A0%20N%E1%BB%99i&limit=20',
  '/api/search?q=gia%20vang%20tang&limit=15&facets=true',
  '/api/search?q=b%C3%B3ng%20%C4%91%C3%A1&sort=date&limit=20',
  '/api/search?q=kinh%20t%E1%BA%BF&from=2025-07-01&to=2025-09-30&limit=10',
  '/api/search?q=c%C3%A0%20ph%C3%AA&source=VnExpress&limit=10&facets=true',
  '/api/trends?q=gi%C3%A1%20v%C3%A0ng&interval=month',
];
const DOCS = 240;

async function answers(dir: string, file: string, blob: string, env: Record<string, string>, tag: string): Promise<Map<string, Record<string, unknown>>> {
  const s = await testSchema();
  const procs: Proc[] = [];
  const run = (args: string[]) => {
    const p = start(args, env);
    procs.push(p);
    return p;
  };
  try {
    const ix = await tra(['index', '--pg', s.url, '--blob', blob, file], env, 60_000);
    assert.equal(ix.code, 0, `${tag}: ${ix.stderr}`);
    assert.equal(JSON.parse(ix.stdout.trim().split('\n').at(-1)!).indexed, DOCS);
    run(['indexer', '--pg', s.url, '--blob', blob]);
    await until(`${tag}: every document published`, async () => {
      const st = await clusterStatistics(s.pool);
      return st.documents === DOCS && st.unpublished === 0 && st;
    }, 60_000);
    const searcher = run(['searcher', '--pg', s.url, '--blob', blob, '--port', '0', '--host', '127.0.0.1', '--dir', join(dir, `searcher-${tag}`)]);
    await searcher.waitFor(/^http:/);
    const coord = run(['coordinator', '--pg', s.url, '--port', '0', '--host', '127.0.0.1', '--timeout-ms', '10000']);
    const cu = (await coord.waitFor(/^http:/)).trim();
    await until(`${tag}: coordinator sees every shard`, async () => {
      const h = await getJson(`${cu}/healthz`);
      const shards = h.body.shards as Record<string, number> | undefined;
      return h.status === 200 && shards && Object.keys(shards).length === 3 && Object.values(shards).every((n) => n === 1);
    }, 45_000);
    const out = new Map<string, Record<string, unknown>>();
    for (const q of QUERIES) {
      const a = await until(`${tag}: ${q} complete`, async () => {
        const r = await getJson(cu + q);
        return r.status === 200 && !r.body.partial && r;
      }, 20_000);
      out.set(q, a.body);
    }
    return out;
  } finally {
    await Promise.all(procs.map((p) => p.kill()));
    await s.drop();
  }
}

test('a cluster on s3:// storage answers exactly as the same cluster on a directory', { skip: PG_SKIP, timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-s3-cluster-'));
  const server = await startS3rver(['tra-cluster']);
  try {
    const file = join(dir, 'tin.jsonl');
    writeFileSync(file, corpus(DOCS, 11).map((d) => JSON.stringify(d)).join('\n') + '\n');
    const onDir = await answers(dir, file, join(dir, 'blob'), {}, 'dir');
    const onS3 = await answers(dir, file, 's3://tra-cluster/tra/e2e', server.env, 's3');

    for (const q of QUERIES) {
      const { took_ms: _a, ...a } = onS3.get(q)!;
      const { took_ms: _b, ...b } = onDir.get(q)!;
      assert.deepEqual(a, b, q);
      if (q.includes('search')) assert.ok((a.total as number) > 0, `${q} matches something`);
    }
    // The segments went to the bucket, under the prefix; nothing was written next to the input.
    const sdk = (await import('@aws-sdk/client-s3')) as unknown as S3Module;
    const store = new S3BlobStore(sdk, 's3://tra-cluster/tra/e2e', { ...s3OptionsFromEnv(server.env), credentials: S3_KEY });
    const segments: string[] = [];
    for await (const b of store.list('segments/')) segments.push(b.key);
    store.close();
    assert.ok(segments.length >= 3, `segments in the bucket: ${segments.join(' ')}`);
    assert.ok(segments.every((k) => /^segments\/[0-9a-f]{2}\/[0-9a-f]{64}\.tseg$/.test(k)), segments.join(' '));
    assert.ok(!existsSync(join(process.cwd(), 's3:')), 'no directory named after the URL');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
