/**
 * From a parsed query to a plan: the match tree (what a document must contain to match — the
 * one definition every consumer uses) and the weighted term lists that rank the matches.
 *
 * Matching (docs/ENGINE.md, "The match set"):
 * - a syllable typed with a mark matches only that reading (`bão` never báo); typed bare it
 *   matches every reading (`bao`: bão, báo, bao…);
 * - a keyword query (up to LONG_QUERY_SYLLABLES syllables, not a question) matches documents
 *   holding every word; two syllables typed side by side must also stand side by side in the
 *   document when the collection treats them as one word (see `Adjacency`);
 * - a long or question-like query matches documents holding at least `minShould` of its words
 *   (MIN_SHOULD_SHARE of them); quoted phrases and +words are still required;
 * - "phrases" require their syllables side by side; -exclusions remove; OR unites.
 * Ranking keeps BM25F over exact, folded, restored and pair lists (search.ts, scoring.ts).
 */
import type { MatchNode } from './node.ts';
import { TermNode } from './term.ts';
import { AndNode } from './and.ts';
import { OrNode } from './or.ts';
import { NotNode } from './not.ts';
import { PhraseNode } from './phrase.ts';
import { PrefixNode } from './prefix.ts';
import { parseQuery, type ParsedQuery, type QueryToken, type Unit } from './parse.ts';

export interface QueryWeights {
  exact: number;
  /** Folded lists when the query has marks somewhere (the exact lists carry the rest). */
  folded: number;
  /** Folded lists of a query typed entirely without marks: they are its main evidence. */
  foldedBare: number;
  /**
   * The folded list of a syllable typed with marks, for ranking only (it never decides a match):
   * other readings of the syllable in a matching document. 0 in keyword queries (a syllable
   * typed with marks means that reading); this weight in long queries.
   */
  foldedWithMarks: number;
  bigram: number;
  /** Exact lists from accent restoration of syllables typed without marks. */
  restored: number;
  /** Expansions of a prefix (each). */
  prefix: number;
  /** Most terms a prefix expands to. */
  prefixExpansions: number;
  /** See search.ts `mergeDominant`. */
  dominant: number;
  dominantRestored: number;
  dominantMinDf: number;
  /** Most optional lists a query is scored with (search.ts `capLists`). */
  maxLists: number;
  /** Long queries: the share of their words a document must hold (rounded up). */
  minShouldShare: number;
  /** …but never more than this many words (a pasted paragraph shares few with its answer). */
  minShouldMax: number;
  /**
   * Two syllables typed side by side must stand side by side in a match when, among the
   * documents holding both, at least this share hold them side by side (engine `adjacency`).
   */
  adjacentShare: number;
}

export const DEFAULT_WEIGHTS: QueryWeights = { exact: 1.0, folded: 0.6, foldedBare: 0.9, foldedWithMarks: 0.6, bigram: 1.0, restored: 0.5, prefix: 0.5, prefixExpansions: 32, dominant: 0.5, dominantRestored: 0.9, dominantMinDf: 1000, maxLists: 48, minShouldShare: 0.25, minShouldMax: 3, adjacentShare: 0.35 };

export interface TermList {
  key: string;
  weight: number;
  /** What the user typed, for explanations. */
  label: string;
  /** Long queries: the optional unit this list is evidence of (−1: none, ranking only). */
  unit: number;
  /** A posting of this list means the document holds its unit (long queries count these). */
  counts: boolean;
}

export interface HighlightSpec {
  exact: Set<string>;
  folded: Set<string>;
  /** Prefixes: 'e' or 'f' + the prefix. */
  prefixes: string[];
  /** Folded pairs "a b" that matched only side by side: their syllables are marked only so. */
  pairs: Set<string>;
  /** Folded forms of syllables that take part in such a pair. */
  paired: Set<string>;
}

export interface Plan {
  parsed: ParsedQuery;
  long: boolean;
  /** What every match must hold (keyword queries: all of it; long ones: phrases and +words). */
  must: MatchNode | undefined;
  /** NOT nodes: what no match may hold. */
  exclude: NotNode[];
  /** Long queries: the optional units (their lists carry `unit`), and how many must match. */
  should: number;
  /** The executor asks for this share of the optional words that can count (search.ts). */
  minShouldShare: number;
  minShouldMax: number;
  lists: TermList[];
  /** (exact list, folded list of the same syllable), for `dominant`. */
  pairs: [number, number][];
  dominant: number;
  dominantMinDf: number;
  maxLists: number;
  restored?: string;
  highlight: HighlightSpec;
  warnings: string[];
}

export type Restore = (text: string) => string | undefined;

/**
 * Of the documents holding two syllables typed side by side (judged on `a` and `b`, exact forms
 * where known), the share that hold them side by side (their folded pair key `pair`); 1 when
 * none holds both. Supplied by the engine from collection statistics (engine `adjacency`).
 */
export type Adjacency = (a: string, b: string, pair: string) => number;

