/**
 * Analyser throughput on real Vietnamese news: the Dân Trí articles in
 * `../shared/data/news-dantri/docs/*.txt` (header lines `# ...` skipped, one line = one title or
 * paragraph).
 *
 *   npx node bench/analyzer.ts [--runs 5] [--passes 3] [--json] [--out FILE]
 *
 * Three measurements, each a median over `--runs` timed runs of `--passes` passes over every
 * line (after one untimed warm-up pass, so the JIT and the tokeniser's form cache are warm, as
 * they are when indexing a large collection):
 * - `tokenize`: `forEachToken` (the indexing hot path) with a sink that counts tokens; the
 *   syllable figure counts tokens of type `word` (syllables and other letter/digit runs);
 * - `normalizeForMatch`: the canonical matching form of each line;
 * - `fold`: the diacritic-free form of each line.
 * MB/s is UTF-8 megabytes (10^6 bytes) of input per second. Everything runs on the main thread,
 * so this is one core's throughput (run it under `taskset -c N` to pin it, as `bench/run.ts`
 * does). Target (issue 2): at least 1M syllables/s; anchor: Cốc Cốc's C++ tokenizer, 2.5M
 * tokens/s.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forEachToken, normalizeForMatch, fold, type TokenType } from '../src/vi/index.ts';

const SHARED = new URL('../../shared/', import.meta.url);
const DOCS = new URL('data/news-dantri/docs/', SHARED);

export interface PhaseResult {
  /** Median seconds of one timed run (`passes` passes over the corpus). */
  median_s: number;
  runs_s: number[];
  /** The untimed-for-the-median warm-up pass: one pass, cold caches. */
  first_pass_s: number;
  first_pass_mb_per_s: number;
  mb_per_s: number;
  lines_per_s: number;
  /** Only for `tokenize`. */
  tokens_per_s?: number;
  syllables_per_s?: number;
  first_pass_syllables_per_s?: number;
}

export interface AnalyzerResult {
  corpus: { files: number; lines: number; bytes: number; chars: number; tokens: number; words: number; by_type: Record<string, number> };
  runs: number;
  passes: number;
  node: string;
  tokenize: PhaseResult;
  normalizeForMatch: PhaseResult;
  fold: PhaseResult;
  target_syllables_per_s: number;
  meets_target: boolean;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function loadLines(): { files: number; lines: string[] } {
  const names = readdirSync(DOCS).filter((n) => n.endsWith('.txt')).sort();
  const lines: string[] = [];
  for (const name of names) {
    for (const line of readFileSync(new URL(name, DOCS), 'utf8').split('\n')) {
      if (line.startsWith('#')) continue;
      const t = line.trimEnd();
      if (t) lines.push(t);
    }
  }
  return { files: names.length, lines };
}

/**
 * Times `runs` runs of `passes` calls of `body`, after one warm-up call whose time is returned
 * apart (`first`: cold caches, JIT still warming — what a short-lived process sees).
 */
function timeRuns(body: () => void, runs: number, passes: number): { first: number; runs: number[] } {
  const t = process.hrtime.bigint();
  body();
  const first = Number(process.hrtime.bigint() - t) / 1e9;
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let p = 0; p < passes; p++) body();
    out.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { first, runs: out };
}

function phase(t: { first: number; runs: number[] }, passes: number, bytes: number, lines: number): PhaseResult {
  const m = median(t.runs);
  return {
    median_s: +m.toFixed(4),
    runs_s: t.runs.map((x) => +x.toFixed(4)),
    first_pass_s: +t.first.toFixed(4),
    first_pass_mb_per_s: +(bytes / t.first / 1e6).toFixed(2),
    mb_per_s: +((bytes * passes) / m / 1e6).toFixed(2),
    lines_per_s: Math.round((lines * passes) / m),
  };
}

