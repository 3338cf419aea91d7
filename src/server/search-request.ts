/**
 * From query-string parameters (shared by the results page and the JSON API) to an engine
 * search request.
 */
import type { SearchRequest, SortOrder } from './backend.ts';

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

export function toSearchRequest(p: SearchParams, limit: number, offset: number): SearchRequest {
  const req: SearchRequest = { query: p.q, limit, offset, snippets: true };
  if (p.from) req.from = p.from;
  if (p.to) req.to = p.to;
  const sources = asList(p.source);
  if (sources.length) req.sources = sources;
  const categories = asList(p.category);
  if (categories.length) req.categories = categories;
  if (p.sort && p.sort !== 'relevance') req.sort = p.sort;
  return req;
}
