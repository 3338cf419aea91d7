/**
 * Emerging issues on a day: the words and phrases whose attention rises furthest above their own
 * baseline (./burst.ts), read from the daily counts (./counts.ts).
 *
 * 1. Candidates are the terms mentioned by at least `minCount` documents on the day.
 * 2. Their history over the window is read with one range scan of the day-major table.
 * 3. Each is scored; those at or above `minScore` are kept.
 * 4. Overlapping terms become one label: a burst of "phạm minh chính" also bursts "phạm minh" and
 *    "minh chính" (and the syllables), so pairs that chain ("a b" + "b c") with similar counts on
 *    the day are joined into a longer phrase, a term contained in a label already listed is
 *    dropped when most of its mentions that day can be explained by that label, and a syllable
 *    mostly seen inside one pair that day is left to the pair.
 */
import type { ObserveCounts } from './counts.ts';
import { weekday } from './counts.ts';
import { burstScore, DEFAULT_BURST, type BurstParams } from './burst.ts';

export interface EmergingOptions {
  limit?: number;
  /** Fewest documents on the day for a term to be considered. */
  minCount?: number;
  /** Lowest score listed. */
  minScore?: number;
  burst?: Partial<BurstParams>;
}

export interface EmergingItem {
  label: string;
  score: number;
  count: number;
  baseline: number;
}

export interface EmergingResult {
  date: string;
  items: EmergingItem[];
}

interface Scored {
  id: number;
  term: string;
  words: string[];
  count: number;
  expected: number;
  score: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Score every candidate term of `day` (day number); unsorted, unmerged. */
export function scoreDay(counts: ObserveCounts, day: number, opts: EmergingOptions = {}): Scored[] {
  const p: BurstParams = { ...DEFAULT_BURST, ...opts.burst };
  const minCount = opts.minCount ?? 3;
  const cands = counts.termsOn(day, minCount);
  if (cands.length === 0) return [];
  const from = day - p.window;
  const totals = counts.totals(from, day);
  const history = counts.historyOf(new Set(cands.map((c) => c.id)), from, day - 1);
  const wd = (i: number) => weekday(from + i);
  const out: Scored[] = [];
  const zeros = new Float64Array(p.window + 1);
  for (const c of cands) {
    const series = history.get(c.id) ?? zeros;
    series[p.window] = c.n;
    const s = burstScore(series, totals, p.window, wd, p);
    series[p.window] = 0;
    out.push({ id: c.id, term: c.term, words: c.term.split(' '), count: c.n, expected: s.expected, score: s.score });
  }
  return out;
}

function contains(label: string[], words: string[]): boolean {
  outer: for (let i = 0; i + words.length <= label.length; i++) {
    for (let j = 0; j < words.length; j++) if (label[i + j] !== words[j]) continue outer;
    return true;
  }
  return false;
}

const similar = (a: number, b: number) => Math.min(a, b) >= 0.6 * Math.max(a, b);

/** Join chaining pairs and drop terms explained by a listed label; best first. */
export function mergeTerms(scored: Scored[], minScore: number, limit: number): EmergingItem[] {
  const strong = scored.filter((s) => s.score >= minScore).sort((a, b) => b.score - a.score || b.count - a.count);
  const pairs = strong.filter((s) => s.words.length === 2);
  const byFirst = new Map<string, Scored[]>();
  const byLast = new Map<string, Scored[]>();
  for (const s of pairs) {
    (byFirst.get(s.words[0]) ?? byFirst.set(s.words[0], []).get(s.words[0])!).push(s);
    (byLast.get(s.words[1]) ?? byLast.set(s.words[1], []).get(s.words[1])!).push(s);
  }
  // The largest count of a pair containing each syllable, over all candidates of the day.
  const inPair = new Map<string, number>();
  for (const s of scored) {
    if (s.words.length !== 2) continue;
    for (const w of s.words) inPair.set(w, Math.max(inPair.get(w) ?? 0, s.count));
  }
  const used = new Set<number>();
  const labels: { words: string[]; count: number; item: EmergingItem }[] = [];
  for (const s of strong) {
    if (labels.length >= limit) break;
    if (used.has(s.id)) continue;
    // Explained by a label already listed?
    if (labels.some((l) => contains(l.words, s.words) && s.count <= 1.5 * l.count)) {
      used.add(s.id);
      continue;
    }
    // A syllable mostly seen inside one pair that day is part of a word, not a word: "hào" in
    // "tự hào". The pair speaks for it (and is listed itself if it is emerging).
    if (s.words.length === 1 && (inPair.get(s.term) ?? 0) >= 0.5 * s.count) {
      used.add(s.id);
      continue;
    }
    let words = s.words;
    used.add(s.id);
    if (words.length === 2) {
      // Extend to the right, then to the left, while a similar-count pair continues the chain.
      for (let grow = 0; grow < 4; grow++) {
        const right = (byFirst.get(words[words.length - 1]) ?? []).find((q) => !used.has(q.id) && similar(q.count, s.count) && !words.includes(q.words[1]));
        if (right) {
          used.add(right.id);
          words = [...words, right.words[1]];
          continue;
        }
        const left = (byLast.get(words[0]) ?? []).find((q) => !used.has(q.id) && similar(q.count, s.count) && !words.includes(q.words[0]));
        if (left) {
          used.add(left.id);
          words = [left.words[0], ...words];
          continue;
        }
        break;
      }
    }
    labels.push({ words, count: s.count, item: { label: words.join(' '), score: round2(s.score), count: s.count, baseline: round2(s.expected) } });
  }
  return labels.map((l) => l.item);
}

/** The emerging issues of `date` (YYYY-MM-DD, Vietnam time), most emerging first. */
export function emergingOn(counts: ObserveCounts, date: string, day: number, opts: EmergingOptions = {}): EmergingResult {
  const scored = scoreDay(counts, day, opts);
  return { date, items: mergeTerms(scored, opts.minScore ?? 4, opts.limit ?? 20) };
}
