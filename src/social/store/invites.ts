/** Invitation codes for an instance whose sign-up is by invite (stored hashed, with a use limit and an expiry). */
import type { Db } from './db.ts';
import { hashSecret, newSecret } from './secrets.ts';

export class Invites {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  create(o: { createdBy?: string | null; maxUses?: number | null; expiresAt?: number | null } = {}): string {
    const code = newSecret(12);
    this.db.run('INSERT INTO invites (code_hash, created_by, max_uses, expires_at, created_at) VALUES (?, ?, ?, ?, ?)', [
      hashSecret(code), o.createdBy ?? null, o.maxUses ?? 1, o.expiresAt ?? null, Date.now(),
    ]);
    return code;
  }

  /** Whether the code can still be used (without using it). */
  valid(code: string, now = Date.now()): boolean {
    const r = this.db.get<{ max_uses: number | null; uses: number; expires_at: number | null }>('SELECT max_uses, uses, expires_at FROM invites WHERE code_hash = ?', [hashSecret(code)]);
    return !!r && (r.max_uses === null || r.uses < r.max_uses) && (r.expires_at === null || r.expires_at > now);
  }

  /** Use the code once (inside the sign-up's transaction); false when it is unknown, used up or expired. */
  consume(code: string, now = Date.now()): boolean {
    if (!this.valid(code, now)) return false;
    this.db.run('UPDATE invites SET uses = uses + 1 WHERE code_hash = ?', [hashSecret(code)]);
    return true;
  }
}
