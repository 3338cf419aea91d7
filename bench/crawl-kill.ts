/**
 * What kill -9 leaves behind, measured: `tra crawl --once` over the fixture site (politeness off)
 * is killed at random moments K times in a row, each time inspecting the data directory; then the
 * crawl is run to the end and checked (every article captured once, WARC files and database agree,
 * every article indexed once).
 *
 *   cd /work/main && npx node bench/crawl-kill.ts [--kills 8] [--pages 400]
 *
 * Each kill lands 1.2–2.4 s after start (start-up included); the same `--once` run is resumed every
 * time, so the final line covers the whole run and no URL may have two captures.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSite } from '../test/fixtures/site/server.ts';
import { openArchiveDb } from '../src/archive/db.ts';
import { readWarc } from '../src/archive/warc.ts';

const TRA = fileURLToPath(new URL('../bin/tra.js', import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, def: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : def);
const kills = opt('--kills', 8);
const pages = opt('--pages', 400);

function run(argv: string[], killAfterMs?: number): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TRA, ...argv], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, TRA_PROGRESS: '0' } });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const t = killAfterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), killAfterMs) : undefined;
    child.on('exit', (code, signal) => {
      if (t) clearTimeout(t);
      resolve({ code, signal, stdout });
    });
  });
}

const site = await startSite({ many: pages, crawlDelaySeconds: 0 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-bench-kill-'));
const argv = ['crawl', '--data', dir, '--once', '--source', `${site.main}/rss/many.rss`, '--delay-ms', '0', '--max-per-list', String(pages)];
const report: Array<Record<string, unknown>> = [];
let finalOut: string | undefined;
try {
  for (let k = 0; k < kills; k++) {
    const after = 1200 + Math.floor(Math.random() * 1200);
    const r = await run(argv, after);
    const db = openArchiveDb(dir);
    const done = (db.prepare("SELECT COUNT(*) AS n FROM urls WHERE state = 'done' AND kind = 'article'").get() as { n: number }).n;
    const fetching = (db.prepare("SELECT COUNT(*) AS n FROM urls WHERE state = 'fetching'").get() as { n: number }).n;
    const files = db.prepare('SELECT name, bytes FROM warc_files').all() as Array<{ name: string; bytes: number }>;
    db.close();
    let beyond = 0;
    for (const f of files) {
      try {
        beyond += Math.max(0, fs.statSync(path.join(dir, 'warc', f.name)).size - f.bytes);
      } catch {
        /* file not created yet */
      }
    }
    if (r.signal !== 'SIGKILL') {
      // The run finished before the kill: that invocation is the final one.
      finalOut = r.stdout;
      break;
    }
    report.push({ kill: k + 1, after_ms: after, articles_done: done, in_flight: fetching, warc_bytes_past_commit: beyond });
  }
  finalOut ??= (await run(argv)).stdout;
  const last = JSON.parse(finalOut.trim().split('\n').pop()!);
  const db = openArchiveDb(dir);
  const dupes = (db.prepare("SELECT COUNT(*) AS n FROM (SELECT url FROM captures WHERE type = 'response' GROUP BY url HAVING COUNT(*) > 1)").get() as { n: number }).n;
  const rows = (db.prepare("SELECT COUNT(*) AS n FROM captures WHERE type = 'response'").get() as { n: number }).n;
  const versions = (db.prepare('SELECT COUNT(*) AS n FROM versions').get() as { n: number }).n;
  const unindexed = (db.prepare('SELECT COUNT(*) AS n FROM articles WHERE indexed_version != latest_version').get() as { n: number }).n;
  db.close();
  let inWarc = 0;
  for (const f of fs.readdirSync(path.join(dir, 'warc')).filter((x) => x.endsWith('.warc.gz'))) {
    for await (const rec of readWarc(path.join(dir, 'warc', f))) if (rec.type === 'response') inWarc++;
  }
  const stats = JSON.parse((await run(['stats', '--data', dir, '--json'])).stdout);
  console.log(JSON.stringify({ kills: report, final: last, urls_captured_twice: dupes, response_rows: rows, response_records_in_warc: inWarc, versions, unindexed, index_documents: stats.documents }, null, 1));
} finally {
  await site.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
