/**
 * What the cluster benchmarks (bench/cluster-scale.ts, bench/cluster-fetch.ts) share: real `tra`
 * processes, a PostgreSQL to run them against (the one given, or a private one started with
 * test/cluster/postgres.sh and stopped at the end), a schema per experiment, CPU time read from
 * /proc, percentiles, markdown tables and the results folder. Every wait is bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const REPO = fileURLToPath(new URL('../', import.meta.url)).replace(/\/$/, '');
export const TRA = join(REPO, 'bin', 'tra.js');
export const RESULTS_DIR = join(REPO, 'bench', 'results');

/** Tra runs on Node 24; the benches start it with the Node they run on, so no launcher sits in the timings. */
export function checkNode(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) throw new Error(`needs Node 24 (this is ${process.version}): run it with node_modules/.bin/node`);
}

export const tty = Boolean(process.stderr.isTTY);

/** A progress or status line on stderr, only when stderr is a terminal. */
export function say(line: string): void {
  if (tty) process.stderr.write(`\r\x1b[K${line}\n`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Processes

export interface Proc {
  child: ChildProcess;
  pid: number;
  args: string[];
  /** The last 64 KB of stdout and stderr. */
  out(): string;
  err(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const KEEP = 64 * 1024;

export function startTra(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [TRA, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRA_PROGRESS: '0', ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-KEEP)));
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-KEEP)));
  const p: Proc = {
    child,
    pid: child.pid!,
    args,
    out: () => out,
    err: () => err,
    waitFor(re, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          for (const line of (out + '\n' + err).split('\n')) {
            const m = line.match(re);
            if (m) return done(m[0]);
          }
          if (child.exitCode !== null || child.signalCode !== null) done(undefined, new Error(`tra ${args[0]} exited (${child.exitCode ?? child.signalCode}): ${err.slice(-400).trim()}`));
        };
        const timer = setTimeout(() => done(undefined, new Error(`tra ${args[0]}: no line ${re} after ${timeoutMs} ms; stderr: ${err.slice(-400).trim()}`)), timeoutMs);
        const done = (v?: string, e?: Error): void => {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.stderr!.off('data', check);
          child.off('exit', check);
          if (e) reject(e);
          else resolve(v!);
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        child.on('exit', check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(t);
    },
  };
  return p;
}

