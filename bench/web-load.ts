/**
 * Load on the web server's search API: the real server (`tra serve`, its own process) on
 * loopback, autocannon as the load generator, over a realistic query mix. Reports requests/s
 * and latency percentiles of GET /api/search, at a fixed rate (default 200 requests/s, the
 * target being p99 < 50 ms) and flat out, and of GET /api/suggest (target < 50 ms).
 *
 *   node bin/tra.js index --data /tmp/web_bench ../shared/data/news-rss/*.jsonl.gz
 *   npx node bench/web-load.ts --data /tmp/web_bench [--rate 200] [--duration 30] [--connections 20] [--warmup 20]
 *
 * The query mix (bench/query-mix.ts; seeded, reproducible), read from ../shared/data (never copied here):
 * - 75% fragments of real headlines from news-rss: 1, 2 or 3 consecutive words, as people
 *   type them into a search box; 40% of them with every diacritic removed;
 * - 25% real questions (UIT-ViNewsQA and UIT-ViCoV19QA dev queries), 40% of them without marks.
 * Suggestions are measured on prefixes of the fragments (the last word cut after 1-4 letters).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DATA, queryMix, rng } from './query-mix.ts';

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
const warmup = Number(arg('warmup', '20'));
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

/** The p-th percentile (0-100) of ascending `xs`. */
function pct(xs: number[], p: number): number {
  return xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN;
}

/**
 * Open-loop load at a fixed mean rate: requests leave at Poisson arrival times (seeded
 * exponential gaps), whether or not earlier ones have been answered, over keep-alive
 * connections opened as needed. Latency runs from the scheduled departure, so a slow server
 * or a late client is charged (no coordinated omission).
 *
 * Why not autocannon's `overallRate`: it lets each connection send its quota for the second
 * back to back at the start of every second and then wait, so "200/s over 20 connections" is
 * a burst of 20 concurrent requests each second — it measures queueing inside bursts, not a
 * server receiving 200 requests a second. autocannon stays for the flat-out runs (closed loop).
 */
async function openLoad(name: string, base: string, pathOf: () => string, opts: { rate: number; duration: number; pid?: number }): Promise<Summary> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const url = new URL(base);
  const r = rng(7);
  const lat: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const cpu0 = cpuSeconds(opts.pid);
  const start = performance.now();
  const end = start + opts.duration * 1000;
  const inflight: Promise<void>[] = [];
  let due = start;
  const send = (path: string, scheduled: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: url.hostname, port: url.port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode! < 200 || res.statusCode! >= 300) non2xx++;
          lat.push(performance.now() - scheduled);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  while (due < end) {
    const wait = due - performance.now();
    if (wait > 1) await new Promise((res) => setTimeout(res, wait - 0.5));
    while (performance.now() < due) {
      // spin the last half millisecond: timers are too coarse for 5 ms gaps
    }
    inflight.push(send(pathOf(), due));
    due += (-Math.log(1 - r()) * 1000) / opts.rate;
  }
  await Promise.all(inflight);
  const wall = (performance.now() - start) / 1000;
  const cpu = cpuSeconds(opts.pid) - cpu0;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  const n = lat.length;
  return {
    name,
    ...(Number.isFinite(cpu) && n > 0 ? { server_cpu_ms_per_request: Math.round((cpu * 1000 * 100) / n) / 100 } : {}),
    requests_per_s: Math.round(n / wall),
    requests: n,
    errors,
    non2xx,
    latency_ms: { p50: round(pct(lat, 50)), p90: round(pct(lat, 90)), p99: round(pct(lat, 99)), max: round(lat[n - 1] ?? NaN), mean: round(lat.reduce((a, b) => a + b, 0) / Math.max(1, n)) },
  };
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
    // Warm up on queries of the mix that are not measured (the cursor moves on): JIT, page
    // cache, and the workers' caches of decoded common lists, which a server fills in its
    // first minutes and keeps. --warmup seconds, 20 by default.
    await load('warm-up', server.url, search, { connections: 4, duration: warmup });
    const pid = server.pid;
    results.push(await openLoad(`search @ ${rate}/s`, server.url, search, { rate, duration, pid }));
    // The same offered rate the way autocannon sends it (bursts at each second's start), for comparison.
    results.push(await load(`search @ ${rate}/s bursts`, server.url, search, { rate, connections, duration: Math.max(10, Math.round(duration / 2)), pid }));
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
