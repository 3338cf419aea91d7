/**
 * Emerging issues, evaluated on the real news-rss year (../shared/data/news-rss, outside the
 * repository).
 *
 *   cd /work/main && npx node bench/observe-eval.ts [--rebuild] [--terms N] [--year] [--days N] [--data DIR]
 *
 * 1. Builds the observatory's daily counts from the collection through the product's own path
 *    (repairPublished → terms → observe.sqlite) into a cache directory (os.tmpdir()), timed. With
 *    `--data DIR` (a data directory made by `tra index` from the same files), the counts are that
 *    directory's, caught up from its store exactly as `tra emerging` does, and the year listing
 *    groups terms into stories labelled from the day's headlines, as `tra emerging` prints them.
 * 2. Synthetic bursts: N real term series (default 600, sampled deterministically across
 *    frequency bands) each get one injected burst of known size and timing — a 4-day shape
 *    (0.3, 1, 0.6, 0.3) × S extra documents, S = r × the term's mean daily count over the 28
 *    days before (at least 1), r ∈ {1, 2, 4, 8} — and the day totals grow by the same documents.
 *    Every day of every series is scored; a burst is detected when a day of its window scores
 *    ≥ the threshold with ≥ minCount documents. Reports recall and detection delay (days from
 *    the burst's first day, whose extra is only 0.3 S), precision (detections inside injected
 *    windows over all detections: pessimistic, since the real series have real bursts of their
 *    own), and the alarm rate on the untouched series; for the detector as shipped and for the
 *    same detector without the weekday pattern and without volume normalisation.
 * 3. Speed: `emergingOn` for the last day, and for every day of the year when --year is given,
 *    which also prints each day's top items with their number of outlets and a headline, for
 *    reading which were real events (docs/OBSERVATORY.md).
 */
import { existsSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ObserveCounts, isoOfDay, weekday, dropObserveCounts, dayNumber } from '../src/observe/counts.ts';
import { addJsonlFiles, syncFromStore } from '../src/observe/sync.ts';
import { openDayDocs } from '../src/observe/day-docs.ts';
import { emergingOn } from '../src/observe/emerging.ts';
import { burstScore, DEFAULT_BURST, type BurstParams } from '../src/observe/burst.ts';
import { rng } from '../src/observe/test-fixtures.ts';
import { readJsonl } from '../src/observe/jsonl.ts';
import { repairPublished, parseTime } from '../src/ingest/timestamps.ts';
import { termsOf, observedText } from '../src/observe/terms.ts';

const RSS = fileURLToPath(new URL('../../shared/data/news-rss/', import.meta.url));
if (!existsSync(RSS)) {
  console.log(`observe-eval: skipped, evaluation data not found at ${RSS} (it lives outside the repository)`);
  process.exit(0);
}
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N_TERMS = opt('--terms', 600);
const YEAR = args.includes('--year');
const YEAR_DAYS = opt('--days', 0);
const THRESHOLD = 4;
const MIN_COUNT = 3;

export const CACHE = join(tmpdir(), 'tra-observe-news-rss');
const files = readdirSync(RSS).filter((f) => f.endsWith('.jsonl.gz')).sort().map((f) => RSS + f);

