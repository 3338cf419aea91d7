import { test } from 'node:test';
import assert from 'node:assert/strict';
import { burstScore, DEFAULT_BURST } from './burst.ts';
import { rng } from './test-fixtures.ts';

/** A Poisson draw (Knuth), deterministic through `rand`. */
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

const days = 70;
const wd = (i: number) => i % 7;

function series(rate: (i: number) => number, seed: number): { counts: number[]; totals: number[] } {
  const rand = rng(seed);
  const counts: number[] = [];
  const totals: number[] = [];
  for (let i = 0; i < days; i++) {
    totals.push(wd(i) >= 5 ? 250 : 400);
    counts.push(poisson(rate(i), rand));
  }
  return { counts, totals };
}

test('a steady term scores low; the same term with a spike scores high', () => {
  const { counts, totals } = series(() => 5, 1);
  const t = days - 1;
  const quiet = burstScore(counts, totals, t, wd);
  assert.ok(Math.abs(quiet.score) < 3, `quiet score ${quiet.score}`);
  assert.ok(quiet.expected > 2 && quiet.expected < 9, `expected ${quiet.expected}`);
  const spiked = counts.slice();
  spiked[t] = 30;
  const loud = burstScore(spiked, totals, t, wd);
  assert.ok(loud.score > 6, `spike score ${loud.score}`);
  assert.equal(loud.count, 30);
});

test('a term that is always high at weekends is not a burst on a Sunday', () => {
  const weekend = (i: number) => (wd(i) >= 5 ? 20 : 1);
  const { counts, totals } = series(weekend, 2);
  const sunday = 69; // 69 % 7 === 6
  const s = burstScore(counts, totals, sunday, wd);
  assert.ok(s.score < 3, `sunday score ${s.score}`);
  assert.ok(s.expected > 10, `sunday expected ${s.expected}`);
  // Without the weekday pattern, the usual Sunday looks like a rise.
  const flat = burstScore(counts, totals, sunday, wd, { ...DEFAULT_BURST, weekdayRule: 'flat' });
  assert.ok(flat.score > s.score, `flat ${flat.score} vs ${s.score}`);
  assert.ok(flat.expected < s.expected / 2, `flat expects ${flat.expected}, weekday ${s.expected}`);
  // The weekend level on a Wednesday: a burst for the weekday baseline alone; the shipped rule
  // (max of weekday and flat) does not let the pattern create a burst, only a larger rise.
  const wed = 65;
  const c2 = counts.slice();
  c2[wed] = 20;
  const w = burstScore(c2, totals, wed, wd, { ...DEFAULT_BURST, weekdayRule: 'weekday' });
  assert.ok(w.score > 4, `wednesday score (weekday rule) ${w.score}`);
  assert.ok(burstScore(c2, totals, wed, wd).score < w.score);
  c2[wed] = 80;
  assert.ok(burstScore(c2, totals, wed, wd).score > 4);
});

test('volume is normalised: a day with twice the documents expects twice the mentions', () => {
  const { counts, totals } = series(() => 10, 3);
  const t = 62; // a weekday
  const base = burstScore(counts, totals, t, wd);
  const t2 = totals.slice();
  t2[t] *= 2;
  const doubled = burstScore(counts, t2, t, wd);
  assert.ok(Math.abs(doubled.expected - 2 * base.expected) < 1e-9);
});

test('a new term with no history scores its count against the bias', () => {
  const counts = new Array(days).fill(0);
  const totals = new Array(days).fill(300);
  counts[days - 1] = 12;
  const s = burstScore(counts, totals, days - 1, wd, DEFAULT_BURST);
  assert.equal(s.expected, 0);
  assert.ok(Math.abs(s.score - 12 / Math.sqrt(DEFAULT_BURST.bias)) < 1e-9);
});

test('days without any document (collection gaps) are skipped', () => {
  const { counts, totals } = series(() => 5, 4);
  const t = days - 1;
  const a = burstScore(counts, totals, t, wd);
  const gapped = totals.slice();
  const gc = counts.slice();
  gapped[40] = 0;
  gc[40] = 0;
  const b = burstScore(gc, gapped, t, wd);
  assert.equal(b.history, a.history - 1);
  assert.ok(Math.abs(a.score - b.score) < 1);
});
