import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forecastSeries, seasonalNaive, maseScale } from './forecast.ts';
import { rng } from './test-fixtures.ts';

function poisson(lambda: number, rand: () => number): number {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}

const weekly = [30, 32, 31, 29, 28, 12, 10]; // weekdays busy, weekend quiet

test('a weekly pattern is forecast by weekday, with intervals that contain the mean', () => {
  const rand = rng(11);
  const y = Array.from({ length: 140 }, (_, i) => poisson(weekly[i % 7], rand));
  const f = forecastSeries(y, { horizon: 7 });
  assert.equal(f.points.length, 7);
  for (const p of f.points) {
    const truth = weekly[(140 + p.h - 1) % 7];
    assert.ok(Math.abs(p.mean - truth) < 8, `h=${p.h}: ${p.mean} vs ${truth}`);
    const [i80, i95] = p.intervals;
    assert.equal(i80.level, 0.8);
    assert.ok(i95.lo <= i80.lo && i80.lo <= p.mean && p.mean <= i80.hi && i80.hi <= i95.hi);
    assert.ok(i80.lo >= 0);
  }
  // Weekend days forecast lower than weekdays.
  const byDay = f.points.map((p) => ({ wd: (140 + p.h - 1) % 7, m: p.mean }));
  const weekend = byDay.filter((d) => d.wd >= 5).map((d) => d.m);
  const weekday = byDay.filter((d) => d.wd < 5).map((d) => d.m);
  assert.ok(Math.max(...weekend) < Math.min(...weekday));
});

test('empirical intervals reach about their stated coverage on a noisy series', () => {
  const rand = rng(12);
  let inside80 = 0;
  let inside95 = 0;
  let n = 0;
  const y = Array.from({ length: 400 }, (_, i) => poisson(weekly[i % 7] * (1 + 0.3 * Math.sin(i / 20)), rand));
  for (let origin = 200; origin + 7 <= 400; origin += 7) {
    const f = forecastSeries(y.slice(0, origin));
    for (const p of f.points) {
      const v = y[origin + p.h - 1];
      if (v >= p.intervals[0].lo && v <= p.intervals[0].hi) inside80++;
      if (v >= p.intervals[1].lo && v <= p.intervals[1].hi) inside95++;
      n++;
    }
  }
  assert.ok(inside80 / n > 0.65 && inside80 / n < 0.95, `80% interval covered ${inside80 / n}`);
  assert.ok(inside95 / n > 0.85, `95% interval covered ${inside95 / n}`);
});

test('short and empty series still give a forecast', () => {
  assert.equal(forecastSeries([]).points.length, 7);
  const f = forecastSeries([3, 4, 2], { horizon: 3 });
  assert.equal(f.points.length, 3);
  for (const p of f.points) assert.ok(p.mean >= 0 && p.intervals[0].hi >= p.mean);
});

test('seasonal naive and the MASE scale', () => {
  const y = [1, 2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7, 8];
  assert.equal(seasonalNaive(y, 1), 2);
  assert.equal(seasonalNaive(y, 7), 8);
  assert.equal(seasonalNaive(y, 8), 2);
  assert.equal(maseScale(y), 1);
});

test('the model is chosen per series by its own backtest: an exact weekly repeat goes to seasonal naive, a noisy one to Holt-Winters', () => {
  const pattern = [5, 40, 3, 60, 2, 80, 1];
  // Two odd weeks first (Holt-Winters starts from them), then the exact repeat.
  const y = [...Array.from({ length: 14 }, (_, i) => 20 + (i % 3)), ...Array.from({ length: 140 }, (_, i) => pattern[(14 + i) % 7])];
  const f = forecastSeries(y);
  assert.equal(f.method, 'seasonal-naive');
  for (const p of f.points) {
    const truth = pattern[(y.length + p.h - 1) % 7];
    assert.equal(p.mean, truth);
    // Its backtest errors were all zero: the intervals are the point.
    assert.equal(p.intervals[0].lo, truth);
    assert.equal(p.intervals[1].hi, truth);
  }
  const rand = rng(13);
  const noisy = Array.from({ length: 200 }, (_, i) => poisson(weekly[i % 7], rand));
  assert.equal(forecastSeries(noisy).method, 'holt-winters');
  assert.equal(forecastSeries(noisy, { method: 'seasonal-naive' }).method, 'seasonal-naive');
});

test('days without collection (NaN) are skipped by the seasonal-naive forecast and the MASE scale', () => {
  const y = [1, 2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, NaN, 8];
  // Day 13 (weekday of h = 6) was not collected: the same weekday a week earlier.
  assert.equal(seasonalNaive(y, 6), 6);
  assert.equal(seasonalNaive(y, 7), 8);
  // Pairs with a gap are left out: six pairs, each 1 apart.
  assert.equal(maseScale(y), 1);
  const f = forecastSeries([...y, NaN, NaN, ...y]);
  for (const p of f.points) assert.ok(Number.isFinite(p.mean) && p.intervals[0].lo <= p.mean && p.mean <= p.intervals[0].hi);
});

test('intervals follow the recent error level: a series that turned volatile gets wider intervals than one that stayed calm', () => {
  const rand = rng(14);
  const calm = Array.from({ length: 182 }, (_, i) => poisson(weekly[i % 7], rand));
  // The same series, but its last two weeks swing by ±15 around the pattern (a collector's shifts).
  const shaken = calm.map((v, i) => (i >= 168 ? Math.max(0, v + (i % 2 === 0 ? 15 : -15)) : v));
  const width = (y: number[]) => {
    const f = forecastSeries(y);
    return f.points.reduce((s, p) => s + p.intervals[0].hi - p.intervals[0].lo, 0) / f.points.length;
  };
  assert.ok(width(shaken) > 1.5 * width(calm), `calm ${width(calm)}, shaken ${width(shaken)}`);
  // A sparse series quiet for its last weeks keeps intervals (the scale has a floor).
  const sparse = Array.from({ length: 182 }, (_, i) => (i < 150 && i % 5 === 0 ? 3 : 0));
  const f = forecastSeries(sparse);
  assert.ok(f.points.some((p) => p.intervals[1].hi > p.mean), 'intervals kept for a quiet sparse series');
});
