/** Accounts (local and remote) and the passwords of local ones. */
import type { Db, Row } from './db.ts';
import { newId } from './ids.ts';
import type { AccountRow, Role } from './rows.ts';
import { storedLine, storedText } from './text.ts';

const b = (v: unknown): boolean => v === 1 || v === 1n;
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function accountFromRow(r: Row): AccountRow {
  return {
    id: String(r.id),
    username: String(r.username),
    domain: s(r.domain),
    uri: s(r.uri),
    url: s(r.url),
    inboxUrl: s(r.inbox_url),
    sharedInboxUrl: s(r.shared_inbox_url),
    displayName: String(r.display_name),
    note: String(r.note),
    noteHtml: s(r.note_html),
    avatarUrl: s(r.avatar_url),
    headerUrl: s(r.header_url),
    locked: b(r.locked),
    bot: b(r.bot),
    discoverable: b(r.discoverable),
    indexable: b(r.indexable),
    role: r.role === 'admin' ? 'admin' : 'user',
    verified: b(r.verified),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
  };
}

/** The key a handle is unique under: lower case (Mastodon's usernames are case-insensitive). */
export const usernameKey = (username: string): string => username.toLowerCase();

export interface ProfileChange {
  displayName?: string;
  note?: string;
  noteHtml?: string | null;
  avatarUrl?: string | null;
  headerUrl?: string | null;
  locked?: boolean;
  bot?: boolean;
  discoverable?: boolean;
  indexable?: boolean;
}

/** What federation knows about a remote actor. */
export interface RemoteAccount {
  uri: string;
  username: string;
  domain: string;
  url?: string | null;
  inboxUrl?: string | null;
  sharedInboxUrl?: string | null;
  displayName?: string;
  noteHtml?: string | null;
  avatarUrl?: string | null;
  headerUrl?: string | null;
  locked?: boolean;
  bot?: boolean;
  discoverable?: boolean;
  indexable?: boolean;
  createdAt?: number;
}

export interface AccountCounts {
  statuses: number;
  followers: number;
  following: number;
  lastStatusAt: number | null;
}

export class Accounts {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  byId(id: string): AccountRow | undefined {
    const r = this.db.get('SELECT * FROM accounts WHERE id = ?', [id]);
    return r ? accountFromRow(r) : undefined;
  }

  /** A local account by username (any case), deleted ones included. */
  local(username: string): AccountRow | undefined {
    const r = this.db.get("SELECT * FROM accounts WHERE username_key = ? AND domain IS NULL", [usernameKey(username)]);
    return r ? accountFromRow(r) : undefined;
  }

  /** An account by username and domain (null or our own host: local). */
  byHandle(username: string, domain: string | null): AccountRow | undefined {
    if (domain === null) return this.local(username);
    const r = this.db.get('SELECT * FROM accounts WHERE username_key = ? AND domain = ?', [usernameKey(username), domain.toLowerCase()]);
    return r ? accountFromRow(r) : undefined;
  }

  byUri(uri: string): AccountRow | undefined {
    const r = this.db.get('SELECT * FROM accounts WHERE uri = ?', [uri]);
    return r ? accountFromRow(r) : undefined;
  }

  byIds(ids: string[]): Map<string, AccountRow> {
    const out = new Map<string, AccountRow>();
    for (const id of new Set(ids)) {
      const a = this.byId(id);
      if (a) out.set(id, a);
    }
    return out;
  }

  /** Create a local account; the caller has checked the username's form and the password's strength. */
  createLocal(o: { username: string; passwordHash: string; role?: Role; verified?: boolean; displayName?: string; now?: number }): AccountRow {
    const now = o.now ?? Date.now();
    const id = newId(now);
    return this.db.tx(() => {
      if (this.local(o.username)) throw new UsernameTaken(o.username);
      this.db.run(
        'INSERT INTO accounts (id, username, domain, username_key, display_name, role, verified, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?)',
        [id, o.username, usernameKey(o.username), storedLine(o.displayName ?? ''), o.role ?? 'user', o.verified ? 1 : 0, now, now],
      );
      this.db.run('INSERT INTO credentials (account_id, password_hash, changed_at) VALUES (?, ?, ?)', [id, o.passwordHash, now]);
      return this.byId(id)!;
    });
  }

