/**
 * What the engine sees of a text: the public face of the Vietnamese core, used by
 * `tra analyze` (see ../shared/CONTRACT.md) and by the index.
 */
import { normalizeForMatch } from './normalize.ts';
import { fold } from './fold.ts';
import { tokenize, type TokenType } from './tokenize.ts';

export interface AnalyzedToken {
  text: string;
  start: number;
  end: number;
  folded: string;
  norm: string;
  type: TokenType;
}

export interface Analysis {
  normalized: string;
  folded: string;
  tokens: AnalyzedToken[];
}

export function analyze(text: string): Analysis {
  const normalized = normalizeForMatch(text);
  return {
    normalized,
    folded: fold(normalized),
    tokens: tokenize(text).map((t) => ({ text: t.text, start: t.start, end: t.end, folded: t.folded, norm: t.norm, type: t.type })),
  };
}
