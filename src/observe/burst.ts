/**
 * Burst scores for daily counts against the series' own seasonal baseline.
 *
 * After SigniTrend (Schubert, Weiler and Kriegel, "SigniTrend: scalable detection of emerging
 * topics in textual streams by hashed significance thresholds", KDD 2014): a term's frequency is
 * tracked with an exponentially weighted moving average and variance, and a day is significant
 * when its count exceeds the average by many standard deviations, with a bias term that keeps
 * rare terms from firing on noise. Two changes for a daily news series:
 *
 * - Frequencies are shares of the day's documents, so a busy Monday or a quiet Sunday does not
 *   look like a burst of every word.
 * - Each term has its own weekday pattern (football on weekends, markets on weekdays): the share is
 *   divided by a weekday factor estimated from the window, shrunk toward 1 with a few pseudo-counts
 *   so a term seen twice does not get a wild pattern. The day is compared with the larger of the
 *   weekday baseline and the flat one: the pattern may explain a rise away (Sunday football) but
 *   never create one (a midweek match against a usually quiet Wednesday). bench/observe-eval.ts
 *   measured both ways: the weekday baseline alone raised false alarms on weekday-rhythm terms.
 *
 * The average and variance are computed from the window directly with exponentially decaying
 * weights (the same estimate as the streaming update, without its start-up bias), so any day can
 * be scored without replaying the whole stream.
 */

export interface BurstParams {
  /** Days of history before the scored day. */
  window: number;
  /** Half-life of the weights, in days. */
  halfLife: number;
  /** Pseudo-counts shrinking weekday factors toward 1. */
  weekdayPrior: number;
  /** Bias added to the variance, in documents² (SigniTrend's β): the floor of the noise. */
  bias: number;
  /**
   * How the weekday pattern enters: 'max' (shipped) takes the larger of the weekday and flat
   * baselines, 'weekday' uses the weekday baseline alone, 'flat' ignores weekdays.
   */
  weekdayRule: 'max' | 'weekday' | 'flat';
  /**
   * Past days above mean + `clip` standard deviations are clipped to that level before the
   * baseline is re-estimated (0: no clipping), so one old burst in the window does not inflate the
   * spread for eight weeks.
   */
  clip: number;
}

const ONES = new Float64Array(7).fill(1);

/**
 * Exponentially weighted mean and standard deviation of the share of documents, divided by the
 * weekday factor, over days [start, t − 1]; both returned at the scale of day t's weekday.
 */
function baseline(counts: ArrayLike<number>, totals: ArrayLike<number>, t: number, start: number, weekdayOf: (i: number) => number, factor: Float64Array, halfLife: number, clip: number): { mean: number; sd: number } {
  const decay = Math.pow(0.5, 1 / halfLife);
  let cap = Infinity;
  let mean = 0;
  let variance = 0;
  for (let pass = 0; pass < (clip > 0 ? 2 : 1); pass++) {
    let sw = 0;
    let sx = 0;
    let sxx = 0;
    for (let i = start; i < t; i++) {
      const ni = totals[i];
      if (!(ni > 0)) continue;
      const wgt = Math.pow(decay, t - 1 - i);
      const v = Math.min(cap, counts[i] / (ni * factor[weekdayOf(i)]));
      sw += wgt;
      sx += wgt * v;
      sxx += wgt * v * v;
    }
    mean = sw > 0 ? sx / sw : 0;
    variance = sw > 0 ? Math.max(0, sxx / sw - mean * mean) : 0;
    cap = mean + clip * Math.sqrt(variance);
  }
  const f = factor[weekdayOf(t)];
  return { mean: mean * f, sd: Math.sqrt(variance) * f };
}

export const DEFAULT_BURST: BurstParams = { window: 56, halfLife: 14, weekdayPrior: 4, bias: 1, weekdayRule: 'max', clip: 0 };

export interface BurstScore {
  /** Documents on the day. */
  count: number;
  /** Documents expected on the day from the baseline (weekday and volume adjusted). */
  expected: number;
  /** Standard deviation used for the score. */
  sd: number;
  /** (count − expected) / sd. */
  score: number;
  /** Days of history with documents that the baseline used. */
  history: number;
}

/**
 * Score day `t` of `counts` (documents mentioning the term per day) against days
 * `[t − window, t − 1]`. `totals` holds all documents per day; `weekdayOf(i)` the weekday of
 * index i (0–6). Days without any document (gaps in collection) are skipped.
 */
export function burstScore(counts: ArrayLike<number>, totals: ArrayLike<number>, t: number, weekdayOf: (i: number) => number, p: BurstParams = DEFAULT_BURST): BurstScore {
  const x = counts[t] ?? 0;
  const nT = totals[t] ?? 0;
  const start = Math.max(0, t - p.window);
  // Weekday factors.
  const cW = new Float64Array(7);
  const nW = new Float64Array(7);
  let c = 0;
  let n = 0;
  let history = 0;
  for (let i = start; i < t; i++) {
    const ni = totals[i];
    if (!(ni > 0)) continue;
    const w = weekdayOf(i);
    cW[w] += counts[i];
    nW[w] += ni;
    c += counts[i];
    n += ni;
    history++;
  }
  const share = n > 0 ? c / n : 0;
  const factor = new Float64Array(7).fill(1);
  if (share > 0) {
    for (let w = 0; w < 7; w++) factor[w] = (cW[w] + p.weekdayPrior) / (share * nW[w] + p.weekdayPrior);
  }
  // The weekday baseline, and the flat one (every weekday alike).
  const seasonal = baseline(counts, totals, t, start, weekdayOf, factor, p.halfLife, p.clip);
  const flat = p.weekdayRule === 'weekday' ? seasonal : baseline(counts, totals, t, start, weekdayOf, ONES, p.halfLife, p.clip);
  const use = p.weekdayRule === 'flat' ? flat : seasonal;
  // 'max': the larger expectation and spread of the two. The weekday pattern can then explain a
  // rise away (Sunday football is no burst), but never make one: a midweek match is not news
  // because Wednesdays are usually quiet for that term.
  const expected = p.weekdayRule === 'max' ? Math.max(seasonal.mean, flat.mean) * nT : use.mean * nT;
  const sdCounts = (p.weekdayRule === 'max' ? Math.max(seasonal.sd, flat.sd) : use.sd) * nT;
  // Poisson noise (expected) or the observed spread, whichever is larger, plus the bias.
  const sd = Math.sqrt(Math.max(expected, sdCounts * sdCounts) + p.bias);
  return { count: x, expected, sd, score: nT > 0 ? (x - expected) / sd : 0, history };
}