  /** Insert or refresh a remote account by its actor id (federation calls this for every actor it meets). */
  upsertRemote(a: RemoteAccount): AccountRow {
    const now = Date.now();
    const domain = a.domain.toLowerCase();
    return this.db.tx(() => {
      const existing = this.byUri(a.uri);
      const vals = [
        a.url ?? null, a.inboxUrl ?? null, a.sharedInboxUrl ?? null, storedLine(a.displayName ?? ''), a.noteHtml ?? null,
        a.avatarUrl ?? null, a.headerUrl ?? null, a.locked ? 1 : 0, a.bot ? 1 : 0, a.discoverable === false ? 0 : 1, a.indexable === false ? 0 : 1,
      ];
      if (existing) {
        this.db.run(
          'UPDATE accounts SET url = ?, inbox_url = ?, shared_inbox_url = ?, display_name = ?, note_html = ?, avatar_url = ?, header_url = ?, locked = ?, bot = ?, discoverable = ?, indexable = ?, updated_at = ? WHERE id = ?',
          [...vals, now, existing.id],
        );
        return this.byId(existing.id)!;
      }
      // Another actor may have held this handle before (a server that was reset): the newest wins.
      this.db.run("UPDATE accounts SET username_key = username_key || '#' || id WHERE username_key = ? AND domain = ?", [usernameKey(a.username), domain]);
      const id = newId(a.createdAt ?? now);
      this.db.run(
        'INSERT INTO accounts (id, username, domain, username_key, uri, url, inbox_url, shared_inbox_url, display_name, note_html, avatar_url, header_url, locked, bot, discoverable, indexable, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [id, a.username, domain, usernameKey(a.username), a.uri, ...vals, a.createdAt ?? now, now],
      );
      return this.byId(id)!;
    });
  }

  updateProfile(id: string, c: ProfileChange): AccountRow {
    const sets: string[] = [];
    const vals: Array<string | number | null> = [];
    const put = (col: string, v: string | number | null) => {
      sets.push(`${col} = ?`);
      vals.push(v);
    };
    if (c.displayName !== undefined) put('display_name', storedLine(c.displayName));
    if (c.note !== undefined) put('note', storedText(c.note));
    if (c.noteHtml !== undefined) put('note_html', c.noteHtml);
    if (c.avatarUrl !== undefined) put('avatar_url', c.avatarUrl);
    if (c.headerUrl !== undefined) put('header_url', c.headerUrl);
    for (const k of ['locked', 'bot', 'discoverable', 'indexable'] as const) if (c[k] !== undefined) put(k, c[k] ? 1 : 0);
    put('updated_at', Date.now());
    this.db.run(`UPDATE accounts SET ${sets.join(', ')} WHERE id = ?`, [...vals, id]);
    return this.byId(id)!;
  }

  setRole(id: string, role: Role): void {
    this.db.run('UPDATE accounts SET role = ?, updated_at = ? WHERE id = ?', [role, Date.now(), id]);
  }

  setVerified(id: string, verified: boolean): void {
    this.db.run('UPDATE accounts SET verified = ?, updated_at = ? WHERE id = ?', [verified ? 1 : 0, Date.now(), id]);
  }

  passwordHash(id: string): string | undefined {
    return this.db.get<{ password_hash: string }>('SELECT password_hash FROM credentials WHERE account_id = ?', [id])?.password_hash;
  }

  setPasswordHash(id: string, hash: string): void {
    this.db.run('UPDATE credentials SET password_hash = ?, changed_at = ? WHERE account_id = ?', [hash, Date.now(), id]);
  }

