// Four `tra fetcher` processes crawl ten loopback hosts together (robots.txt with Crawl-delay and a
// disallowed folder, latency, a request log). One fetcher is killed (SIGKILL) in the middle of a
// slow request, another is stopped (SIGSTOP) between uploading a WARC record and committing it,
// past its lease. Checked: per host, one request at a time across all fetchers and gaps of at
// least its delay; robots.txt first and obeyed; the killed fetcher's host taken over only after
// its lease; the stopped fetcher's late commit refused, no capture twice, its orphan blob collected
// by the janitor; every article a document with its index job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_SKIP, testSchema } from './pg.ts';
import { start, until, type Proc } from './procs.ts';
import { startWebHosts, type HostSpec } from './webhosts.ts';
import { DirBlobStore } from '../../src/cluster/blob/dir.ts';
import { collectOrphans } from '../../src/cluster/blob/janitor.ts';

const DELAY_MS = 200;

test('four fetchers: politeness across processes, a fetcher killed and one stalled past its lease', { skip: PG_SKIP, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-fetchers-'));
  const s = await testSchema();
  const specs: HostSpec[] = Array.from({ length: 10 }, (_, i) => ({ crawlDelayS: [0, 0.3, 0.5][i % 3], latencyMs: 20 + (i % 4) * 30, articles: 5 }));
  specs[8].slowFirst = { '/tin/0.html': 1500 }; // killed while fetching this
  const web = await startWebHosts(specs);
  const procs: Proc[] = [];
  const blobDir = join(dir, 'blob');
  try {
    const killHost = web.hosts[8];
    const stopHost = web.hosts[9];
    const stopUrl = `http://${stopHost}/tin/1.html`;
    const pidOf = async (host: string) => {
      const { rows } = await s.pool.query<{ lease_owner: string | null; lease_expires_at: Date | null }>('SELECT lease_owner, lease_expires_at FROM hosts WHERE host = $1', [host]);
      return { pid: Number(rows[0]?.lease_owner?.split(':')[1]), expires: rows[0]?.lease_expires_at };
    };
    const byPid = (pid: number) => procs.find((p) => p.child.pid === pid);

    // The kill: when the slow request reaches the server, SIGKILL the fetcher holding the host.
    let killed: { pid: number; expires: number; at: number } | undefined;
    let killing: Promise<void> | undefined;
    web.onRequest = (host, path) => {
      if (host !== killHost || path !== '/tin/0.html' || killing) return;
      killing = (async () => {
        await new Promise((r) => setTimeout(r, 200));
        const { pid, expires } = await pidOf(host);
        const p = byPid(pid);
        assert.ok(p && expires, `the fetcher holding ${host} (pid ${pid})`);
        killed = { pid, expires: expires.getTime(), at: Date.now() };
        await p.kill('SIGKILL');
      })();
    };

    const args = ['fetcher', '--pg', s.url, '--blob', blobDir, '--allow-private-addresses', '--hosts', '4', '--lease-ms', '5000', '--timeout-ms', '2500', '--delay-ms', String(DELAY_MS)];
    const env = { TRA_TEST_FETCHER_PAUSE_BEFORE_COMMIT_MS: '600', TRA_TEST_FETCHER_PAUSE_URL: '/tin/1.html' };
    const first = start([...args, ...web.feeds.flatMap((f) => ['--source', f])], env);
    procs.push(first);
    await first.waitFor(/thêm 10 nguồn mới/, 30_000);
    for (let i = 0; i < 3; i++) procs.push(start(args, env));

    // The stall: the first fetcher to upload the stop host's page is stopped before its commit.
    const line = await until('a fetcher uploading the page of the stop host', async () => {
      for (const p of procs) {
        const m = (p.err.split('\n').find((l) => l.includes(`uploaded `) && l.includes(stopUrl)));
        if (m) return m;
      }
      return undefined;
    }, 60_000, 20);
    const [, staleKey] = /uploaded (\S+) /.exec(line)!;
    const stalledPid = Number(/pid (\d+)/.exec(line)![1]);
    const stalled = byPid(stalledPid)!;
    stalled.child.kill('SIGSTOP');
    const stopLease = await pidOf(stopHost);
    // Another fetcher takes the host only after the lease; its commit of the same URL lands.
    await until('the stop host page captured by another fetcher', async () => {
      const { rows } = await s.pool.query('SELECT blob_key FROM captures WHERE url = $1', [stopUrl]);
      return rows.length === 1 && rows[0].blob_key !== staleKey;
    }, 45_000, 100);
    stalled.child.kill('SIGCONT');
    await stalled.waitFor(/mất quyền thuê/, 60_000).catch(async (e: Error) => {
      // Once seen in CI: the resumed fetcher said nothing for a minute. Say where it and the
      // database were, so that a next time can be explained.
      let state: string;
      try {
        state = readFileSync(`/proc/${stalledPid}/status`, 'utf8').split('\n').filter((l) => /^(State|Threads):/.test(l)).join(', ');
      } catch {
        state = 'no /proc entry';
      }
      const act = await s.pool.query("SELECT pid, application_name, state, wait_event_type, wait_event, now() - xact_start AS xact, left(query, 160) AS query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
      const blocked = await s.pool.query('SELECT pid, pg_blocking_pids(pid) AS by FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0');
      throw new Error(`${e.message}\nprocess ${stalledPid}: ${state}\nsessions: ${JSON.stringify(act.rows)}\nblocked: ${JSON.stringify(blocked.rows)}`);
    });

    await until('every article fetched and stored', async () => {
      const docs = Number((await s.pool.query('SELECT count(*) AS n FROM documents')).rows[0].n);
      const due = Number((await s.pool.query("SELECT count(*) AS n FROM urls WHERE next_fetch_at <= now()")).rows[0].n);
      return docs === 50 && due === 0;
    }, 60_000, 250);
    await killing;
    await Promise.all(procs.map((p) => p.kill()));

    // Politeness: per host, one request at a time across all fetchers, gaps ≥ the host's delay.
    for (let i = 0; i < web.hosts.length; i++) {
      const reqs = web.log.filter((r) => r.host === web.hosts[i]).sort((a, b) => a.start - b.start);
      assert.equal(reqs[0].path, '/robots.txt', `${web.hosts[i]}: robots.txt first`);
      const delay = Math.max(DELAY_MS, specs[i].crawlDelayS * 1000);
      for (let k = 1; k < reqs.length; k++) {
        const gap = reqs[k].start - reqs[k - 1].end;
        assert.ok(reqs[k - 1].end > 0 && gap >= delay - 2, `${web.hosts[i]}: ${reqs[k - 1].path} → ${reqs[k].path} gap ${gap} ms < ${delay} ms`);
      }
      assert.ok(!reqs.some((r) => r.path.startsWith('/rieng/')), `${web.hosts[i]}: robots.txt disallows /rieng/`);
      assert.ok(reqs.filter((r) => r.path === '/robots.txt').length <= 2, `${web.hosts[i]}: robots.txt fetched once per lease holder at most`);
    }
    const disallowed = Number((await s.pool.query("SELECT count(*) AS n FROM urls WHERE state = 'disallowed'")).rows[0].n);
    assert.equal(disallowed, 10);

    // The killed fetcher's host was taken over only after its lease ended.
    assert.ok(killed, 'a fetcher was killed mid-fetch');
    const after = web.log.filter((r) => r.host === killHost && r.start > killed!.at).sort((a, b) => a.start - b.start);
    assert.ok(after.length > 0, 'the killed host was crawled again');
    assert.ok(after[0].start >= killed.expires - 5, `reclaimed ${killed.expires - after[0].start} ms before the lease ended`);
    // The stalled fetcher's host likewise.
    const stopReqs = web.log.filter((r) => r.host === stopHost && r.path === '/tin/1.html').sort((a, b) => a.start - b.start);
    assert.equal(stopReqs.length, 2, 'the stop host page fetched by the stalled fetcher, then once by the next holder');
    assert.ok(stopReqs[1].start >= stopLease.expires!.getTime() - 5, 'the stop host reclaimed only after the lease');

    // No capture twice: one per URL (robots.txt once per host fetch), the stale one nowhere.
    const dup = await s.pool.query('SELECT url, count(*) AS n FROM captures GROUP BY url HAVING count(*) > 1');
    assert.deepEqual(dup.rows, [], 'no URL captured twice');
    const stale = await s.pool.query('SELECT 1 FROM captures WHERE blob_key = $1', [staleKey]);
    assert.equal(stale.rowCount, 0);
    const jobs = Number((await s.pool.query("SELECT coalesce(sum((payload->>'versions')::int), 0) AS n FROM jobs WHERE kind = 'index'")).rows[0].n);
    assert.equal(jobs, 50, 'every article version has its index job');
    const doc = (await s.pool.query("SELECT v.body FROM documents d JOIN document_versions v ON v.seq = d.current_seq WHERE d.id LIKE $1", [`%//${web.hosts[0]}/tin/0.htm%`])).rows[0];
    assert.match(String(doc?.body?.title), /giá vàng/);
    assert.equal(doc?.body?.source, 'Báo Thử 0');

    // The janitor: the stale upload is an orphan and goes; every referenced blob stays.
    const blob = new DirBlobStore(blobDir);
    assert.ok(await blob.stat(staleKey), 'the stale upload is there before the janitor');
    const j = await collectOrphans({ pool: s.pool, blob, graceMs: 0 });
    assert.ok(j.deleted >= 1, JSON.stringify(j));
    assert.equal(await blob.stat(staleKey), undefined);
    const { rows: keys } = await s.pool.query<{ blob_key: string }>('SELECT DISTINCT blob_key FROM captures');
    for (const k of keys) assert.ok(await blob.stat(k.blob_key), `${k.blob_key} kept`);
  } catch (e) {
    for (const p of procs) process.stderr.write(`--- fetcher ${p.child.pid}\n${p.err.slice(-3000)}\n`);
    throw e;
  } finally {
    await Promise.all(procs.map((p) => {
      p.child.kill('SIGCONT');
      return p.kill();
    }));
    await web.close();
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
