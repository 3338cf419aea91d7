/**
 * From query-string parameters (shared by the results page and the JSON API) to an engine
 * search request. Dates are checked and bounded here for every route that takes them
 * (src/observe/bounds.ts): a malformed or inverted range, or one entirely outside the plausible
 * window (1990-01-01 to tomorrow), is a 400 naming the field; a bound beyond the window is moved
 * to its edge, where nothing is lost since no document is dated outside it.
 */
import type { Interval, SearchRequest, SortOrder } from './backend.ts';
import { DateRangeError, boundRange, type Audience, type BoundedRange } from '../observe/bounds.ts';

export interface SearchParams {
  q: string;
  from?: string;
  to?: string;
  source?: string[];
  category?: string[];
  sort?: SortOrder;
}

/** Query-string values may come as one string or several; always a list of non-empty strings. */
export function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * The date range of a request, checked and bounded; with an interval, also refused when it would
 * make more buckets than an answer may hold. Throws a 400 (DateRangeError) naming the field.
 */
export function requestRange(p: { from?: string; to?: string; interval?: Interval }, who: Audience = 'api'): BoundedRange {
  return boundRange({ from: p.from || undefined, to: p.to || undefined, interval: p.interval }, who);
}

/** A date problem a page shows beside the control it concerns, not on an error page of its own. */
export interface FieldError {
  /** The parameter: `from`, `to` or `interval`. */
  field: string;
  message: string;
}

/**
 * The range of a page's form, checked as requestRange does, but a refusal is returned (worded
 * with the controls' labels) instead of thrown, so the page can say it beside the control.
 */
export function pageRange(p: { from?: string; to?: string; interval?: Interval }): { range: BoundedRange; error?: undefined } | { range?: undefined; error: FieldError } {
  try {
    return { range: requestRange(p, 'page') };
  } catch (err) {
    if (err instanceof DateRangeError) return { error: { field: err.field, message: err.message } };
    throw err;
  }
}

export function toSearchRequest(p: SearchParams, limit: number, offset: number): SearchRequest {
  const req: SearchRequest = { query: p.q, limit, offset, snippets: true };
  const range = requestRange(p);
  if (range.from) req.from = range.from;
  if (range.to) req.to = range.to;
  const sources = asList(p.source);
  if (sources.length) req.sources = sources;
  const categories = asList(p.category);
  if (categories.length) req.categories = categories;
  if (p.sort && p.sort !== 'relevance') req.sort = p.sort;
  return req;
}
