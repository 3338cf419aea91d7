/**
 * Fetch scaling (issue #14, "Measured"): 1 → 2 → 4 `tra fetcher` processes crawl 500 loopback
 * hosts, each with a 1 s politeness delay and 200 ms of latency per response. Crawling is I/O
 * bound — a fetcher spends its time waiting on hosts' delays and answers — so throughput should
 * grow with the fetchers (targets: ≥ 1.8× at 2, ≥ 3× at 4), while every host still sees one
 * request at a time and gaps of at least its delay across all fetchers together.
 *
 *   node_modules/.bin/node bench/cluster-fetch.ts             # warm-up (every feed read, ≥ 15 s) + 60 s measured per run
 *   node_modules/.bin/node bench/cluster-fetch.ts --quick     # ≥ 5 s + 20 s
 *   node_modules/.bin/node bench/cluster-fetch.ts --hosts 500 --fetchers 1,2,4 --pg URL
 *
 * The web: one HTTP server per host on 127.0.0.1 (a host is `127.0.0.1:PORT`, as the frontier
 * keys it), each with robots.txt (`Crawl-delay: 1`, a disallowed folder), an RSS feed listing
 * `--articles` article pages, and the pages themselves: news articles made by bench/corpus-gen.ts
 * (new texts from the news vocabulary). Every response waits `--latency-ms` first. The servers
 * log the start and end of every request.
 *
 * Each run: a fresh PostgreSQL schema (`tra migrate`), the 500 feeds added as sources (`tra
 * cluster sources add`), then N fetchers started together (`tra fetcher --pg URL --blob DIR
 * --allow-private-addresses --delay-ms 1000`, plus `--hosts H` when given: hosts worked on at once
 * per fetcher). The warm-up lasts until every host's robots.txt and feed were read (the frontier
 * serves the feeds first) and at least --warm-s; then the measured window counts the requests the hosts answered and
 * the article documents committed to PostgreSQL, per second; CPU time of the fetchers and of
 * PostgreSQL per page. Politeness over the whole run, from the servers' log: requests to a host
 * overlapping another (must be 0) and gaps shorter than the delay (must be 0).
 *
 * PostgreSQL: `--pg URL`, else TRA_TEST_PG_URL, else a private one (test/cluster/postgres.sh).
 * Skips with a message, exit 0, when `tra fetcher` is not part of this tree yet.
 * Writes bench/results/cluster-fetch-<stamp>.md and .json; one JSON line last on stdout.
 */
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import os from 'node:os';
import { generateCorpus, DATA } from './corpus-gen.ts';
import {
  checkNode, say, startTra, runTra, mustRun, postgres, newSchema, cpuOf, cpuOfPostgres, postmasterPid, f, table, machine, load1,
  writeResults, sleep, withClient, type Proc,
} from './cluster-common.ts';

interface Options {
  quick: boolean;
  hosts: number;
  articles: number;
  latencyMs: number;
  delayMs: number;
  fetchers: number[];
  hostsPerFetcher?: number;
  warmS: number;
  measureS: number;
  pg?: string;
  json: boolean;
}

const HELP = `node_modules/.bin/node bench/cluster-fetch.ts [options]

  --quick                 5 s warm-up and 20 s measured per run (default 15 s and 60 s)
  --hosts N               loopback hosts (default 500)
  --articles N            article pages per host (default 30)
  --latency-ms N          wait before every response (default 200)
  --delay-ms N            politeness delay: robots.txt Crawl-delay and tra fetcher --delay-ms (default 1000)
  --fetchers LIST         fetcher counts to run (default 1,2,4)
  --hosts-per-fetcher H   tra fetcher --hosts H (default: the fetcher's own default)
  --warm-s S --measure-s S
  --pg URL                PostgreSQL (default TRA_TEST_PG_URL, else a private one)
  --json                  only the JSON line on stdout
`;