// 1. Build ------------------------------------------------------------------------------------
const dataIdx = args.indexOf('--data');
const DATA_DIR = dataIdx >= 0 ? args[dataIdx + 1] : undefined;
if (DATA_DIR) {
  const t0 = performance.now();
  const r = syncFromStore(DATA_DIR);
  console.log(`sync from ${DATA_DIR}/store.sqlite: ${r.counted} documents counted, ${r.duplicates} duplicates, ${r.undated} undated${r.rebuilt ? ' (rebuilt)' : ''}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
} else if (args.includes('--rebuild') || !existsSync(join(CACHE, 'observe.sqlite'))) {
  mkdirSync(CACHE, { recursive: true });
  dropObserveCounts(CACHE);
  const t0 = performance.now();
  const r = await addJsonlFiles(CACHE, files);
  console.log(`build: ${r.counted} documents counted, ${r.duplicates} duplicates, ${r.undated} undated, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const counts = new ObserveCounts(DATA_DIR ?? CACHE, { readOnly: true });
const dayDocs = DATA_DIR ? openDayDocs(DATA_DIR, counts) : undefined;
const range = counts.dayRange()!;
// Old articles re-listed by the feeds date back months before collection began: the evaluation
// starts on the first day with a full day's volume (100+ documents).
const all = counts.totals(range.first, range.last);
const F = range.first + all.findIndex((x) => x >= 100);
const L = range.last;
const totals = counts.totals(F, L);
console.log(`data: ${counts.documents()} documents dated ${isoOfDay(range.first)} → ${isoOfDay(L)}; evaluated ${isoOfDay(F)} → ${isoOfDay(L)} (${L - F + 1} days, ${totals.filter((x) => x === 0).length} without documents, ${Math.round(totals.reduce((a, b) => a + b, 0))} documents)`);

// 2. Synthetic bursts -------------------------------------------------------------------------
const rand = rng(20250809); // term sampling
const pool = counts.topTerms(200_000).filter((t) => t.df >= 30);
// Frequency bands by overall documents: 30-99, 100-299, 300-999, 1000+.
const bands = [[30, 100], [100, 300], [300, 1000], [1000, Infinity]];
const sample: { term: string; df: number; band: number }[] = [];
for (let b = 0; b < bands.length; b++) {
  const inBand = pool.filter((t) => t.df >= bands[b][0] && t.df < bands[b][1]);
  for (let i = 0; i < N_TERMS / bands.length && inBand.length > 0; i++) {
    const j = Math.floor(rand() * inBand.length);
    sample.push({ ...inBand[j], band: b });
    inBand.splice(j, 1);
  }
}
const RATIOS = [1, 2, 4, 8];
const SHAPE = [0.3, 1, 0.6, 0.3];
const wdOf = (i: number) => weekday(F + i);
const START = 28; // days of history before any scored day

interface Variant {
  name: string;
  params: BurstParams;
  normalise: boolean;
}
const variants: Variant[] = [
  { name: 'shipped (share of day, max of weekday and flat baselines)', params: DEFAULT_BURST, normalise: true },
  { name: 'weekday baseline alone', params: { ...DEFAULT_BURST, weekdayRule: 'weekday' }, normalise: true },
  { name: 'flat baseline (no weekday pattern)', params: { ...DEFAULT_BURST, weekdayRule: 'flat' }, normalise: true },
  { name: 'raw counts (no volume normalisation)', params: DEFAULT_BURST, normalise: false },
];

function detections(series: ArrayLike<number>, tot: ArrayLike<number>, v: Variant): Uint8Array {
  const out = new Uint8Array(series.length);
  const flat = new Float64Array(tot.length).fill(1000);
  for (let t = START; t < series.length; t++) {
    if (!(tot[t] > 0) || series[t] < MIN_COUNT) continue;
    const s = burstScore(series, v.normalise ? tot : flat.map((x, i) => (tot[i] > 0 ? x : 0)), t, wdOf, v.params);
    if (s.score >= THRESHOLD) out[t] = 1;
  }
  return out;
}

interface Metrics {
  recall: number;
  byRatio: number[];
  byBand: number[];
  meanDelay: number;
  delayHist: number[];
  precision: number;
  alarmsPer1000: number;
}

/** Inject one burst per term (seeded, so every variant sees the same bursts) and score. */
function evaluate(terms: { term: string; band: number }[], v: Variant, seed: number): Metrics {
  const r0 = rng(seed);
  let tp = 0;
  let fpInjected = 0;
  let alarmsClean = 0;
  let cleanDays = 0;
  const found = RATIOS.map(() => 0);
  const tried = RATIOS.map(() => 0);
  const delays: number[] = [];
  const bandFound = bands.map(() => 0);
  const bandTried = bands.map(() => 0);
  terms.forEach((s, k) => {
    const base = counts.series(s.term, F, L);
    const clean = detections(base, totals, v);
    for (let t = START; t < base.length; t++) if (totals[t] > 0) {
      cleanDays++;
      alarmsClean += clean[t];
    }
    const ri = k % RATIOS.length;
    let t = START + 28 + Math.floor(r0() * (base.length - START - 28 - SHAPE.length - 7));
    while (!(totals[t] > 0)) t++;
    let level = 0;
    for (let i = t - 28; i < t; i++) level += base[i];
    level /= 28;
    const size = RATIOS[ri] * Math.max(1, level);
    const inj = Float64Array.from(base);
    const tot = Float64Array.from(totals);
    SHAPE.forEach((f, i) => {
      const extra = Math.round(f * size);
      inj[t + i] += extra;
      tot[t + i] += extra;
    });
    const det = detections(inj, tot, v);
    let first = -1;
    for (let i = 0; i < SHAPE.length; i++) if (det[t + i]) {
      if (first < 0) first = i;
      tp++;
    }
    for (let d = 0; d < det.length; d++) if (det[d] && (d < t || d >= t + SHAPE.length)) fpInjected++;
    tried[ri]++;
    bandTried[s.band]++;
    if (first >= 0) {
      found[ri]++;
      bandFound[s.band]++;
      delays.push(first);
    }
  });
  return {
    recall: found.reduce((a, b) => a + b, 0) / Math.max(1, terms.length),
    byRatio: found.map((f, i) => f / Math.max(1, tried[i])),
    byBand: bandFound.map((f, i) => f / Math.max(1, bandTried[i])),
    meanDelay: delays.reduce((a, b) => a + b, 0) / Math.max(1, delays.length),
    delayHist: [0, 1, 2, 3].map((d) => delays.filter((x) => x === d).length),
    precision: tp / Math.max(1, tp + fpInjected),
    alarmsPer1000: (1000 * alarmsClean) / Math.max(1, cleanDays),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
function report(title: string, m: Metrics, n: number): void {
  console.log(`\n## ${title}`);
  console.log(`recall ${(100 * m.recall).toFixed(1)}% of ${n} bursts · by size r=${RATIOS.map((r, i) => `${r}: ${pct(m.byRatio[i])}`).join(', ')}`);
  console.log(`recall by term frequency (documents in the year) ${bands.map((b, i) => `${b[0]}-${b[1] === Infinity ? '' : b[1] - 1}: ${pct(m.byBand[i])}`).join(', ')}`);
  console.log(`detection delay: mean ${m.meanDelay.toFixed(2)} days after the burst's first day (0.3 S), histogram d0..d3 ${m.delayHist.join('/')}`);
  console.log(`precision (pessimistic) ${(100 * m.precision).toFixed(1)}% · alarms on the untouched series ${m.alarmsPer1000.toFixed(2)} per 1000 term-days`);
}

// Terms with the strongest weekday rhythm (football at weekends, markets on weekdays): where a
// baseline without the weekday pattern should raise false alarms.
function weekdayTerms(n: number): { term: string; band: number }[] {
  const wdTot = new Float64Array(7);
  for (let i = 0; i < totals.length; i++) wdTot[wdOf(i)] += totals[i];
  const all = wdTot.reduce((a, b) => a + b, 0);
  const scored = pool.filter((t) => t.df >= 300).slice(0, 20000).map((t) => {
    const c = counts.series(t.term, F, L);
    const w = new Float64Array(7);
    let sum = 0;
    for (let i = 0; i < c.length; i++) {
      w[wdOf(i)] += c[i];
      sum += c[i];
    }
    // Chi-square of the weekday counts against the weekday volume, per document.
    let chi = 0;
    for (let d = 0; d < 7; d++) {
      const e = (sum * wdTot[d]) / all;
      chi += ((w[d] - e) * (w[d] - e)) / Math.max(e, 1e-9);
    }
    return { term: t.term, band: t.df < 1000 ? 2 : 3, v: chi / Math.max(1, sum) };
  });
  return scored.sort((a, b) => b.v - a.v).slice(0, n);
}

const t0 = performance.now();
for (const v of variants) report(`${v.name}: random terms`, evaluate(sample, v, 1), sample.length);
const seasonal = weekdayTerms(100);
console.log(`\nweekday-rhythm terms (top 100 by chi-square per document), e.g. ${seasonal.slice(0, 12).map((t) => t.term).join(', ')}`);
for (const v of variants) report(`${v.name}: weekday-rhythm terms`, evaluate(seasonal, v, 2), seasonal.length);
if (args.includes('--sweep')) {
  console.log('\n## sweep: clipping, half-life, bias → recall / alarms per 1000 term-days');
  for (const clip of [0, 2, 3]) for (const hl of [7, 14, 28]) for (const bias of [1, 2]) {
    const v: Variant = { name: '', params: { ...DEFAULT_BURST, halfLife: hl, bias, clip }, normalise: true };
    const m = evaluate(sample, v, 1);
    const ms = evaluate(seasonal, v, 2);
    console.log(`clip ${clip} · half-life ${hl} · bias ${bias}: recall ${pct(m.recall)} (r=4: ${pct(m.byRatio[2])}) · alarms ${m.alarmsPer1000.toFixed(2)} · precision ${pct(m.precision)} | weekday-rhythm terms: recall ${pct(ms.recall)} · alarms ${ms.alarmsPer1000.toFixed(2)}`);
  }
}
console.log(`\n(synthetic evaluation: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

// 3. Speed and the real year --------------------------------------------------------------------
{
  const t1 = performance.now();
  const r = emergingOn(counts, isoOfDay(L), L, { limit: 20 });
  console.log(`\nspeed: emerging issues of ${isoOfDay(L)} over ${L - F + 1} days of data: ${(performance.now() - t1).toFixed(0)} ms (${r.items.length} items)`);
}
if (YEAR) {
  // Headlines per day (from the collection, or the store with --data), to show what each item was
  // about and how many outlets carried it.
  const titles = new Map<number, { title: string; source: string; terms: Set<string> }[]>();
  if (!dayDocs) {
    for await (const d of readJsonl(files)) {
      const p = repairPublished(d).published;
      if (!p) continue;
      const day = dayNumber(parseTime(p));
      let a = titles.get(day);
      if (!a) titles.set(day, (a = []));
      a.push({ title: String(d.title ?? ''), source: String(d.source ?? ''), terms: termsOf(observedText(d)) });
    }
  }
  const outlet = (s: unknown) => String(s ?? '').replace(/^VnExpress.*/, 'VnExpress');
  const days = YEAR_DAYS > 0 ? YEAR_DAYS : L - F + 1 - START;
  const times: number[] = [];
  for (let day = L - days + 1; day <= L; day++) {
    const t1 = performance.now();
    const docs = dayDocs?.docsOn(day);
    const r = emergingOn(counts, isoOfDay(day), day, { limit: 3, dayDocs: docs ? () => docs : undefined });
    times.push(performance.now() - t1);
    const parts = r.items.map((it) => {
      let hits: { title: string; source: string }[];
      if (docs) {
        const lead = it.terms?.[0] ?? it.label.toLowerCase();
        hits = docs.filter((d) => termsOf(observedText(d)).has(lead)).map((d) => ({ title: String(d.title ?? ''), source: outlet(d.source) }));
      } else {
        const words = it.label.split(' ');
        const key = words.length >= 2 ? words.slice(0, 2).join(' ') : words[0];
        hits = (titles.get(day) ?? []).filter((d) => d.terms.has(key)).map((d) => ({ title: d.title, source: outlet(d.source) }));
      }
      const outlets = new Set(hits.map((h) => h.source)).size;
      return `${it.label} [${it.count}, z ${it.score.toFixed(1)}, ${outlets} outlets] «${hits[0]?.title.slice(0, 70) ?? ''}»`;
    });
    console.log(`${isoOfDay(day)} ${weekday(day) >= 5 ? '(we) ' : ''}${parts.join(' | ')}`);
  }
  times.sort((a, b) => a - b);
  console.log(`per-day time: median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms over ${times.length} days`);
}
dayDocs?.close();
counts.close();
