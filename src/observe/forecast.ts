/**
 * Short-term forecasts of daily attention with prediction intervals.
 *
 * Model: additive Holt-Winters without trend (ETS(A,N,A), Hyndman and Athanasopoulos,
 * "Forecasting: Principles and Practice", ch. 8) with a weekly season: a level that follows the
 * series with smoothing α, and seven weekday offsets that adapt with smoothing γ.
 *   level_t  = α (y_t − s_{t−7}) + (1 − α) level_{t−1}
 *   s_t      = γ (y_t − level_t) + (1 − γ) s_{t−7}
 *   ŷ_{t+h}  = level_t + s_{t+h−7}
 * α and γ are chosen per series on a small grid by one-step squared error. News attention has no
 * lasting trend over a week, and a trend term chases bursts, so none is modelled.
 *
 * Intervals are empirical, not Gaussian: the model's own h-step-ahead errors over the recent past
 * (rolling origins inside the fitted series) give, for each horizon, the quantiles added to the
 * point forecast. Counts are bursty and overdispersed; their errors are skewed, and quantiles of
 * actual errors keep the stated coverage honest (bench/observe-forecast.ts measures it). Each error
 * is scaled by the model's recent one-step error level at its origin and rescaled by today's
 * (`localScale`), so a week after a shift in level or volatility gets intervals of its own size.
 * Nothing is below zero.
 */

export interface ForecastOptions {
  /** Days ahead (default 7). */
  horizon?: number;
  /** Central coverages of the intervals (default [0.8, 0.95]). */
  levels?: number[];
  /** Most recent days used to fit (default 182): older news says little about next week. */
  fitDays?: number;
  /**
   * Most recent forecast origins of the backtest that chooses the model and whose errors set the
   * intervals (default 120).
   */
  errorDays?: number;
  /** Force a model instead of choosing by backtest (for comparisons). */
  method?: Forecast['method'];
}

export interface ForecastPoint {
  /** 1 = the day after the last observed day. */
  h: number;
  mean: number;
  /** One interval per requested level, in the same order. */
  intervals: { level: number; lo: number; hi: number }[];
}

export interface Forecast {
  /** The model that made the points (see forecastSeries). */
  method: 'holt-winters' | 'seasonal-naive';
  alpha: number;
  gamma: number;
  points: ForecastPoint[];
}

const SEASON = 7;
const ALPHAS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7];
const GAMMAS = [0.01, 0.05, 0.15, 0.3];

interface Fit {
  sse: number;
  /** level after each step, and the seasonal offsets valid after each step (flattened, 7 per step). */
  level: Float64Array;
  season: Float64Array;
}

/** Run the filter over `y`; the state after step t forecasts t + h. */
function filter(y: ArrayLike<number>, alpha: number, gamma: number, keepStates: boolean): Fit {
  const n = y.length;
  // Start: level = mean of the first two weeks, offsets = weekday means minus it.
  const init = Math.min(n, 2 * SEASON);
  let mean = 0;
  let seen = 0;
  for (let i = 0; i < init; i++) {
    if (Number.isNaN(y[i])) continue;
    mean += y[i];
    seen++;
  }
  mean /= Math.max(1, seen);
  const s = new Float64Array(SEASON);
  const cnt = new Float64Array(SEASON);
  for (let i = 0; i < init; i++) {
    if (Number.isNaN(y[i])) continue;
    s[i % SEASON] += y[i];
    cnt[i % SEASON]++;
  }
  for (let k = 0; k < SEASON; k++) s[k] = cnt[k] > 0 ? s[k] / cnt[k] - mean : 0;
  let level = mean;
  let sse = 0;
  const levels = keepStates ? new Float64Array(n) : new Float64Array(0);
  const seasons = keepStates ? new Float64Array(n * SEASON) : new Float64Array(0);
  for (let t = 0; t < n; t++) {
    const k = t % SEASON;
    const pred = level + s[k];
    // A day without collection (NaN) is unknown, not zero: the state carries over unchanged.
    if (!Number.isNaN(y[t])) {
      if (t >= init) sse += (y[t] - pred) * (y[t] - pred);
      const newLevel = alpha * (y[t] - s[k]) + (1 - alpha) * level;
      s[k] = gamma * (y[t] - newLevel) + (1 - gamma) * s[k];
      level = newLevel;
    }
    if (keepStates) {
      levels[t] = level;
      seasons.set(s, t * SEASON);
    }
  }
  return { sse, level: levels, season: seasons };
}