export interface PlanContext {
  weights: QueryWeights;
  restore?: Restore;
  /** Terms of the collection starting with a namespaced prefix, most frequent first. */
  expand(prefixKey: string): string[];
  adjacency?: Adjacency;
  /** Documents holding a term key (summed over segments). */
  df?(key: string): number;
}

function pairKey(a: QueryToken, b: QueryToken): string {
  return 'b' + a.folded + ' ' + b.folded;
}

/** A pair side by side this often binds its syllables: a weaker pair beside it is a word boundary. */
const BOUND = 0.9;

/** A number of one to three digits belongs to the word before it (bão số 3, iPhone 17, quận 1). */
const SMALL_NUMBER = /^\d{1,3}$/;

export function planQuery(q: string, ctx: PlanContext): Plan {
  const w = ctx.weights;
  const parsed = parseQuery(q);
  const long = parsed.long;
  const lists: TermList[] = [];
  const byKey = new Map<string, number>();
  const add = (key: string, weight: number, label: string, unit: number, counts: boolean): number => {
    const at = byKey.get(key);
    if (at !== undefined) {
      lists[at].weight += weight;
      if (lists[at].unit < 0 && unit >= 0) {
        lists[at].unit = unit;
        lists[at].counts = counts;
      }
      return at;
    }
    byKey.set(key, lists.length);
    lists.push({ key, weight, label, unit, counts });
    return lists.length - 1;
  };
  const pairs: [number, number][] = [];
  const hl: HighlightSpec = { exact: new Set(), folded: new Set(), prefixes: [], pairs: new Set(), paired: new Set() };
  const warnings = [...parsed.warnings];

  // Accent restoration of a query typed entirely without marks (today's behaviour: a boost).
  const plain = parsed.clauses.filter((c) => !c.negated && c.unit.kind === 'word').map((c) => (c.unit as { tok: QueryToken }).tok);
  let restoredNorms: (string | undefined)[] | undefined;
  let restoredText: string | undefined;
  if (ctx.restore && !parsed.accented && plain.some((t) => !t.prefix && /\p{L}/u.test(t.folded))) {
    const r = ctx.restore(plain.map((t) => (t.accented ? t.text : t.folded)).join(' '));
    if (r !== undefined) {
      const toks = parseQuery(r).clauses.filter((c) => c.unit.kind === 'word').map((c) => (c.unit as { tok: QueryToken }).tok);
      if (toks.length === plain.length) {
        restoredNorms = toks.map((t, i) => (t.norm !== plain[i].norm ? t.norm : undefined));
        restoredText = r;
      }
    }
  }
  const restoredOf = new Map<QueryToken, string>();
  if (restoredNorms) plain.forEach((t, i) => restoredNorms![i] && restoredOf.set(t, restoredNorms![i]!));
  /** Bare syllables of an unmarked query taken as written (below). */
  const asWritten = new Set<QueryToken>();
  /** The term a syllable matches through: its exact form when typed with marks (or taken as written), else folded. */
  const matchKey = (t: QueryToken): string => (t.accented || asWritten.has(t) ? 'e' + t.norm : 'f' + t.folded);
  // A capitalised syllable of an unmarked query that the restorer leaves bare, and whose bare
  // reading holds most documents of its folded form, is a name written as it is spelt (Nga,
  // Nha Trang, Gia Lai): it matches that reading only. "Ha Noi" is restored (Hà Nội) and still
  // matches every reading.
  if (restoredNorms && ctx.df) {
    plain.forEach((t, i) => {
      if (restoredNorms![i] || t.prefix || !/^\p{Lu}/u.test(t.text) || !/\p{L}/u.test(t.folded)) return;
      if (ctx.df!('e' + t.norm) >= 0.5 * ctx.df!('f' + t.folded)) asWritten.add(t);
    });
  }

  const markToken = (t: QueryToken) => {
    if (t.prefix) hl.prefixes.push(matchKey(t));
    else if (t.accented || asWritten.has(t)) hl.exact.add(t.norm);
    else hl.folded.add(t.folded);
  };

  let units = 0;
  /** The match node of a unit, and its ranking lists (unit index `u`, −1 for none). */
  const build = (unit: Unit, u: number, prevTok: QueryToken | undefined): MatchNode => {
    if (unit.kind === 'word') {
      const t = unit.tok;
      markToken(t);
      if (t.prefix) {
        const terms = ctx.expand(matchKey(t)).slice(0, w.prefixExpansions);
        if (terms.length === 0) warnings.push(`Không có từ nào bắt đầu bằng "${t.text}".`);
        for (const term of terms) add(term, w.prefix, t.text + '*', u, true);
        if (prevTok && !t.gap) for (const term of ctx.expand('b' + prevTok.folded + ' ' + t.folded).slice(0, w.prefixExpansions)) add(term, w.bigram, prevTok.text + ' ' + t.text + '*', -1, false);
        return new PrefixNode(terms.length ? terms : [matchKey(t)], t.text);
      }
      const e = 'e' + t.norm;
      const f = 'f' + t.folded;
      if (t.accented) {
        const ei = add(e, w.exact, t.text, u, true);
        const wf = long ? w.foldedWithMarks : 0;
        if (wf > 0) pairs.push([ei, add(f, wf, t.text, u, false)]);
      } else if (parsed.accented) {
        // Typed bare beside words with marks: it matches every reading, and its bare reading
        // (tim, not tìm, in "bệnh tim") ranks first, as the writer evidently types marks.
        const fi = add(f, w.folded, t.text, u, true);
        pairs.push([add(e, w.exact, t.text, u, false), fi]);
      } else if (asWritten.has(t)) {
        add(e, w.exact + w.foldedBare, t.text, u, true);
      } else {
        const fi = add(f, w.foldedBare, t.text, u, true);
        const r = restoredOf.get(t);
        if (r) pairs.push([add('e' + r, w.restored, t.text + '→' + r, u, false), fi]);
      }
      return new TermNode(matchKey(t));
    }
    if (unit.kind === 'phrase') {
      const keys: string[] = [];
      unit.toks.forEach((t, i) => {
        markToken(t);
        keys.push(matchKey(t));
        add(matchKey(t), w.exact + w.folded, t.text, u, true);
        if (i > 0) {
          const pk = pairKey(unit.toks[i - 1], t);
          keys.push(pk);
          add(pk, w.bigram, unit.toks[i - 1].text + ' ' + t.text, u, true);
          hl.pairs.add(pk.slice(1));
          hl.paired.add(unit.toks[i - 1].folded).add(t.folded);
        }
      });
      return new PhraseNode(keys, unit.text);
    }
    return new OrNode(unit.alts.map((a) => build(a, u, undefined)));
  };

  const must: MatchNode[] = [];
  const excluded: NotNode[] = [];
  /** Syllables typed side by side, with the share of co-occurrences the collection has side by side. */
  const joins: { a: QueryToken; b: QueryToken; key: string; share: number }[] = [];
  let prevTok: QueryToken | undefined;
  for (const c of parsed.clauses) {
    if (c.negated) {
      const u = c.unit;
      if (u.kind === 'word') excluded.push(new NotNode(new TermNode(matchKey(u.tok))));
      else if (u.kind === 'phrase') {
        const keys: string[] = [];
        u.toks.forEach((t, i) => {
          keys.push(matchKey(t));
          if (i > 0) keys.push(pairKey(u.toks[i - 1], t));
        });
        excluded.push(new NotNode(new PhraseNode(keys, u.text)));
      }
      prevTok = undefined;
      continue;
    }
    const unit = c.unit;
    const required = !long || unit.kind === 'phrase' || (unit.kind === 'word' && unit.plus);
    const u = required ? -1 : units++;
    const joinedPrev = unit.kind === 'word' && unit.joined ? prevTok : undefined;
    const node = build(unit, u, joinedPrev);
    if (required) must.push(node);
    // Two plain syllables side by side: their folded pair ranks documents where they stand
    // together; in a keyword query it is required when the collection treats them as a word.
    if (unit.kind === 'word' && joinedPrev && !unit.tok.prefix) {
      const t = unit.tok;
      const pk = pairKey(joinedPrev, t);
      add(pk, w.bigram, joinedPrev.text + ' ' + t.text, -1, false);
      if (!long) {
        const judge = (x: QueryToken) => (x.accented || asWritten.has(x) ? 'e' + x.norm : restoredOf.has(x) ? 'e' + restoredOf.get(x) : 'f' + x.folded);
        const share = SMALL_NUMBER.test(t.folded) ? 1 : (ctx.adjacency?.(judge(joinedPrev), judge(t), pk) ?? 0);
        joins.push({ a: joinedPrev, b: t, key: pk, share });
      }
    }
    prevTok = unit.kind === 'word' && !unit.tok.prefix ? unit.tok : undefined;
  }
  // Which pairs must stand side by side: those the collection keeps together most of the time
  // (`adjacentShare`, 0.5 and up always); a weaker pair (0.35–0.5) is not required when one of
  // its syllables is firmly bound to its other neighbour (BOUND, 90%): there a word ends
  // ("giá vàng | hôm nay", "tổng thống | Trump", "đội tuyển | Việt Nam").
  joins.forEach((j, i) => {
    let required = j.share >= Math.max(0.5, w.adjacentShare);
    if (!required && j.share >= w.adjacentShare) {
      const left = i > 0 && joins[i - 1].b === j.a ? joins[i - 1].share : 0;
      const right = i + 1 < joins.length && joins[i + 1].a === j.b ? joins[i + 1].share : 0;
      required = left < BOUND && right < BOUND;
    }
    if (!required) return;
    must.push(new TermNode(j.key));
    hl.pairs.add(j.key.slice(1));
    hl.paired.add(j.a.folded).add(j.b.folded);
  });
  return {
    parsed,
    long,
    must: must.length ? new AndNode(must) : undefined,
    exclude: excluded,
    should: units,
    minShouldShare: w.minShouldShare,
    minShouldMax: w.minShouldMax,
    lists,
    pairs,
    dominant: parsed.accented ? w.dominant : w.dominantRestored,
    dominantMinDf: w.dominantMinDf,
    maxLists: w.maxLists,
    restored: restoredText,
    highlight: hl,
    warnings,
  };
}
