/**
 * Query syntax (the help page, src/server/plugins/search-pages.ts, says the same in Vietnamese):
 *
 *   words          every word must occur (a long, question-like query: enough of them, see plan.ts)
 *   "a phrase"     the words side by side, in this order
 *   -word -"…"     documents with it are left out
 *   word*          any word starting so (`chuyển đ*`: chuyển đổi, chuyển động)
 *   a OR b         either (upper-case OR; binds tighter than the implicit AND: `vàng OR bạc giá`)
 *   +word          accepted, the same as a plain word (which is already required)
 *
 * Tokens come from the same tokenizer as the documents, so NFD, tone placement and case are
 * handled exactly as at indexing time. Nothing is silently dropped: every part of the query
 * that is not used is named in `warnings` (shown above the results).
 */
import { forEachToken } from '../../vi/index.ts';

export interface QueryToken {
  text: string;
  norm: string;
  folded: string;
  start: number;
  end: number;
  /** Punctuation separated it from the previous token: no adjacency across. */
  gap: boolean;
  /** The token carries diacritics (norm differs from folded). */
  accented: boolean;
  prefix: boolean;
}

export type Unit =
  | { kind: 'word'; tok: QueryToken; plus: boolean; /** Follows another plain word directly (a candidate word pair). */ joined: boolean }
  | { kind: 'phrase'; toks: QueryToken[]; text: string }
  | { kind: 'or'; alts: Unit[] };

export interface Clause {
  unit: Unit;
  negated: boolean;
}

export interface ParsedQuery {
  clauses: Clause[];
  /** True when any token the user typed carries a diacritic. */
  accented: boolean;
  /** Long or question-like: matched with a minimum number of its words, not all (plan.ts). */
  long: boolean;
  /** What was not understood or not used, one Vietnamese line each. */
  warnings: string[];
}

/** Most prefix words per query (each expands to many terms), and most words in all. */
export const MAX_PREFIXES = 4;
export const MAX_TOKENS = 64;

/** Syllables beyond which a query is treated as a question or a pasted passage. */
export const LONG_QUERY_SYLLABLES = 8;
/** Question words (matching forms): with four or more syllables they make a query a question. */
const QUESTION_WORDS = new Set(['gì', 'nào', 'sao', 'đâu', 'ai', 'mấy', 'nhiêu', 'chăng', 'hả']);

function isSpace(c: string | undefined): boolean {
  return c === undefined || /\s/.test(c);
}

interface Item {
  kind: 'word' | 'phrase' | 'or';
  pos: number;
  neg: boolean;
  plus: boolean;
  tok?: QueryToken;
  toks?: QueryToken[];
  text?: string;
}

