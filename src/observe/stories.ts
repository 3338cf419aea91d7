/**
 * From emerging terms to stories, using the documents of the day.
 *
 * A story bursts many terms at once ("charlie kirk", "ám sát", "nhà hoạt động", "utah"). With the
 * day's documents at hand, terms are grouped by the documents they share, and each group is
 * labelled with the longest phrase most of its documents repeat, cut from an actual headline so
 * it keeps its capitals and marks ("Charlie Kirk", "Đại hội XIV").
 *
 * 1. Terms are taken best score first. A term whose documents overlap an existing story's
 *    (overlap coefficient |A∩B| / min(|A|,|B|) ≥ 0.5) joins that story, adds its documents to the
 *    story's, and is not listed again. (Keeping only the lead term's documents let one story fill
 *    several rows: on 10 ordinary days of news-rss 3 stories came twice; with the union none did,
 *    bench/observe-events.ts.) A single syllable joins without bringing its documents.
 * 2. Terms are joined in score order, so a story may grow after a term was turned away from it:
 *    once every term is placed, stories whose documents overlap (same coefficient, ≥ 0.5) are
 *    merged, best first, until none do. (A SEA Games final otherwise filled five of ten rows:
 *    "vỡ òa", "HLV Kim Sang-sik", "bàn thắng" each overlapped the final story by 0.7–0.94 once it
 *    had grown.)
 * 3. A new story's label is the longest run of 2–8 adjacent syllables (never across punctuation)
 *    that contains the term and occurs in at least half of the term's documents; the term itself
 *    when there is none — if it is a single syllable, only when it is written as a name
 *    (`nameOrNothing`). A label neither starts nor ends inside a word (`wholeWords`) nor on a
 *    function word.
 * 4. A story told with everyday words only is no story: when its lead term is everyday language
 *    (seen on at least 40% of the baseline's days, `StoryTerm.seen`) and nothing else the story
 *    holds goes beyond the label's own words, it is dropped ("tiền mặt", "tôn vinh", "quy tụ":
 *    several unrelated articles that happened to use the same word that day).
 */
import { forEachToken } from '../vi/index.ts';
import { observedText, termsOf, type TextDoc } from './terms.ts';
import { COMMON, GRAMMAR, PERSON } from './stopwords.ts';
import { outletOf } from './outlets.ts';

export interface StoryTerm {
  term: string;
  count: number;
  expected: number;
  score: number;
  /**
   * Share of the baseline's collected days on which the term occurred at all (0–1): everyday
   * language is seen on most days, a name or an event's words on few. Unknown: not everyday.
   */
  seen?: number;
}

export interface GroupOptions {
  /** Documents mentioning a term over everything counted, to keep labels to whole words. */
  df?: (term: string) => number;
  /**
   * A name that tells stories apart ("bão số 10" and "bão số 9" are two storms): two terms with
   * different names never share a story, however many documents they share (a forecast of the
   * next storm is written inside the current storm's articles). Undefined: no such name.
   */
  nameOf?: (term: string) => string | undefined;
  /**
   * Terms placed even when `limit` stories are already open (a story a listing rule lists whatever
   * its score: a new numbered storm). Such a term and its story join or merge with another story
   * only on two shared documents or more: its first articles are few, and one digest ("Xem nhanh
   * 12h") names several stories at once.
   */
  always?: (term: string) => boolean;
}

/** A lead term seen on at least this share of the baseline's days is everyday language. */
export const EVERYDAY = 0.4;

export interface Story {
  label: string;
  score: number;
  count: number;
  baseline: number;
  /** The emerging terms grouped into this story, lead term first. */
  terms: string[];
  /** Indexes into the day's documents. */
  docs: number[];
  /** The outlets of those documents (VnExpress sections are one outlet), most documents first. */
  outlets: string[];
}

interface DayDoc {
  terms: Set<string>;
  /** Runs of tokens without punctuation between them: norm forms and original spans. */
  runs: { norm: string[]; start: number[]; end: number[] }[];
  text: string;
}

function prepare(doc: TextDoc): DayDoc {
  const text = observedText(doc);
  const runs: DayDoc['runs'] = [];
  let cur: DayDoc['runs'][number] | undefined;
  forEachToken(text, (norm, _f, start, end, type, gap) => {
    if (type === 'url' || type === 'email' || type === 'mention') {
      cur = undefined;
      return;
    }
    if (!cur || gap) {
      cur = { norm: [], start: [], end: [] };
      runs.push(cur);
    }
    cur.norm.push(norm);
    cur.start.push(start);
    cur.end.push(end);
  });
  return { terms: termsOf(text), runs, text };
}

const MAX_LEN = 8;

