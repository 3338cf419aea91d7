/**
 * Forecasts of daily attention, backtested on the real news-rss year (../shared/data/news-rss).
 *
 *   node_modules/.bin/node bench/observe-forecast.ts [--data DIR] [--terms N] [--step D] [--rebuild]
 *
 * Series: the day's total volume and the daily document counts of N terms (default 200, drawn
 * deterministically from the terms with 300+ documents in the year, four frequency bands). With
 * `--data DIR` (a data directory made by `tra index`), its counts, caught up from its store as
 * `tra forecast` does; otherwise a cache in os.tmpdir() built from the collection, rebuilt when it
 * was counted by other term rules (COUNTS_VERSION) or with --rebuild.
 * Days without collection (`ObserveCounts.coverage`) are unknown, NaN, as in the product's
 * `forecast` (src/observe/observatory.ts): the model carries its state over them, and they are
 * neither forecast targets nor part of the MASE scale.
 * Backtest: rolling origins every D days (default 7) from day 120 of the year on; at each, the
 * model sees only the past, forecasts 7 days, and is scored against what happened:
 * - MASE (Hyndman and Koehler 2006): mean absolute error over the horizon divided by the in-sample
 *   MAE of the seasonal-naive forecast (same weekday last week, pairs of collected days) over the
 *   182 days the model fits; averaged over origins and series. The seasonal-naive forecast itself
 *   is scored the same way (out of sample), as the benchmark.
 * - The point forecasts' error relative to seasonal naive on the same test points: the model's
 *   summed absolute error divided by seasonal naive's (below 1: the model is better), unscaled.
 * - Coverage of the 80% and 95% prediction intervals (share of actual values inside).
 * - Which model the per-series choice took (forecast.ts: Holt-Winters or seasonal naive).
 */
import { existsSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ObserveCounts, COUNTS_VERSION, dropObserveCounts } from '../src/observe/counts.ts';
import { addJsonlFiles, syncFromStore } from '../src/observe/sync.ts';
import { forecastSeries, seasonalNaive, maseScale } from '../src/observe/forecast.ts';
import { rng } from '../src/observe/test-fixtures.ts';

