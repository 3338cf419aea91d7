/**
 * Snippets and highlights. The snippet is a slice of the stored text exactly as given (so the
 * offsets the tokenizer reports are offsets into it, right on NFD and multi-syllable text);
 * highlights are [start, end) UTF-16 offsets into the returned snippet string. Adjacent matched
 * words are joined into one highlight ("Hà Nội" is one mark, not two).
 */
import { forEachToken } from '../vi/index.ts';
import type { ParsedQuery } from './query.ts';

export type Matcher = (norm: string, folded: string) => boolean;

/** Words typed with marks match their exact form; words typed without marks match folded. */
export function matcherFor(q: ParsedQuery, restored?: string): Matcher {
  const exact = new Set<string>();
  const folded = new Set<string>();
  const prefixes: string[] = [];
  const all = [...q.words, ...q.phrases.flat()];
  for (const t of all) {
    if (t.prefix) prefixes.push(t.accented ? 'e' + t.norm : 'f' + t.folded);
    else if (t.accented) exact.add(t.norm);
    else folded.add(t.folded);
  }
  void restored;
  return (norm, fold) => {
    if (exact.has(norm) || folded.has(fold)) return true;
    for (const p of prefixes) {
      if (p[0] === 'e' ? norm.startsWith(p.slice(1)) : fold.startsWith(p.slice(1))) return true;
    }
    return false;
  };
}

/** Offsets of matched words in `text`, adjacent matches merged. */
export function highlightsIn(text: string, match: Matcher): [number, number][] {
  const out: [number, number][] = [];
  let lastEnd = -1;
  forEachToken(text, (norm, folded, start, end, _type, gap) => {
    if (!match(norm, folded)) {
      lastEnd = -1;
      return;
    }
    if (lastEnd >= 0 && !gap && /^\s*$/.test(text.slice(lastEnd, start)) && out.length) out[out.length - 1][1] = end;
    else out.push([start, end]);
    lastEnd = end;
  });
  return out;
}

export interface Snippet {
  snippet: string;
  highlights: [number, number][];
}

/**
 * The window of about `maxChars` characters of `text` holding the most matched words (first
 * such window), cut at word boundaries, with "…" where text was cut.
 */
export function makeSnippet(text: string, match: Matcher, maxChars = 220): Snippet {
  const toks: { s: number; e: number; m: boolean }[] = [];
  forEachToken(text, (norm, folded, s, e) => {
    toks.push({ s, e, m: match(norm, folded) });
  });
  if (text.length <= maxChars) return { snippet: text, highlights: highlightsIn(text, match) };
  let best = 0;
  let bestStart = 0;
  let j = 0;
  let count = 0;
  for (let i = 0; i < toks.length; i++) {
    while (j < toks.length && toks[j].e - toks[i].s <= maxChars) {
      if (toks[j].m) count++;
      j++;
    }
    if (count > best) {
      best = count;
      bestStart = i;
    }
    if (toks[i].m) count--;
  }
  // Start a little before the first match for context, at a token boundary.
  let si = bestStart;
  while (si > 0 && toks[bestStart].s - toks[si - 1].s < 40 && best > 0) si--;
  const start = toks.length ? toks[si].s : 0;
  let endTok = si;
  while (endTok + 1 < toks.length && toks[endTok + 1].e - start <= maxChars) endTok++;
  let end = toks.length ? toks[endTok].e : Math.min(text.length, maxChars);
  // Keep the sentence mark that closes the last word.
  if (end < text.length && /[.!?…]/.test(text[end])) end++;
  const prefix = start > 0 ? '…' : '';
  const suffix = end < text.length ? '…' : '';
  const body = text.slice(start, end);
  const snippet = prefix + body + suffix;
  const highlights = highlightsIn(body, match).map(([a, b]) => [a + prefix.length, b + prefix.length] as [number, number]);
  return { snippet, highlights };
}
