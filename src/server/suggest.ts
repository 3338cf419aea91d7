/**
 * Search-as-you-type completions from the index. The words typed so far, the last one as a
 * prefix (`gia va` → `gia va*`), go to the engine, which expands the prefix against its term
 * dictionary and ranks documents; the completions are the title phrases of the top documents
 * that begin with what was typed, extended by up to two words, ranked by how many of those
 * documents contain them. Matching follows search: a word typed without marks matches every
 * accented form, one typed with marks only itself. Completions come back accented and in lower
 * case ("gia va" → "giá vàng", "giá vàng hôm nay").
 */
import { forEachToken } from '../vi/index.ts';
import type { SearchRequest, SearchResponse, Suggestion } from './backend.ts';

interface Tok {
  norm: string;
  folded: string;
  gap: boolean;
}

const TOP_DOCS = 40;
const MAX_EXTRA = 2;
const MAX_WORDS = 6;
const CACHE_SIZE = 2000;

function words(text: string): Tok[] {
  const out: Tok[] = [];
  forEachToken(text, (norm, folded, _s, _e, type, gap) => {
    if (type === 'word' || type === 'number' || type === 'abbr') out.push({ norm, folded, gap });
  });
  return out;
}

function same(typed: Tok, t: Tok): boolean {
  return typed.norm !== typed.folded ? t.norm === typed.norm : t.folded === typed.folded;
}

function startsWith(typed: Tok, t: Tok): boolean {
  return typed.norm !== typed.folded ? t.norm.startsWith(typed.norm) : t.folded.startsWith(typed.folded);
}

/** Recent completions, least recently used out. */
class CompletionCache {
  private readonly map = new Map<string, Suggestion[]>();

  get(input: string, limit: number): Suggestion[] | undefined {
    const key = `${limit}\u0000${input}`;
    const hit = this.map.get(key);
    if (hit) {
      // Refresh its place in the LRU order.
      this.map.delete(key);
      this.map.set(key, hit);
    }
    return hit;
  }

  set(input: string, limit: number, out: Suggestion[]): Suggestion[] {
    this.map.set(`${limit}\u0000${input}`, out);
    if (this.map.size > CACHE_SIZE) this.map.delete(this.map.keys().next().value as string);
    return out;
  }
}

/** What was typed and the search that finds its completions (undefined: no word typed). */
interface Ask {
  typed: Tok[];
  completing: boolean;
  req: SearchRequest;
}

function askOf(input: string): Ask | undefined {
  const typed = words(input).slice(-MAX_WORDS);
  if (typed.length === 0) return undefined;
  // A trailing space means the last word is finished: complete the next word instead.
  const completing = !/\s$/u.test(input);
  const query = typed.map((t) => (t.norm !== t.folded ? t.norm : t.folded)).join(' ') + (completing ? '*' : '');
  return { typed, completing, req: { query, limit: TOP_DOCS, snippets: false } };
}

/** Completions over an engine that answers at once (one machine). */
export class Suggester {
  private readonly search: (req: SearchRequest) => SearchResponse;
  private readonly cache = new CompletionCache();

  constructor(search: (req: SearchRequest) => SearchResponse) {
    this.search = search;
  }

  suggest(input: string, limit: number): Suggestion[] {
    const hit = this.cache.get(input, limit);
    if (hit) return hit;
    const ask = askOf(input);
    return this.cache.set(input, limit, ask ? completionsOf(ask, this.search(ask.req), limit) : []);
  }
}

/** Completions over a search that answers later (a cluster's coordinator: remote-backend.ts). */
export class AsyncSuggester {
  private readonly search: (req: SearchRequest) => Promise<SearchResponse>;
  private readonly cache = new CompletionCache();

  constructor(search: (req: SearchRequest) => Promise<SearchResponse>) {
    this.search = search;
  }

