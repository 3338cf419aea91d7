/**
 * One command for every benchmark: `npm run bench` (see bench/README.md).
 *
 * Runs, in one go and on the same machine state, Tra side by side with the baselines of
 * `../shared/baselines/` (SQLite FTS5, Lucene 8 in two configurations, optionally MiniSearch),
 * through that harness's own scripts (`perf.py`, `eval.py`) and the evaluation contract, plus
 * Tra's own measurements (analyser throughput, `tra trends` latency, accent restoration and
 * article extraction when their scripts exist). Writes a report (markdown and JSON) with Tra's
 * figures, the baselines' figures and the ratios into `bench/results/` (git-ignored).
 *
 *   npm run bench                               # everything (~1 h on 2 cores)
 *   npm run bench -- --quick                    # smoke run: small subset (~5-10 min)
 *   npm run bench -- --parts perf,eval --systems tra,lucene-all
 *
 * A system that fails (a crash, a timeout, a missing Java) is reported and the run goes on.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, copyFileSync, chmodSync, statSync,
  rmSync, symlinkSync, openSync, closeSync,
} from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

// ---------------------------------------------------------------------------------------------
// Locations and options

const REPO = fileURLToPath(new URL('../', import.meta.url)).replace(/\/$/, '');
const SHARED = fileURLToPath(new URL('../../shared/', import.meta.url)).replace(/\/$/, '');
const DATA = join(SHARED, 'data');
const BASELINES_SRC = join(SHARED, 'baselines');
const RESULTS_DIR = join(REPO, 'bench', 'results');
const NODE24 = join(REPO, 'node_modules', 'node', 'bin', 'node');

const ALL_PARTS = ['analyzer', 'perf', 'keyword', 'eval', 'trends', 'restore', 'extraction', 'events'] as const;
/** Parts run only when named: they need PostgreSQL, and at full scale take an hour or more (bench/README.md). */
const OPT_IN_PARTS = ['cluster', 'fetch'] as const;
type Part = (typeof ALL_PARTS)[number] | (typeof OPT_IN_PARTS)[number];
const KNOWN_PARTS: readonly string[] = [...ALL_PARTS, ...OPT_IN_PARTS];
const BASELINE_SYSTEMS = ['fts5', 'lucene-all', 'lucene', 'minisearch'] as const;
const DEFAULT_SYSTEMS = ['tra', 'fts5', 'lucene-all', 'lucene'];

interface Options {
  parts: Set<Part>;
  systems: string[];
  quick: boolean;
  scratch: string;
  /** Command prefix for tra; empty until resolved from `traRef`. */
  traCmd: string;
  /** A git revision of the repository to benchmark (exported to scratch), or `worktree`. */
  traRef: string;
  stepTimeoutS: number;
  setupOnly: boolean;
  /** Re-render the markdown of a saved JSON report and stop. */
  render?: string;
}

const HELP = `npm run bench -- [options]

  --parts LIST      comma list of ${ALL_PARTS.join(',')} (default: all of these),
                    or of the cluster parts, run only when named: cluster (bench/cluster-scale.ts),
                    fetch (bench/cluster-fetch.ts); they need PostgreSQL (TRA_TEST_PG_URL, or
                    Debian's package to start one)
  --systems LIST    comma list of tra,${BASELINE_SYSTEMS.join(',')} (default: ${DEFAULT_SYSTEMS.join(',')})
  --quick           smoke run: 200 queries per perf set, small evaluation sets only, fewer repeats
  --scratch DIR     scratch folder (default $BENCH_SCRATCH or /tmp/bench_scratch)
  --tra-ref REF     benchmark tra as committed at git revision REF (default HEAD), exported to
                    the scratch folder so edits in progress cannot change it mid-run;
                    'worktree' runs the working tree as it is
  --tra CMD         command prefix for tra (overrides --tra-ref)
  --timeout S       per-step time limit in seconds (default 3600)
  --setup-only      prepare the baselines harness and stop
  --render FILE     rewrite FILE's markdown (FILE = bench/results/<stamp>.json) and stop
  -h, --help        this help
`;

function parseOptions(argv: string[]): Options {
  const o: Options = {
    parts: new Set(ALL_PARTS),
    systems: [...DEFAULT_SYSTEMS],
    quick: false,
    scratch: process.env.BENCH_SCRATCH || '/tmp/bench_scratch',
    traCmd: '',
    traRef: 'HEAD',
    stepTimeoutS: 3600,
    setupOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--parts') {
      const ps = val().split(',').filter(Boolean);
      for (const p of ps) if (!KNOWN_PARTS.includes(p)) throw new Error(`unknown part ${p} (known: ${KNOWN_PARTS.join(', ')})`);
      o.parts = new Set(ps as Part[]);
    } else if (a === '--systems') {
      o.systems = val().split(',').filter(Boolean);
      for (const s of o.systems) if (s !== 'tra' && !(BASELINE_SYSTEMS as readonly string[]).includes(s)) throw new Error(`unknown system ${s}`);
    } else if (a === '--quick') o.quick = true;
    else if (a === '--scratch') o.scratch = val();
    else if (a === '--tra') o.traCmd = val();
    else if (a === '--tra-ref') o.traRef = val();
    else if (a === '--timeout') o.stepTimeoutS = Number(val());
    else if (a === '--setup-only') o.setupOnly = true;
    else if (a === '--render') o.render = val();
    else if (a === '-h' || a === '--help') {
      process.stdout.write(HELP);
      process.exit(0);
    } else throw new Error(`unknown option ${a}\n${HELP}`);
  }
  return o;
}

/** Quote for the harness, which splits system prefixes with Python's shlex. */
function shq(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** PATH without any node_modules/.bin entry, so `node`/`npm` are the machine's own (Node 20). */
function systemPath(): string {
  const parts = (process.env.PATH ?? '').split(':').filter((p) => p && !p.includes('node_modules'));
  for (const p of ['/usr/bin', '/bin']) if (!parts.includes(p)) parts.push(p);
  return parts.join(':');
}

function systemEnv(scratch: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: systemPath(), BENCH_SCRATCH: scratch };
  // npm exports these to scripts; they would point child npm/node runs at Node 24.
  for (const k of Object.keys(env)) if (k.startsWith('npm_')) delete env[k];
  delete env.NODE;
  return env;
}

// ---------------------------------------------------------------------------------------------
// Running child processes

interface RunResult {
  rc: number | null;
  signal: string | null;
  wall_s: number;
  timedOut: boolean;
}

/**
 * Runs a command in its own process group, stdout/stderr to files; on timeout the whole group
 * (the harness and the system it started) is killed.
 */
