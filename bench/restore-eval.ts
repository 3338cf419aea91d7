/**
 * Accent restoration, measured on real text the model did not see.
 *
 *   cd /work/main && npx node bench/restore-eval.ts [--sweep] [--paragraphs N]
 *
 * Training: title and summary of every item of ../shared/data/news-rss/*.jsonl.gz (153,825
 * news items from RSS feeds), counted with the engine's tokenizer into syllable unigrams and
 * bigrams, then `AccentRestorer.fromCounts` — the same path the search engine uses. A trigram
 * model from the same texts is reported beside it, to show what trigram counts would add.
 *
 * Test: the first N (default 2,000) paragraphs of ../shared/data/news-dantri/docs/*.txt in sorted
 * file order (Dân Trí articles, a different outlet and years earlier; `# ...` header lines
 * skipped). Every mark is stripped (NFD, combining marks dropped, đ→d), the text is restored, and
 * each Vietnamese-syllable token of the original is compared with the token at the same position
 * of the restored text (canonical `norm`, so case and tone-mark placement style do not count).
 * "Ambiguous" syllables are those whose folded form has more than one candidate in the model.
 *
 * Two query-like samples are reported beside it: the 2,497 questions of
 * ../shared/data/retrieval/vinewsqa-dev/queries.jsonl (questions people wrote) and the 1,000
 * headlines of ../shared/data/news-binhvq/demo-title.txt (another news corpus).
 *
 * `--sweep` also tries other smoothing and pruning settings on a separate development sample
 * (the last 1,000 paragraphs in sorted order), which is where settings were chosen; the test
 * sample was used only to report.
 *
 * Prints one JSON line (the summary) and a short table. Skips with a message when the data
 * folder is absent (a user's clone has no ../shared).
 */
import { createReadStream, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AccentRestorer, NgramCounter, type ModelOptions, type PruneOptions } from '../src/vi/restore.ts';
import { tokenize } from '../src/vi/tokenize.ts';
import { parseSyllable } from '../src/vi/syllable.ts';

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const RSS = DATA + 'news-rss/';
const DANTRI = DATA + 'news-dantri/docs/';
/** Query-like extra samples: real questions people wrote, and headlines from another corpus. */
const QUESTIONS = DATA + 'retrieval/vinewsqa-dev/queries.jsonl';
const TITLES = DATA + 'news-binhvq/demo-title.txt';

const args = process.argv.slice(2);
const sweep = args.includes('--sweep');
const pIdx = args.indexOf('--paragraphs');
const N_TEST = pIdx >= 0 ? Number(args[pIdx + 1]) : 2000;
const N_DEV = 1000;

if (!existsSync(RSS) || !existsSync(DANTRI)) {
  console.log(`restore-eval: skipped, evaluation data not found at ${DATA} (it lives outside the repository)`);
  process.exit(0);
}

/** Remove every diacritic the way a person typing without marks would: NFD, drop marks, đ→d. */
function stripMarks(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFC');
}

async function countRss(): Promise<{ counter: NgramCounter; items: number; ms: number }> {
  const t0 = performance.now();
  const counter = new NgramCounter({ trigrams: true });
  let items = 0;
  const files = readdirSync(RSS).filter((f) => f.endsWith('.jsonl.gz')).sort();
  for (const f of files) {
    const rl = createInterface({ input: createReadStream(RSS + f).pipe(createGunzip()), crlfDelay: Infinity });
    for await (const line of rl) {
      if (!line.trim()) continue;
      let item: { title?: unknown; summary?: unknown };
      try {
        item = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof item.title === 'string') counter.add(item.title);
      if (typeof item.summary === 'string') counter.add(item.summary);
      items++;
    }
  }
  return { counter, items, ms: performance.now() - t0 };
}

/** All paragraphs of the Dân Trí articles in sorted file order, header lines skipped. */
function dantriParagraphs(): string[] {
  const out: string[] = [];
  for (const f of readdirSync(DANTRI).filter((x) => x.endsWith('.txt')).sort()) {
    for (const line of readFileSync(DANTRI + f, 'utf8').split('\n')) {
      const p = line.trim();
      if (p && !p.startsWith('#')) out.push(p);
    }
  }
  return out;
}