/** The longest phrase containing `words` that at least half of `docs` repeat, as written. */
function labelFor(words: string[], docs: DayDoc[], df?: (term: string) => number): string | undefined {
  const need = Math.max(2, Math.ceil(docs.length / 2));
  const seen = new Map<string, { n: number; doc: DayDoc; run: number; a: number; b: number; at: number }>();
  for (const d of docs) {
    const inDoc = new Set<string>();
    d.runs.forEach((r, ri) => {
      for (let i = 0; i + words.length <= r.norm.length; i++) {
        let match = true;
        for (let j = 0; j < words.length; j++) if (r.norm[i + j] !== words[j]) {
          match = false;
          break;
        }
        if (!match) continue;
        // Every phrase of up to MAX_LEN syllables around this occurrence.
        for (let a = Math.max(0, i + words.length - MAX_LEN); a <= i; a++) {
          for (let b = Math.max(i + words.length, a + 2); b <= Math.min(r.norm.length, a + MAX_LEN); b++) {
            const key = r.norm.slice(a, b).join(' ');
            if (inDoc.has(key)) continue;
            inDoc.add(key);
            const e = seen.get(key);
            if (e) e.n++;
            else seen.set(key, { n: 1, doc: d, run: ri, a, b, at: i });
          }
        }
      }
    });
  }
  let best: { n: number; doc: DayDoc; run: number; a: number; b: number; at: number } | undefined;
  for (const e of seen.values()) {
    if (e.n < need) continue;
    const len = e.b - e.a;
    const bestLen = best ? best.b - best.a : 0;
    if (!best || len > bestLen || (len === bestLen && e.n > best.n)) best = e;
  }
  if (!best) return words.length === 1 ? nameOrNothing(words[0], docs) : words.join(' ');
  const r = best.doc.runs[best.run];
  let { a, b } = best;
  if (df) [a, b] = wholeWords(r.norm, a, b, best.at, best.at + words.length, df);
  // Function words and vague words at the ends say nothing ("vô địch Đông Nam Á lần"); a person
  // word stays ("cô giáo Hương", not "giáo Hương").
  const vague = (w: string) => GRAMMAR.has(w) || (COMMON.has(w) && !PERSON.has(w));
  while (a < best.at && b - a > 2 && vague(r.norm[a])) a++;
  while (b > best.at + words.length && b - a > 2 && vague(r.norm[b - 1])) b--;
  while (b - a > 2 && GRAMMAR.has(r.norm[b - 1]) && b > best.at + words.length) b--;
  return best.doc.text.slice(r.start[a], r.end[b - 1]);
}

/** Longest label, in syllables, once completed to whole words. */
const MAX_WORDS_LEN = 10;

/**
 * Keep the phrase [a, b) of a run to whole words. A syllable at an end that is, in most of the
 * collection's documents mentioning it, followed (preceded) by the syllable beyond that end is
 * the first half of a word cut in two ("vi" of "vi phạm", "niệm" of "kỷ niệm", "đổ" of "đổ bộ"):
 * the phrase takes the other half when it stays within MAX_WORDS_LEN, and drops the half
 * otherwise (never the term the phrase was built around, [keepA, keepB)). Frequent syllables
 * that are not counted alone (stopwords) cannot be judged and are left as they are.
 */
function wholeWords(norm: string[], a: number, b: number, keepA: number, keepB: number, df: (term: string) => number): [number, number] {
  const bound = (x: string, y: string, inner: string) => {
    const single = df(inner);
    return single > 0 && df(`${x} ${y}`) >= 0.5 * single;
  };
  if (a > 0 && bound(norm[a - 1], norm[a], norm[a])) {
    if (b - a < MAX_WORDS_LEN) a--;
    else if (a < keepA) a++;
  }
  if (b < norm.length && bound(norm[b - 1], norm[b], norm[b - 1])) {
    if (b - a < MAX_WORDS_LEN) b++;
    else if (b > keepB) b--;
  }
  return [a, b];
}

/**
 * A single syllable with no phrase around it that its documents share is either a name (Qatar,
 * Apple, UAE: written with a capital inside sentences) or a common word that happened to be
 * frequent that day ("kém", "lạ", "bức xúc"'s half). The name is returned as written; a common
 * word gives undefined, and the story is not listed.
 */
function nameOrNothing(word: string, docs: DayDoc[]): string | undefined {
  let upper = 0;
  let lower = 0;
  let written = word;
  for (const d of docs) {
    for (const r of d.runs) {
      for (let i = 1; i < r.norm.length; i++) {
        if (r.norm[i] !== word) continue;
        const text = d.text.slice(r.start[i], r.end[i]);
        const c = text.charAt(0);
        if (c !== c.toLowerCase()) {
          upper++;
          written = text;
        } else lower++;
      }
    }
  }
  return upper > lower ? written : undefined;
}

