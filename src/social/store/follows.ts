/** Who follows whom: requests waiting for approval (`pending`) and accepted follows. */
import type { Db, Row } from './db.ts';
import { newId } from './ids.ts';
import type { FollowRow } from './rows.ts';
import { pageClause, type Paging } from './statuses.ts';

function followFromRow(r: Row): FollowRow {
  return {
    id: String(r.id),
    accountId: String(r.account_id),
    targetAccountId: String(r.target_account_id),
    state: r.state === 'accepted' ? 'accepted' : 'pending',
    uri: r.uri === null ? null : String(r.uri),
    showReblogs: r.show_reblogs === 1,
    notify: r.notify === 1,
    createdAt: Number(r.created_at),
  };
}

export interface Relationship {
  following: boolean;
  requested: boolean;
  followedBy: boolean;
  requestedBy: boolean;
  showingReblogs: boolean;
  notifying: boolean;
}

export class Follows {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  get(accountId: string, targetId: string): FollowRow | undefined {
    const r = this.db.get('SELECT * FROM follows WHERE account_id = ? AND target_account_id = ?', [accountId, targetId]);
    return r ? followFromRow(r) : undefined;
  }

  byUri(uri: string): FollowRow | undefined {
    const r = this.db.get('SELECT * FROM follows WHERE uri = ?', [uri]);
    return r ? followFromRow(r) : undefined;
  }

  /** Follow (or ask to): an existing row is kept (its options updated); `created` says whether it is new. */
  follow(accountId: string, targetId: string, o: { state: 'pending' | 'accepted'; uri?: string | null; showReblogs?: boolean; notify?: boolean }): { row: FollowRow; created: boolean } {
    return this.db.tx(() => {
      const have = this.get(accountId, targetId);
      if (have) {
        if (o.showReblogs !== undefined || o.notify !== undefined) {
          this.db.run('UPDATE follows SET show_reblogs = ?, notify = ? WHERE id = ?', [(o.showReblogs ?? have.showReblogs) ? 1 : 0, (o.notify ?? have.notify) ? 1 : 0, have.id]);
        }
        return { row: this.get(accountId, targetId)!, created: false };
      }
      const now = Date.now();
      this.db.run('INSERT INTO follows (id, account_id, target_account_id, state, uri, show_reblogs, notify, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        newId(now), accountId, targetId, o.state, o.uri ?? null, o.showReblogs === false ? 0 : 1, o.notify ? 1 : 0, now,
      ]);
      return { row: this.get(accountId, targetId)!, created: true };
    });
  }

  accept(accountId: string, targetId: string): FollowRow | undefined {
    this.db.run("UPDATE follows SET state = 'accepted' WHERE account_id = ? AND target_account_id = ?", [accountId, targetId]);
    return this.get(accountId, targetId);
  }

  /** Remove a follow or a request; returns what was removed. */
  remove(accountId: string, targetId: string): FollowRow | undefined {
    const have = this.get(accountId, targetId);
    if (have) this.db.run('DELETE FROM follows WHERE id = ?', [have.id]);
    return have;
  }

  relationship(viewerId: string, otherId: string): Relationship {
    const out = this.get(viewerId, otherId);
    const back = this.get(otherId, viewerId);
    return {
      following: out?.state === 'accepted',
      requested: out?.state === 'pending',
      followedBy: back?.state === 'accepted',
      requestedBy: back?.state === 'pending',
      showingReblogs: out?.showReblogs ?? false,
      notifying: out?.notify ?? false,
    };
  }

  /** Accounts following `targetId` (accepted), paged by the follow's id; returns [accountId, followId]. */
  followers(targetId: string, p: Paging): Array<{ accountId: string; followId: string }> {
    const c = pageClause('f.id', p);
    const rows = this.db.all<{ account_id: string; id: string }>(
      `SELECT f.account_id, f.id FROM follows f JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = ? AND f.state = 'accepted' AND a.deleted_at IS NULL${c.where} ORDER BY ${c.order} LIMIT ?`,
      [targetId, ...c.params, p.limit],
    );
    const out = rows.map((r) => ({ accountId: r.account_id, followId: r.id }));
    return c.reverse ? out.reverse() : out;
  }

  following(accountId: string, p: Paging): Array<{ accountId: string; followId: string }> {
    const c = pageClause('f.id', p);
    const rows = this.db.all<{ target_account_id: string; id: string }>(
      `SELECT f.target_account_id, f.id FROM follows f JOIN accounts a ON a.id = f.target_account_id WHERE f.account_id = ? AND f.state = 'accepted' AND a.deleted_at IS NULL${c.where} ORDER BY ${c.order} LIMIT ?`,
      [accountId, ...c.params, p.limit],
    );
    const out = rows.map((r) => ({ accountId: r.target_account_id, followId: r.id }));
    return c.reverse ? out.reverse() : out;
  }

  /** Pending requests to follow `targetId`. */
  requests(targetId: string, p: Paging): Array<{ accountId: string; followId: string }> {
    const c = pageClause('f.id', p);
    const rows = this.db.all<{ account_id: string; id: string }>(
      `SELECT f.account_id, f.id FROM follows f WHERE f.target_account_id = ? AND f.state = 'pending'${c.where} ORDER BY ${c.order} LIMIT ?`,
      [targetId, ...c.params, p.limit],
    );
    const out = rows.map((r) => ({ accountId: r.account_id, followId: r.id }));
    return c.reverse ? out.reverse() : out;
  }

  /** Remote followers' inboxes (shared inbox when they have one), for delivery. */
  remoteFollowerInboxes(targetId: string): string[] {
    return this.db
      .all<{ inbox: string }>(
        "SELECT DISTINCT coalesce(a.shared_inbox_url, a.inbox_url) AS inbox FROM follows f JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = ? AND f.state = 'accepted' AND a.domain IS NOT NULL AND coalesce(a.shared_inbox_url, a.inbox_url) IS NOT NULL",
        [targetId],
      )
      .map((r) => r.inbox);
  }
}