const RSS = fileURLToPath(new URL('../../shared/data/news-rss/', import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const dataIdx = args.indexOf('--data');
const DATA_DIR = dataIdx >= 0 ? args[dataIdx + 1] : undefined;
if (!DATA_DIR && !existsSync(RSS)) {
  console.log(`observe-forecast: skipped, evaluation data not found at ${RSS} (it lives outside the repository)`);
  process.exit(0);
}
const N_TERMS = opt('--terms', 200);
const STEP = opt('--step', 7);
const H = 7;
const CACHE = join(tmpdir(), 'tra-observe-news-rss');
if (DATA_DIR) {
  const r = syncFromStore(DATA_DIR);
  console.log(`sync from ${DATA_DIR}: ${r.counted} documents counted${r.rebuilt ? ' (rebuilt)' : ''}`);
} else {
  // A cache counted by other term rules is rebuilt, as a data directory's would be.
  let stale = args.includes('--rebuild') || !existsSync(join(CACHE, 'observe.sqlite'));
  if (!stale) {
    const c = new ObserveCounts(CACHE, { readOnly: true });
    stale = Number(c.getMeta('version')) !== COUNTS_VERSION || c.bulkUnfinished();
    c.close();
  }
  if (stale) {
    mkdirSync(CACHE, { recursive: true });
    dropObserveCounts(CACHE);
    const files = readdirSync(RSS).filter((f) => f.endsWith('.jsonl.gz')).sort().map((f) => RSS + f);
    const r = await addJsonlFiles(CACHE, files);
    console.log(`cache rebuilt at ${CACHE}: ${r.counted} documents counted`);
  }
}
const counts = new ObserveCounts(DATA_DIR ?? CACHE, { readOnly: true });
const range = counts.dayRange()!;
const all = counts.totals(range.first, range.last);
const F = range.first + all.findIndex((x) => x >= 100);
const L = range.last;
// Days without collection are unknown (NaN), as in the product.
const covered = counts.coverage(F, L);
const gaps = covered.reduce((n, c) => n + (c ? 0 : 1), 0);
const withGaps = (y: Float64Array) => {
  for (let i = 0; i < y.length; i++) if (!covered[i]) y[i] = NaN;
  return y;
};

const rand = rng(7);
const pool = counts.topTerms(100_000).filter((t) => t.df >= 300);
const bands = [[300, 1000], [1000, 3000], [3000, 10000], [10000, Infinity]];
const series: { name: string; y: Float64Array; band: string }[] = [{ name: '(all documents)', y: withGaps(counts.totals(F, L)), band: 'volume' }];
for (const [lo, hi] of bands) {
  const inBand = pool.filter((t) => t.df >= lo && t.df < hi);
  for (let i = 0; i < N_TERMS / bands.length && inBand.length; i++) {
    const j = Math.floor(rand() * inBand.length);
    series.push({ name: inBand[j].term, y: withGaps(counts.series(inBand[j].term, F, L)), band: `${lo}-${hi === Infinity ? '' : hi - 1}` });
    inBand.splice(j, 1);
  }
}

interface Acc {
  mase: number[];
  maseSn: number[];
  in80: number;
  in95: number;
  n: number;
  /** Absolute errors of the model and of seasonal naive, summed over the same test points. */
  absModel: number;
  absSn: number;
  maseByH: number[][];
}
const acc = new Map<string, Acc>();
const get = (k: string) => acc.get(k) ?? acc.set(k, { mase: [], maseSn: [], in80: 0, in95: 0, n: 0, absModel: 0, absSn: 0, maseByH: Array.from({ length: H }, () => []) }).get(k)!;
const t0 = performance.now();
let fits = 0;
const methods = new Map<string, Map<string, number>>();
for (const s of series) {
  for (let origin = 120; origin + H <= s.y.length; origin += STEP) {
    const train = s.y.subarray(0, origin);
    const scale = maseScale(train.subarray(Math.max(0, train.length - 182)));
    if (!(scale > 0)) continue;
    const f = forecastSeries(train);
    fits++;
    const m = methods.get(s.band) ?? methods.set(s.band, new Map()).get(s.band)!;
    m.set(f.method, (m.get(f.method) ?? 0) + 1);
    let e = 0;
    let eSn = 0;
    let k = 0;
    for (const p of f.points) {
      const v = s.y[origin + p.h - 1];
      if (Number.isNaN(v)) continue; // not collected: nothing to score
      const err = Math.abs(v - p.mean);
      const errSn = Math.abs(v - seasonalNaive(train, p.h));
      e += err;
      eSn += errSn;
      k++;
      for (const g of [s.band, 'all terms']) {
        if (g === 'all terms' && s.band === 'volume') continue;
        const a = get(g);
        a.maseByH[p.h - 1].push(err / scale);
        a.absModel += err;
        a.absSn += errSn;
        if (v >= p.intervals[0].lo && v <= p.intervals[0].hi) a.in80++;
        if (v >= p.intervals[1].lo && v <= p.intervals[1].hi) a.in95++;
        a.n++;
      }
    }
    if (k === 0) continue;
    for (const g of [s.band, 'all terms']) {
      if (g === 'all terms' && s.band === 'volume') continue;
      get(g).mase.push(e / k / scale);
      get(g).maseSn.push(eSn / k / scale);
    }
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
console.log(`backtest: ${series.length} series (${series.length - 1} terms + total volume), ${L - F + 1} days (${gaps} without collection, NaN), origins every ${STEP} days from day 120, horizon ${H}; ${fits} fits in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log('group            | model chosen | MASE model (mean / median) | MASE seasonal naive (mean / median) | MAE model / MAE seasonal naive, same points | model better on | 80% PI coverage | 95% PI coverage | MASE by horizon h1..h7');
for (const [k, a] of [...acc].sort()) {
  const better = a.mase.filter((m, i) => m < a.maseSn[i]).length / Math.max(1, a.mase.length);
  const chosen = [...(k === 'all terms' ? [...methods].filter(([b]) => b !== 'volume').flatMap(([, m]) => [...m]) : [...(methods.get(k) ?? [])])].reduce((o, [name, n]) => o.set(name, (o.get(name) ?? 0) + n), new Map<string, number>());
  const total = [...chosen.values()].reduce((x, y) => x + y, 0);
  const share = [...chosen].map(([name, n]) => `${name} ${((100 * n) / total).toFixed(0)}%`).join(', ');
  console.log(`${k.padEnd(16)} | ${share} | ${mean(a.mase).toFixed(3)} / ${median(a.mase).toFixed(3)} | ${mean(a.maseSn).toFixed(3)} / ${median(a.maseSn).toFixed(3)} | ${(a.absModel / a.absSn).toFixed(3)} | ${(100 * better).toFixed(0)}% of forecasts | ${(100 * a.in80 / a.n).toFixed(1)}% | ${(100 * a.in95 / a.n).toFixed(1)}% | ${a.maseByH.map((x) => mean(x).toFixed(2)).join(' ')}`);
}
counts.close();
