/**
 * Accent restoration as the search engine does it: the restorer `tra restore` and accentless
 * queries use, learned from an index's own word and word-pair counts, measured on text the index
 * does not hold.
 *
 *   npx node bench/restore-engine-eval.ts [--data DIR]
 *
 * Without --data, indexes ../shared/data/news-rss (titles and summaries) into a scratch folder
 * with `tra index` first. Test sets (every mark stripped: NFD, marks dropped, đ→d): the 1,000
 * news sentences of ../shared/data/news-binhvq/demo-full.txt and the 1,000 headlines of
 * demo-title.txt (another news corpus), and the first 2,000 paragraphs of the Dân Trí articles
 * (news-dantri). Score: the share of word tokens whose matching form (case and tone placement
 * aside) is the original's. bench/restore-eval.ts measures the restorer trained straight from
 * the raw texts instead (its upper bound with the same counts).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine } from '../src/engine/index.ts';
import { tokenize } from '../src/vi/tokenize.ts';

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
if (!existsSync(DATA + 'news-rss')) {
  console.log(`restore-engine-eval: skipped, evaluation data not found at ${DATA}`);
  process.exit(0);
}
const args = process.argv.slice(2);
let dir = args.includes('--data') ? args[args.indexOf('--data') + 1] : '';
if (!dir) {
  dir = path.join(process.env.BENCH_SCRATCH ?? tmpdir(), 'restore-engine-eval');
  if (!existsSync(path.join(dir, 'store.sqlite'))) {
    const files = readdirSync(DATA + 'news-rss').filter((f) => f.endsWith('.jsonl.gz')).map((f) => DATA + 'news-rss/' + f);
    execFileSync(process.execPath, [fileURLToPath(new URL('../bin/tra.js', import.meta.url)), 'index', '--data', dir, ...files], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}
const strip = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFC');
const engine = await openEngine(dir, { readOnly: true });

function score(texts: string[]): { accuracy: number; words: number; msPerText: number } {
  let ok = 0;
  let n = 0;
  const t0 = performance.now();
  for (const p of texts) {
    const r = engine.restore(strip(p));
    const a = tokenize(p);
    const b = tokenize(r);
    if (a.length !== b.length) continue;
    for (let i = 0; i < a.length; i++) {
      if (a[i].type !== 'word') continue;
      n++;
      if (a[i].norm === b[i].norm) ok++;
    }
  }
  return { accuracy: Math.round((ok / n) * 10000) / 10000, words: n, msPerText: Math.round(((performance.now() - t0) / texts.length) * 100) / 100 };
}

const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : []);
const dantri: string[] = [];
const dt = DATA + 'news-dantri/docs/';
if (existsSync(dt)) {
  for (const f of readdirSync(dt).filter((x) => x.endsWith('.txt')).sort()) {
    for (const l of readFileSync(dt + f, 'utf8').split('\n')) {
      const p = l.trim();
      if (p && !p.startsWith('#') && dantri.length < 2000) dantri.push(p);
    }
    if (dantri.length >= 2000) break;
  }
}
engine.restore('khoi dong'); // build or load the model outside the timings
const out = {
  index: dir,
  documents: engine.stats().documents,
  binhvq_sentences: score(lines(DATA + 'news-binhvq/demo-full.txt')),
  binhvq_headlines: score(lines(DATA + 'news-binhvq/demo-title.txt')),
  dantri_paragraphs: score(dantri),
};
engine.close();
console.log(`| test set | words | syllable accuracy | ms per text |\n|---|---|---|---|`);
for (const k of ['binhvq_sentences', 'binhvq_headlines', 'dantri_paragraphs'] as const) console.log(`| ${k} | ${out[k].words} | ${out[k].accuracy} | ${out[k].msPerText} |`);
console.log(JSON.stringify(out));
