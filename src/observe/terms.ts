/**
 * The terms the observatory counts in a document: single syllables and adjacent-syllable pairs
 * (word bigrams) in their matching form, stopwords removed (./stopwords.ts). A pair is never made
 * across punctuation (the tokeniser's `gap` flag), so "Hà Nội. Sáng nay" yields no "nội sáng".
 *
 * Counting is per document: a term counts once however often the document repeats it, so a
 * term's daily count is the number of documents mentioning it (what attention means here).
 */
import { forEachToken, type TokenType } from '../vi/index.ts';
import { COMMON, GRAMMAR, NUMBERED, SEQUENCE } from './stopwords.ts';

/** The text of a document the observatory reads: title, summary and the start of the body. */
export interface TextDoc {
  title?: unknown;
  summary?: unknown;
  text?: unknown;
}

/** How much of a body is read: headlines and leads carry the topic; the rest adds noise and time. */
export const BODY_CHARS = 1500;

export function observedText(doc: TextDoc): string {
  const parts: string[] = [];
  if (typeof doc.title === 'string') parts.push(doc.title);
  if (typeof doc.summary === 'string') parts.push(doc.summary);
  if (typeof doc.text === 'string') parts.push(doc.text.length > BODY_CHARS ? doc.text.slice(0, BODY_CHARS) : doc.text);
  // A full stop between fields: no pair is made across a title and a summary.
  return parts.join(' . ');
}

const DATE_LIKE = /^(?:\d{1,2}[-./]\d{1,2}(?:[-./]\d{2,4})?|\d{1,2}[-./]\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}(?::\d{2})?|\d{1,2}[gh]\d{0,2})$/;

const COUNTED: ReadonlySet<TokenType> = new Set<TokenType>(['word', 'number', 'abbr', 'hashtag']);

/** A syllable too short or too plain to mean anything alone (a letter, a one- or two-digit number). */
function isWeak(norm: string, type: TokenType): boolean {
  if (type === 'word') return norm.length < 2 && !/\d/.test(norm) ? true : /^\d{1,2}$/.test(norm);
  return false;
}

/**
 * Add the distinct terms of `text` to `out` (unigrams as the syllable, bigrams as "a b").
 * Returns `out` for convenience.
 */
export function termsOf(text: string, out: Set<string> = new Set()): Set<string> {
  let prev = '';
  let prevOk = false;
  let prevCommon = false;
  // The syllable before `prev`, when nothing separates them (for "bão số 10").
  let prev2 = '';
  forEachToken(text, (norm, _folded, _s, _e, type, gap) => {
    if (!COUNTED.has(type)) {
      prevOk = false;
      prev2 = '';
      return;
    }
    if (type === 'number' && DATE_LIKE.test(norm)) {
      // Calendar dates and clock times ("2-9", "15/10", "20.1.2026", "10:30") burst trivially on
      // their own day and name no topic: not counted, and no pair is made across them.
      prevOk = false;
      prev2 = '';
      return;
    }
    const weak = isWeak(norm, type);
    const common = weak || COMMON.has(norm);
    if (!common) out.add(norm);
    const numeral = type === 'number' || /^(?:\d+|[ivxlc]+)$/.test(norm);
    if (prevOk && !gap && !GRAMMAR.has(norm) && !GRAMMAR.has(prev) && !(common && prevCommon) && !(numeral && SEQUENCE.has(prev))) {
      out.add(prev + ' ' + norm);
    }
    // A numbered event is named by its number: "bão số 10" is the tenth storm of the season, the
    // name the press uses before (and beside) the international one. The sequence pair "số 10"
    // alone names nothing, so the whole phrase is the term.
    if (numeral && !gap && prevOk && SEQUENCE.has(prev) && NUMBERED.has(prev2)) out.add(`${prev2} ${prev} ${norm}`);
    prev2 = prevOk && !gap ? prev : '';
    prev = norm;
    prevOk = norm.length > 0 && !(weak && norm.length < 2);
    prevCommon = common;
  });
  return out;
}
