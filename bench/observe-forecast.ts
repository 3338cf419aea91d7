/**
 * Forecasts of daily attention, backtested on the real news-rss year (../shared/data/news-rss).
 *
 *   cd /work/main && npx node bench/observe-forecast.ts [--terms N] [--step D]
 *
 * Series: the day's total volume and the daily document counts of N terms (default 200, drawn
 * deterministically from the terms with 300+ documents in the year, four frequency bands), from
 * the observatory table that bench/observe-eval.ts builds (built here if missing).
 * Backtest: rolling origins every D days (default 7) from day 120 of the year on; at each, the
 * model sees only the past, forecasts 7 days, and is scored against what happened:
 * - MASE (Hyndman and Koehler 2006): mean absolute error over the horizon divided by the in-sample
 *   MAE of the seasonal-naive forecast (same weekday last week); averaged over origins and series.
 *   The seasonal-naive forecast itself is scored the same way (out of sample), as the benchmark.
 * - Coverage of the 80% and 95% prediction intervals (share of actual values inside).
 */
import { existsSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ObserveCounts } from '../src/observe/counts.ts';
import { addJsonlFiles } from '../src/observe/sync.ts';
import { forecastSeries, seasonalNaive, maseScale } from '../src/observe/forecast.ts';
import { rng } from '../src/observe/test-fixtures.ts';

const RSS = fileURLToPath(new URL('../../shared/data/news-rss/', import.meta.url));
if (!existsSync(RSS)) {
  console.log(`observe-forecast: skipped, evaluation data not found at ${RSS} (it lives outside the repository)`);
  process.exit(0);
}
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N_TERMS = opt('--terms', 200);
const STEP = opt('--step', 7);
const H = 7;
const CACHE = join(tmpdir(), 'tra-observe-news-rss');
if (!existsSync(join(CACHE, 'observe.sqlite'))) {
  mkdirSync(CACHE, { recursive: true });
  const files = readdirSync(RSS).filter((f) => f.endsWith('.jsonl.gz')).sort().map((f) => RSS + f);
  await addJsonlFiles(CACHE, files);
}
const counts = new ObserveCounts(CACHE, { readOnly: true });
const range = counts.dayRange()!;
const all = counts.totals(range.first, range.last);
const F = range.first + all.findIndex((x) => x >= 100);
const L = range.last;

const rand = rng(7);
const pool = counts.topTerms(100_000).filter((t) => t.df >= 300);
const bands = [[300, 1000], [1000, 3000], [3000, 10000], [10000, Infinity]];
const series: { name: string; y: Float64Array; band: string }[] = [{ name: '(all documents)', y: counts.totals(F, L), band: 'volume' }];
for (const [lo, hi] of bands) {
  const inBand = pool.filter((t) => t.df >= lo && t.df < hi);
  for (let i = 0; i < N_TERMS / bands.length && inBand.length; i++) {
    const j = Math.floor(rand() * inBand.length);
    series.push({ name: inBand[j].term, y: counts.series(inBand[j].term, F, L), band: `${lo}-${hi === Infinity ? '' : hi - 1}` });
    inBand.splice(j, 1);
  }
}

interface Acc {
  mase: number[];
  maseSn: number[];
  in80: number;
  in95: number;
  n: number;
  maseByH: number[][];
}
const acc = new Map<string, Acc>();
const get = (k: string) => acc.get(k) ?? acc.set(k, { mase: [], maseSn: [], in80: 0, in95: 0, n: 0, maseByH: Array.from({ length: H }, () => []) }).get(k)!;
const t0 = performance.now();
let fits = 0;
for (const s of series) {
  for (let origin = 120; origin + H <= s.y.length; origin += STEP) {
    const train = s.y.subarray(0, origin);
    const scale = maseScale(train.subarray(Math.max(0, train.length - 182)));
    if (!(scale > 0)) continue;
    const f = forecastSeries(train);
    fits++;
    let e = 0;
    let eSn = 0;
    for (const p of f.points) {
      const v = s.y[origin + p.h - 1];
      const err = Math.abs(v - p.mean);
      e += err;
      eSn += Math.abs(v - seasonalNaive(train, p.h));
      for (const k of [s.band, 'all terms', ...(s.band === 'volume' ? [] : [])]) {
        if (k === 'all terms' && s.band === 'volume') continue;
        const a = get(k);
        a.maseByH[p.h - 1].push(err / scale);
        if (v >= p.intervals[0].lo && v <= p.intervals[0].hi) a.in80++;
        if (v >= p.intervals[1].lo && v <= p.intervals[1].hi) a.in95++;
        a.n++;
      }
    }
    for (const k of [s.band, 'all terms']) {
      if (k === 'all terms' && s.band === 'volume') continue;
      get(k).mase.push(e / H / scale);
      get(k).maseSn.push(eSn / H / scale);
    }
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
console.log(`backtest: ${series.length} series (${series.length - 1} terms + total volume), origins every ${STEP} days from day 120, horizon ${H}; ${fits} fits in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log('group            | MASE model (mean / median) | MASE seasonal naive (mean / median) | model better on | 80% PI coverage | 95% PI coverage | MASE by horizon h1..h7');
for (const [k, a] of [...acc].sort()) {
  const better = a.mase.filter((m, i) => m < a.maseSn[i]).length / Math.max(1, a.mase.length);
  console.log(`${k.padEnd(16)} | ${mean(a.mase).toFixed(3)} / ${median(a.mase).toFixed(3)} | ${mean(a.maseSn).toFixed(3)} / ${median(a.maseSn).toFixed(3)} | ${(100 * better).toFixed(0)}% of forecasts | ${(100 * a.in80 / a.n).toFixed(1)}% | ${(100 * a.in95 / a.n).toFixed(1)}% | ${a.maseByH.map((x) => mean(x).toFixed(2)).join(' ')}`);
}
counts.close();