/** Run a `tra` command to completion: exit code, output, wall time. */
export async function runTra(args: string[], timeoutMs = 4 * 3600_000): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; last?: Record<string, unknown> }> {
  const t0 = performance.now();
  const p = startTra(args);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((r) => p.child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  const ms = performance.now() - t0;
  const stdout = p.out();
  let last: Record<string, unknown> | undefined;
  try {
    last = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
  } catch { /* not JSON */ }
  return { code, stdout, stderr: p.err(), ms, last };
}

/** Run a `tra` command that must succeed; its last stdout line is JSON unless `json` is false. */
export async function mustRun(args: string[], timeoutMs?: number, json = true): Promise<{ ms: number; last: Record<string, unknown> }> {
  const r = await runTra(args, timeoutMs);
  if (r.code !== 0 || (json && !r.last)) throw new Error(`tra ${args.slice(0, 3).join(' ')} … failed (${r.code}): ${r.stderr.slice(-500).trim()}`);
  return { ms: r.ms, last: r.last ?? {} };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export interface Postgres {
  url: string;
  /** Its data directory when known (for the CPU time of its processes). */
  dataDir?: string;
  /** Whether this run started it (and stops it). */
  own: boolean;
  stop(): Promise<void>;
}

/**
 * The PostgreSQL to use: `url` (or TRA_TEST_PG_URL), else a private one started with
 * test/cluster/postgres.sh in a temp directory (Debian's package must be installed).
 */
export async function postgres(url?: string): Promise<Postgres> {
  const given = url ?? process.env.TRA_TEST_PG_URL;
  if (given) {
    let dataDir: string | undefined;
    try {
      await withClient(given, async (c) => {
        dataDir = (await c.query<{ data_directory: string }>('SHOW data_directory')).rows[0].data_directory;
      });
    } catch (e) {
      throw new Error(`PostgreSQL at ${given} does not answer: ${(e as Error).message}`, { cause: e });
    }
    return { url: given, dataDir, own: false, async stop() {} };
  }
  // mkdtemp makes a 0700 directory: the postgres user (initdb runs as it under root) must be able
  // to pass through it to its own cluster directory inside.
  const parent = mkdtempSync(join(os.tmpdir(), 'tra-bench-pg-'));
  chmodSync(parent, 0o755);
  const dir = join(parent, 'pg');
  const script = join(REPO, 'test', 'cluster', 'postgres.sh');
  const r = spawnSync('bash', [script, 'start', dir], { encoding: 'utf8', timeout: 120_000 });
  const m = (r.stdout ?? '').match(/TRA_TEST_PG_URL=(\S+)/);
  if (r.status !== 0 || !m) throw new Error(`no PostgreSQL: give --pg URL or TRA_TEST_PG_URL, or install Debian's postgresql (apt-get install -y postgresql); postgres.sh said: ${(r.stderr ?? '').trim().slice(0, 300)}`);
  return {
    url: m[1],
    dataDir: dir,
    own: true,
    async stop() {
      spawnSync('bash', [script, 'stop', dir], { encoding: 'utf8', timeout: 120_000 });
    },
  };
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface Schema {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh schema for one experiment (its URL carries the search_path, as the tests do). */
export async function newSchema(pgUrl: string, prefix: string): Promise<Schema> {
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withClient(pgUrl, (c) => c.query(`CREATE SCHEMA ${name}`));
  const u = new URL(pgUrl);
  u.searchParams.set('options', `-c search_path=${name}`);
  return {
    name,
    url: u.toString(),
    drop: () => withClient(pgUrl, (c) => c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`)).then(() => undefined),
  };
}

/** Bytes of every table of a schema with its indexes and TOAST. */
export async function schemaBytes(pgUrl: string, schema: string): Promise<number> {
  return withClient(pgUrl, async (c) => Number((await c.query<{ b: string | null }>(
    `SELECT sum(pg_total_relation_size(c.oid)) AS b FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`, [schema])).rows[0].b ?? 0));
}

// ---------------------------------------------------------------------------------------------
// CPU time from /proc

let tick: number | undefined;
function clockTick(): number {
  if (tick === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    tick = Number(r.stdout?.trim()) || 100;
  }
  return tick;
}

interface ProcStat {
  ppid: number;
  /** utime + stime, ms */
  self: number;
  /** cutime + cstime (reaped children), ms */
  children: number;
}

function procStat(pid: number): ProcStat | undefined {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): ppid = field 4, utime 14, stime 15, cutime 16, cstime 17.
  const ms = 1000 / clockTick();
  return { ppid: Number(f[1]), self: (Number(f[11]) + Number(f[12])) * ms, children: (Number(f[13]) + Number(f[14])) * ms };
}

/** CPU ms used so far by these processes (all their threads). */
export function cpuOf(pids: number[]): number {
  let t = 0;
  for (const p of pids) t += procStat(p)?.self ?? 0;
  return t;
}

/** PostgreSQL's postmaster pid, from its data directory. */
export function postmasterPid(dataDir: string | undefined): number | undefined {
  if (!dataDir) return undefined;
  try {
    return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** CPU ms of PostgreSQL: the postmaster, its live children and the children it reaped. */
export function cpuOfPostgres(postmaster: number | undefined): number {
  if (!postmaster) return 0;
  const top = procStat(postmaster);
  if (!top) return 0;
  let t = top.self + top.children;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const s = procStat(Number(e));
    if (s && s.ppid === postmaster) t += s.self;
  }
  return t;
}

/** Wait until these processes use less than `share` of a core over a second (at most `maxMs`). */
export async function settle(pids: number[], maxMs = 300_000, share = 0.05): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const a = cpuOf(pids);
    await sleep(1000);
    const b = cpuOf(pids);
    if (b - a < 1000 * share * Math.max(1, pids.length) || Date.now() - t0 > maxMs) return Date.now() - t0;
  }
}

// ---------------------------------------------------------------------------------------------
// Figures and reports

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function f(x: unknown, digits = 1): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(digits);
}

export function table(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return { nproc: cpus.length, cpu: cpus[0]?.model, mem_gib: +(os.totalmem() / 2 ** 30).toFixed(1), loadavg: os.loadavg().map((x) => +x.toFixed(2)), node: process.version };
}

export function load1(): number {
  return +os.loadavg()[0].toFixed(2);
}

export function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').slice(0, 15);
}

/** Writes bench/results/NAME-STAMP.md and .json (and NAME-latest.md); returns the markdown path. */
export function writeResults(name: string, md: string, json: Record<string, unknown>, started: Date): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const base = join(RESULTS_DIR, `${name}-${stamp(started)}`);
  writeFileSync(`${base}.md`, md + '\n');
  writeFileSync(`${base}.json`, JSON.stringify(json, null, 1) + '\n');
  writeFileSync(join(RESULTS_DIR, `${name}-latest.md`), md + '\n');
  return `${base}.md`;
}

/** Apparent size of every file under `dir`. */
export function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const st = lstatSync(p);
    if (st.isDirectory()) n += dirBytes(p);
    else if (st.isFile()) n += statSync(p).size;
  }
  return n;
}

/** Least-squares fits of y over x: linear (y = a + b·x) and power (y = a·x^b), with what they predict. */
export function fits(points: [number, number][]): { linear?: { a: number; b: number }; power?: { a: number; b: number } } {
  const ok = points.filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y));
  if (ok.length < 2) return {};
  const n = ok.length;
  const lin = (pts: [number, number][]) => {
    const mx = pts.reduce((s, p) => s + p[0], 0) / n;
    const my = pts.reduce((s, p) => s + p[1], 0) / n;
    const sxx = pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
    const sxy = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
    const b = sxx > 0 ? sxy / sxx : 0;
    return { a: my - b * mx, b };
  };
  const l = lin(ok);
  const p = lin(ok.map(([x, y]) => [Math.log(x), Math.log(y)]));
  return { linear: l, power: { a: Math.exp(p.a), b: p.b } };
}