/** Extra samples as lists of texts; absent files give empty lists. */
function extraSamples(): Array<[string, string[]]> {
  const out: Array<[string, string[]]> = [];
  if (existsSync(QUESTIONS)) {
    const qs = readFileSync(QUESTIONS, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => String((JSON.parse(l) as { text?: unknown }).text ?? ''));
    out.push(['ViNewsQA dev questions', qs]);
  }
  if (existsSync(TITLES)) out.push(['binhvq headlines', readFileSync(TITLES, 'utf8').split('\n').filter((l) => l.trim())]);
  return out;
}

interface Prepared {
  original: string;
  stripped: string;
  /** Per token of the original: its norm when it is a Vietnamese syllable, else null. */
  gold: Array<string | null>;
}

function prepare(paragraphs: string[]): Prepared[] {
  return paragraphs.map((original) => ({
    original,
    stripped: stripMarks(original),
    gold: tokenize(original).map((t) => (t.type === 'word' && parseSyllable(t.norm) ? t.norm : null)),
  }));
}

interface Score {
  syllables: number;
  correct: number;
  ambiguous: number;
  ambiguousCorrect: number;
  /** Gold syllable among the model's candidates (the ceiling of any choice among them). */
  reachable: number;
  skippedParagraphs: number;
  ms: number;
}

function evaluate(r: AccentRestorer, sample: Prepared[], restoreFn?: (s: string) => string): Score {
  const sc: Score = { syllables: 0, correct: 0, ambiguous: 0, ambiguousCorrect: 0, reachable: 0, skippedParagraphs: 0, ms: 0 };
  const restore = restoreFn ?? ((s: string) => r.restore(s));
  const c0 = process.cpuUsage();
  const restored = sample.map((p) => restore(p.stripped));
  sc.ms = cpuMs(c0);
  sample.forEach((p, i) => {
    const toks = tokenize(restored[i]);
    if (toks.length !== p.gold.length) {
      sc.skippedParagraphs++;
      return;
    }
    for (let k = 0; k < toks.length; k++) {
      const g = p.gold[k];
      if (g === null) continue;
      sc.syllables++;
      const ok = toks[k].norm === g;
      if (ok) sc.correct++;
      const cands = r.candidates(toks[k].folded);
      if (cands.some((c) => c.norm === g)) sc.reachable++;
      if (cands.length > 1) {
        sc.ambiguous++;
        if (ok) sc.ambiguousCorrect++;
      }
    }
  });
  return sc;
}

/** The most frequent candidate of each syllable, no context: the floor any model must beat. */
function unigramRestore(r: AccentRestorer): (s: string) => string {
  return (s: string) => {
    let out = '';
    let pos = 0;
    for (const t of tokenize(s)) {
      if (t.type !== 'word' || t.norm !== t.folded) continue;
      const c = r.candidates(t.folded);
      if (c.length === 0 || c[0].norm === t.norm) continue;
      const best = c[0].norm;
      out += s.slice(pos, t.start) + (t.text === t.text.toLowerCase() ? best : best[0].toUpperCase() + best.slice(1));
      pos = t.end;
    }
    return out + s.slice(pos);
  };
}

/**
 * CPU milliseconds of this process since `from`. Speeds are reported in CPU time: the machine
 * is shared, and wall-clock time would measure the neighbours as much as this code.
 */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

/**
 * Time to load a model file the way the engine does at start-up: in a fresh process (this one
 * holds millions of counts, which would make the collector part of the measurement).
 */