function parse(argv: string[]): Options | undefined {
  const o: Options = { quick: false, hosts: 500, articles: 30, latencyMs: 200, delayMs: 1000, fetchers: [1, 2, 4], warmS: -1, measureS: -1, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    const n = (): number => {
      const x = Number(v());
      if (!Number.isFinite(x) || x < 0) throw new Error(`${a} needs a non-negative number`);
      return x;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--hosts') o.hosts = Math.max(1, n());
    else if (a === '--articles') o.articles = Math.max(1, n());
    else if (a === '--latency-ms') o.latencyMs = n();
    else if (a === '--delay-ms') o.delayMs = n();
    else if (a === '--fetchers') o.fetchers = v().split(',').map(Number).filter((x) => x > 0);
    else if (a === '--hosts-per-fetcher') o.hostsPerFetcher = Math.max(1, n());
    else if (a === '--warm-s') o.warmS = n();
    else if (a === '--measure-s') o.measureS = Math.max(1, n());
    else if (a === '--pg') o.pg = v();
    else if (a === '--json') o.json = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(HELP);
      return undefined;
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.warmS < 0) o.warmS = o.quick ? 5 : 15;
  if (o.measureS < 0) o.measureS = o.quick ? 20 : 60;
  return o;
}

// ---------------------------------------------------------------------------------------------
// The loopback web

interface Logged { host: number; path: string; start: number; end: number }

interface Web {
  hosts: string[];
  feeds: string[];
  log: Logged[];
  close(): Promise<void>;
}

interface Doc { title: string; summary: string; text: string; published: string; source: string }

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function articleHtml(d: Doc, h: number, i: number): string {
  const title = `${d.title} (${h}-${i})`;
  const paras = d.text.split(/(?<=\.) /).reduce<string[]>((acc, s, k) => {
    if (k % 3 === 0) acc.push(s);
    else acc[acc.length - 1] += ' ' + s;
    return acc;
  }, []);
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta property="og:type" content="article"><meta property="og:site_name" content="Báo ${h}">
<meta property="article:published_time" content="${d.published}"></head>
<body><header><nav><a href="/">Trang chủ</a></nav></header><article><h1>${esc(title)}</h1><p><strong>${esc(d.summary)}</strong></p>
${paras.map((p) => `<p>${esc(p)}</p>`).join('\n')}</article><footer>© Báo ${h}</footer></body></html>`;
}

async function startWeb(o: Options, docs: Doc[]): Promise<Web> {
  const servers: http.Server[] = [];
  const web: Web = {
    hosts: [], feeds: [], log: [],
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      })));
    },
  };
  for (let h = 0; h < o.hosts; h++) {
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const entry: Logged = { host: h, path, start: Date.now(), end: 0 };
      web.log.push(entry);
      // The end is stamped when the answer is handed over (before res.end): the client cannot have
      // it earlier, and the handler runs no earlier than the request was sent, so a gap measured
      // here is never shorter than the fetcher's own. (A 'finish' event can be late on a busy
      // event loop and would report gaps shorter than they were.) A connection closed without an
      // answer ends at its close.
      res.on('close', () => {
        if (!entry.end) entry.end = Date.now();
      });
      const send = (status: number, type: string, body: string): void => {
        entry.end = Date.now();
        res.writeHead(status, { 'content-type': type });
        res.end(body);
      };
      setTimeout(() => {
        if (path === '/robots.txt') {
          send(200, 'text/plain', `User-agent: *\nDisallow: /rieng/\nCrawl-delay: ${o.delayMs / 1000}\n`);
          return;
        }
        if (path === '/rss.xml') {
          const items = Array.from({ length: o.articles }, (_, i) => {
            const d = docs[(h * 31 + i) % docs.length];
            return `<item><title>${esc(d.title)} (${h}-${i})</title><link>http://${web.hosts[h]}/tin/${i}.html</link><description>${esc(d.summary)}</description><pubDate>${new Date(d.published).toUTCString()}</pubDate></item>`;
          }).join('\n');
          send(200, 'application/rss+xml; charset=utf-8', `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo ${h}</title><link>http://${web.hosts[h]}/</link><description>Tin</description>\n${items}\n</channel></rss>`);
          return;
        }
        const m = /^\/tin\/(\d+)\.html$/.exec(path);
        if (m && Number(m[1]) < o.articles) {
          const i = Number(m[1]);
          send(200, 'text/html; charset=utf-8', articleHtml(docs[(h * 31 + i) % docs.length], h, i));
          return;
        }
        send(404, 'text/plain', 'không có');
      }, o.latencyMs);
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    servers.push(server);
    const port = (server.address() as { port: number }).port;
    web.hosts.push(`127.0.0.1:${port}`);
    web.feeds.push(`http://127.0.0.1:${port}/rss.xml`);
  }
  return web;
}

