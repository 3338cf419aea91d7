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
 *    mostly seen inside one pair that day is left to the pair; a word cut at a label's end is
 *    completed from the day's pairs (`complete`).
 */
import type { ObserveCounts } from './counts.ts';
import { weekday } from './counts.ts';
import { burstScore, DEFAULT_BURST, type BurstParams } from './burst.ts';
import { EVERYDAY, groupStories } from './stories.ts';
import type { TextDoc } from './terms.ts';
import { outletOf } from './outlets.ts';
import { NUMBERED, SEQUENCE } from './stopwords.ts';
import { datingTime } from '../ingest/dating.ts';

/** A document of the day as stories read it: its text, and who published it where and when. */
export type StoryDoc = TextDoc & { id?: unknown; source?: unknown; url?: unknown; link?: unknown; published?: unknown };

export interface EmergingOptions {
  limit?: number;
  /** Fewest documents on the day for a term to be considered. */
  minCount?: number;
  /** Fewest documents for a term never mentioned in the window (NOVEL_MIN). */
  novelMin?: number;
  /** Lowest score listed. */
  minScore?: number;
  /** Lower floor for stories carried by several outlets, filling a quiet day's list. */
  quietFloor?: number;
  burst?: Partial<BurstParams>;
  /**
   * The documents of a day, when available (a data directory's store): emerging terms are then
   * grouped into stories and labelled from headlines (./stories.ts). Without it, overlapping
   * terms are merged by their counts alone (`mergeTerms`).
   */
  dayDocs?: (day: number) => StoryDoc[];
}

export interface EmergingItem {
  label: string;
  score: number;
  /** Documents of the day mentioning the lead term. */
  count: number;
  /** Documents expected from the lead term's baseline. */
  baseline: number;
  /** The emerging terms behind the item, lead term first (with stories). */
  terms?: string[];
  /** The outlets that carried the story that day, most articles first (with stories). */
  outlets?: string[];
  /** The first article of the story that day: who published it first (with stories). */
  first?: StoryArticle;
  /**
   * The story's articles of the day in publication order, at most MAX_ARTICLES (with stories);
   * `followUp` marks an article of an outlet that had already published on the story that day.
   */
  articles?: StoryArticle[];
}

export interface StoryArticle {
  id: string;
  title: string;
  outlet: string;
  url?: string;
  /** Publication time as dated by the observatory (ISO 8601), when known. */
  published?: string;
  followUp: boolean;
}

/** Articles listed per item: enough to read a story, bounded for the API. */
export const MAX_ARTICLES = 30;

export interface EmergingResult {
  date: string;
  items: EmergingItem[];
}

