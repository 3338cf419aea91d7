/**
 * Query syntax: free words (all optional, ranked), "quoted phrases" (required, adjacent),
 * -word and -"phrase" (excluded), and a trailing * on a word for a prefix (`chuyển đ*`).
 * Tokens come from the same tokenizer as the documents, so NFD, tone placement and case are
 * handled exactly as at indexing time.
 */
import { forEachToken } from '../vi/index.ts';

export interface QueryToken {
  text: string;
  norm: string;
  folded: string;
  start: number;
  end: number;
  /** Punctuation separated it from the previous token: no bigram across. */
  gap: boolean;
  /** The token carries diacritics (norm differs from folded). */
  accented: boolean;
  prefix: boolean;
}

export interface ParsedQuery {
  /** Optional words, in order. */
  words: QueryToken[];
  /** Required phrases (a quoted single word is a required exact word). */
  phrases: QueryToken[][];
  /** Excluded words or phrases. */
  excluded: QueryToken[][];
  /** True when any token the user typed carries a diacritic. */
  accented: boolean;
}

export function parseQuery(q: string): ParsedQuery {
  // Spans of quoted phrases (an unbalanced quote runs to the end).
  const quotes: { s: number; e: number; neg: boolean; toks: QueryToken[] }[] = [];
  for (let i = 0; i < q.length; i++) {
    const c = q[i];
    if (c === '"' || c === '\u201c' || c === '\u201d') {
      let j = i + 1;
      while (j < q.length && q[j] !== '"' && q[j] !== '\u201d' && q[j] !== '\u201c') j++;
      const neg = i > 0 && q[i - 1] === '-' && (i === 1 || /\s/.test(q[i - 2]));
      quotes.push({ s: i, e: j, neg, toks: [] });
      i = j;
    }
  }
  const out: ParsedQuery = { words: [], phrases: [], excluded: [], accented: false };
  forEachToken(q, (norm, folded, start, end, _type, gap) => {
    const text = q.slice(start, end);
    const prefix = q[end] === '*';
    const tok: QueryToken = { text, norm, folded, start, end, gap, accented: norm !== folded, prefix };
    if (tok.accented) out.accented = true;
    const quote = quotes.find((p) => start > p.s && start < p.e);
    if (quote) {
      if (quote.toks.length === 0) tok.gap = false;
      quote.toks.push(tok);
      return;
    }
    const neg = start > 0 && q[start - 1] === '-' && (start === 1 || /\s/.test(q[start - 2]));
    if (neg) {
      out.excluded.push([tok]);
      return;
    }
    out.words.push(tok);
  });
  for (const p of quotes) {
    if (p.toks.length === 0) continue;
    if (p.neg) out.excluded.push(p.toks);
    else out.phrases.push(p.toks);
  }
  return out;
}

export function isEmptyQuery(p: ParsedQuery): boolean {
  return p.words.length === 0 && p.phrases.length === 0;
}