export function measureAnalyzer(runs: number, passes: number): AnalyzerResult {
  const { files, lines } = loadLines();
  let bytes = 0;
  let chars = 0;
  for (const l of lines) {
    bytes += Buffer.byteLength(l, 'utf8');
    chars += l.length;
  }

  // Count the tokens once, by type.
  const byType: Record<string, number> = {};
  let tokens = 0;
  let words = 0;
  for (const l of lines) {
    forEachToken(l, (_n, _f, _s, _e, type: TokenType) => {
      tokens++;
      if (type === 'word') words++;
      byType[type] = (byType[type] ?? 0) + 1;
    });
  }

  // The sink does a little real work (reads both forms), so nothing is optimised away.
  let sinkCount = 0;
  let sinkLen = 0;
  const sink = (norm: string, folded: string): void => {
    sinkCount++;
    sinkLen += norm.length + folded.length;
  };
  const tok = timeRuns(() => {
    for (let i = 0; i < lines.length; i++) forEachToken(lines[i], sink);
  }, runs, passes);
  let outLen = 0;
  const norm = timeRuns(() => {
    for (let i = 0; i < lines.length; i++) outLen += normalizeForMatch(lines[i]).length;
  }, runs, passes);
  const fld = timeRuns(() => {
    for (let i = 0; i < lines.length; i++) outLen += fold(lines[i]).length;
  }, runs, passes);
  if (sinkCount === 0 || sinkLen === 0 || outLen === 0) throw new Error('analyser produced nothing');

  const tokenize = phase(tok, passes, bytes, lines.length);
  tokenize.tokens_per_s = Math.round((tokens * passes) / tokenize.median_s);
  tokenize.syllables_per_s = Math.round((words * passes) / tokenize.median_s);
  tokenize.first_pass_syllables_per_s = Math.round(words / tokenize.first_pass_s);
  const target = 1_000_000;
  return {
    corpus: { files, lines: lines.length, bytes, chars, tokens, words, by_type: byType },
    runs,
    passes,
    node: process.version,
    tokenize,
    normalizeForMatch: phase(norm, passes, bytes, lines.length),
    fold: phase(fld, passes, bytes, lines.length),
    target_syllables_per_s: target,
    meets_target: tokenize.syllables_per_s >= target,
  };
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : String(n);
}

export function analyzerMarkdown(r: AnalyzerResult): string {
  const c = r.corpus;
  const rows = [
    `| tokenize (forEachToken) | ${r.tokenize.median_s} | ${fmt(r.tokenize.syllables_per_s ?? 0)} | ${fmt(r.tokenize.tokens_per_s ?? 0)} | ${r.tokenize.mb_per_s} | ${r.tokenize.first_pass_mb_per_s} (${fmt(r.tokenize.first_pass_syllables_per_s ?? 0)} syll/s) |`,
    `| normalizeForMatch | ${r.normalizeForMatch.median_s} | – | – | ${r.normalizeForMatch.mb_per_s} | ${r.normalizeForMatch.first_pass_mb_per_s} |`,
    `| fold | ${r.fold.median_s} | – | – | ${r.fold.mb_per_s} | ${r.fold.first_pass_mb_per_s} |`,
  ];
  return [
    `Corpus: ${c.files} Dân Trí articles, ${c.lines} lines, ${(c.bytes / 1e6).toFixed(1)} MB UTF-8, ${c.words} word tokens (${c.tokens} tokens in all). ` +
      `Median of ${r.runs} runs of ${r.passes} passes, one thread, Node ${r.node}.`,
    '',
    '| step | median s per run | syllables/s | tokens/s | MB/s | first (cold) pass MB/s |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Target ≥ ${fmt(r.target_syllables_per_s)} syllables/s: ${r.meets_target ? 'met' : 'NOT met'} (anchor: Cốc Cốc C++ tokenizer, 2.5M tokens/s).`,
  ].join('\n');
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function main(argv: string[]): number {
  if (!existsSync(DOCS)) {
    process.stderr.write(`bench/analyzer: skipped — ${fileURLToPath(DOCS)} not found (the shared evaluation data sits beside the repository)\n`);
    return 0;
  }
  const runs = Number(argValue(argv, '--runs') ?? 5);
  const passes = Number(argValue(argv, '--passes') ?? 3);
  if (!(runs >= 1 && passes >= 1)) {
    process.stderr.write('bench/analyzer: --runs and --passes must be positive integers\n');
    return 2;
  }
  const r = measureAnalyzer(runs, passes);
  const out = argValue(argv, '--out');
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(r, null, 1) + '\n');
  }
  if (argv.includes('--json')) process.stdout.write(JSON.stringify(r) + '\n');
  else process.stdout.write(analyzerMarkdown(r) + '\n');
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