export interface Scored {
  id: number;
  term: string;
  words: string[];
  count: number;
  expected: number;
  score: number;
  /** Share of the window's collected days on which the term occurred (everyday language: most). */
  seen: number;
  /**
   * New: the baseline expects at most NOVEL_EXPECTED documents (never or almost never mentioned
   * in a window of at least NOVEL_HISTORY collected days). Such a term is a candidate from
   * NOVEL_MIN documents (below `minCount`).
   */
  novel?: boolean;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** A story under the floor may fill the list from this score (see emergingOn)… */
export const QUIET_FLOOR = 2.5;
/** …when at least this many outlets carry it… */
export const QUIET_OUTLETS = 3;
/** …and its lead term is in at most this share of all documents. */
export const QUIET_DF = 0.003;

/**
 * A phrase never mentioned in the window is a candidate from this many documents (the usual
 * minimum is 3): the first day of a story is often two articles naming something new ("bão số
 * 10", a place struck by an earthquake). Whether its documents come from several outlets is
 * judged with the stories (emergingOn).
 */
export const NOVEL_MIN = 2;
/**
 * A term is new when its baseline expects at most this many documents on the day: never or
 * almost never mentioned in the window (a stray earlier mention — "bão số 1 năm 2026 chưa xuất
 * hiện" — is not coverage).
 */
export const NOVEL_EXPECTED = 0.1;
/** Collected days the window must hold before a term absent from it counts as new. */
export const NOVEL_HISTORY = 28;

/** "bão số 10": a storm named by its number (terms.ts counts it as one term). */
const isNumbered = (words: string[]) => words.length === 3 && NUMBERED.has(words[0]) && SEQUENCE.has(words[1]);

/** Score every candidate term of `day` (day number); unsorted, unmerged. */
export function scoreDay(counts: ObserveCounts, day: number, opts: EmergingOptions = {}): Scored[] {
  const p: BurstParams = { ...DEFAULT_BURST, ...opts.burst };
  const minCount = opts.minCount ?? 3;
  const novelMin = Math.min(minCount, opts.novelMin ?? NOVEL_MIN);
  let cands = counts.termsOn(day, novelMin);
  if (cands.length === 0) return [];
  const from = day - p.window;
  const totals = counts.totals(from, day);
  const history = counts.historyOf(new Set(cands.map((c) => c.id)), from, day - 1);
  const wd = (i: number) => weekday(from + i);
  const out: Scored[] = [];
  const zeros = new Float64Array(p.window + 1);
  let collected = 0;
  for (let i = 0; i < p.window; i++) if (totals[i] > 0) collected++;
  const canBeNew = collected >= NOVEL_HISTORY;
  // Under `minCount` documents, only what is new is a candidate (NOVEL_EXPECTED, below).
  cands = canBeNew ? cands : cands.filter((c) => c.n >= minCount);
  for (const c of cands) {
    const series = history.get(c.id) ?? zeros;
    series[p.window] = c.n;
    const s = burstScore(series, totals, p.window, wd, p);
    series[p.window] = 0;
    let days = 0;
    for (let i = 0; i < p.window; i++) if (series[i] > 0 && totals[i] > 0) days++;
    const item: Scored = { id: c.id, term: c.term, words: c.term.split(' '), count: c.n, expected: s.expected, score: s.score, seen: collected > 0 ? days / collected : 0 };
    if (canBeNew && s.expected <= NOVEL_EXPECTED) item.novel = true;
    else if (c.n < minCount) continue;
    out.push(item);
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

/**
 * Pairs cut a word in two at a label's ends ("nhà hoạt" of "nhà hoạt động", "địch đông" of "vô
 * địch Đông Nam Á"). When a pair continuing the label's first (last) syllable rose above its own
 * baseline that day by about as many documents as the label has, the label takes that syllable,
 * at most two per side. Requiring the rise keeps everyday words ("công an", "kết quả") from
 * attaching to a label merely because they are frequent.
 */
const rose = (q: Scored, count: number) => q.count - q.expected >= 0.7 * count;

function complete(words: string[], count: number, byFirst: Map<string, Scored[]>, byLast: Map<string, Scored[]>): string[] {
  let out = words;
  for (let i = 0; i < 2; i++) {
    const left = (byLast.get(out[0]) ?? []).filter((q) => rose(q, count) && !out.includes(q.words[0])).sort((a, b) => b.count - a.count)[0];
    if (!left) break;
    out = [left.words[0], ...out];
  }
  for (let i = 0; i < 2; i++) {
    const right = (byFirst.get(out[out.length - 1]) ?? []).filter((q) => rose(q, count) && !out.includes(q.words[1])).sort((a, b) => b.count - a.count)[0];
    if (!right) break;
    out = [...out, right.words[1]];
  }
  return out;
}

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
  // Every candidate pair of the day, emerging or not, for completing cut words at a label's ends.
  const anyByFirst = new Map<string, Scored[]>();
  const anyByLast = new Map<string, Scored[]>();
  for (const s of scored) {
    if (s.words.length !== 2) continue;
    (anyByFirst.get(s.words[0]) ?? anyByFirst.set(s.words[0], []).get(s.words[0])!).push(s);
    (anyByLast.get(s.words[1]) ?? anyByLast.set(s.words[1], []).get(s.words[1])!).push(s);
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
    if (words.length >= 2) words = complete(words, s.count, anyByFirst, anyByLast);
    labels.push({ words, count: s.count, item: { label: words.join(' '), score: round2(s.score), count: s.count, baseline: round2(s.expected) } });
  }
  return labels.map((l) => l.item);
}

/**
 * Terms at or above `minScore` (or that `keep` accepts), best first, without syllables left to a
 * pair: a syllable mostly seen inside one pair that day ("hào" in "tự hào") is part of a word, and
 * the pair speaks for it — unless the syllable rises further than every such pair and a third
 * of its articles or more do not use the pair ("Melissa" in five articles, "bão Melissa" in three
 * of them: the name is the stronger evidence; "chính" in nine, eight of them "tài chính", is not).
 */
export function strongTerms(scored: Scored[], minScore: number, keep?: (s: Scored) => boolean): Scored[] {
  const pairsOf = new Map<string, Scored[]>();
  for (const s of scored) {
    if (s.words.length !== 2) continue;
    for (const w of s.words) (pairsOf.get(w) ?? pairsOf.set(w, []).get(w)!).push(s);
  }
  const leftToPair = (s: Scored) => s.words.length === 1 && (pairsOf.get(s.term) ?? []).some((q) => q.count >= 0.5 * s.count && (q.score >= s.score || q.count >= (2 / 3) * s.count));
  return scored.filter((s) => (s.score >= minScore || keep?.(s)) && !leftToPair(s)).sort((a, b) => b.score - a.score || b.count - a.count);
}

/**
 * How strongly a story rises: its lead term's score, combined with the best score of a term of
 * the story that shares no syllable with the lead (root of the sum of squares). Two different
 * words rising in the same articles ("Afghanistan" and "động đất") are more evidence than one
 * word; syllables and pairs of the same name ("charlie", "kirk", "charlie kirk") are not counted
 * twice. Only terms at or above `floor` are counted as the second word.
 */
export function storyStrength(terms: string[], scoreOf: (term: string) => number | undefined, floor: number): number {
  const lead = scoreOf(terms[0]) ?? 0;
  const own = new Set(terms[0].split(' '));
  let second = 0;
  for (const t of terms.slice(1)) {
    const z = scoreOf(t) ?? 0;
    if (z < floor || z <= second || t.split(' ').some((w) => own.has(w))) continue;
    second = z;
  }
  return second > 0 ? Math.hypot(lead, second) : lead;
}

/** A story's documents in publication order, each outlet's later ones marked as follow-ups. */
function articlesOf(docs: StoryDoc[]): StoryArticle[] {
  const dated = docs.map((d) => ({ d, t: datingTime(d) ?? Infinity }));
  dated.sort((x, y) => x.t - y.t || String(x.d.id).localeCompare(String(y.d.id)));
  const seen = new Set<string>();
  return dated.map(({ d, t }) => {
    const outlet = outletOf(d.source);
    const url = typeof d.url === 'string' ? d.url : typeof d.link === 'string' ? d.link : undefined;
    const a: StoryArticle = { id: String(d.id), title: typeof d.title === 'string' ? d.title : '', outlet, followUp: seen.has(outlet) };
    if (url) a.url = url;
    if (Number.isFinite(t)) a.published = new Date(t).toISOString();
    seen.add(outlet);
    return a;
  });
}

/** The emerging issues of `date` (YYYY-MM-DD, Vietnam time), most emerging first. */
export function emergingOn(counts: ObserveCounts, date: string, day: number, opts: EmergingOptions = {}): EmergingResult {
  const scored = scoreDay(counts, day, opts);
  const minScore = opts.minScore ?? 4;
  const limit = opts.limit ?? 20;
  const docs = opts.dayDocs && scored.length ? opts.dayDocs(day) : [];
  if (docs.length > 0) {
    // Stories are ranked by their strength (storyStrength: the lead term's score, with a second,
    // different and not everyday word rising in the same articles). Listed:
    // - stories from minScore;
    // - quiet-day stories: under the floor, when several outlets carry them (QUIET_OUTLETS), they
    //   score at least QUIET_FLOOR, and their lead term is specific (in at most QUIET_DF of all
    //   documents): five articles from three outlets about one thing are news on a day that
    //   lists three items; the same count of an everyday word, or one outlet's habit, is not;
    // - a new numbered storm ("bão số 10"), first, from minScore whatever its count and from one
    //   outlet (below);
    // - when the list still has room, stories led by a new term (Scored.novel), from NOVEL_MIN
    //   documents, best first.
    // News is what more than one newsroom reports: when the day's documents come from several
    // outlets, a story carried by one of them only (a section's habit, a sponsored event, one
    // outlet's series) is not listed. Figures: docs/OBSERVATORY.md §4 and §9.
    const floor = Math.min(minScore, opts.quietFloor ?? QUIET_FLOOR);
    const dfCache = new Map<string, number>();
    const df = (t: string) => dfCache.get(t) ?? dfCache.set(t, counts.documentFrequency(t)).get(t)!;
    const strong = strongTerms(scored, floor, (t) => t.novel === true);
    // A new numbered storm ("bão số 10", terms.ts NUMBERED) is national news by definition: the
    // weather service numbers only storms that enter the East Sea. Named for the first time in
    // two articles, it is listed first, from the floor of the day (minScore), however few the
    // articles and even from one outlet: the number is the weather service's, not a newsroom's
    // habit (in the news-rss year all 17 first mentions of a new number, 6 of them from one
    // outlet, were a real storm's forecast). Its number is its name: it is its own story even
    // when its first articles are the current storm's ("sau bão số 9, có thể thêm bão số 10"),
    // and it is placed however crowded the day.
    const numbered = new Set(strong.filter((t) => t.novel && isNumbered(t.words)).map((t) => t.term));
    const grouped = groupStories(strong, docs, 3 * limit, { df, nameOf: (t) => (isNumbered(t.split(' ')) ? t : undefined), always: (t) => numbered.has(t) });
    // Everyday terms (seen on EVERYDAY of the window's days or more) are no second word.
    const scoreOf = new Map(strong.filter((t) => t.seen < EVERYDAY).map((t) => [t.term, t.score]));
    const leadScore = new Map(strong.map((t) => [t.term, t.score]));
    const novel = new Set(strong.filter((t) => t.novel).map((t) => t.term));
    const several = new Set(docs.map((d) => outletOf(d.source))).size >= 2;
    const specific = QUIET_DF * counts.documents();
    const ranked = grouped
      .map((st) => ({ st, storm: st.terms.some((t) => numbered.has(t)) }))
      // A new storm number comes from the weather service, not from a newsroom's habit: it needs
      // no second outlet (see `numbered`).
      .filter(({ st, storm }) => !several || st.outlets.length >= 2 || storm)
      .map(({ st, storm }) => {
        let strength = storyStrength(st.terms, (t) => (t === st.terms[0] ? leadScore.get(t) : scoreOf.get(t)), floor);
        if (storm) strength = Math.max(strength, minScore);
        return { st, strength, storm, specific: df(st.terms[0]) <= specific };
      })
      // A storm numbered for the first time leads the list (see `numbered`), then by strength.
      .sort((a, b) => Number(b.storm) - Number(a.storm) || b.strength - a.strength);
    const quietStory = (x: (typeof ranked)[number]) => x.strength >= floor && x.st.outlets.length >= QUIET_OUTLETS && x.specific;
    const listed = ranked.filter((x) => x.strength >= minScore || quietStory(x));
    // Room left: stories led by a new term fill it, best first (a phrase nobody wrote in eight
    // weeks, now in two outlets' articles on the same day, is the first day of something).
    if (listed.length < limit) {
      const inList = new Set(listed);
      listed.push(...ranked.filter((x) => !inList.has(x) && novel.has(x.st.terms[0])));
    }
    const stories = listed.map((x) => ({ ...x.st, score: x.strength }));
    const items: EmergingItem[] = [];
    const labels = new Set<string>();
    for (const s of stories) {
      if (items.length >= limit) break;
      const key = s.label.toLowerCase();
      if (labels.has(key)) continue;
      labels.add(key);
      const articles = articlesOf(s.docs.map((i) => docs[i]));
      items.push({ label: s.label, score: round2(s.score), count: s.count, baseline: round2(s.baseline), terms: s.terms, outlets: s.outlets, first: articles[0], articles: articles.slice(0, MAX_ARTICLES) });
    }
    return { date, items };
  }
  return { date, items: mergeTerms(scored, minScore, limit) };
}
