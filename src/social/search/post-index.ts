/**
 * The post index: the statuses that may be searched (post-doc.ts `indexablePost`), in an engine
 * data directory of their own (DIR/social-index/, opened with openEngine), so post search and
 * saved-query feeds use the engine's one match set — Vietnamese accents, NFD, folding, accent
 * restoration, totals and date order exactly as news search has them — and never a second matcher.
 *
 * Following the statuses table: every write to a status gives it the next `seq` of the change
 * sequence (src/social/store/statuses.ts). The index remembers the last seq it has applied
 * (DIR/social-index/follow.json, written after the engine has made the change durable) and applies
 * `changesSince(seq)` in bounded batches: a post that may be indexed is added (an edit replaces
 * it), one that may not (deleted, made non-public, its author deleted or not indexable) is removed
 * if it was there. A crash between the engine's commit and follow.json replays the last batch,
 * which is harmless (adding the same id replaces it).
 *
 * Authors change their `indexable` flag without touching their statuses, so the index also follows
 * accounts by `updated_at`: an author who turns it off has every post removed, one who turns it on
 * has their public posts added. Between a change and the next catch-up, search hits are checked
 * against the author's current flags anyway (search.ts), so nothing is shown that is not allowed.
 *
 * When catch-up runs: at open (in the background: the index answers with what it has meanwhile),
 * before a search when few changes are pending (so one finds one's own post at once), and on a
 * short timer that checks two indexed maxima (`poll`).
 */
import path from 'node:path';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { openEngine, type Engine, type SearchResponse } from '../../engine/index.ts';
import type { SocialStore } from '../store/index.ts';
import type { AccountRow, StatusRow } from '../store/rows.ts';
import { statusFromRow } from '../store/statuses.ts';
import { indexablePost, postDoc } from './post-doc.ts';

export const POST_INDEX_DIR = 'social-index';
const STATE_FILE = 'follow.json';

export interface PostIndexOptions {
  /** Where the engine data directory lives (default DIR/social-index beside social.sqlite). */
  dir?: string;
  /** Changes applied per engine commit (default 10,000). */
  batch?: number;
  /** Check for new changes this often, in ms (default 1,000; 0: never, callers catch up themselves). */
  pollMs?: number;
  /** Before a search, catch up in place when at most this many changes are pending (default 2,000). */
  freshLag?: number;
}

export interface PostQuery {
  query: string;
  limit: number;
  offset?: number;
  /** Only posts by these accounts (the engine's `sources` filter). */
  authors?: string[];
  /** Only posts in these languages (`category`; `und` for posts without one). */
  languages?: string[];
  sort?: 'relevance' | 'date';
  /** ISO dates, inclusive (the engine's day filters). */
  from?: string;
  to?: string;
}

export interface PostHits {
  total: number;
  ids: string[];
  restored?: string;
  warnings?: string[];
  took_ms: number;
}

interface State {
  format: 1;
  seq: number;
  accountsAt: number;
}

export class PostIndex {
  readonly dir: string;
  private engine: Engine;
  private readonly store: SocialStore;
  private state: State;
  private readonly batch: number;
  private readonly freshLag: number;
  private running: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The first catch-up (everything the table holds), started at open. */
  readonly ready: Promise<void>;

  private constructor(dir: string, engine: Engine, store: SocialStore, state: State, o: PostIndexOptions) {
    this.dir = dir;
    this.engine = engine;
    this.store = store;
    this.state = state;
    this.batch = o.batch ?? 10_000;
    this.freshLag = o.freshLag ?? 2_000;
    this.ready = this.catchUp().then(() => undefined, () => undefined);
    const poll = o.pollMs ?? 1_000;
    if (poll > 0) {
      this.timer = setInterval(() => void this.poll(), poll);
      this.timer.unref();
    }
  }

  /** Open (or make) the index of `store` and start catching up. */
  static async open(store: SocialStore, o: PostIndexOptions = {}): Promise<PostIndex> {
    const dir = o.dir ?? path.join(path.dirname(store.db.file), POST_INDEX_DIR);
    mkdirSync(dir, { recursive: true });
    let state = readState(dir);
    // A social.sqlite that is not the one the index followed (made again, restored from an
    // older copy): its change sequence is behind ours. Start over from it.
    if (state.seq > store.statuses.lastSeq()) {
      rmSync(path.join(dir, 'index'), { recursive: true, force: true });
      rmSync(path.join(dir, 'store.sqlite'), { force: true });
      rmSync(path.join(dir, 'store.sqlite-wal'), { force: true });
      rmSync(path.join(dir, 'store.sqlite-shm'), { force: true });
      state = { format: 1, seq: 0, accountsAt: 0 };
    }
    // From nothing, the statuses' catch-up reads every author's current flags: account changes
    // before now are already accounted for.
    if (state.seq === 0) state.accountsAt = maxUpdatedAt(store);
    const engine = await openEngine(dir, { flushBytes: 64 * 1024 * 1024 });
    return new PostIndex(dir, engine, store, state, o);
  }

  /** Changes of the statuses table not applied yet. */
  lag(): number {
    return Math.max(0, this.store.statuses.lastSeq() - this.state.seq);
  }

  /** The last change applied. */
  get seq(): number {
    return this.state.seq;
  }

  /**
   * What the index holds, as one string: the last status change applied and the last account
   * change followed. Equal versions, equal match sets — what answers may be kept by (feeds/shared.ts).
   */
  get version(): string {
    return `${this.state.seq}.${this.state.accountsAt}`;
  }

