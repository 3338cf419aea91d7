/**
 * Load on the web server's search API: the real server (`tra serve`, its own process) on
 * loopback, autocannon as the load generator, over a realistic query mix. Reports requests/s
 * and latency percentiles of GET /api/search, at a fixed rate (default 200 requests/s, the
 * target being p99 < 50 ms) and flat out, and of GET /api/suggest (target < 50 ms).
 *
 *   node bin/tra.js index --data /tmp/web_bench ../shared/data/news-rss/*.jsonl.gz
 *   npx node bench/web-load.ts --data /tmp/web_bench [--rate 200] [--duration 30] [--connections 20]
 *
 * The query mix (bench/query-mix.ts; seeded, reproducible), read from ../shared/data (never copied here):
 * - 75% fragments of real headlines from news-rss: 1, 2 or 3 consecutive words, as people
 *   type them into a search box; 40% of them with every diacritic removed;
 * - 25% real questions (UIT-ViNewsQA and UIT-ViCoV19QA dev queries), 40% of them without marks.
 * Suggestions are measured on prefixes of the fragments (the last word cut after 1-4 letters).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DATA, queryMix } from './query-mix.ts';

/** The part of autocannon's result we read (the package ships no types). */
interface AcResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AcResult>;
const autocannon = ((await import('autocannon' as string)) as { default: Autocannon }).default;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

const dataDir = arg('data');
const rate = Number(arg('rate', '200'));
const duration = Number(arg('duration', '30'));
const connections = Number(arg('connections', '20'));
// More queries than any run sends, read in one pass across the phases: a query comes again only
// when the mix itself repeats it (a common word drawn twice), as in real traffic, so the
// server's answer cache gets no hits the mix would not give it.
const nQueries = Number(arg('queries', '30000'));

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function startServer(dir: string): Promise<{ url: string; pid: number | undefined; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'tra.js'), 'serve', '--data', dir, '--port', '0', '--rate-limit', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`tra serve exited (${code})`)));
  });
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

interface Summary {
  name: string;
  requests_per_s: number;
  requests: number;
  errors: number;
  non2xx: number;
  latency_ms: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Server CPU time per request: what the machine's load does not change. */
  server_cpu_ms_per_request?: number;
}

async function load(name: string, base: string, pathOf: () => string, opts: { rate?: number; connections: number; duration: number; pid?: number }): Promise<Summary> {
  const cpu0 = cpuSeconds(opts.pid);
  const res = await autocannon({
    url: base,
    connections: opts.connections,
    duration: opts.duration,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    requests: [{ method: 'GET', setupRequest: (req: Record<string, unknown>) => ({ ...req, path: pathOf() }) }],
  });
  const cpu = cpuSeconds(opts.pid) - cpu0;
  return {
    name,
    ...(Number.isFinite(cpu) && res.requests.total > 0 ? { server_cpu_ms_per_request: Math.round((cpu * 1000 * 100) / res.requests.total) / 100 } : {}),
    requests_per_s: Math.round(res.requests.average),
    requests: res.requests.total,
    errors: res.errors + res.timeouts,
    non2xx: res.non2xx,
    latency_ms: { p50: res.latency.p50, p90: res.latency.p90, p99: res.latency.p99, max: res.latency.max, mean: Math.round(res.latency.mean * 100) / 100 },
  };
}

async function main(): Promise<void> {
  if (!dataDir || !existsSync(path.join(dataDir, 'store.sqlite'))) {
    process.stderr.write('web-load: cần --data DIR đã lập chỉ mục (ví dụ: node bin/tra.js index --data /tmp/web_bench ../shared/data/news-rss/*.jsonl.gz)\n');
    process.exit(2);
  }
  if (!existsSync(DATA)) {
    process.stderr.write(`web-load: bỏ qua, không có ${DATA}\n`);
    return;
  }
  const mix = await queryMix(nQueries);
  const server = await startServer(dataDir);
  let si = 0;
  let gi = 0;
  const search = () => `/api/search?q=${encodeURIComponent(mix.search[si++ % mix.search.length])}&limit=10`;
  const suggest = () => `/api/suggest?q=${encodeURIComponent(mix.suggest[gi++ % mix.suggest.length])}`;
  const results: Summary[] = [];
  try {
    // Wait until the start-up work (source catalogue, completions) is done: measure the steady state.
    const t0 = performance.now();
    for (;;) {
      const h = (await (await fetch(server.url + 'healthz')).json()) as { warm?: boolean };
      if (h.warm !== false) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    process.stderr.write(`web-load: server warm after ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    // Warm up: page cache, JIT, the source catalogue.
    await load('warm-up', server.url, search, { connections: 4, duration: 5 });
    const pid = server.pid;
    results.push(await load(`search @ ${rate}/s`, server.url, search, { rate, connections, duration, pid }));
    results.push(await load('search flat out', server.url, search, { connections: 10, duration: Math.max(10, Math.round(duration / 2)), pid }));
    results.push(await load('suggest flat out', server.url, suggest, { connections: 10, duration: Math.max(10, Math.round(duration / 2)), pid }));
  } finally {
    await server.stop();
  }
  // How often the mix itself repeated a search (what an answer cache can serve), and whether the
  // run went past the end of the mix (then it repeats by construction: raise --queries).
  const sent = Math.min(si, mix.search.length);
  const distinct = new Set(mix.search.slice(0, sent)).size;
  const repeats = { searches_sent: si, distinct_queries: distinct, repeated_share: Math.round((1000 * (sent - distinct)) / Math.max(1, sent)) / 1000, wrapped: si > mix.search.length };
  const report = { date: new Date().toISOString(), data: dataDir, queries: mix.search.length, repeats, rate, duration_s: duration, connections, load_average: loadavg(), cpus: availableParallelism(), results };
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'web-load.json'), JSON.stringify(report, null, 2) + '\n');
  for (const s of results) {
    process.stdout.write(`${s.name.padEnd(18)} ${String(s.requests_per_s).padStart(6)} req/s  p50 ${s.latency_ms.p50} ms  p90 ${s.latency_ms.p90} ms  p99 ${s.latency_ms.p99} ms  max ${s.latency_ms.max} ms  server CPU ${s.server_cpu_ms_per_request ?? '?'} ms/req  (${s.requests} requests, ${s.errors} errors, ${s.non2xx} non-2xx)\n`);
  }
  process.stdout.write(`searches sent ${repeats.searches_sent}, distinct ${repeats.distinct_queries} (${(repeats.repeated_share * 100).toFixed(1)}% repeats of an earlier query in the mix)${repeats.wrapped ? ' — WRAPPED: raise --queries' : ''}\n`);
  process.stdout.write(`load average during the run: ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${availableParallelism()} cores\n`);
}

await main();
