/**
 * Search-as-you-type over a cluster, as one machine does it (src/server/engine-backend.ts): a
 * completion table built once at start from the title of every live document
 * (src/server/completions.ts), and until it is built, completions from the top documents of a
 * prefix search (src/server/suggest.ts, here through the coordinator).
 *
 * The titles are read from PostgreSQL in pages of `PAGE` versions by seq (the current version of
 * every document not deleted), a page at a time with the event loop free in between: a few
 * seconds per 100,000 documents, while the server answers. Words typed before the ones looked up
 * (inputs longer than the table's phrases) are kept as typed, not restored: the collection's
 * restorer lives in the coordinator.
 */
import type { Pool } from '../pg/connect.ts';
import type { SearchRequest, SearchResponse, Suggestion } from '../../server/backend.ts';
import { CompletionIndex } from '../../server/completions.ts';
import { AsyncSuggester } from '../../server/suggest.ts';

const PAGE = 5_000;

/** One page of versions by seq (every version, so pages are counted in versions), the title of the live ones. */
const TITLES_SQL = `SELECT v.seq, CASE WHEN d.current_seq = v.seq AND NOT d.deleted AND json_typeof(v.body -> 'title') = 'string' THEN v.body ->> 'title' END AS title
FROM (SELECT seq, doc_id, body FROM document_versions WHERE seq > $1 ORDER BY seq LIMIT $2) v JOIN documents d ON d.id = v.doc_id
ORDER BY v.seq`;

export interface ClusterCompletions {
  suggest(prefix: string, limit: number): Promise<Suggestion[]>;
  /** The table is built (false while reading titles, or after a failure: prefix searches then). */
  ready(): boolean;
  close(): void;
}

export function clusterCompletions(pool: Pool, search: (req: SearchRequest) => Promise<SearchResponse>, o: { log?: (line: string) => void; page?: number } = {}): ClusterCompletions {
  const page = o.page ?? PAGE;
  const fallback = new AsyncSuggester(search);
  let table: CompletionIndex | undefined;
  let closed = false;
  void (async () => {
    const t = new CompletionIndex();
    let after = '0';
    for (;;) {
      if (closed) return;
      const { rows } = await pool.query<{ seq: string; title: string | null }>(TITLES_SQL, [after, page]);
      for (const r of rows) if (r.title) t.add(r.title);
      if (rows.length < page) break;
      after = rows[rows.length - 1].seq;
    }
    t.finish();
    table = t;
  })().catch((e) => o.log?.(`không dựng được bảng gợi ý từ tiêu đề (completions from titles: ${(e as Error).message}) — gợi ý theo tìm kiếm tiền tố`));
  return {
    suggest: async (prefix, limit) => (table ? table.complete(prefix, limit) : fallback.suggest(prefix, limit)),
    ready: () => table !== undefined,
    close: () => {
      closed = true;
    },
  };
}
