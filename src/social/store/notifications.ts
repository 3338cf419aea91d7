/** Notifications of local accounts: who followed, favourited, reblogged or mentioned them. */
import type { Db, Row } from './db.ts';
import { newId } from './ids.ts';
import type { NotificationRow, NotificationType } from './rows.ts';
import { pageClause, type Paging } from './statuses.ts';
import { dropsNotification } from '../moderation/filter.ts';

function fromRow(r: Row): NotificationRow {
  return { id: String(r.id), accountId: String(r.account_id), type: r.type as NotificationType, fromAccountId: String(r.from_account_id), statusId: r.status_id === null ? null : String(r.status_id), createdAt: Number(r.created_at) };
}

export class Notifications {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Notify `accountId` (nothing when someone would notify themselves). */
  add(accountId: string, type: NotificationType, fromAccountId: string, statusId: string | null = null): NotificationRow | undefined {
    if (accountId === fromAccountId) return undefined;
    // Blocks, mutes that hide notifications, the recipient's domain blocks, suspended servers.
    if (dropsNotification(this.db, accountId, fromAccountId)) return undefined;
    const now = Date.now();
    const id = newId(now);
    this.db.run('INSERT INTO notifications (id, account_id, type, from_account_id, status_id, created_at) VALUES (?, ?, ?, ?, ?, ?)', [id, accountId, type, fromAccountId, statusId, now]);
    return this.get(accountId, id);
  }

  get(accountId: string, id: string): NotificationRow | undefined {
    const r = this.db.get('SELECT * FROM notifications WHERE id = ? AND account_id = ? AND dismissed = 0', [id, accountId]);
    return r ? fromRow(r) : undefined;
  }

  list(accountId: string, p: Paging, o: { types?: string[]; excludeTypes?: string[]; fromAccountId?: string } = {}): NotificationRow[] {
    const c = pageClause('id', p);
    let filter = 'account_id = ? AND dismissed = 0';
    const params: Array<string | number> = [accountId];
    if (o.types?.length) {
      filter += ` AND type IN (${o.types.map(() => '?').join(', ')})`;
      params.push(...o.types);
    }
    if (o.excludeTypes?.length) {
      filter += ` AND type NOT IN (${o.excludeTypes.map(() => '?').join(', ')})`;
      params.push(...o.excludeTypes);
    }
    if (o.fromAccountId) {
      filter += ' AND from_account_id = ?';
      params.push(o.fromAccountId);
    }
    const rows = this.db.all(`SELECT * FROM notifications WHERE ${filter}${c.where} ORDER BY ${c.order} LIMIT ?`, [...params, ...c.params, p.limit]).map(fromRow);
    return c.reverse ? rows.reverse() : rows;
  }

  dismiss(accountId: string, id: string): boolean {
    return this.db.run('UPDATE notifications SET dismissed = 1 WHERE account_id = ? AND id = ?', [accountId, id]).changes > 0;
  }

  clear(accountId: string): void {
    this.db.run('UPDATE notifications SET dismissed = 1 WHERE account_id = ?', [accountId]);
  }

  /** Drop the notification of a follow request once it is answered. */
  dismissOf(accountId: string, type: NotificationType, fromAccountId: string): void {
    this.db.run('UPDATE notifications SET dismissed = 1 WHERE account_id = ? AND type = ? AND from_account_id = ?', [accountId, type, fromAccountId]);
  }
}