function measureLoad(buf: Uint8Array): { wallMs: number; cpuMs: number } {
  const file = join(tmpdir(), `tra-restore-eval-${process.pid}.bin`);
  writeFileSync(file, buf);
  const lib = new URL('../src/vi/restore.ts', import.meta.url).href;
  const code = `import { readFileSync } from 'node:fs';
import { AccentRestorer } from ${JSON.stringify(lib)};
const b = readFileSync(${JSON.stringify(file)});
const c0 = process.cpuUsage(); const t0 = performance.now();
AccentRestorer.fromBuffer(b);
const w = performance.now() - t0; const c = process.cpuUsage(c0);
console.log(JSON.stringify({ wallMs: Math.round(w * 10) / 10, cpuMs: Math.round((c.user + c.system) / 100) / 10 }));`;
  try {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop() ?? '{}') as { wallMs: number; cpuMs: number };
  } finally {
    rmSync(file, { force: true });
  }
}

/** Mean CPU milliseconds to restore one query, after a warm-up. */
function queryCost(r: AccentRestorer, queries: string[]): number {
  for (const q of queries.slice(0, 200)) r.restore(q);
  const c0 = process.cpuUsage();
  for (const q of queries) r.restore(q);
  return cpuMs(c0) / Math.max(queries.length, 1);
}

const pct = (a: number, b: number): number => Math.round((10000 * a) / Math.max(b, 1)) / 100;