export function parseQuery(q: string): ParsedQuery {
  const warnings: string[] = [];
  // Spans of quoted phrases; an unclosed quote runs to the end (and is said so).
  const quotes: { s: number; e: number; neg: boolean; plus: boolean; toks: QueryToken[] }[] = [];
  for (let i = 0; i < q.length; i++) {
    const c = q[i];
    if (c === '"' || c === '\u201c' || c === '\u201d') {
      let j = i + 1;
      while (j < q.length && q[j] !== '"' && q[j] !== '\u201d' && q[j] !== '\u201c') j++;
      if (j >= q.length) warnings.push('Thiếu dấu ngoặc kép đóng: cụm từ được tính đến hết truy vấn.');
      const neg = i > 0 && q[i - 1] === '-' && isSpace(q[i - 2]);
      const plus = i > 0 && q[i - 1] === '+' && isSpace(q[i - 2]);
      quotes.push({ s: i, e: j, neg, plus, toks: [] });
      i = j;
    }
  }
  const items: Item[] = [];
  let accented = false;
  let prefixes = 0;
  let tokens = 0;
  let question = /[?？]/.test(q);
  forEachToken(q, (norm, folded, start, end, _type, gap) => {
    const text = q.slice(start, end);
    let prefix = q[end] === '*';
    if (QUESTION_WORDS.has(norm)) question = true;
    if (++tokens > MAX_TOKENS) {
      if (tokens === MAX_TOKENS + 1) warnings.push(`Truy vấn dài quá ${MAX_TOKENS} từ: phần sau đã bỏ qua.`);
      return;
    }
    if (prefix && ++prefixes > MAX_PREFIXES) {
      if (prefixes === MAX_PREFIXES + 1) warnings.push(`Chỉ ${MAX_PREFIXES} từ đầu tiên có dấu * được mở rộng; các từ sau được tìm đúng như đã gõ.`);
      prefix = false;
    }
    const tok: QueryToken = { text, norm, folded, start, end, gap, accented: norm !== folded, prefix };
    if (tok.accented) accented = true;
    const quote = quotes.find((p) => start > p.s && start < p.e);
    if (quote) {
      if (quote.toks.length === 0) tok.gap = false;
      quote.toks.push(tok);
      return;
    }
    if (text === 'OR' && isSpace(q[start - 1]) && isSpace(q[end])) {
      items.push({ kind: 'or', pos: start, neg: false, plus: false });
      return;
    }
    const neg = start > 0 && q[start - 1] === '-' && isSpace(q[start - 2]);
    const plus = start > 0 && q[start - 1] === '+' && isSpace(q[start - 2]);
    items.push({ kind: 'word', pos: start, neg, plus, tok });
  });
  for (const p of quotes) {
    if (p.toks.length === 0) {
      warnings.push('Cặp ngoặc kép rỗng: đã bỏ qua.');
      continue;
    }
    items.push({ kind: 'phrase', pos: p.s, neg: p.neg, plus: p.plus, toks: p.toks, text: q.slice(p.toks[0].start, p.toks[p.toks.length - 1].end) });
  }
  items.sort((a, b) => a.pos - b.pos);
  // Units, with OR joining its two neighbours.
  const clauses: Clause[] = [];
  let pendingOr = false;
  let prev: Item | undefined;
  for (const it of items) {
    if (it.kind === 'or') {
      const last = clauses[clauses.length - 1];
      if (!last || last.negated || pendingOr || prev?.kind === 'or') warnings.push('"OR" cần một từ hoặc cụm từ ở mỗi bên: đã bỏ qua.');
      else pendingOr = true;
      prev = it;
      continue;
    }
    const unit: Unit = it.kind === 'word' ? { kind: 'word', tok: it.tok!, plus: it.plus, joined: false } : { kind: 'phrase', toks: it.toks!, text: it.text! };
    if (pendingOr) {
      pendingOr = false;
      if (it.neg) {
        warnings.push('"OR" không đi với từ loại trừ (-…): đã bỏ qua "OR".');
      } else {
        const last = clauses[clauses.length - 1];
        last.unit = last.unit.kind === 'or' ? { kind: 'or', alts: [...last.unit.alts, unit] } : { kind: 'or', alts: [last.unit, unit] };
        prev = it;
        continue;
      }
    }
    if (unit.kind === 'word' && !it.neg && !unit.tok.gap && prev?.kind === 'word' && !prev.neg) {
      const last = clauses[clauses.length - 1];
      if (last && last.unit.kind === 'word' && !last.unit.tok.prefix && !unit.tok.prefix) unit.joined = true;
    }
    clauses.push({ unit, negated: it.neg });
    prev = it;
  }
  if (pendingOr) warnings.push('"OR" ở cuối truy vấn thiếu vế sau: đã bỏ qua.');
  const positives = clauses.filter((c) => !c.negated);
  if (positives.length === 0 && clauses.length > 0) warnings.push('Truy vấn chỉ có từ loại trừ (-…): hãy thêm ít nhất một từ cần tìm.');
  let syllables = 0;
  for (const c of positives) syllables += unitTokens(c.unit).length;
  const long = syllables > LONG_QUERY_SYLLABLES || (question && syllables >= 4);
  return { clauses, accented, long, warnings };
}

/** The tokens of a unit, in order. */
export function unitTokens(u: Unit): QueryToken[] {
  if (u.kind === 'word') return [u.tok];
  if (u.kind === 'phrase') return u.toks;
  return u.alts.flatMap(unitTokens);
}