const shared = (a: Set<number>, b: Set<number>) => {
  let both = 0;
  for (const i of a) if (b.has(i)) both++;
  return both;
};

const overlap = (a: Set<number>, b: Set<number>) => {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let both = 0;
  for (const i of small) if (large.has(i)) both++;
  return small.size > 0 ? both / small.size : 0;
};

/** Group emerging terms (best first) into stories over the day's documents. */
export function groupStories(terms: StoryTerm[], dayDocs: TextDoc[], limit: number, opts: GroupOptions = {}): Story[] {
  const docs = dayDocs.map(prepare);
  // Each term's documents, in one pass over the documents' terms.
  const docsOf = new Map<string, number[]>(terms.map((t) => [t.term, []]));
  docs.forEach((d, i) => {
    for (const term of d.terms) docsOf.get(term)?.push(i);
  });
  const stories: (Omit<Story, 'outlets'> & { set: Set<number>; lead: StoryTerm; name?: string; alone: boolean })[] = [];
  const nameOf = opts.nameOf ?? (() => undefined);
  // Two stories with different names (two numbered storms) stay apart.
  const apart = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a !== b;
  let open = 0;
  for (const t of terms) {
    if (open >= limit && !opts.always?.(t.term)) continue;
    const mine = docsOf.get(t.term) ?? [];
    if (mine.length === 0) continue;
    const name = nameOf(t.term);
    const alone = opts.always?.(t.term) === true;
    let joined = false;
    for (const s of stories) {
      if (apart(name, s.name)) continue;
      let both = 0;
      for (const i of mine) if (s.set.has(i)) both++;
      if (both / Math.min(mine.length, s.set.size) >= 0.5 && (both >= 2 || !(alone || s.alone))) {
        s.terms.push(t.term);
        // The story now holds this term's documents too: a later term that shares them joins it
        // rather than opening a second row for the same story. A lone syllable brings none: it
        // is part of too many words ("thiên" of a temple's name and of "thiên nhiên") and would
        // chain unrelated stories together.
        if (t.term.includes(' ')) for (const i of mine) s.set.add(i);
        s.name ??= name;
        s.alone ||= alone;
        joined = true;
        break;
      }
    }
    if (joined) continue;
    const label = labelFor(t.term.split(' '), mine.map((i) => docs[i]), opts.df);
    if (label === undefined) continue;
    stories.push({ label, score: t.score, count: t.count, baseline: t.expected, terms: [t.term], docs: mine, set: new Set(mine), lead: t, name, alone });
    open++;
  }
  // Stories that grew into each other after their terms were placed become one, the better first.
  for (let merged = true; merged; ) {
    merged = false;
    for (let i = 0; i < stories.length && !merged; i++) {
      for (let j = i + 1; j < stories.length; j++) {
        if (apart(stories[i].name, stories[j].name) || overlap(stories[i].set, stories[j].set) < 0.5) continue;
        if ((stories[i].alone || stories[j].alone) && shared(stories[i].set, stories[j].set) < 2) continue;
        stories[i].terms.push(...stories[j].terms);
        stories[i].name ??= stories[j].name;
        stories[i].alone ||= stories[j].alone;
        for (const d of stories[j].set) stories[i].set.add(d);
        stories.splice(j, 1);
        merged = true;
        break;
      }
    }
  }
  const out: Story[] = [];
  for (const s of stories) {
    if (everydayOnly(s.lead, s.terms, s.label)) continue;
    const byOutlet = new Map<string, number>();
    for (const i of s.set) {
      const o = outletOf((dayDocs[i] as { source?: unknown }).source);
      byOutlet.set(o, (byOutlet.get(o) ?? 0) + 1);
    }
    const outlets = [...byOutlet].sort((x, y) => y[1] - x[1]).map(([o]) => o);
    out.push({ label: s.label, score: s.score, count: s.count, baseline: s.baseline, terms: s.terms, docs: [...s.set].sort((a, b) => a - b), outlets });
  }
  return out;
}

/**
 * A story whose lead term is everyday language and that holds nothing beyond it: neither its
 * label (stopwords aside) nor any of its other terms has a syllable the lead term lacks.
 */
function everydayOnly(lead: StoryTerm, terms: string[], label: string): boolean {
  if ((lead.seen ?? 0) < EVERYDAY) return false;
  const own = new Set(lead.term.split(' '));
  let more = false;
  forEachToken(label, (norm) => {
    if (!own.has(norm) && !COMMON.has(norm)) more = true;
  });
  return !more && terms.every((t) => t.split(' ').every((w) => own.has(w)));
}