  /**
   * Mark an account deleted: its password, sessions and tokens go, its posts are marked deleted
   * (each gets a new change sequence number), its follows end. The row stays, so the username is
   * never given to someone else and federation can still answer with a Tombstone.
   */
  markDeleted(id: string, nextSeq: () => number): void {
    const now = Date.now();
    this.db.tx(() => {
      this.db.run('UPDATE accounts SET deleted_at = ?, display_name = \'\', note = \'\', note_html = NULL, avatar_url = NULL, header_url = NULL, updated_at = ? WHERE id = ? AND deleted_at IS NULL', [now, now, id]);
      this.db.run('DELETE FROM credentials WHERE account_id = ?', [id]);
      this.db.run('DELETE FROM sessions WHERE account_id = ?', [id]);
      this.db.run('UPDATE tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL', [now, id]);
      for (const r of this.db.all<{ id: string }>('SELECT id FROM statuses WHERE account_id = ? AND deleted_at IS NULL', [id])) {
        this.db.run('UPDATE statuses SET deleted_at = ?, seq = ? WHERE id = ?', [now, nextSeq(), r.id]);
      }
      this.db.run('DELETE FROM follows WHERE account_id = ? OR target_account_id = ?', [id, id]);
      this.db.run('DELETE FROM favourites WHERE account_id = ?', [id]);
      this.db.run('DELETE FROM list_accounts WHERE account_id = ? OR list_id IN (SELECT id FROM lists WHERE account_id = ?)', [id, id]);
      this.db.run('DELETE FROM lists WHERE account_id = ?', [id]);
      this.db.run('UPDATE notifications SET dismissed = 1 WHERE account_id = ? OR from_account_id = ?', [id, id]);
    });
  }

  counts(id: string): AccountCounts {
    const st = this.db.get<{ n: number; last: number | null }>('SELECT count(*) AS n, max(created_at) AS last FROM statuses WHERE account_id = ? AND deleted_at IS NULL AND visibility IN (\'public\', \'unlisted\', \'private\')', [id]);
    const followers = this.db.get<{ n: number }>("SELECT count(*) AS n FROM follows WHERE target_account_id = ? AND state = 'accepted'", [id])?.n ?? 0;
    const following = this.db.get<{ n: number }>("SELECT count(*) AS n FROM follows WHERE account_id = ? AND state = 'accepted'", [id])?.n ?? 0;
    return { statuses: st?.n ?? 0, followers, following, lastStatusAt: st?.last ?? null };
  }

  localCount(): number {
    return this.db.get<{ n: number }>('SELECT count(*) AS n FROM accounts WHERE domain IS NULL AND deleted_at IS NULL')?.n ?? 0;
  }

  domainCount(): number {
    return this.db.get<{ n: number }>('SELECT count(DISTINCT domain) AS n FROM accounts WHERE domain IS NOT NULL')?.n ?? 0;
  }

  /**
   * Accounts whose username starts with `q` or whose display name contains it (case-insensitive
   * for ASCII; the caller passes the query in NFC). Local accounts first.
   */
  search(q: string, limit: number, offset = 0): AccountRow[] {
    const like = q.replace(/[\\%_]/g, (c) => '\\' + c);
    return this.db
      .all(
        "SELECT * FROM accounts WHERE deleted_at IS NULL AND (username_key LIKE ? ESCAPE '\\' OR lower(display_name) LIKE ? ESCAPE '\\') ORDER BY domain IS NOT NULL, username_key LIMIT ? OFFSET ?",
        [usernameKey(like) + '%', '%' + like.toLowerCase() + '%', limit, offset],
      )
      .map(accountFromRow);
  }
}

export class UsernameTaken extends Error {
  readonly username: string;
  constructor(username: string) {
    super(`tên người dùng "${username}" đã có người dùng; hãy chọn tên khác`);
    this.username = username;
  }
}