function run(argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; out: string; err: string; timeoutS: number }): Promise<RunResult> {
  mkdirSync(dirname(opts.out), { recursive: true });
  const so = openSync(opts.out, 'w');
  const se = openSync(opts.err, 'w');
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: opts.env, stdio: ['ignore', so, se], detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, opts.timeoutS * 1000);
    const done = (rc: number | null, signal: string | null): void => {
      clearTimeout(timer);
      closeSync(so);
      closeSync(se);
      resolve({ rc, signal, wall_s: (performance.now() - t0) / 1000, timedOut });
    };
    child.on('error', (e) => {
      writeFileSync(opts.err, String(e));
      done(127, null);
    });
    child.on('exit', (code, signal) => done(code, signal));
  });
}

function tail(path: string, n = 1500): string {
  try {
    const s = readFileSync(path, 'utf8');
    return s.slice(-n).trim();
  } catch {
    return '';
  }
}

function jsonLines(path: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      out.push(JSON.parse(t) as Record<string, unknown>);
    } catch {
      /* not a JSON line */
    }
  }
  return out;
}

function sh(cmd: string, cwd: string, env: NodeJS.ProcessEnv, logFile: string): boolean {
  const r = spawnSync('sh', ['-c', `${cmd} >>${shq(logFile)} 2>&1`], { cwd, env, stdio: 'ignore' });
  return r.status === 0;
}

/**
 * The tra command to benchmark: the working tree, or a snapshot of a git revision exported with
 * `git archive` into scratch (node_modules linked from the repository), so that other people's
 * uncommitted edits cannot change the engine halfway through a run.
 */
