/**
 * Snippets and highlights. The snippet is a slice of the stored text exactly as given (so the
 * offsets the tokenizer reports are offsets into it, right on NFD and multi-syllable text);
 * highlights are [start, end) UTF-16 offsets into the returned snippet string. Adjacent matched
 * words are joined into one highlight ("Hà Nội" is one mark, not two).
 */
import { forEachToken } from '../vi/index.ts';
import type { HighlightSpec } from './query/plan.ts';

/** Whether a token is one the query matched; `spec` tells which syllables matched only in pairs. */
export type Matcher = ((norm: string, folded: string) => boolean) & { spec?: HighlightSpec };

/**
 * A word matcher for highlighting what the query matched: a syllable typed with marks marks
 * only that reading, one typed bare every reading, a prefix the words it starts.
 */
export function matcherFor(spec: HighlightSpec): Matcher {
  const { exact, folded, prefixes } = spec;
  const m = (norm: string, fold: string): boolean => {
    if (exact.has(norm) || folded.has(fold)) return true;
    for (const p of prefixes) {
      if (p[0] === 'e' ? norm.startsWith(p.slice(1)) : fold.startsWith(p.slice(1))) return true;
    }
    return false;
  };
  return Object.assign(m, { spec });
}

interface Tok {
  s: number;
  e: number;
  folded: string;
  gap: boolean;
  m: boolean;
}

/**
 * Tokens of `text` with `m` set on the ones to mark. A syllable that matched only as part of a
 * word pair (two syllables required side by side, or a quoted phrase) is marked only where it
 * stands beside its partner: `ha noi` marks "Hà Nội", not the "nổi" of "sôi nổi".
 */
function markedTokens(text: string, match: Matcher): Tok[] {
  const toks: Tok[] = [];
  forEachToken(text, (norm, folded, s, e, _type, gap) => {
    toks.push({ s, e, folded, gap, m: match(norm, folded) });
  });
  const spec = match.spec;
  if (spec && spec.pairs.size) {
    const keep = toks.map((t) => t.m && !spec.paired.has(t.folded));
    for (let i = 1; i < toks.length; i++) {
      const a = toks[i - 1];
      const b = toks[i];
      if (a.m && b.m && !b.gap && spec.pairs.has(a.folded + ' ' + b.folded)) keep[i - 1] = keep[i] = true;
    }
    toks.forEach((t, i) => (t.m = keep[i]));
  }
  return toks;
}

/** Offsets of matched words in `text`, adjacent matches merged. */
export function highlightsIn(text: string, match: Matcher): [number, number][] {
  return mergeMarks(text, markedTokens(text, match));
}

function mergeMarks(text: string, toks: Tok[]): [number, number][] {
  const out: [number, number][] = [];
  let lastEnd = -1;
  for (const t of toks) {
    if (!t.m) {
      lastEnd = -1;
      continue;
    }
    if (lastEnd >= 0 && !t.gap && /^\s*$/.test(text.slice(lastEnd, t.s)) && out.length) out[out.length - 1][1] = t.e;
    else out.push([t.s, t.e]);
    lastEnd = t.e;
  }
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
  const toks = markedTokens(text, match);
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
