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
 *    bench/observe-events.ts.)
 * 2. A new story's label is the longest run of 2–8 adjacent syllables (never across punctuation)
 *    that contains the term and occurs in at least half of the term's documents; the term itself
 *    when there is none — if it is a single syllable, only when it is written as a name
 *    (`nameOrNothing`).
 */
import { forEachToken } from '../vi/index.ts';
import { observedText, termsOf, type TextDoc } from './terms.ts';
import { COMMON } from './stopwords.ts';

export interface StoryTerm {
  term: string;
  count: number;
  expected: number;
  score: number;
}

export interface Story {
  label: string;
  score: number;
  count: number;
  baseline: number;
  /** The emerging terms grouped into this story, lead term first. */
  terms: string[];
  /** Indexes into the day's documents. */
  docs: number[];
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
function labelFor(words: string[], docs: DayDoc[]): string | undefined {
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
  // Function words and vague words at the ends say nothing ("vô địch Đông Nam Á lần").
  const r = best.doc.runs[best.run];
  let { a, b } = best;
  while (a < best.at && b - a > 2 && COMMON.has(r.norm[a])) a++;
  while (b > best.at + words.length && b - a > 2 && COMMON.has(r.norm[b - 1])) b--;
  return best.doc.text.slice(r.start[a], r.end[b - 1]);
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

/** Group emerging terms (best first) into stories over the day's documents. */
export function groupStories(terms: StoryTerm[], dayDocs: TextDoc[], limit: number): Story[] {
  const docs = dayDocs.map(prepare);
  const stories: (Story & { set: Set<number> })[] = [];
  for (const t of terms) {
    if (stories.length >= limit) break;
    const mine: number[] = [];
    docs.forEach((d, i) => {
      if (d.terms.has(t.term)) mine.push(i);
    });
    if (mine.length === 0) continue;
    let joined = false;
    for (const s of stories) {
      let both = 0;
      for (const i of mine) if (s.set.has(i)) both++;
      if (both / Math.min(mine.length, s.set.size) >= 0.5) {
        s.terms.push(t.term);
        // The story now holds this term's documents too: a later term that shares them joins it
        // rather than opening a second row for the same story.
        for (const i of mine) s.set.add(i);
        joined = true;
        break;
      }
    }
    if (joined) continue;
    const label = labelFor(t.term.split(' '), mine.map((i) => docs[i]));
    if (label === undefined) continue;
    stories.push({ label, score: t.score, count: t.count, baseline: t.expected, terms: [t.term], docs: mine, set: new Set(mine) });
  }
  return stories.map((s) => ({ label: s.label, score: s.score, count: s.count, baseline: s.baseline, terms: s.terms, docs: [...s.set].sort((a, b) => a - b) }));
}