/** Per host, sorted by start: overlapping requests, and gaps (end → next start) shorter than the delay. */
function politeness(log: Logged[], delayMs: number): { overlaps: number; short_gaps: number; min_gap_ms: number; hosts_seen: number; examples: string[] } {
  const by = new Map<number, Logged[]>();
  for (const r of log) {
    if (!r.end) continue;
    let a = by.get(r.host);
    if (!a) by.set(r.host, (a = []));
    a.push(r);
  }
  let overlaps = 0;
  let short = 0;
  let min = Infinity;
  const examples: string[] = [];
  for (const reqs of by.values()) {
    reqs.sort((a, b) => a.start - b.start);
    for (let k = 1; k < reqs.length; k++) {
      const gap = reqs[k].start - reqs[k - 1].end;
      if (gap < 0) overlaps++;
      else if (gap < delayMs - 2) short++;
      if (gap < delayMs - 2 && examples.length < 5) examples.push(`host ${reqs[k].host}: ${reqs[k - 1].path} → ${reqs[k].path} ${gap} ms`);
      min = Math.min(min, gap);
    }
  }
  return { overlaps, short_gaps: short, min_gap_ms: Number.isFinite(min) ? min : NaN, hosts_seen: by.size, examples };
}

// ---------------------------------------------------------------------------------------------

interface Run {
  fetchers: number;
  requests_per_s: number;
  articles_per_s: number;
  documents_per_s: number;
  fetcher_cpu_ms_per_page: number;
  postgres_cpu_ms_per_page: number;
  overlaps: number;
  short_gaps: number;
  min_gap_ms: number;
  hosts_crawled: number;
  /** Seconds from the start until every host's robots.txt and feed were read (the warm-up waits for it). */
  feeds_s: number;
  short_gap_examples: string[];
  counters: Record<string, unknown>[];
  load1: number;
}

