/** Browser sessions: a random id in an HttpOnly cookie (stored hashed) and the session's CSRF token. */
import type { Db } from './db.ts';
import { hashSecret, newSecret } from './secrets.ts';

export const SESSION_DAYS = 30;

export interface Session {
  accountId: string;
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

export class Sessions {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** A new session; returns the cookie value (never stored) and the CSRF token for its forms. */
  create(accountId: string, meta: { userAgent?: string; ip?: string } = {}, now = Date.now()): { id: string; csrf: string } {
    const id = newSecret();
    const csrf = newSecret(24);
    this.db.run('INSERT INTO sessions (id_hash, account_id, csrf, created_at, expires_at, user_agent, ip) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      hashSecret(id), accountId, csrf, now, now + SESSION_DAYS * 86_400_000, (meta.userAgent ?? '').slice(0, 300), meta.ip ?? null,
    ]);
    return { id, csrf };
  }

  /** The live session of a cookie value, or undefined (unknown, expired or of a deleted account). */
  get(id: string, now = Date.now()): Session | undefined {
    const r = this.db.get<{ account_id: string; csrf: string; created_at: number; expires_at: number }>(
      'SELECT s.account_id, s.csrf, s.created_at, s.expires_at FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id_hash = ? AND a.deleted_at IS NULL',
      [hashSecret(id)],
    );
    if (!r || r.expires_at <= now) return undefined;
    return { accountId: r.account_id, csrf: r.csrf, createdAt: r.created_at, expiresAt: r.expires_at };
  }

  delete(id: string): void {
    this.db.run('DELETE FROM sessions WHERE id_hash = ?', [hashSecret(id)]);
  }

  /** End every session of an account except, optionally, one (after a password change). */
  deleteAll(accountId: string, except?: string): void {
    if (except) this.db.run('DELETE FROM sessions WHERE account_id = ? AND id_hash <> ?', [accountId, hashSecret(except)]);
    else this.db.run('DELETE FROM sessions WHERE account_id = ?', [accountId]);
  }

  purgeExpired(now = Date.now()): number {
    return this.db.run('DELETE FROM sessions WHERE expires_at <= ?', [now]).changes;
  }
}