async function main(): Promise<void> {
  const counted = await countRss();
  const paragraphs = dantriParagraphs();
  const test = prepare(paragraphs.slice(0, N_TEST));
  const dev = prepare(paragraphs.slice(Math.max(N_TEST, paragraphs.length - N_DEV)));
  const uniList = [...counted.counter.unigrams];
  const biList = [...counted.counter.bigrams];

  const tb = performance.now();
  const restorer = AccentRestorer.fromCounts(uniList, biList);
  const buildMs = performance.now() - tb;
  const buf = restorer.toBuffer();
  const loaded = AccentRestorer.fromBuffer(buf);
  const load = measureLoad(buf);

  const main = evaluate(loaded, test);
  const uni = evaluate(loaded, test, unigramRestore(loaded));

  // Speed on queries: 10-syllable windows of the stripped test text, restored one at a time.
  const queries: string[] = [];
  for (const p of test) {
    const words = p.stripped.split(/\s+/).filter((w) => /^\p{L}+$/u.test(w));
    for (let i = 0; i + 10 <= words.length && queries.length < 5000; i += 10) queries.push(words.slice(i, i + 10).join(' '));
  }
  const perQueryMs = queryCost(loaded, queries);

  const extras = extraSamples().map(([name, texts]): [string, number, Score] => [name, texts.length, evaluate(loaded, prepare(texts))]);

  const rows: Array<[string, Score]> = [['bigram KN (fromCounts, default)', main], ['unigram: most frequent candidate', uni]];
  const wb = AccentRestorer.fromCounts(uniList, biList, { model: { smoothing: 'wb' } });
  rows.push(['bigram Witten-Bell', evaluate(wb, test)]);
  // Trigrams: what counting them would add (the engine's counts stop at bigrams).
  const tt = performance.now();
  const tri = AccentRestorer.fromCounts(uniList, biList, { trigrams: counted.counter.trigrams });
  const triBuildMs = performance.now() - tt;
  const triScore = evaluate(tri, test);
  const triBuf = tri.toBuffer();
  rows.push(['trigram KN (train with trigrams)', triScore]);

  const summary = {
    bench: 'restore-eval',
    trainItems: counted.items,
    trainTokens: uniList.reduce((s, [, c]) => s + c, 0),
    countMs: Math.round(counted.ms),
    buildMs: Math.round(buildMs),
    modelBytes: buf.length,
    modelSyllables: loaded.size.syllables,
    modelBigrams: loaded.size.bigrams,
    loadMs: load.wallMs,
    loadCpuMs: load.cpuMs,
    testParagraphs: test.length,
    testSyllables: main.syllables,
    accuracy: pct(main.correct, main.syllables),
    ambiguousSyllables: main.ambiguous,
    ambiguousAccuracy: pct(main.ambiguousCorrect, main.ambiguous),
    reachable: pct(main.reachable, main.syllables),
    unigramAccuracy: pct(uni.correct, uni.syllables),
    wittenBellAccuracy: pct(rows[2][1].correct, rows[2][1].syllables),
    trigram: { accuracy: pct(triScore.correct, triScore.syllables), ambiguousAccuracy: pct(triScore.ambiguousCorrect, triScore.ambiguous), modelBytes: triBuf.length, load: measureLoad(triBuf), trigrams: tri.size.trigrams, buildMs: Math.round(triBuildMs), restoreSyllablesPerSec: Math.round(triScore.syllables / (triScore.ms / 1000)), queryMs10Syllables: Math.round(queryCost(tri, queries) * 1000) / 1000 },
    skippedParagraphs: main.skippedParagraphs,
    other: Object.fromEntries(extras.map(([name, n, sc]) => [name, { texts: n, syllables: sc.syllables, accuracy: pct(sc.correct, sc.syllables), ambiguousAccuracy: pct(sc.ambiguousCorrect, sc.ambiguous) }])),
    restoreSyllablesPerSec: Math.round(main.syllables / (main.ms / 1000)),
    queryMs10Syllables: Math.round(perQueryMs * 1000) / 1000,
  };
  console.log(JSON.stringify(summary));
  console.log('');
  console.log(`trained on ${counted.items} items (${summary.trainTokens} tokens) in ${summary.countMs + summary.buildMs} ms; model ${(buf.length / 1e6).toFixed(2)} MB, ${summary.modelSyllables} syllables, ${summary.modelBigrams} bigrams, loads in ${summary.loadMs} ms (${summary.loadCpuMs} ms CPU) in a fresh process`);
  console.log(`test: first ${test.length} Dân Trí paragraphs, ${main.syllables} syllables (${main.ambiguous} ambiguous); candidates contain the truth for ${summary.reachable}%`);
  console.log('model                                  accuracy  ambiguous');
  for (const [name, s] of rows) console.log(`${name.padEnd(38)} ${String(pct(s.correct, s.syllables)).padStart(7)}%  ${String(pct(s.ambiguousCorrect, s.ambiguous)).padStart(8)}%`);
  for (const [name, n, sc] of extras) console.log(`${name} (${n} texts, ${sc.syllables} syllables): ${pct(sc.correct, sc.syllables)}%, ambiguous ${pct(sc.ambiguousCorrect, sc.ambiguous)}%`);
  console.log(`speed (CPU time): ${summary.restoreSyllablesPerSec} syllables/s on paragraphs; ${summary.queryMs10Syllables} ms per 10-syllable query`);
  console.log(`trigram model: ${(summary.trigram.modelBytes / 1e6).toFixed(2)} MB, ${summary.trigram.trigrams} trigrams, loads in ${summary.trigram.load.wallMs} ms, ${summary.trigram.restoreSyllablesPerSec} syllables/s, ${summary.trigram.queryMs10Syllables} ms per 10-syllable query`);

  if (sweep) {
    console.log(`\nsweep on the development sample (last ${dev.length} paragraphs):`);
    const settings: Array<[string, Partial<PruneOptions>, Partial<ModelOptions>]> = [];
    settings.push(['default', {}, {}]);
    for (const d of [0.5, 0.75, 0.9]) for (const mix of [0, 0.3]) settings.push([`kn D=${d} mix=${mix}`, {}, { smoothing: 'kn', discount: d, unigramMix: mix }]);
    settings.push(['wb', {}, { smoothing: 'wb' }]);
    for (const mb of [2, 3, 5]) settings.push([`kn minBigram=${mb}`, { minBigramCount: mb }, {}]);
    for (const share of [0, 0.001]) settings.push([`kn minShare=${share}`, { minShareOfFolded: share }, {}]);
    for (const other of [5, 100, Infinity]) settings.push([`kn minOther=${other}`, { minOtherCount: other }, {}]);
    for (const [name, prune, model] of settings) {
      const r = AccentRestorer.fromCounts(uniList, biList, { prune, model });
      const s = evaluate(r, dev);
      console.log(`${name.padEnd(28)} ${String(pct(s.correct, s.syllables)).padStart(6)}%  ambiguous ${pct(s.ambiguousCorrect, s.ambiguous)}%  bytes ${r.toBuffer().length}`);
    }
  }
}

await main();
