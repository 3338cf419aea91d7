/**
 * Render a snippet with its highlight ranges as HTML: the text is escaped, each range is wrapped
 * in `<mark>`. Ranges are UTF-16 offsets into the snippet (as the engine returns them); they are
 * sorted, clipped to the text and merged when they overlap, so bad input can never produce broken
 * markup.
 */
import { SafeHtml, escapeHtml } from './html.ts';
import { forEachToken } from '../vi/index.ts';

export type Range = [number, number];

export function highlight(text: string, ranges: ReadonlyArray<Range> | undefined): SafeHtml {
  if (!ranges || ranges.length === 0) return new SafeHtml(escapeHtml(text));
  const sorted = ranges
    .map(([s, e]): Range => [Math.max(0, Math.min(s, text.length)), Math.max(0, Math.min(e, text.length))])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let out = '';
  let pos = 0;
  for (const [s, e] of sorted) {
    const start = Math.max(s, pos);
    if (e <= start) continue;
    out += escapeHtml(text.slice(pos, start)) + '<mark>' + escapeHtml(text.slice(start, e)) + '</mark>';
    pos = e;
  }
  out += escapeHtml(text.slice(pos));
  // Adjacent marks (two ranges that touch) read better as one.
  return new SafeHtml(out.replace(/<\/mark><mark>/g, ''));
}

/**
 * Ranges of `text` matching the words of `query` the way search matches them: a query word typed
 * with marks matches that exact word (any case, NFC or NFD), one typed without marks matches
 * every accented form of it. Used for titles (the engine highlights snippets only) and as a
 * fallback when a hit comes without highlights.
 */
export function termRanges(text: string, query: string): Range[] {
  const exact = new Set<string>();
  const folded = new Set<string>();
  forEachToken(query, (norm, f) => {
    if (norm === f) folded.add(f);
    else exact.add(norm);
  });
  if (exact.size === 0 && folded.size === 0) return [];
  const out: Range[] = [];
  forEachToken(text, (norm, f, start, end) => {
    if (exact.has(norm) || folded.has(f)) out.push([start, end]);
  });
  return out;
}