async function documents(url: string): Promise<number> {
  return withClient(url, async (c) => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM documents')).rows[0].n));
}

async function main(argv: string[]): Promise<number> {
  const o = parse(argv);
  if (!o) return 0;
  checkNode();
  const started = new Date();
  const help = await runTra(['fetcher', '--help'], 60_000);
  if (help.code !== 0) {
    const why = 'tra fetcher is not part of this tree yet (src/cli/commands/fetcher.ts, being built for issue #14): fetch scaling skipped';
    const md = `# Cluster fetch scaling\n\n**Skipped**: ${why}.\n`;
    writeResults('cluster-fetch', md, { bench: 'cluster-fetch', skipped: why }, started);
    process.stderr.write(`cluster-fetch: ${why}\n`);
    process.stdout.write(JSON.stringify({ bench: 'cluster-fetch', skipped: why }) + '\n');
    return 0;
  }
  if (!existsSync(join(DATA, 'news-rss'))) {
    process.stderr.write(`cluster-fetch: skipped — the news data are not at ${DATA}/news-rss (a plain clone has none)\n`);
    return 0;
  }
  const scratch = mkdtempSync(join(os.tmpdir(), 'tra-cluster-fetch-'));
  const pgc = await postgres(o.pg);
  const postmaster = postmasterPid(pgc.dataDir);
  const runs: Run[] = [];
  let failed: string | undefined;
  let web: Web | undefined;
  try {
    say('generating article texts');
    const gen = await generateCorpus({ docs: 2000, seed: 41, out: join(scratch, 'pages.jsonl.gz') });
    const docs = gunzipSync(readFileSync(gen.file)).toString().trim().split('\n').map((l) => JSON.parse(l) as Doc);
    web = await startWeb(o, docs);
    for (const k of o.fetchers) {
      say(`== ${k} fetcher${k > 1 ? 's' : ''}`);
      web.log.length = 0;
      const schema = await newSchema(pgc.url, 'bench_fetch');
      const blob = join(scratch, `blob-${schema.name}`);
      const procs: Proc[] = [];
      try {
        await mustRun(['migrate', '--pg', schema.url], undefined, false);
        const base = ['fetcher', '--pg', schema.url, '--blob', blob, '--allow-private-addresses', '--delay-ms', String(o.delayMs), ...(o.hostsPerFetcher ? ['--hosts', String(o.hostsPerFetcher)] : [])];
        const added = await runTra(['cluster', 'sources', 'add', '--pg', schema.url, ...web.feeds], 120_000);
        if (added.code !== 0) {
          // No `tra cluster sources add`: the first fetcher adds them (idempotent), the others start after it.
          const first = startTra([...base, ...web.feeds.flatMap((x) => ['--source', x])]);
          procs.push(first);
          await first.waitFor(/tra fetcher: đang chạy/, 120_000);
        }
        while (procs.length < k) procs.push(startTra(base));
        await Promise.all(procs.map((p) => p.waitFor(/tra fetcher: đang chạy/, 120_000)));
        const t0 = Date.now();
        // Warm-up: at least --warm-s, and until every feed was read (the frontier serves the
        // feeds first; the steady state is the article pages).
        let feedsS = NaN;
        for (;;) {
          const feeds = new Set(web.log.filter((r) => r.path === '/rss.xml' && r.end).map((r) => r.host)).size;
          if (feeds >= o.hosts && Number.isNaN(feedsS)) feedsS = (Date.now() - t0) / 1000;
          if (!Number.isNaN(feedsS) && Date.now() - t0 >= o.warmS * 1000) break;
          if (Date.now() - t0 > 900_000) throw new Error(`after 15 min, ${feeds} of ${o.hosts} feeds read`);
          for (const p of procs) if (p.child.exitCode !== null) throw new Error(`a fetcher exited: ${p.err().slice(-400)}`);
          await sleep(250);
        }
        const w0 = Date.now();
        const d0 = await documents(schema.url);
        const c0 = cpuOf(procs.map((p) => p.pid));
        const p0 = cpuOfPostgres(postmaster);
        await sleep(o.measureS * 1000);
        const w1 = Date.now();
        const d1 = await documents(schema.url);
        const c1 = cpuOf(procs.map((p) => p.pid));
        const p1 = cpuOfPostgres(postmaster);
        for (const p of procs) if (p.child.exitCode !== null) throw new Error(`a fetcher exited: ${p.err().slice(-400)}`);
        await Promise.all(procs.map((p) => p.stop()));
        const secs = (w1 - w0) / 1000;
        const inWindow = web.log.filter((r) => r.end >= w0 && r.end < w1);
        const articles = inWindow.filter((r) => r.path.startsWith('/tin/')).length;
        const pol = politeness(web.log.filter((r) => r.start >= t0 - 60_000), o.delayMs);
        const counters = procs.map((p) => {
          try {
            return JSON.parse(p.out().trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
          } catch {
            return {};
          }
        });
        runs.push({
          fetchers: k,
          requests_per_s: +(inWindow.length / secs).toFixed(2),
          articles_per_s: +(articles / secs).toFixed(2),
          documents_per_s: +((d1 - d0) / secs).toFixed(2),
          fetcher_cpu_ms_per_page: +((c1 - c0) / Math.max(1, inWindow.length)).toFixed(2),
          postgres_cpu_ms_per_page: +((p1 - p0) / Math.max(1, inWindow.length)).toFixed(2),
          overlaps: pol.overlaps, short_gaps: pol.short_gaps, min_gap_ms: pol.min_gap_ms, hosts_crawled: pol.hosts_seen, feeds_s: +feedsS.toFixed(1), short_gap_examples: pol.examples,
          counters, load1: load1(),
        });
      } finally {
        await Promise.all(procs.map((p) => p.stop()));
        await schema.drop();
        rmSync(blob, { recursive: true, force: true });
      }
    }
  } catch (e) {
    failed = (e as Error).stack ?? String(e);
    process.stderr.write(`cluster-fetch: ${(e as Error).message}\n`);
  } finally {
    await web?.close();
    rmSync(scratch, { recursive: true, force: true });
    await pgc.stop();
  }

  const at = (k: number): number => runs.find((r) => r.fetchers === k)?.requests_per_s ?? NaN;
  const r2 = at(2) / at(1);
  const r4 = at(4) / at(1);
  const polite = runs.every((r) => r.overlaps === 0 && r.short_gaps === 0);
  const report = {
    bench: 'cluster-fetch', quick: o.quick, started: started.toISOString(), finished: new Date().toISOString(), machine: machine(),
    options: { hosts: o.hosts, articles: o.articles, latency_ms: o.latencyMs, delay_ms: o.delayMs, fetchers: o.fetchers, hosts_per_fetcher: o.hostsPerFetcher ?? 'default', warm_s: o.warmS, measure_s: o.measureS },
    runs, ratio_2_1: +r2.toFixed(2), ratio_4_1: +r4.toFixed(2), meets: r2 >= 1.8 && r4 >= 3 && polite, polite, ...(failed ? { failed } : {}),
  };
  const m = report.machine;
  const md: string[] = [];
  md.push(`# Cluster fetch scaling${o.quick ? ' — QUICK validation run (short windows)' : ''}`);
  md.push('');
  md.push(`${report.started} → ${report.finished}; ${String(m.nproc)} × ${String(m.cpu)}; load average at the end ${(m.loadavg as number[]).join(' / ')} (${String(m.nproc)} cores). Command: \`node_modules/.bin/node bench/cluster-fetch.ts ${process.argv.slice(2).join(' ')}\`.`);
  md.push('');
  md.push(`${o.hosts} loopback hosts, ${o.articles} articles each, ${o.latencyMs} ms latency per response, ${o.delayMs} ms politeness delay (robots.txt Crawl-delay and --delay-ms); hosts per fetcher: ${o.hostsPerFetcher ?? 'the fetcher\'s default'}. Warm-up: until every host's robots.txt and feed were read (the frontier serves feeds first) and at least ${o.warmS} s; then ${o.measureS} s measured — the steady state of article pages.`);
  md.push('');
  if (failed) md.push(`**The run failed**: \`${failed.split('\n')[0]}\`\n`);
  md.push(table(['fetchers', 'every feed read after s', 'requests/s (hosts answered)', 'article pages/s', 'documents committed/s', 'fetcher CPU ms/page', 'PostgreSQL CPU ms/page', 'overlapping requests to a host', 'gaps < delay', 'least gap ms', 'hosts crawled', 'load'],
    runs.map((r) => [String(r.fetchers), f(r.feeds_s, 1), f(r.requests_per_s, 1), f(r.articles_per_s, 1), f(r.documents_per_s, 1), f(r.fetcher_cpu_ms_per_page, 2), f(r.postgres_cpu_ms_per_page, 2), String(r.overlaps), String(r.short_gaps), f(r.min_gap_ms, 0), String(r.hosts_crawled), f(r.load1, 1)])));
  md.push('');
  md.push('Gaps are measured by the servers: from the moment one answer is handed over to the moment the next request to the same host is handled, over the whole run (warm-up included) — never shorter than the gap the fetcher left; a gap counts as short below the delay minus 2 ms (millisecond clocks).');
  const ex = runs.flatMap((r) => r.short_gap_examples.map((e) => `${r.fetchers} fetchers — ${e}`));
  if (ex.length) md.push('', 'Short gaps seen: ' + ex.join('; ') + '.');
  md.push('');
  md.push(`Scaling (requests/s): 2 ÷ 1 = **${f(r2, 2)}×** (target ≥ 1.8×), 4 ÷ 1 = **${f(r4, 2)}×** (target ≥ 3×); politeness ${polite ? 'kept on every host' : '**violated**'} — ${report.meets ? 'met' : '**not met**'}.`);
  md.push('');
  md.push(`Each fetcher works on a fixed number of hosts at once, and each host gives at most one page per (delay + latency) = ${f((o.delayMs + o.latencyMs) / 1000, 1)} s, so a fetcher's rate is about its host slots ÷ ${f((o.delayMs + o.latencyMs) / 1000, 1)} s whatever the CPU; the ${o.hosts} hosts together allow up to ${f(o.hosts / ((o.delayMs + o.latencyMs) / 1000), 0)} requests/s.`);
  const text = md.join('\n');
  const path = writeResults(o.quick ? 'cluster-fetch-quick' : 'cluster-fetch', text, report, started);
  if (!o.json) process.stdout.write(text + `\n\nreport: ${path}\n`);
  process.stdout.write(JSON.stringify({ bench: 'cluster-fetch', quick: o.quick, runs: runs.map((r) => ({ fetchers: r.fetchers, requests_per_s: r.requests_per_s, documents_per_s: r.documents_per_s, overlaps: r.overlaps, short_gaps: r.short_gaps })), ratio_2_1: report.ratio_2_1, ratio_4_1: report.ratio_4_1, meets: report.meets, failed: Boolean(failed) }) + '\n');
  return failed ? 1 : 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`cluster-fetch: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