  async suggest(input: string, limit: number): Promise<Suggestion[]> {
    const hit = this.cache.get(input, limit);
    if (hit) return hit;
    const ask = askOf(input);
    return this.cache.set(input, limit, ask ? completionsOf(ask, await this.search(ask.req), limit) : []);
  }
}

/** The completions of what was typed, from the titles of the top documents for it. */
function completionsOf({ typed, completing }: Ask, res: SearchResponse, limit: number): Suggestion[] {
  const counts = new Map<string, Candidate>();
  const n = typed.length;
  for (const hit of res.hits) {
    if (!hit.title) continue;
    const t = words(hit.title);
    const seen = new Set<string>();
    for (let i = 0; i + n <= t.length; i++) {
      let ok = true;
      for (let j = 0; j < n && ok; j++) {
        if (j > 0 && t[i + j].gap) ok = false;
        else if (j === n - 1 && completing) ok = startsWith(typed[j], t[i + j]);
        else ok = same(typed[j], t[i + j]);
      }
      if (!ok) continue;
      let phrase = t.slice(i, i + n).map((x) => x.norm).join(' ');
      for (let extra = 0; extra <= MAX_EXTRA; extra++) {
        if (extra > 0) {
          const next = t[i + n + extra - 1];
          if (!next || next.gap) break;
          phrase += ' ' + next.norm;
        }
        if ((extra > 0 || completing) && !seen.has(phrase)) {
          seen.add(phrase);
          let c = counts.get(phrase);
          if (c) c.count++;
          else counts.set(phrase, (c = { text: phrase, count: 1, extra, next: new Map() }));
          // What follows the phrase here (nothing: the end of the title or punctuation).
          const after = t[i + n + extra];
          const key = after && !after.gap ? after.norm : '';
          c.next.set(key, (c.next.get(key) ?? 0) + 1);
        }
      }
      break;
    }
  }
  return rank(counts, limit);
}

interface Candidate {
  text: string;
  /** How many of the top documents contain it. */
  count: number;
  /** Words added after what was typed. */
  extra: number;
  /** What follows it in the top documents ('' for nothing), with counts. */
  next: Map<string, number>;
}

/** A phrase this often followed by one same word ends inside a word pair: it is not offered. */
const CUT_SHARE = 0.8;

/** True when the phrase nearly always continues with the same word ("giá vàng thế" → giới). */
function endsInsideWord(c: Candidate): boolean {
  if (c.count < 2) return false;
  let best = 0;
  for (const [w, k] of c.next) if (w !== '' && k > best) best = k;
  return best >= CUT_SHARE * c.count;
}

/**
 * Phrases seen in at least two of the top documents come first, most frequent first. A phrase
 * is dropped when, in those documents, one same word follows it at least CUT_SHARE of the time
 * ("giá vàng thế" → giới, "giá vàng hôm" → nay): it would end inside a word pair the corpus
 * continues, so it is a cut word, not a completion (its longer form is offered instead when
 * it is within reach). Phrases seen once are weak evidence: they only fill the list when too few strong
 * ones exist (small collections), the shortest first.
 */
function rank(counts: Map<string, Candidate>, limit: number): Suggestion[] {
  const all = [...counts.values()];
  const strong = all.filter((c) => c.count >= 2);
  const kept = strong.filter((c) => !endsInsideWord(c));
  kept.sort((a, b) => b.count - a.count || a.extra - b.extra || a.text.localeCompare(b.text, 'vi'));
  const out = kept.slice(0, limit);
  if (out.length < Math.min(limit, 3)) {
    const weak = all.filter((c) => c.count < 2 && !kept.includes(c) && !endsInsideWord(c)).sort((a, b) => a.extra - b.extra || a.text.localeCompare(b.text, 'vi'));
    for (const c of weak) {
      if (out.length >= Math.min(limit, 3)) break;
      out.push(c);
    }
  }
  return out.map((c) => ({ text: c.text, count: c.count }));
}