function resolveTra(o: Options): { cmd: string; label: string } {
  const node = existsSync(NODE24) ? shq(NODE24) : 'node';
  if (o.traCmd) return { cmd: o.traCmd, label: 'as given by --tra' };
  if (o.traRef === 'worktree') return { cmd: `${node} ${shq(join(REPO, 'bin', 'tra.js'))}`, label: 'working tree' };
  const rev = spawnSync('git', ['-C', REPO, 'rev-parse', '--verify', `${o.traRef}^{commit}`], { encoding: 'utf8' });
  const sha = (rev.stdout ?? '').trim();
  if (rev.status !== 0 || !sha) throw new Error(`--tra-ref ${o.traRef}: not a git revision of ${REPO}`);
  const dir = join(o.scratch, `tra-${sha.slice(0, 12)}`);
  if (!existsSync(join(dir, 'bin', 'tra.js'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const r = spawnSync('sh', ['-c', `git -C ${shq(REPO)} archive ${sha} | tar -x -C ${shq(dir)}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git archive ${sha} failed: ${r.stderr}`);
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  }
  const subject = spawnSync('git', ['-C', REPO, 'log', '-1', '--format=%h %s', sha], { encoding: 'utf8' }).stdout?.trim() ?? sha;
  return { cmd: `${node} ${shq(join(dir, 'bin', 'tra.js'))}`, label: `commit ${subject}` };
}

// ---------------------------------------------------------------------------------------------
// Preparing the baselines harness (a writable copy in scratch)

interface Setup {
  harness: string;
  available: Map<string, string>; // system -> command prefix
  notes: string[];
}

function copyTree(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  chmodSync(dst, 0o755);
  for (const e of readdirSync(src, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'results' || e.name === 'classes' || e.name === '__pycache__') continue;
    const s = join(src, e.name);
    const d = join(dst, e.name);
    if (e.isDirectory()) copyTree(s, d);
    else if (e.isFile()) {
      if (existsSync(d)) chmodSync(d, 0o644);
      copyFileSync(s, d);
      chmodSync(d, 0o644);
    }
  }
}

function prepareBaselines(o: Options): Setup {
  const harness = join(o.scratch, 'baselines');
  const logFile = join(o.scratch, 'logs', 'setup.log');
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, '');
  const env = systemEnv(o.scratch);
  const notes: string[] = [];
  const available = new Map<string, string>();
  log(`preparing the baselines harness in ${harness} (log: ${logFile})`);
  copyTree(BASELINES_SRC, harness);

  // Node adapters (FTS5, MiniSearch): the machine's Node 20 and better-sqlite3 built for it.
  const node20 = existsSync('/usr/bin/node') ? '/usr/bin/node' : 'node';
  const npm = existsSync('/usr/bin/npm') ? '/usr/bin/npm' : 'npm';
  const probe = `${node20} -e "new (require('better-sqlite3'))(':memory:'); require('minisearch')"`;
  const lockSrc = readFileSync(join(BASELINES_SRC, 'package-lock.json'), 'utf8');
  const stamp = join(harness, 'node_modules', '.tra-bench-lock');
  const fresh = existsSync(stamp) && readFileSync(stamp, 'utf8') === lockSrc;
  if (!(fresh && sh(probe, harness, env, logFile))) {
    log(`npm ci with ${node20} (${spawnSync(node20, ['--version']).stdout?.toString().trim()}); compiles better-sqlite3, about a minute`);
    if (sh(`${npm} ci`, harness, env, logFile) && sh(probe, harness, env, logFile)) writeFileSync(stamp, lockSrc);
  }
  if (sh(probe, harness, env, logFile)) {
    available.set('fts5', `${node20} adapters/fts5.mjs`);
    available.set('minisearch', `${node20} adapters/minisearch.mjs`);
  } else {
    notes.push(`fts5/minisearch unavailable: better-sqlite3 or minisearch did not load under ${node20} (see ${logFile})`);
  }

  // Lucene: Java, Debian's liblucene8-java jars, the compiled adapter.
  const jarsPresent = (): boolean => existsSync('/usr/share/java') && readdirSync('/usr/share/java').some((f) => /^lucene-core-8.*\.jar$/.test(f));
  const javaOk = sh('java -version && javac -version', harness, env, logFile);
  if (javaOk && !jarsPresent()) {
    log('Lucene jars missing: apt-get install liblucene8-java');
    if (process.getuid?.() === 0) sh('apt-get update && apt-get install -y liblucene8-java', harness, env, logFile);
  }
  if (!javaOk) notes.push('lucene unavailable: no java/javac on PATH');
  else if (!jarsPresent()) notes.push('lucene unavailable: liblucene8-java jars not found in /usr/share/java and could not be installed');
  else {
    const cls = join(harness, 'lucene', 'classes', 'LuceneAdapter.class');
    const src = join(harness, 'lucene', 'LuceneAdapter.java');
    if (!existsSync(cls) || statSync(cls).mtimeMs < statSync(src).mtimeMs) sh('sh lucene/build.sh', harness, env, logFile);
    if (existsSync(cls)) {
      available.set('lucene', 'sh lucene/run.sh');
      available.set('lucene-all', 'env LUCENE_ALL_FIELD=1 LUCENE_QUERY=all sh lucene/run.sh');
    } else notes.push(`lucene unavailable: the adapter did not compile (see ${logFile})`);
  }
  available.set('tra', o.traCmd);
  for (const n of notes) log(n);
  return { harness, available, notes };
}

/** eval.py wants `qrels.tsv` beside corpus/queries; xquad-vi's BEIR copy keeps it in qrels/test.tsv. */
function datasetDir(o: Options, name: string): string | null {
  const d = join(DATA, 'retrieval', name);
  if (existsSync(join(d, 'qrels.tsv'))) return d;
  const beir = join(d, 'beir');
  if (existsSync(join(beir, 'corpus.jsonl')) && existsSync(join(beir, 'qrels', 'test.tsv'))) {
    const link = join(o.scratch, 'datasets', name);
    rmSync(link, { recursive: true, force: true });
    mkdirSync(link, { recursive: true });
    symlinkSync(join(beir, 'corpus.jsonl'), join(link, 'corpus.jsonl'));
    symlinkSync(join(beir, 'queries.jsonl'), join(link, 'queries.jsonl'));
    symlinkSync(join(beir, 'qrels', 'test.tsv'), join(link, 'qrels.tsv'));
    return link;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The report's data

type Json = Record<string, unknown>;

interface Report {
  started: string;
  finished?: string;
  options: { parts: string[]; systems: string[]; quick: boolean; tra: string };
  machine: Json;
  versions: Json;
  setup_notes: string[];
  failures: { step: string; why: string }[];
  /** `load1`: the machine's 1-minute load average when the step ended (2 cores: above 2 = contention). */
  steps: { step: string; rc: number | null; wall_s: number; load1?: number }[];
  perf: Record<string, Json>;
  eval: Json[];
  tra_stats?: Json;
  analyzer?: Json;
  trends?: Json;
  restore?: Json;
  events?: Json;
  extraction?: Json;
  /** bench/keyword-eval.ts: everyday keyword queries (P@10, totals, newest first). */
  keyword?: Json;
  /** bench/cluster-scale.ts and bench/cluster-fetch.ts (their own reports: bench/results/cluster-*.md). */
  cluster?: Json;
  fetch?: Json;
  /** Figures of systems not run this time, taken from an earlier report (marked). */
  earlier?: { perf: Record<string, Json>; eval: Json[]; from: Record<string, string> };
}

function machineFacts(): Json {
  const cpus = os.cpus();
  return {
    nproc: cpus.length,
    cpu: cpus[0]?.model,
    mem_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadavg_at_start: os.loadavg().map((x) => +x.toFixed(2)),
    kernel: os.release(),
  };
}

function versionOf(cmd: string): string {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', env: systemEnv('/tmp') });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

// ---------------------------------------------------------------------------------------------
// The parts

async function runHarnessStep(o: Options, setup: Setup, rep: Report, label: string, script: string, args: string[]): Promise<Json[]> {
  const slug = label.replace(/[^\w]+/g, '_');
  const out = join(o.scratch, 'logs', `${slug}.out`);
  const err = join(o.scratch, 'logs', `${slug}.err`);
  log(`${label} ...`);
  const r = await run(['python3', script, ...args], { cwd: setup.harness, env: systemEnv(o.scratch), out, err, timeoutS: o.stepTimeoutS });
  rep.steps.push({ step: label, rc: r.rc, wall_s: +r.wall_s.toFixed(1), load1: +os.loadavg()[0].toFixed(1) });
  if (r.rc !== 0) {
    const why = r.timedOut ? `timed out after ${o.stepTimeoutS}s` : `rc=${r.rc}${r.signal ? ` signal ${r.signal}` : ''}: ${tail(err, 600).split('\n').slice(-4).join(' | ')}`;
    rep.failures.push({ step: label, why });
    log(`${label}: FAILED (${why}) — continuing`);
    return [];
  }
  log(`${label}: done in ${r.wall_s.toFixed(0)}s`);
  return jsonLines(out);
}

async function partPerf(o: Options, setup: Setup, rep: Report, resultsDir: string, save: () => void): Promise<void> {
  for (const s of o.systems) {
    const prefix = setup.available.get(s);
    if (!prefix) {
      rep.failures.push({ step: `${s} perf`, why: 'system unavailable (see setup notes)' });
      continue;
    }
    const args = ['--system', prefix, '--name', s, '--data', DATA, '--results', resultsDir, '--cwd', setup.harness];
    if (o.quick) args.push('--queries', '200');
    else if (s === 'minisearch') args.push('--qa-limit', '300');
    if (s === 'tra') args.push('--keep-index');
    const lines = await runHarnessStep(o, setup, rep, `${s} perf`, 'perf.py', args);
    const summary = lines.at(-1);
    if (summary) rep.perf[s] = summary;
    save();
    if (s === 'tra') {
      const index = join(o.scratch, 'perf', 'tra', 'index');
      if (summary && existsSync(index)) {
        const st = spawnSync('sh', ['-c', `${o.traCmd} stats --data ${shq(index)} --json`], { encoding: 'utf8', timeout: 120_000 });
        const last = (st.stdout ?? '').trim().split('\n').at(-1) ?? '';
        try {
          rep.tra_stats = JSON.parse(last) as Json;
        } catch {
          rep.failures.push({ step: 'tra stats', why: `rc=${st.status}: ${(st.stderr ?? '').trim().slice(0, 300)}` });
        }
      }
    }
  }
}

interface EvalSpec {
  label: string;
  dataset: string;
  modes: string;
  distractors: boolean;
}

async function partEval(o: Options, setup: Setup, rep: Report, resultsDir: string, save: () => void): Promise<void> {
  const news = existsSync(join(DATA, 'news-rss'))
    ? readdirSync(join(DATA, 'news-rss')).filter((f) => f.endsWith('.jsonl.gz')).sort().map((f) => join(DATA, 'news-rss', f))
    : [];
  const specs: EvalSpec[] = [];
  const add = (name: string, distractors: boolean): void => {
    const d = datasetDir(o, name);
    if (!d) {
      rep.failures.push({ step: `eval ${name}`, why: `dataset not found under ${DATA}/retrieval` });
      return;
    }
    if (distractors && news.length === 0) {
      rep.failures.push({ step: `eval ${name}+news`, why: 'news-rss not found' });
      return;
    }
    specs.push({ label: name + (distractors ? '+news' : ''), dataset: d, modes: 'plain,accentless', distractors });
  };
  add('vinewsqa-dev', false);
  add('xquad-vi', false);
  if (!o.quick) {
    add('vinewsqa-dev', true);
    add('vicov19qa-dev', false);
  }
  for (const spec of specs) {
    for (const s of o.systems) {
      const prefix = setup.available.get(s);
      if (!prefix) {
        rep.failures.push({ step: `${s} eval ${spec.label}`, why: 'system unavailable (see setup notes)' });
        continue;
      }
      if (s === 'minisearch' && spec.distractors) continue; // ~0.4 s per question on 154k docs
      const args = ['--system', prefix, '--name', s, '--dataset', spec.dataset, '--modes', spec.modes, '--results', resultsDir, '--cwd', setup.harness];
      if (spec.distractors) args.push('--distractors', ...news, '--distractor-label', 'news');
      const lines = await runHarnessStep(o, setup, rep, `${s} eval ${spec.label}`, 'eval.py', args);
      for (const l of lines) if (typeof l.run === 'string') rep.eval.push(l);
      save();
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The engine's own time figure in a trends answer, if it prints one. */
function inProcessMs(o: Json): number | undefined {
  for (const k of ['took_ms', 'ms', 'elapsed_ms', 'time_ms']) if (typeof o[k] === 'number') return o[k] as number;
  return undefined;
}

async function partTrends(o: Options, rep: Report): Promise<void> {
  const logs = join(o.scratch, 'logs');
  const env = { ...process.env };
  let index = join(o.scratch, 'perf', 'tra', 'index');
  let indexed: Json | undefined;
  if (!existsSync(index)) {
    // Not kept by a tra perf run: index the news-rss files directly (the contract reads .gz).
    index = join(o.scratch, 'trends', 'index');
    rmSync(index, { recursive: true, force: true });
    const files = readdirSync(join(DATA, 'news-rss')).filter((f) => f.endsWith('.jsonl.gz')).sort().map((f) => shq(join(DATA, 'news-rss', f)));
    log('trends: indexing news-rss with tra ...');
    const r = await run(['sh', '-c', `exec ${o.traCmd} index --data ${shq(index)} ${files.join(' ')}`], {
      cwd: REPO, env, out: join(logs, 'trends_index.out'), err: join(logs, 'trends_index.err'), timeoutS: o.stepTimeoutS,
    });
    rep.steps.push({ step: 'tra trends index', rc: r.rc, wall_s: +r.wall_s.toFixed(1), load1: +os.loadavg()[0].toFixed(1) });
    if (r.rc !== 0) {
      rep.failures.push({ step: 'tra trends index', why: `rc=${r.rc}: ${tail(join(logs, 'trends_index.err'), 400)}` });
      return;
    }
    indexed = jsonLines(join(logs, 'trends_index.out')).at(-1);
  }
  const query = 'Hà Nội';
  const n = o.quick ? 3 : 7;
  const wall: number[] = [];
  const inproc: number[] = [];
  let answer: Json | undefined;
  for (let i = 0; i < n; i++) {
    const out = join(logs, 'trends.out');
    const err = join(logs, 'trends.err');
    const r = await run(['sh', '-c', `exec ${o.traCmd} trends --data ${shq(index)} --json ${shq(query)}`], { cwd: REPO, env, out, err, timeoutS: 600 });
    if (r.rc !== 0) {
      rep.failures.push({ step: 'tra trends', why: `rc=${r.rc}: ${tail(err, 400)}` });
      return;
    }
    wall.push(r.wall_s * 1000);
    answer = jsonLines(out).at(-1);
    const ms = answer ? inProcessMs(answer) : undefined;
    if (ms !== undefined) inproc.push(ms);
  }
  const buckets = Array.isArray(answer?.buckets) ? (answer.buckets as Json[]) : [];
  rep.trends = {
    query,
    runs: n,
    index,
    indexed,
    total: answer?.total,
    buckets: buckets.length,
    first_bucket: buckets[0]?.start,
    last_bucket: buckets.at(-1)?.start,
    wall_ms_median: +median(wall).toFixed(1),
    wall_ms_runs: wall.map((x) => +x.toFixed(1)),
    in_process_ms_median: inproc.length ? +median(inproc).toFixed(2) : null,
    in_process_ms_runs: inproc,
    target_ms: 50,
  };
  // Cold start of one search process on the same index (issue 3: "a process answering its first
  // query on 150k documents starts in well under a second"), beside the bare start of Node.
  const coldWall: number[] = [];
  const coldTook: number[] = [];
  const nodeWall: number[] = [];
  const node = existsSync(NODE24) ? NODE24 : 'node';
  for (let i = 0; i < n; i++) {
    const out = join(logs, 'search1.out');
    const err = join(logs, 'search1.err');
    const r = await run(['sh', '-c', `exec ${o.traCmd} search --data ${shq(index)} --limit 10 --json ${shq(query)}`], { cwd: REPO, env, out, err, timeoutS: 600 });
    if (r.rc !== 0) {
      rep.failures.push({ step: 'tra search (one query)', why: `rc=${r.rc}: ${tail(err, 400)}` });
      break;
    }
    coldWall.push(r.wall_s * 1000);
    const a = jsonLines(out).at(-1);
    const ms = a ? inProcessMs(a) : undefined;
    if (ms !== undefined) coldTook.push(ms);
    const z = await run([node, '-e', '0'], { cwd: REPO, env, out: join(logs, 'node0.out'), err: join(logs, 'node0.err'), timeoutS: 60 });
    nodeWall.push(z.wall_s * 1000);
  }
  if (coldWall.length) {
    rep.trends.search_one_query_wall_ms_median = +median(coldWall).toFixed(1);
    rep.trends.search_one_query_took_ms_median = coldTook.length ? +median(coldTook).toFixed(2) : null;
    rep.trends.node_start_wall_ms_median = +median(nodeWall).toFixed(1);
  }
  log(`trends: wall median ${median(wall).toFixed(0)} ms${inproc.length ? `, in-process ${median(inproc).toFixed(1)} ms` : ''}`);
}

/** Everyday keyword queries (bench/keyword-eval.ts), Tra beside the selected baselines. */
async function partKeyword(o: Options, setup: Setup | undefined, rep: Report): Promise<void> {
  const node = existsSync(NODE24) ? NODE24 : 'node';
  const args = ['--json', '--scratch', join(o.scratch, 'keyword')];
  if (setup) {
    args.push('--baselines-dir', setup.harness);
    for (const s of o.systems) {
      const cmd = setup.available.get(s);
      if (cmd && s !== 'tra' && s !== 'minisearch') args.push('--baseline', `${s}=${cmd}`);
    }
  }
  const out = join(o.scratch, 'logs', 'keyword.out');
  const err = join(o.scratch, 'logs', 'keyword.err');
  log(`keyword: node bench/keyword-eval.ts ${args.join(' ')} ...`);
  const r = await run([node, join(REPO, 'bench', 'keyword-eval.ts'), ...args], { cwd: REPO, env: { ...process.env, BENCH_SCRATCH: o.scratch }, out, err, timeoutS: o.stepTimeoutS });
  rep.steps.push({ step: 'keyword', rc: r.rc, wall_s: +r.wall_s.toFixed(1), load1: +os.loadavg()[0].toFixed(1) });
  if (r.rc !== 0) {
    rep.failures.push({ step: 'keyword', why: `rc=${r.rc}: ${tail(err, 500)}` });
    return;
  }
  rep.keyword = jsonLines(out).at(-1);
  log(`keyword: done in ${r.wall_s.toFixed(0)}s`);
}

async function partScript(o: Options, rep: Report, key: 'analyzer' | 'restore' | 'extraction' | 'events' | 'cluster' | 'fetch', file: string, args: string[]): Promise<void> {
  const path = join(REPO, 'bench', file);
  if (!existsSync(path)) {
    rep.failures.push({ step: key, why: `bench/${file} not present yet` });
    return;
  }
  const node = existsSync(NODE24) ? NODE24 : 'node';
  const pin = key === 'analyzer' && existsSync('/usr/bin/taskset') ? ['taskset', '-c', String(os.cpus().length - 1)] : [];
  const out = join(o.scratch, 'logs', `${key}.out`);
  const err = join(o.scratch, 'logs', `${key}.err`);
  log(`${key}: node bench/${file} ${args.join(' ')} ...`);
  const r = await run([...pin, node, path, ...args], { cwd: REPO, env: { ...process.env }, out, err, timeoutS: o.stepTimeoutS });
  rep.steps.push({ step: key, rc: r.rc, wall_s: +r.wall_s.toFixed(1), load1: +os.loadavg()[0].toFixed(1) });
  if (r.rc !== 0) {
    rep.failures.push({ step: key, why: `rc=${r.rc}: ${tail(err, 500)}` });
    return;
  }
  const last = jsonLines(out).at(-1);
  rep[key] = last ?? { output: tail(out, 3000) };
  log(`${key}: done in ${r.wall_s.toFixed(0)}s`);
}

// ---------------------------------------------------------------------------------------------
// Earlier figures for systems not run this time

function fillFromEarlier(rep: Report): void {
  if (!existsSync(RESULTS_DIR)) return;
  const files = readdirSync(RESULTS_DIR).filter((f) => /^\d{8}T\d{6}\.json$/.test(f)).sort().reverse();
  const earlier: NonNullable<Report['earlier']> = { perf: {}, eval: [], from: {} };
  const haveEval = new Set(rep.eval.map((e) => e.run as string));
  for (const f of files) {
    let old: Report;
    try {
      old = JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as Report;
    } catch {
      continue;
    }
    if (old.options?.quick !== rep.options.quick) continue;
    for (const [s, p] of Object.entries(old.perf ?? {})) {
      if (!rep.perf[s] && !earlier.perf[s] && s !== 'tra') {
        earlier.perf[s] = p;
        earlier.from[`perf ${s}`] = f;
      }
    }
    for (const e of old.eval ?? []) {
      const run = e.run as string;
      if (e.system !== 'tra' && !haveEval.has(run)) {
        haveEval.add(run);
        earlier.eval.push(e);
        earlier.from[`eval ${run}`] = f;
      }
    }
  }
  if (Object.keys(earlier.from).length) rep.earlier = earlier;
}

// ---------------------------------------------------------------------------------------------
// Markdown

const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

function f(x: unknown, digits = 2): string {
  const v = num(x);
  if (v === undefined) return '–';
  if (Math.abs(v) >= 1000 || Number.isInteger(v)) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(Math.abs(v) < 10 ? digits : 1);
}

function ratio(a: unknown, b: unknown): string {
  const x = num(a);
  const y = num(b);
  if (x === undefined || y === undefined || y === 0) return '–';
  return `${(x / y).toFixed(2)}×`;
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function sub(o: Json | undefined, k: string): Json | undefined {
  const v = o?.[k];
  return v && typeof v === 'object' ? (v as Json) : undefined;
}

const MB = (b: unknown): number | undefined => (num(b) === undefined ? undefined : (b as number) / 1e6);

function markdown(rep: Report): string {
  const out: string[] = [];
  out.push(`# Tra benchmark report — ${rep.started}`);
  out.push('');
  out.push(`Command: \`npm run bench -- --parts ${rep.options.parts.join(',')} --systems ${rep.options.systems.join(',')}${rep.options.quick ? ' --quick' : ''}\`; ` +
    `tra = \`${rep.options.tra}\`. Finished ${rep.finished ?? '?'}.`);
  out.push('');
  out.push(`Machine: ${Object.entries(rep.machine).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join('/') : String(v)}`).join(', ')}. ` +
    `Versions: ${Object.entries(rep.versions).filter(([, v]) => v).map(([k, v]) => `${k} ${String(v)}`).join('; ')}.`);
  out.push('');
  out.push('Speed differences under ~10–15% are noise on this shared 2-core machine: only figures from one run are compared. ' +
    'Ratios are tra ÷ baseline: for docs/s and quality, above 1 is better for tra; for time, size and memory, below 1 is better.');
  out.push('');
  if (rep.setup_notes.length) out.push(`Setup notes: ${rep.setup_notes.join('; ')}.\n`);

  const perf: Record<string, Json> = { ...(rep.earlier?.perf ?? {}), ...rep.perf };
  const mark = (s: string, kind: string): string => (rep.earlier?.from[`${kind} ${s}`] ? `${s} (earlier run ${rep.earlier.from[`${kind} ${s}`].slice(0, 15)})` : s);
  const systems = Object.keys(perf).sort((a, b) => (a === 'tra' ? -1 : b === 'tra' ? 1 : 0));
  if (systems.length) {
    out.push('## Speed, size and memory on the 153,825 news-rss items (perf.py, top 10)');
    out.push('');
    const rows = systems.map((s) => {
      const p = perf[s];
      const qa = sub(p, 'qa');
      const sh = sub(p, 'short');
      const lat = (q: Json | undefined): string => `${f(q?.took_ms_p50)} / ${f(q?.took_ms_p95)} / ${f(q?.took_ms_p99)}`;
      return [mark(s, 'perf'), f(p.index_wall_s, 1), f(p.index_docs_per_s), f(MB(p.index_bytes), 1), f(p.index_peak_rss_mb, 0),
        `${lat(qa)}${qa && num(qa.queries) !== num(qa.sampled) ? ` (${String(qa.queries)} q)` : ''}`, f(qa?.search_peak_rss_mb, 0),
        lat(sh), f(sh?.search_peak_rss_mb, 0), `${f(qa?.qps_wall, 0)} / ${f(sh?.qps_wall, 0)}`];
    });
    out.push(table(['system', 'index s', 'docs/s', 'size MB', 'index peak MB', 'QA p50/p95/p99 ms', 'QA peak MB', 'short p50/p95/p99 ms', 'short peak MB', 'q/s wall QA/short'], rows));
    out.push('');
    const tra = perf.tra;
    if (tra) {
      out.push('Ratios tra ÷ baseline:');
      out.push('');
      // Speed is only comparable within one run: systems taken from an earlier run get no ratio.
      const rr = systems.filter((s) => s !== 'tra' && !rep.earlier?.from[`perf ${s}`]).map((s) => {
        const p = perf[s];
        const r = (k: string, q?: string): string => (q ? ratio(sub(tra, q)?.[k], sub(p, q)?.[k]) : ratio(tra[k], p[k]));
        return [s, r('index_docs_per_s'), r('index_bytes'), r('index_peak_rss_mb'),
          `${r('took_ms_p50', 'qa')} / ${r('took_ms_p95', 'qa')} / ${r('took_ms_p99', 'qa')}`, r('search_peak_rss_mb', 'qa'),
          `${r('took_ms_p50', 'short')} / ${r('took_ms_p95', 'short')} / ${r('took_ms_p99', 'short')}`, r('search_peak_rss_mb', 'short')];
      });
      out.push(table(['baseline', 'docs/s', 'size', 'index peak mem', 'QA p50/p95/p99', 'QA peak mem', 'short p50/p95/p99', 'short peak mem'], rr));
      out.push('');
    }
    if (rep.tra_stats) out.push(`tra stats on that index: \`${JSON.stringify(rep.tra_stats)}\`\n`);
  }

  const evals = [...(rep.earlier?.eval ?? []), ...rep.eval];
  if (evals.length) {
    out.push('## Retrieval quality: nDCG@10 / MRR@10 / Recall@100 (eval.py, K=100)');
    out.push('');
    const evalSystems = [...new Set(evals.map((e) => e.system as string))].sort((a, b) => (a === 'tra' ? -1 : b === 'tra' ? 1 : 0));
    const keyOf = (e: Json): string => `${String(e.dataset)}${e.distractors ? `+${String(e.distractors)}` : ''}`;
    const sets = [...new Set(evals.map(keyOf))];
    const get = (set: string, mode: string, s: string): Json | undefined => evals.find((e) => keyOf(e) === set && e.mode === mode && e.system === s);
    const rows: string[][] = [];
    const ratioRows: string[][] = [];
    for (const set of sets) {
      for (const mode of ['plain', 'accentless']) {
        const cells = evalSystems.map((s) => {
          const e = get(set, mode, s);
          if (!e) return '–';
          const earlier = rep.earlier?.from[`eval ${String(e.run)}`] ? ' *' : '';
          return `${f(e['ndcg@10'], 3)} / ${f(e['mrr@10'], 3)} / ${f(e['recall@100'], 3)}${earlier}`;
        });
        if (cells.every((c) => c === '–')) continue;
        const any = evalSystems.map((s) => get(set, mode, s)).find(Boolean);
        rows.push([set, mode, f(any?.docs), f(any?.queries), ...cells]);
        const t = get(set, mode, 'tra');
        if (t) {
          ratioRows.push([set, mode, ...evalSystems.filter((s) => s !== 'tra').map((s) => {
            const b = get(set, mode, s);
            return b ? `${ratio(t['ndcg@10'], b['ndcg@10'])} / ${ratio(t['mrr@10'], b['mrr@10'])} / ${ratio(t['recall@100'], b['recall@100'])}` : '–';
          })]);
        }
      }
    }
    out.push(table(['set', 'queries typed', 'docs', 'queries', ...evalSystems], rows));
    out.push('');
    if (rep.earlier?.eval.length) out.push('\\* from an earlier run (system not run this time).\n');
    if (ratioRows.length) {
      out.push('Ratios tra ÷ baseline (nDCG@10 / MRR@10 / Recall@100):');
      out.push('');
      out.push(table(['set', 'queries typed', ...evalSystems.filter((s) => s !== 'tra')], ratioRows));
      out.push('');
    }
    out.push('Timing of the evaluation runs (index on the set, search of all its queries, K=100):');
    out.push('');
    out.push(table(['system', 'set', 'mode', 'index s', 'docs/s', 'size MB', 'index peak MB', 'search peak MB', 'p50/p95/p99 ms'],
      evals.map((e) => [String(e.system), keyOf(e), String(e.mode), f(e.index_wall_s), f(e.index_docs_per_s), f(MB(e.index_bytes), 1),
        f(e.index_peak_rss_mb, 0), f(e.search_peak_rss_mb, 0), `${f(e.took_ms_p50)} / ${f(e.took_ms_p95)} / ${f(e.took_ms_p99)}`])));
    out.push('');
  }

  if (rep.trends) {
    const t = rep.trends;
    out.push('## `tra trends --json "Hà Nội"` on the news-rss index');
    out.push('');
    out.push(`Median of ${String(t.runs)} runs: wall clock ${f(t.wall_ms_median, 1)} ms (process start included), ` +
      `in-process ${t.in_process_ms_median === null ? 'not reported by tra' : `${f(t.in_process_ms_median)} ms`}; ` +
      `total ${String(t.total)} documents in ${String(t.buckets)} day buckets (${String(t.first_bucket)} → ${String(t.last_bucket)}). Target < 50 ms.`);
    if (num(t.search_one_query_wall_ms_median) !== undefined) {
      out.push('');
      out.push(`Cold start: one \`tra search --json "Hà Nội"\` process on the same index takes ${f(t.search_one_query_wall_ms_median, 1)} ms wall clock ` +
        `(query ${f(t.search_one_query_took_ms_median)} ms inside); a bare \`node -e 0\` takes ${f(t.node_start_wall_ms_median, 1)} ms here.`);
    }
    out.push('');
  }
  if (rep.analyzer) {
    const a = rep.analyzer;
    const tk = sub(a, 'tokenize');
    out.push('## Analyser throughput (bench/analyzer.ts, Dân Trí articles, one core)');
    out.push('');
    out.push(table(['step', 'syllables/s', 'MB/s', 'first (cold) pass MB/s'], [
      ['tokenize (forEachToken)', f(tk?.syllables_per_s), f(tk?.mb_per_s), f(tk?.first_pass_mb_per_s)],
      ['normalizeForMatch', '–', f(sub(a, 'normalizeForMatch')?.mb_per_s), f(sub(a, 'normalizeForMatch')?.first_pass_mb_per_s)],
      ['fold', '–', f(sub(a, 'fold')?.mb_per_s), f(sub(a, 'fold')?.first_pass_mb_per_s)],
    ]));
    out.push('');
    out.push(`Median of ${String(a.runs)} runs × ${String(a.passes)} passes over ${String(sub(a, 'corpus')?.lines)} lines; target ≥ 1M syllables/s: ${a.meets_target ? 'met' : 'NOT met'}.`);
    out.push('');
  }
  const kw = rep.keyword;
  if (kw && Array.isArray(kw.systems)) {
    out.push('## Everyday keyword queries (bench/keyword-eval.ts, 100 queries, news-rss)');
    out.push('');
    out.push('Judged by containment of the `must` words in title + summary (bench/keyword-queries.json). Totals of the baselines: hits returned with a limit of 20,000 (their adapters report no total); they have no newest-first order.');
    out.push('');
    const rows = (kw.systems as Json[]).map((x) => [String(x.system), f(x.p10_written, 3), f(x.p10_without_marks, 3), f(x.total_median_rel_error, 3), String(x.date_order_exact), String(x.trends_total_equals_search_total)]);
    out.push(table(['system', 'P@10 as written', 'P@10 without marks', 'total: median relative error', 'newest first exact', 'trends total = search total'], rows));
    out.push('');
  }
  const scriptTitles = {
    restore: 'Accent restoration (bench/restore-eval.ts)', extraction: 'Article extraction (bench/extraction-eval.ts)', events: 'Emerging issues against real events (bench/observe-events.ts)',
    cluster: 'Cluster scale (bench/cluster-scale.ts; full report in bench/results/cluster-scale-*.md)', fetch: 'Cluster fetch scaling (bench/cluster-fetch.ts; full report in bench/results/cluster-fetch-*.md)',
  };
  for (const key of ['restore', 'extraction', 'events', 'cluster', 'fetch'] as const) {
    const v = rep[key];
    if (!v) continue;
    out.push(`## ${scriptTitles[key]}`);
    out.push('');
    out.push(typeof v.output === 'string' ? '```\n' + v.output + '\n```' : '```json\n' + JSON.stringify(v, null, 1) + '\n```');
    out.push('');
  }

  const targets = targetLines(rep, perf, evals);
  if (targets.length) {
    out.push('## Targets (issues 2 and 3)');
    out.push('');
    out.push(...targets.map((t) => `- ${t}`));
    out.push('');
  }
  if (rep.failures.length) {
    out.push('## Failures and skips');
    out.push('');
    out.push(...rep.failures.map((x) => `- **${x.step}**: ${x.why.replace(/\n/g, ' ')}`));
    out.push('');
  }
  out.push('## Steps');
  out.push('');
  out.push('Load = the 1-minute load average when the step ended; this machine has 2 cores, so above 2 means the step shared the CPU with other work.');
  out.push('');
  out.push(table(['step', 'rc', 'wall s', 'load'], rep.steps.map((s) => [s.step, String(s.rc), f(s.wall_s, 1), f(s.load1, 1)])));
  out.push('');
  return out.join('\n');
}

function targetLines(rep: Report, perf: Record<string, Json>, evals: Json[]): string[] {
  const lines: string[] = [];
  const ok = (b: boolean): string => (b ? 'met' : '**not met**');
  const tra = perf.tra;
  const luc = perf['lucene-all'];
  const fts = perf.fts5;
  if (tra) {
    const dps = num(tra.index_docs_per_s);
    if (dps !== undefined) lines.push(`indexing ≥ 22k docs/s and above Lucene (issue 3): ${f(dps)} docs/s — ${ok(dps >= 22000 && (!luc || dps > (num(luc.index_docs_per_s) ?? 0)))}` +
      (fts ? ` (half of this run's FTS5: ${f((num(fts.index_docs_per_s) ?? 0) / 2)})` : ''));
    if (fts) lines.push(`data directory ≤ FTS5's database: ${f(MB(tra.index_bytes), 1)} MB vs ${f(MB(fts.index_bytes), 1)} MB — ${ok((num(tra.index_bytes) ?? Infinity) <= (num(fts.index_bytes) ?? 0))}`);
    if (luc) {
      for (const q of ['qa', 'short']) {
        const t = sub(tra, q);
        const l = sub(luc, q);
        if (!t || !l) continue;
        const p50 = (num(t.took_ms_p50) ?? Infinity) <= 2 * (num(l.took_ms_p50) ?? 0);
        const p99 = (num(t.took_ms_p99) ?? Infinity) <= 2 * (num(l.took_ms_p99) ?? 0);
        lines.push(`${q} latency p50 and p99 ≤ 2× lucene-all: p50 ${f(t.took_ms_p50)} vs ${f(l.took_ms_p50)} ms, p99 ${f(t.took_ms_p99)} vs ${f(l.took_ms_p99)} ms — ${ok(p50 && p99)}`);
      }
    }
  }
  const get = (set: string, mode: string, s: string): Json | undefined =>
    evals.find((e) => `${String(e.dataset)}${e.distractors ? `+${String(e.distractors)}` : ''}` === set && e.mode === mode && e.system === s);
  const big = get('vinewsqa-dev+news', 'plain', 'tra');
  if (big) lines.push(`nDCG@10 ≥ 0.42 on vinewsqa-dev + news (as written): ${f(big['ndcg@10'], 3)} — ${ok((num(big['ndcg@10']) ?? 0) >= 0.42)}`);
  for (const set of ['vinewsqa-dev+news', 'vinewsqa-dev', 'vicov19qa-dev', 'xquad-vi']) {
    const p = get(set, 'plain', 'tra');
    const a = get(set, 'accentless', 'tra');
    if (p && a && num(p['ndcg@10'])) {
      const kept = (num(a['ndcg@10']) ?? 0) / (num(p['ndcg@10']) ?? 1);
      lines.push(`${set}: accentless nDCG@10 ≥ 95% of as-written: ${(100 * kept).toFixed(1)}% — ${ok(kept >= 0.95)}`);
    }
    if (p && set !== 'vinewsqa-dev+news') {
      const bases = ['fts5', 'lucene', 'lucene-all'].map((s) => get(set, 'plain', s)).filter((x): x is Json => Boolean(x));
      if (bases.length) {
        const best = Math.max(...bases.map((b) => num(b['ndcg@10']) ?? 0));
        lines.push(`${set}: nDCG@10 above every baseline: ${f(p['ndcg@10'], 3)} vs best ${best.toFixed(3)} — ${ok((num(p['ndcg@10']) ?? 0) > best)}`);
      }
    }
  }
  const tr = rep.trends;
  if (tr) {
    const v = num(tr.in_process_ms_median) ?? num(tr.wall_ms_median);
    if (v !== undefined) lines.push(`trends "Hà Nội" < 50 ms (${num(tr.in_process_ms_median) !== undefined ? 'in-process' : 'wall clock'}): ${f(v)} ms — ${ok(v < 50)}`);
  }
  const rs = rep.restore;
  if (rs && num(rs.accuracy) !== undefined) lines.push(`accent restoration syllable accuracy (anchor 95.0%): ${f(rs.accuracy, 1)}% — ${ok((num(rs.accuracy) ?? 0) >= 95)}`);
  const ex = sub(rep.extraction, 'pooled');
  if (ex && num(ex.f1) !== undefined) lines.push(`extraction F1 (pooled; Readability.js 0.947, trafilatura 0.958): ${f(ex.f1, 3)} — ${ok((num(ex.f1) ?? 0) >= 0.947)} (vs Readability.js)`);
  const an = rep.analyzer;
  if (an) lines.push(`analyser ≥ 1M syllables/s: ${f(sub(an, 'tokenize')?.syllables_per_s)} — ${ok(Boolean(an.meets_target))}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').slice(0, 15);
}

async function main(argv: string[]): Promise<number> {
  let o: Options;
  try {
    o = parseOptions(argv);
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    return 2;
  }
  if (o.render) {
    const rep = JSON.parse(readFileSync(o.render, 'utf8')) as Report;
    delete rep.earlier;
    fillFromEarlier(rep);
    const md = o.render.replace(/\.json$/, '.md');
    writeFileSync(md, markdown(rep) + '\n');
    log(`rewrote ${md}`);
    return 0;
  }
  if (!existsSync(DATA)) {
    process.stderr.write(`bench: skipped — the shared evaluation data is not at ${DATA} (it sits beside the repository; a plain clone has none)\n`);
    return 0;
  }
  const started = new Date();
  mkdirSync(o.scratch, { recursive: true });
  let traLabel = '';
  if (o.systems.includes('tra')) {
    try {
      const t = resolveTra(o);
      o.traCmd = t.cmd;
      traLabel = t.label;
      log(`tra: ${t.label} (${t.cmd})`);
    } catch (e) {
      process.stderr.write(`bench: ${(e as Error).message}\n`);
      return 2;
    }
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const rep: Report = {
    started: started.toISOString(),
    options: { parts: [...o.parts], systems: o.systems, quick: o.quick, tra: o.traCmd },
    machine: machineFacts(),
    versions: {},
    setup_notes: [],
    failures: [],
    steps: [],
    perf: {},
    eval: [],
  };
  const resultsDir = join(o.scratch, 'runs', stamp(started));

  const needHarness = o.parts.has('perf') || o.parts.has('eval') || o.parts.has('keyword') || o.setupOnly;
  let setup: Setup | undefined;
  if (needHarness) {
    if (!existsSync(BASELINES_SRC)) {
      rep.setup_notes.push(`no baselines harness at ${BASELINES_SRC}: perf and eval skipped`);
      log(rep.setup_notes[0]);
    } else {
      setup = prepareBaselines(o);
      rep.setup_notes.push(...setup.notes);
    }
  }
  if (o.setupOnly) return setup && setup.notes.length === 0 ? 0 : 1;
  rep.versions = {
    tra_node: versionOf(existsSync(NODE24) ? NODE24 + ' --version' : 'node --version'),
    harness_node: versionOf('/usr/bin/node --version'),
    java: versionOf('java -version'),
    python: versionOf('python3 --version'),
    tra: traLabel,
    repo_head: versionOf(`git -C ${shq(REPO)} log -1 --format='%h %s'`),
  };

  const save = (): void => {
    rep.finished = new Date().toISOString();
    const saved = rep.earlier;
    fillFromEarlier(rep);
    const md = markdown(rep);
    const base = join(RESULTS_DIR, stamp(started));
    const { earlier: _e, ...own } = rep;
    writeFileSync(`${base}.json`, JSON.stringify(own, null, 1) + '\n');
    writeFileSync(`${base}.md`, md + '\n');
    writeFileSync(join(RESULTS_DIR, 'latest.md'), md + '\n');
    writeFileSync(join(RESULTS_DIR, 'latest.json'), JSON.stringify(rep, null, 1) + '\n');
    rep.earlier = saved;
  };

  // Cheap parts first, so a long run already has figures in its report when it is cut short.
  if (o.parts.has('analyzer')) {
    await partScript(o, rep, 'analyzer', 'analyzer.ts', ['--json', ...(o.quick ? ['--runs', '3', '--passes', '1'] : ['--runs', '5', '--passes', '3'])]);
    save();
  }
  if (setup && o.parts.has('perf')) {
    await partPerf(o, setup, rep, resultsDir, save);
    save();
  }
  if (o.parts.has('trends') && o.systems.includes('tra')) {
    await partTrends(o, rep);
    save();
  }
  rmSync(join(o.scratch, 'perf', 'tra', 'index'), { recursive: true, force: true });
  if (o.parts.has('keyword')) {
    await partKeyword(o, setup, rep);
    save();
  }
  if (setup && o.parts.has('eval')) {
    await partEval(o, setup, rep, resultsDir, save);
    save();
  }
  if (o.parts.has('restore')) await partScript(o, rep, 'restore', 'restore-eval.ts', o.quick ? ['--paragraphs', '500'] : []);
  if (o.parts.has('extraction')) await partScript(o, rep, 'extraction', 'extraction-eval.ts', ['--json']);
  if (o.parts.has('events')) await partScript(o, rep, 'events', 'observe-events.ts', []);
  save();
  if (o.parts.has('cluster')) {
    // Full scale (2M documents, twice, plus the scaling runs) can take hours: its own limit.
    await partScript({ ...o, stepTimeoutS: Math.max(o.stepTimeoutS, 6 * 3600) }, rep, 'cluster', 'cluster-scale.ts', ['--json', ...(o.quick ? ['--quick'] : [])]);
    save();
  }
  if (o.parts.has('fetch')) {
    await partScript(o, rep, 'fetch', 'cluster-fetch.ts', ['--json', ...(o.quick ? ['--quick'] : [])]);
    save();
  }
  const base = join(RESULTS_DIR, stamp(started));
  log(`report: ${base}.md (and .json; latest.md points at the newest)`);
  if (rep.failures.length) log(`${rep.failures.length} step(s) failed or skipped: ${rep.failures.map((x) => x.step).join('; ')}`);
  // Non-zero when a step ran and failed (skips of absent parts do not count).
  return rep.steps.some((s) => s.rc !== 0) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
