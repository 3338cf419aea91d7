/**
 * kill -9 in the middle of `tra crawl --once`, then the same command again: the crawl resumes its
 * run and ends with every article captured, versioned and indexed exactly once, and WARC files
 * that read cleanly to the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSite } from './fixtures/site/server.ts';
import { openArchiveDb } from '../src/archive/db.ts';
import { readWarc } from '../src/archive/warc.ts';

const TRA = fileURLToPath(new URL('../bin/tra.js', import.meta.url));
const N = 60;

function run(args: string[], onSpawn?: (pid: number) => void): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TRA, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRA_PROGRESS: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    onSpawn?.(child.pid!);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

test('kill -9 mid-crawl, then resume: nothing lost, nothing duplicated', async (t) => {
  let pid = 0;
  let killed = false;
  const site = await startSite({
    many: N,
    crawlDelaySeconds: 0,
    onRequest: (n) => {
      // Request 1 is robots.txt, 2 the feed; kill while article ~30 is in flight.
      if (n === 32 && pid && !killed) {
        killed = true;
        process.kill(pid, 'SIGKILL');
      }
    },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-kill-'));
  try {
    const args = ['crawl', '--data', dir, '--once', '--source', `${site.main}/rss/many.rss`, '--delay-ms', '5'];
    const r1 = await run(args, (p) => (pid = p));
    assert.equal(r1.signal, 'SIGKILL', `first run should have been killed (exit ${r1.code}, ${r1.stderr})`);

    // What the kill left behind.
    const warcDir = path.join(dir, 'warc');
    let db = openArchiveDb(dir);
    const states = db.prepare('SELECT state, COUNT(*) AS n FROM urls GROUP BY state ORDER BY state').all() as Array<{ state: string; n: number }>;
    const files = db.prepare('SELECT name, bytes FROM warc_files').all() as Array<{ name: string; bytes: number }>;
    const beyond = files.reduce((n, f) => n + Math.max(0, fs.statSync(path.join(warcDir, f.name)).size - f.bytes), 0);
    const captured = (db.prepare("SELECT COUNT(*) AS n FROM captures WHERE type = 'response'").get() as { n: number }).n;
    db.close();
    t.diagnostic(`after kill -9: urls ${JSON.stringify(states)}, ${captured} responses recorded, ${beyond} WARC bytes past the committed end`);
    assert.ok(captured > 0 && captured < N + 2, 'killed in the middle');

    const r2 = await run(args);
    assert.equal(r2.code, 0, r2.stderr);
    const last = JSON.parse(r2.stdout.trim().split('\n').pop()!);
    t.diagnostic(`resumed run: ${JSON.stringify(last)}`);
    assert.equal(last.resumed, true);
    assert.equal(last.articles, N, 'the run counts every article once across the kill');
    assert.equal(last.errors, 0);

    db = openArchiveDb(dir);
    try {
      const perUrl = db.prepare("SELECT url, COUNT(*) AS n FROM captures WHERE type = 'response' GROUP BY url HAVING n > 1").all();
      assert.deepEqual(perUrl, [], 'no URL captured twice');
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM articles').get() as { n: number }).n, N);
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM versions').get() as { n: number }).n, N);
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM articles WHERE indexed_version != latest_version').get() as { n: number }).n, 0);
      const rows = (db.prepare("SELECT COUNT(*) AS n FROM captures WHERE type = 'response'").get() as { n: number }).n;
      let inWarc = 0;
      for (const f of fs.readdirSync(warcDir).filter((x) => x.endsWith('.warc.gz'))) {
        for await (const rec of readWarc(path.join(warcDir, f))) if (rec.type === 'response') inWarc++;
      }
      assert.equal(inWarc, rows, 'every response record in the WARC files is recorded, and only those');
    } finally {
      db.close();
    }
    const stats = await run(['stats', '--data', dir, '--json']);
    assert.equal(JSON.parse(stats.stdout).documents, N, 'each article indexed once');
    const hits = await run(['search', '--data', dir, '--json', '--limit', '100', 'bản tin tổng hợp']);
    assert.equal(JSON.parse(hits.stdout).total, N);
  } finally {
    await site.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
