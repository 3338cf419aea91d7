// PostgreSQL stopped with `pg_ctl -m immediate` (no checkpoint, as a power cut) while `tra index
// --pg` runs and an indexer and a searcher work, then started again: every document of every
// `tra index` that printed its summary is there, and the indexer and the searcher carry on by
// themselves (everything published and served) without being restarted. The test runs its own
// PostgreSQL cluster (test/cluster/postgres.sh) in a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tra } from '../hostile/run.ts';
import { PG_SKIP } from './pg.ts';
import { corpus, getJson, start, until, type Proc } from './procs.ts';
import { openPool } from '../../src/cluster/pg/connect.ts';
import { clusterStatistics } from '../../src/cluster/roles/stats.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./postgres.sh', import.meta.url));
const HAVE_PG = existsSync('/usr/lib/postgresql');

test('PostgreSQL stopped with -m immediate and restarted: acknowledged documents kept, workers resume', { skip: PG_SKIP || (!HAVE_PG && 'PostgreSQL is not installed'), timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-pgcrash-'));
  chmodSync(dir, 0o755);
  const pgDir = join(dir, 'pg');
  const procs: Proc[] = [];
  // Its own port range, starting at a random point: two runs at once (two engineers, CI) rarely
  // probe the same ports, and postgres.sh start moves on when another process binds one first.
  // Bounds: pg_ctl waits up to 180 s (postgres.sh), this a little longer.
  const basePort = String(56432 + Math.floor(Math.random() * 2000));
  const pg = async (cmd: string) => {
    try {
      return await run('bash', [SCRIPT, cmd, pgDir], { timeout: 240_000, env: { ...process.env, TRA_PG_PORT: basePort } });
    } catch (e) {
      throw new Error(`postgres.sh ${cmd}: ${(e as { stderr?: string }).stderr?.trim().slice(-800) ?? (e as Error).message}`, { cause: e });
    }
  };
  let pool: ReturnType<typeof openPool> | undefined;
  let blocker: ReturnType<typeof openPool> | undefined;
  try {
    const out = (await pg('start')).stdout;
    const url = /TRA_TEST_PG_URL=(\S+)/.exec(out)![1];
    const blob = join(dir, 'blob');
    assert.equal((await tra(['migrate', '--pg', url], {}, 120_000)).code, 0);
    // File 2 is large (several batches): PostgreSQL crashes after its first batch committed.
    const sizes = [150, 150, 4000, 150, 150, 150];
    const files = sizes.map((n, i) => {
      const f = join(dir, `lo-${i}.jsonl`);
      writeFileSync(f, corpus(n, 100 + i).map((d, k) => JSON.stringify({ ...d, id: `lo${i}-${k}` })).join('\n') + '\n');
      return f;
    });
    const indexer = start(['indexer', '--pg', url, '--blob', blob, '--lease-ms', '3000']);
    const searcher = start(['searcher', '--pg', url, '--blob', blob, '--port', '0', '--host', '127.0.0.1', '--dir', join(dir, 's1')]);
    procs.push(indexer, searcher);
    const su = (await searcher.waitFor(/^http:/, 120_000)).trim();

    // tra index runs one file after another; PostgreSQL crashes during the third and restarts.
    const acknowledged = new Set<string>();
    const failed: number[] = [];
    const ingest = async (i: number) => {
      const r = await tra(['index', '--pg', url, '--blob', blob, files[i]], {}, 180_000);
      const last = r.stdout.trim().split('\n').pop() ?? '';
      if (r.code === 0 && /"indexed"/.test(last)) {
        for (let k = 0; k < sizes[i]; k++) acknowledged.add(`lo${i}-${k}`);
      } else {
        assert.match(r.stderr.trim(), /^tra: [^\n]+$/, 'a failed tra index says why in one line');
        failed.push(i);
      }
    };
    await ingest(0);
    await ingest(1);
    pool = openPool(url, { max: 1 });
    // The large file's second batch (lines 1000–1999) cannot commit before the crash: this
    // session inserts one of its ids and does not commit, so that batch waits on it (the crash
    // rolls the row back). No race between the crash and the end of the file.
    blocker = openPool(url, { max: 1 });
    const held = await blocker.connect();
    await held.query('BEGIN');
    await held.query("INSERT INTO documents (id, current_seq, content_hash) VALUES ('lo2-1500', 0, '\\x00')");
    const during = ingest(2);
    const seen = await until('a first batch of the large file committed', async () => {
      const n = Number((await pool!.query<{ n: string }>("SELECT count(*) AS n FROM documents WHERE id LIKE 'lo2-%'")).rows[0].n);
      return n > 0 && n;
    }, 120_000, 20);
    assert.equal(seen, 1000, 'the first batch, and only it, committed before the crash');
    await pg('crash');
    held.release(true);
    await blocker.end().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await during;
    await new Promise((r) => setTimeout(r, 1000));
    await pg('restart');
    // Every batch whose commit another session saw before the crash is still there.
    pool = openPool(url, { max: 2 });
    const kept = Number((await pool.query<{ n: string }>("SELECT count(*) AS n FROM documents WHERE id LIKE 'lo2-%'")).rows[0].n);
    assert.ok(kept >= seen, `batches committed before the crash kept: ${kept} ≥ ${seen}`);
    for (let i = 3; i < files.length; i++) await ingest(i);
    for (const i of failed) await ingest(i);
    assert.equal(acknowledged.size, sizes.reduce((a, b) => a + b, 0), `every file acknowledged in the end (failed first: ${failed.join(',')})`);
    assert.ok(failed.includes(2), 'the crash interrupted the large file');

    const { rows } = await pool.query<{ id: string }>('SELECT id FROM documents');
    const stored = new Set(rows.map((r) => r.id));
    for (const id of acknowledged) assert.ok(stored.has(id), `${id} acknowledged and stored`);

    // The workers were not restarted: they reconnect and finish the work.
    await until('every document published by the same indexer', async () => {
      const st = await clusterStatistics(pool!);
      return st.documents === acknowledged.size && st.unpublished === 0 && st;
    }, 180_000, 500);
    await until('the same searcher serving every document', async () => {
      const h = await getJson(`${su}/healthz`);
      return h.body.documents === acknowledged.size;
    }, 120_000, 500);
    assert.equal(indexer.child.exitCode, null, 'the indexer kept running');
    assert.equal(searcher.child.exitCode, null, 'the searcher kept running');
  } finally {
    await Promise.all(procs.map((p) => p.kill()));
    await pool?.end().catch(() => undefined);
    await blocker?.end().catch(() => undefined);
    await pg('stop').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
