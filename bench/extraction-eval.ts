/**
 * Body extraction quality on ../shared/data/extraction (181 real article pages with gold bodies,
 * from scrapinghub/article-extraction-benchmark), scored the way that benchmark scores:
 *
 *   cd /work/main && npx node bench/extraction-eval.ts [--json] [--show N]
 *
 * Tokens are `\w+` runs (here `[\p{L}\p{N}_]+`, Python's Unicode `\w`); each side becomes a
 * multiset of 4-token shingles (fewer tokens → one shorter shingle); per page TP/FP/FN are counted
 * on the multisets and normalised to sum 1. The README of the data describes precision and recall
 * as averaged over pages and F1 from the two averages ("page-averaged"); the benchmark's own script
 * sums the normalised TP/FP/FN over pages and divides ("pooled"). Both are printed; the published
 * anchors (Readability.js 0.947, trafilatura 0.958) come from that script.
 *
 * What runs is `extractArticle` — the same function the crawler uses — so the score includes our
 * structured-data-first policy, Readability on linkedom and our block-to-text conversion.
 * Skips with a message when ../shared/data is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { extractArticle } from '../src/archive/extract.ts';
import { decodeBody } from '../src/archive/charset.ts';

const DATA = new URL('../../shared/data/extraction/', import.meta.url);

function tokens(s: string): string[] {
  return s.match(/[\p{L}\p{N}_]+/gu) ?? [];
}

function shingles(s: string, n = 4): Map<string, number> {
  const t = tokens(s);
  const k = Math.min(t.length, n);
  const out = new Map<string, number>();
  for (let i = 0; i + k <= t.length; i++) {
    const key = t.slice(i, i + k).join('\u0001');
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

export function score(gold: string, pred: string): { tp: number; fp: number; fn: number } {
  const g = shingles(gold);
  const p = shingles(pred);
  let tp = 0, fp = 0, fn = 0;
  for (const key of new Set([...g.keys(), ...p.keys()])) {
    const a = g.get(key) ?? 0;
    const b = p.get(key) ?? 0;
    tp += Math.min(a, b);
    fp += Math.max(0, b - a);
    fn += Math.max(0, a - b);
  }
  const s = tp + fp + fn;
  return s > 0 ? { tp: tp / s, fp: fp / s, fn: fn / s } : { tp, fp, fn };
}

function main(): void {
  if (!existsSync(new URL('ground-truth.json', DATA))) {
    console.log('bỏ qua: không có ../shared/data/extraction (skipped: evaluation data absent)');
    return;
  }
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const showAt = args.indexOf('--show');
  const show = showAt >= 0 ? Number(args[showAt + 1]) : 0;
  const gold = JSON.parse(readFileSync(new URL('ground-truth.json', DATA), 'utf8')) as Record<string, { articleBody: string; url: string }>;
  let sumTp = 0, sumFp = 0, sumFn = 0, sumP = 0, sumR = 0;
  const rows: Array<{ id: string; f1: number; p: number; r: number }> = [];
  const t0 = performance.now();
  let pages = 0;
  for (const [id, g] of Object.entries(gold)) {
    const bytes = gunzipSync(readFileSync(new URL(`html/${id}.html.gz`, DATA)));
    const html = decodeBody(bytes).text;
    const ex = extractArticle(html, g.url);
    const s = score(g.articleBody ?? '', ex.text);
    sumTp += s.tp; sumFp += s.fp; sumFn += s.fn;
    const p = s.tp + s.fp > 0 ? s.tp / (s.tp + s.fp) : 0;
    const r = s.tp + s.fn > 0 ? s.tp / (s.tp + s.fn) : 0;
    sumP += p; sumR += r;
    rows.push({ id, p, r, f1: p + r > 0 ? (2 * p * r) / (p + r) : 0 });
    pages++;
  }
  const ms = performance.now() - t0;
  const P = sumTp / (sumTp + sumFp), R = sumTp / (sumTp + sumFn);
  const aP = sumP / pages, aR = sumR / pages;
  const result = {
    pages,
    pooled: { precision: +P.toFixed(4), recall: +R.toFixed(4), f1: +((2 * P * R) / (P + R)).toFixed(4) },
    page_averaged: { precision: +aP.toFixed(4), recall: +aR.toFixed(4), f1: +((2 * aP * aR) / (aP + aR)).toFixed(4) },
    ms_per_page: +(ms / pages).toFixed(1),
    anchors: { 'Readability.js': 0.947, trafilatura: 0.958 },
  };
  if (json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(`trang: ${pages}, ${result.ms_per_page} ms/trang`);
    console.log(`pooled        P=${result.pooled.precision} R=${result.pooled.recall} F1=${result.pooled.f1}`);
    console.log(`page-averaged P=${result.page_averaged.precision} R=${result.page_averaged.recall} F1=${result.page_averaged.f1}`);
    console.log('anchors: Readability.js 0.947, trafilatura 0.958');
  }
  if (show > 0) {
    rows.sort((a, b) => a.f1 - b.f1);
    for (const r of rows.slice(0, show)) console.log(`  ${r.id.slice(0, 12)} F1=${r.f1.toFixed(3)} P=${r.p.toFixed(3)} R=${r.r.toFixed(3)}`);
  }
}

main();
