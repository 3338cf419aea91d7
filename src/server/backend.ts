/**
 * What the web application needs from the library: the engine's search, trends and documents,
 * plus a few things built beside it (suggestions, the source catalogue, archived versions).
 * Routes depend on this interface only; engine-backend.ts builds it over a real data directory.
 */
import type { Hit, Interval, SearchRequest, SearchResponse, StoredDoc, TrendsRequest, TrendsResponse } from '../engine/index.ts';
import type { Alert, AlertEvent, AlertSpec, ClustersResult, EmergingResult, QueryForecast } from '../observe/index.ts';
import type { AlertCheckResult, AttentionAnswer, AttentionCall } from './observe-worker.ts';
import type { PoolHealth } from './search-pool.ts';

export type { Hit, Interval, SearchRequest, SearchResponse, TrendsRequest, TrendsResponse, EmergingResult, ClustersResult };

/** The observatory's answers the pages and API use (src/observe, openObservatory). */
export interface ObservatoryView {
  /** First and last day with documents. */
  range(): Promise<{ first: string; last: string } | undefined>;
  emerging(date: string, limit: number): Promise<EmergingResult>;
  clusters(date: string, limit: number): Promise<ClustersResult>;
  /** Attention for a query, as `tra attention --json`. */
  attention(req: AttentionCall): Promise<AttentionAnswer>;
  /** The next `days` days for a query, as `tra forecast --json`; null when no document has a date. */
  forecast(query: string, days: number): Promise<QueryForecast | null>;
}
export type { AttentionAnswer, AttentionCall, QueryForecast };
/** A saved search as the API shows it: never its webhook secret. */
export type PublicAlert = Omit<Alert, 'secret'> & { signed: boolean };

/** Saved searches (DIR/alerts.sqlite, src/observe/alerts.ts) and their checks. */
export interface AlertsService {
  list(): Promise<PublicAlert[]>;
  add(spec: AlertSpec): Promise<PublicAlert>;
  remove(id: number): Promise<boolean>;
  /** Events after `id`, oldest first (what the event stream resumes from). */
  eventsSince(id: number, limit: number): Promise<AlertEvent[]>;
  /** The newest event's id (0 if none). */
  lastEventId(): Promise<number>;
  /** Check now, off the request thread (queued after a check in flight). */
  check(): Promise<AlertCheckResult>;
  /** Be told when a check recorded events; returns the unsubscribe function. */
  onEvents(listener: () => void): () => void;
}
export type { AlertCheckResult, PoolHealth };
export type SearchHit = Hit;
export type StoredDocument = StoredDoc;
export type SortOrder = 'relevance' | 'date';

export interface FacetValue {
  value: string;
  count: number;
}

/** At least the number of live documents; the engine reports more (segments, bytes...). */
export interface IndexStats {
  documents: number;
}

/** One archived version of an article (as `tra versions` reports them). */
export interface ArticleVersion {
  captured: string;
  title: string;
  text: string;
}

export interface Suggestion {
  /** The completed query, as it should be put in the search box. */
  text: string;
  /** How many of the top documents for the prefix contain it. */
  count?: number;
}

/**
 * The calls the routes make. The optional members are features a data directory may not offer
 * (no archive yet, say); pages degrade without them.
 */
export interface Backend {
  search(req: SearchRequest): SearchResponse | Promise<SearchResponse>;
  trends(req: TrendsRequest): TrendsResponse | Promise<TrendsResponse>;
  get(id: string): StoredDocument | undefined | Promise<StoredDocument | undefined>;
  stats(): IndexStats | Promise<IndexStats>;
  /** Prefix completions for search-as-you-type. */
  suggest?(prefix: string, limit: number): Suggestion[] | Promise<Suggestion[]>;
  /** The query with its diacritics restored (for "did you mean"). */
  restore?(text: string): string | Promise<string>;
  /** Every document matching the filters (no query), newest first: a source's latest articles. */
  browse?(req: { sources?: string[]; limit: number; offset: number }): SearchResponse | Promise<SearchResponse>;
  /** Every source with its document count, most documents first. */
  sources?(): FacetValue[] | Promise<FacetValue[]>;
  /** Every archived version of the article at `url`, oldest first. */
  versions?(url: string): ArticleVersion[] | Promise<ArticleVersion[]>;
  /** The observatory once its daily counts are ready; undefined while they are being counted. */
  observatory?(): ObservatoryView | undefined;
  /** Saved searches and their events. */
  alerts?: AlertsService;
  /** False while things built at start-up (catalogue, completions) are still being built. */
  warm?(): boolean;
  /** The worker threads behind the answers, per pool (search, observatory): for /healthz. */
  health?(): Record<string, PoolHealth>;
  close?(): void | Promise<void>;
}