  /**
   * Apply pending changes, at most `max` statuses (all by default), then account flag changes.
   * Calls are serialised: a second caller waits for the running catch-up and then runs its own.
   */
  catchUp(max = Infinity): Promise<number> {
    const prev = this.running ?? Promise.resolve(0);
    const next = prev.catch(() => 0).then(() => this.run(max));
    this.running = next;
    void next.finally(() => {
      if (this.running === next) this.running = undefined;
    }).catch(() => {});
    return next;
  }

  /** Before a search: catch up in place when little is pending, else in the background. */
  async fresh(): Promise<void> {
    const lag = this.lag();
    if (lag === 0 && !this.accountsChanged()) return;
    if (lag <= this.freshLag) await this.catchUp();
    else void this.catchUp().catch(() => {});
  }

  private async poll(): Promise<void> {
    if (this.closed || this.running) return;
    if (this.lag() > 0 || this.accountsChanged()) await this.catchUp().catch(() => {});
  }

  private accountsChanged(): boolean {
    return maxUpdatedAt(this.store) > this.state.accountsAt;
  }

  private async run(max: number): Promise<number> {
    let done = 0;
    while (!this.closed && done < max) {
      const rows = this.store.statuses.changesSince(this.state.seq, Math.min(this.batch, max - done));
      if (rows.length === 0) break;
      await this.apply(rows);
      done += rows.length;
      this.state.seq = rows[rows.length - 1].seq;
      this.saveState();
    }
    if (!this.closed) await this.syncAccounts();
    return done;
  }

  private async apply(rows: StatusRow[]): Promise<void> {
    const authors = new Map<string, AccountRow | undefined>();
    const authorOf = (id: string) => {
      if (!authors.has(id)) authors.set(id, this.store.accounts.byId(id));
      return authors.get(id);
    };
    const add = [];
    const remove: string[] = [];
    const eligible = rows.filter((st) => indexablePost(st, authorOf(st.accountId)));
    const tags = this.tagsOf(eligible.map((st) => st.id));
    for (const st of rows) {
      if (indexablePost(st, authorOf(st.accountId))) add.push(postDoc(st, tags.get(st.id) ?? []));
      else if (this.engine.get(st.id)) remove.push(st.id);
    }
    if (add.length) await this.engine.add(add);
    if (remove.length) await this.engine.delete(remove);
  }

  private tagsOf(ids: string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const rows = this.store.db.all<{ status_id: string; tag: string }>(`SELECT status_id, tag FROM status_tags WHERE status_id IN (${part.map(() => '?').join(',')})`, part);
      for (const r of rows) {
        const l = out.get(r.status_id);
        if (l) l.push(r.tag);
        else out.set(r.status_id, [r.tag]);
      }
    }
    return out;
  }

  /** Authors whose flags may have changed since the last look: add or remove their posts. */
  private async syncAccounts(): Promise<void> {
    for (;;) {
      const changed = this.store.db
        .all('SELECT * FROM accounts WHERE updated_at > ? ORDER BY updated_at LIMIT 200', [this.state.accountsAt])
        .map((r) => ({ id: String(r.id), indexable: r.indexable === 1 || r.indexable === 1n, deleted: r.deleted_at !== null, updatedAt: Number(r.updated_at) }));
      if (changed.length === 0 || this.closed) return;
      for (const a of changed) {
        const rows = this.store.db
          .all("SELECT * FROM statuses WHERE account_id = ? AND deleted_at IS NULL AND visibility = 'public' AND reblog_of_id IS NULL", [a.id])
          .map(statusFromRow);
        if (a.indexable && !a.deleted) {
          const missing = rows.filter((st) => !this.engine.get(st.id));
          if (missing.length) await this.apply(missing);
        } else {
          const present = rows.filter((st) => this.engine.get(st.id)).map((st) => st.id);
          if (present.length) await this.engine.delete(present);
        }
      }
      this.state.accountsAt = changed[changed.length - 1].updatedAt;
      this.saveState();
      if (changed.length < 200) return;
    }
  }

  private saveState(): void {
    const file = path.join(this.dir, STATE_FILE);
    writeFileSync(file + '.tmp', JSON.stringify(this.state));
    renameSync(file + '.tmp', file);
  }

  /** The match set of a query over the posts (ids only), with the engine's ranking or date order. */
  search(q: PostQuery): PostHits {
    const r: SearchResponse = this.engine.search({
      query: q.query,
      limit: q.limit,
      offset: q.offset ?? 0,
      sort: q.sort ?? 'relevance',
      sources: q.authors,
      categories: q.languages,
      from: q.from,
      to: q.to,
      snippets: false,
      stored: false,
    } as Parameters<Engine['search']>[0]);
    const out: PostHits = { total: r.total, ids: r.hits.map((h) => h.id), took_ms: r.took_ms };
    if (r.restored) out.restored = r.restored;
    if (r.warnings) out.warnings = r.warnings;
    return out;
  }

  /** Whether a status is in the index now. */
  has(id: string): boolean {
    return this.engine.get(id) !== undefined;
  }

  documents(): number {
    return this.engine.stats().documents;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => {});
    this.engine.close();
  }
}

function readState(dir: string): State {
  const file = path.join(dir, STATE_FILE);
  if (!existsSync(file)) return { format: 1, seq: 0, accountsAt: 0 };
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<State>;
    if (s.format === 1 && Number.isInteger(s.seq) && Number.isFinite(s.accountsAt)) return { format: 1, seq: s.seq!, accountsAt: s.accountsAt! };
  } catch {
    // unreadable: start over (the index replaces what it re-adds)
  }
  return { format: 1, seq: 0, accountsAt: 0 };
}

function maxUpdatedAt(store: SocialStore): number {
  return Number(store.db.get<{ v: number | null }>('SELECT max(updated_at) AS v FROM accounts')?.v ?? 0);
}
