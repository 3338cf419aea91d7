/**
 * What the coordinator and the searchers say to each other (JSON over HTTP on the cluster's
 * network), and the one function both use to turn a query into a plan.
 *
 * A query is planned from collection statistics (src/engine/query/plan.ts: the accent restorer's
 * reading, prefix expansions, how often two syllables stand side by side, document frequencies).
 * In a cluster those must be the whole collection's, or a shard would match and rank by its own
 * slice. So the coordinator plans with *global* answers gathered from every shard, and sends the
 * answers it used (the memo) with the query; each shard plans again from the memo alone and gets
 * the very same plan, then scores with the global N, average field lengths and document
 * frequencies. docs/SCALE.md ("Searching a sharded index") gives the protocol.
 */
import { planQuery, DEFAULT_WEIGHTS, type Plan } from '../../engine/query/plan.ts';

/** The planning answers a query used, keyed by what was asked. */
export interface PlanMemo {
  /** Accent restoration of a text typed without marks (null: none). */
  restore: Record<string, string | null>;
  /** Prefix key → its expansions, most frequent first (already cut to the plan's limit). */
  expand: Record<string, string[]>;
  /** `a \0 b \0 pair` → share of co-occurrences side by side. */
  adjacency: Record<string, number>;
  /** Term key → documents holding it, summed over every shard (deleted ones too, as on one machine). */
  df: Record<string, number>;
}

export function emptyMemo(): PlanMemo {
  return { restore: {}, expand: {}, adjacency: {}, df: {} };
}

export const adjacencyKey = (a: string, b: string, pair: string): string => `${a}\u0000${b}\u0000${pair}`;

/** What planning asked for that the memo does not hold. */
export interface Misses {
  restore: string[];
  expand: string[];
  adjacency: [string, string, string][];
  df: string[];
}

/**
 * Plan `query` from `memo`. Questions the memo cannot answer are recorded in the returned misses
 * (answered provisionally: nothing restored, no expansion, side by side, df 0); a plan made with
 * no misses is the plan of the whole collection. The plan's list keys are misses too when their
 * df is unknown and the executor needs them: always when `scores` (the default), else only for a
 * long query. A keyword query's matches are decided by its required terms alone (the lists only
 * rank), so counting them — trends — needs no document frequency of its lists; a long query's
 * matches depend on which words count (absent words, the 48-list cap), hence on those dfs.
 */
export function planFromMemo(query: string, memo: PlanMemo, o: { scores?: boolean } = {}): { plan: Plan; misses: Misses | undefined } {
  const m: Misses = { restore: [], expand: [], adjacency: [], df: [] };
  const plan = planQuery(query, {
    weights: { ...DEFAULT_WEIGHTS },
    restore: (text) => {
      if (!(text in memo.restore)) {
        m.restore.push(text);
        return undefined;
      }
      return memo.restore[text] ?? undefined;
    },
    expand: (p) => {
      if (!(p in memo.expand)) {
        m.expand.push(p);
        return [];
      }
      return memo.expand[p];
    },
    adjacency: (a, b, pair) => {
      const k = adjacencyKey(a, b, pair);
      if (!(k in memo.adjacency)) {
        m.adjacency.push([a, b, pair]);
        return 1;
      }
      return memo.adjacency[k];
    },
    df: (key) => {
      if (!(key in memo.df)) {
        m.df.push(key);
        return 0;
      }
      return memo.df[key];
    },
  });
  if (o.scores !== false || plan.long) for (const l of plan.lists) if (!(l.key in memo.df)) m.df.push(l.key);
  const any = m.restore.length + m.expand.length + m.adjacency.length + m.df.length > 0;
  return { plan, misses: any ? m : undefined };
}

/** POST /shard/stats: statistics of one shard at the generation it serves. */
export interface StatsRequest {
  shard: string;
  /** Answer from this generation (omitted: the current one). */
  generation?: number;
  df: string[];
  expand: string[];
  adjacency: [string, string, string][];
}

export interface StatsResponse {
  shard: string;
  generation: number;
  /** The generation the searcher serves now (newer than `generation` when it moved on since the coordinator pinned it). */
  current?: number;
  /** Documents in its segments, deleted ones included (as `globalStats` counts them). */
  docs: number;
  sumLen: number[];
  /** Earliest and latest dated day (null when none). */
  span: [number, number] | null;
  df: number[];
  /** Per prefix: [term, df] of the terms found (each segment scanned as on one machine). */
  expand: [string, number][][];
  /** Per pair: [documents holding both, of those holding them side by side]. */
  adjacency: [number, number][];
}

export interface ShardFilters {
  from?: string;
  to?: string;
  sources?: string[];
  categories?: string[];
}

/** POST /shard/search: one shard's part of a search or a trend. */
export interface ShardSearchRequest {
  shard: string;
  generation: number;
  query: string;
  memo: PlanMemo;
  /** Global: documents (deleted included) and average field lengths. */
  N: number;
  avgLen: number[];
  filters: ShardFilters;
  mode: 'relevance' | 'date' | 'trends';
  /** Hits wanted (offset + limit); date pages get TIE_ROOM more for the id order of equal times. */
  k: number;
  facets?: boolean;
}

export interface ShardHit {
  seq: number;
  score: number;
  /** Publication time (ms), null when undated. */
  time: number | null;
}

export interface ShardSearchResponse {
  shard: string;
  generation: number;
  /** The generation the searcher serves now (see StatsResponse). */
  current?: number;
  total: number;
  exact: boolean;
  hits: ShardHit[];
  facets?: { sources: [string, number][]; categories: [string, number][] };
  days?: [number, number][];
  undated?: number;
}