/** Point forecast from the state after step t for day t + h (index-based weekday). */
function pointFrom(fit: Fit, t: number, h: number): number {
  return fit.level[t] + fit.season[t * SEASON + ((t + h) % SEASON)];
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Forecast the `horizon` days after the end of `series` (daily values, oldest first; a day with
 * documents collected but none matching is 0, a day without collection is NaN — a gap, which
 * neither moves the model nor counts as an error).
 */
export function forecastSeries(series: ArrayLike<number>, opts: ForecastOptions = {}): Forecast {
  const horizon = opts.horizon ?? 7;
  const levels = opts.levels ?? [0.8, 0.95];
  const fitDays = opts.fitDays ?? 182;
  const errorDays = opts.errorDays ?? 120;
  const all = Array.from(series);
  const yy = all.slice(Math.max(0, all.length - fitDays));
  const n = yy.length;
  if (n === 0) {
    return { method: 'seasonal-naive', alpha: 0, gamma: 0, points: Array.from({ length: horizon }, (_, i) => ({ h: i + 1, mean: 0, intervals: levels.map((level) => ({ level, lo: 0, hi: 0 })) })) };
  }
  let best = { alpha: ALPHAS[0], gamma: GAMMAS[0], sse: Infinity };
  for (const a of ALPHAS) {
    for (const g of GAMMAS) {
      const f = filter(yy, a, g, false);
      if (f.sse < best.sse) best = { alpha: a, gamma: g, sse: f.sse };
    }
  }
  const fit = filter(yy, best.alpha, best.gamma, true);
  const last = n - 1;
  // Rolling-origin backtest on the series' own past: the h-step errors of Holt-Winters (from its
  // state at each origin) and of the seasonal-naive forecast (from the days up to the origin), at
  // the last `errorDays` origins. The model with the smaller mean absolute error makes the points,
  // and its own errors give the intervals.
  const firstOrigin = Math.max(2 * SEASON, n - horizon - errorDays);
  const errors = { hw: [] as number[][], sn: [] as number[][] };
  let maeHw = 0;
  let maeSn = 0;
  for (let h = 1; h <= horizon; h++) {
    const eh: number[] = [];
    const es: number[] = [];
    for (let t = firstOrigin; t + h <= last; t++) {
      if (Number.isNaN(yy[t + h])) continue;
      const e1 = yy[t + h] - pointFrom(fit, t, h);
      const e2 = yy[t + h] - naiveFrom(yy, t + 1, h);
      eh.push(e1);
      es.push(e2);
      maeHw += Math.abs(e1);
      maeSn += Math.abs(e2);
    }
    errors.hw.push(eh.sort((x, y) => x - y));
    errors.sn.push(es.sort((x, y) => x - y));
  }
  const method: Forecast['method'] = opts.method ?? (maeSn < maeHw ? 'seasonal-naive' : 'holt-winters');
  // Intervals from the chosen model's backtest errors, each divided by the model's recent error
  // level at its origin and multiplied by today's (`localScale`): errors made in a calm month say
  // little about a week after the collector's volume shifted, and the reverse (locally weighted
  // split conformal prediction, Lei et al. 2018). bench/observe-forecast.ts: volume 67% → 76% of
  // actual values inside the 80% interval, terms 79.5% → 78%.
  const scale = localScale(yy, (t) => (method === 'holt-winters' ? pointFrom(fit, t - 1, 1) : naiveFrom(yy, t, 1)));
  const now = scale(last);
  const scaled: number[][] = [];
  for (let h = 1; h <= horizon; h++) {
    const out: number[] = [];
    for (let t = firstOrigin; t + h <= last; t++) {
      if (Number.isNaN(yy[t + h])) continue;
      const sc = scale(t);
      if (!(sc > 0)) continue;
      out.push((yy[t + h] - (method === 'holt-winters' ? pointFrom(fit, t, h) : naiveFrom(yy, t + 1, h))) / sc);
    }
    scaled.push(out.map((x) => x * now).sort((x, y) => x - y));
  }
  const points: ForecastPoint[] = [];
  for (let h = 1; h <= horizon; h++) {
    const errs = now > 0 ? scaled[h - 1] : method === 'holt-winters' ? errors.hw[h - 1] : errors.sn[h - 1];
    const raw = method === 'holt-winters' ? pointFrom(fit, last, h) : naiveFrom(yy, n, h);
    const mean = Math.max(0, raw);
    const intervals = levels.map((level) => {
      if (errs.length < 10) {
        // Too little history for quantiles: a Poisson-like band (mean ± z√mean, z for the level).
        const z = level >= 0.95 ? 1.96 : level >= 0.9 ? 1.645 : 1.2816;
        const sd = Math.sqrt(Math.max(1, mean));
        return { level, lo: Math.max(0, mean - z * sd), hi: mean + z * sd };
      }
      const lo = Math.max(0, raw + quantile(errs, (1 - level) / 2));
      const hi = Math.max(lo, raw + quantile(errs, 1 - (1 - level) / 2));
      return { level, lo, hi };
    });
    points.push({ h, mean, intervals });
  }
  return { method, alpha: best.alpha, gamma: best.gamma, points };
}

/** Days over which a model's recent error level is measured (localScale). */
export const SCALE_DAYS = 14;
/** The recent error level is never taken below this share of the whole fit's. */
const SCALE_FLOOR = 0.5;

/**
 * The error level of one-step forecasts `predict(t)` (made the day before t) around each day: the
 * mean absolute one-step error over the SCALE_DAYS up to and including t, never below SCALE_FLOOR
 * of the mean over the whole series (a quiet fortnight of a sparse term must not shrink its
 * intervals to nothing). Days without collection are skipped.
 */
function localScale(y: ArrayLike<number>, predict: (t: number) => number): (t: number) => number {
  const n = y.length;
  const one = new Float64Array(n).fill(NaN);
  let sum = 0;
  let k = 0;
  for (let t = 2 * SEASON; t < n; t++) {
    if (Number.isNaN(y[t])) continue;
    one[t] = Math.abs(y[t] - predict(t));
    sum += one[t];
    k++;
  }
  const floor = k > 0 ? SCALE_FLOOR * (sum / k) : 0;
  return (t) => {
    let s = 0;
    let m = 0;
    for (let i = Math.max(0, t - SCALE_DAYS + 1); i <= t; i++) {
      if (Number.isNaN(one[i])) continue;
      s += one[i];
      m++;
    }
    return Math.max(m > 0 ? s / m : 0, floor);
  };
}

/** The seasonal-naive forecast for day `end − 1 + h` from the days before `end` (see seasonalNaive). */
function naiveFrom(y: ArrayLike<number>, end: number, h: number): number {
  const k = ((h - 1) % SEASON) + 1;
  for (let i = end - SEASON + k - 1; i >= 0; i -= SEASON) if (!Number.isNaN(y[i])) return y[i];
  for (let i = end - 1; i >= 0; i--) if (!Number.isNaN(y[i])) return y[i];
  return 0;
}

/**
 * The seasonal-naive forecast (the same weekday last week), the benchmark for MASE. A day without
 * collection (NaN) is skipped for the same weekday a week earlier; with none, the last collected day.
 */
export function seasonalNaive(series: ArrayLike<number>, h: number): number {
  return naiveFrom(series, series.length, h);
}

/**
 * Mean absolute scaled error (Hyndman and Koehler, 2006): forecast errors divided by the mean
 * absolute error of the in-sample seasonal-naive forecast (lag 7) over `train`, on pairs of days
 * that were both collected (NaN: a gap).
 */
export function maseScale(train: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let t = SEASON; t < train.length; t++) {
    const d = train[t] - train[t - SEASON];
    if (Number.isNaN(d)) continue;
    s += Math.abs(d);
    n++;
  }
  return n > 0 ? s / n : NaN;
}
