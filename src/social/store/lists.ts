/** Lists: an account's named sets of accounts, each with its own timeline. */
import type { Db, Row } from './db.ts';
import { newId } from './ids.ts';
import type { ListRow } from './rows.ts';
import { storedLine } from './text.ts';

function fromRow(r: Row): ListRow {
  return { id: String(r.id), accountId: String(r.account_id), title: String(r.title), repliesPolicy: r.replies_policy as ListRow['repliesPolicy'], exclusive: r.exclusive === 1, createdAt: Number(r.created_at) };
}

/** Lists one account may keep (bounds the work of a hostile client). */
export const MAX_LISTS = 100;
export const MAX_LIST_MEMBERS = 1000;

export class Lists {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  all(accountId: string): ListRow[] {
    return this.db.all('SELECT * FROM lists WHERE account_id = ? ORDER BY title, id', [accountId]).map(fromRow);
  }

  count(accountId: string): number {
    return this.db.get<{ n: number }>('SELECT count(*) AS n FROM lists WHERE account_id = ?', [accountId])?.n ?? 0;
  }

  get(accountId: string, id: string): ListRow | undefined {
    const r = this.db.get('SELECT * FROM lists WHERE id = ? AND account_id = ?', [id, accountId]);
    return r ? fromRow(r) : undefined;
  }

  create(accountId: string, o: { title: string; repliesPolicy?: ListRow['repliesPolicy']; exclusive?: boolean }): ListRow {
    const now = Date.now();
    const id = newId(now);
    this.db.run('INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at) VALUES (?, ?, ?, ?, ?, ?)', [id, accountId, storedLine(o.title), o.repliesPolicy ?? 'list', o.exclusive ? 1 : 0, now]);
    return this.get(accountId, id)!;
  }

  update(accountId: string, id: string, o: { title?: string; repliesPolicy?: ListRow['repliesPolicy']; exclusive?: boolean }): ListRow | undefined {
    const cur = this.get(accountId, id);
    if (!cur) return undefined;
    this.db.run('UPDATE lists SET title = ?, replies_policy = ?, exclusive = ? WHERE id = ?', [o.title !== undefined ? storedLine(o.title) : cur.title, o.repliesPolicy ?? cur.repliesPolicy, (o.exclusive ?? cur.exclusive) ? 1 : 0, id]);
    return this.get(accountId, id);
  }

  delete(accountId: string, id: string): boolean {
    return this.db.tx(() => {
      if (!this.get(accountId, id)) return false;
      this.db.run('DELETE FROM list_accounts WHERE list_id = ?', [id]);
      this.db.run('DELETE FROM lists WHERE id = ?', [id]);
      return true;
    });
  }

  members(listId: string, limit: number, offset = 0): string[] {
    return this.db.all<{ account_id: string }>('SELECT account_id FROM list_accounts WHERE list_id = ? ORDER BY account_id LIMIT ? OFFSET ?', [listId, limit, offset]).map((r) => r.account_id);
  }

  memberCount(listId: string): number {
    return this.db.get<{ n: number }>('SELECT count(*) AS n FROM list_accounts WHERE list_id = ?', [listId])?.n ?? 0;
  }

  addMembers(listId: string, accountIds: string[]): void {
    this.db.tx(() => {
      for (const a of accountIds) this.db.run('INSERT OR IGNORE INTO list_accounts (list_id, account_id) VALUES (?, ?)', [listId, a]);
    });
  }

  removeMembers(listId: string, accountIds: string[]): void {
    this.db.tx(() => {
      for (const a of accountIds) this.db.run('DELETE FROM list_accounts WHERE list_id = ? AND account_id = ?', [listId, a]);
    });
  }

  /** The lists of `ownerId` that contain `accountId`. */
  containing(ownerId: string, accountId: string): ListRow[] {
    return this.db.all('SELECT l.* FROM lists l JOIN list_accounts m ON m.list_id = l.id WHERE l.account_id = ? AND m.account_id = ? ORDER BY l.title', [ownerId, accountId]).map(fromRow);
  }
}
