/**
 * Which feeds a reader follows: the feeds they asked to keep at hand, beside the ones they own.
 * The home page's switcher shows them, and Mastodon apps get them as lists (src/social/mastodon/
 * lists.ts: `GET /api/v1/lists`, `timelines/list/:id`).
 *
 * One table, `feed_follows (account_id, feed_id, created_at)`, in DIR/feeds.sqlite beside the
 * feeds themselves (created if missing; the feeds' own tables are never touched from here).
 * A follow of a feed that later stops being readable (a draft, a deleted one) is simply skipped
 * when read.
 */
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SocialContext } from '../http.ts';
import { FEEDS_FILE } from '../feeds/store.ts';

/** At most this many followed feeds per account (as many as lists). */
export const MAX_FOLLOWED_FEEDS = 100;

export class FeedFollows {
  private readonly db: DatabaseSync;

  constructor(dir: string) {
    this.db = new DatabaseSync(path.join(dir, FEEDS_FILE));
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    this.db.exec(`CREATE TABLE IF NOT EXISTS feed_follows (
      account_id TEXT NOT NULL,
      feed_id TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (account_id, feed_id)
    ) WITHOUT ROWID`);
  }

  /** The feeds an account follows, in the order it followed them. */
  list(accountId: string): string[] {
    return (this.db.prepare('SELECT feed_id FROM feed_follows WHERE account_id = ? ORDER BY created_at, feed_id').all(accountId) as Array<{ feed_id: string }>).map((r) => r.feed_id);
  }

  has(accountId: string, feedId: string): boolean {
    return !!this.db.prepare('SELECT 1 AS x FROM feed_follows WHERE account_id = ? AND feed_id = ?').get(accountId, feedId);
  }

  count(accountId: string): number {
    return Number((this.db.prepare('SELECT count(*) AS n FROM feed_follows WHERE account_id = ?').get(accountId) as { n: number }).n);
  }

  follow(accountId: string, feedId: string, now = Date.now()): void {
    this.db.prepare('INSERT INTO feed_follows (account_id, feed_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(accountId, feedId, now);
  }

  unfollow(accountId: string, feedId: string): boolean {
    return Number(this.db.prepare('DELETE FROM feed_follows WHERE account_id = ? AND feed_id = ?').run(accountId, feedId).changes) > 0;
  }

  close(): void {
    this.db.close();
  }
}

const opened = new WeakMap<SocialContext, FeedFollows>();

/** The followed-feeds table of a social context (opened on first use). */
export function feedFollowsOf(ctx: SocialContext): FeedFollows {
  let f = opened.get(ctx);
  if (!f) {
    f = new FeedFollows(path.dirname(ctx.store.db.file));
    opened.set(ctx, f);
  }
  return f;
}

export function closeFeedFollows(ctx: SocialContext): void {
  opened.get(ctx)?.close();
  opened.delete(ctx);
}
