/**
 * Statuses (posts, replies and reblogs), their hashtags and mentions, favourites, the
 * Idempotency-Key memory, and the timelines read from them.
 *
 * Every write to a status (insert, edit, deletion) gives it the next number of the `statuses`
 * change sequence (column `seq`), so a post index can follow the table incrementally with
 * `changesSince(seq)`: deleted statuses stay as rows with `deleted_at` set (tombstones) for that
 * reason.
 */
import type { Db, Row } from './db.ts';
import { newId } from './ids.ts';
import type { FavouriteRow, StatusRow, Visibility } from './rows.ts';
import { storedText } from './text.ts';
import { isBlocking, moderationView, policyFor } from '../moderation/filter.ts';

const b = (v: unknown): boolean => v === 1 || v === 1n;
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function statusFromRow(r: Row): StatusRow {
  return {
    id: String(r.id),
    seq: Number(r.seq),
    accountId: String(r.account_id),
    uri: s(r.uri),
    url: s(r.url),
    text: String(r.text),
    content: String(r.content),
    spoilerText: String(r.spoiler_text),
    sensitive: b(r.sensitive),
    visibility: r.visibility as Visibility,
    language: s(r.language),
    inReplyToId: s(r.in_reply_to_id),
    inReplyToAccountId: s(r.in_reply_to_account_id),
    reblogOfId: s(r.reblog_of_id),
    appId: s(r.app_id),
    createdAt: Number(r.created_at),
    editedAt: n(r.edited_at),
    deletedAt: n(r.deleted_at),
  };
}

export interface NewStatus {
  accountId: string;
  text?: string;
  /** The HTML shown to readers (made by the caller from the text, or received from a remote server). */
  content: string;
  spoilerText?: string;
  sensitive?: boolean;
  visibility: Visibility;
  language?: string | null;
  inReplyToId?: string | null;
  inReplyToAccountId?: string | null;
  reblogOfId?: string | null;
  appId?: string | null;
  /** Remote statuses: their ActivityPub id and public URL. */
  uri?: string | null;
  url?: string | null;
  createdAt?: number;
  /** Hashtags: key (the matching form) and name (as written). */
  tags?: Array<{ key: string; name: string }>;
  mentionedAccountIds?: string[];
}

/** Paging as Mastodon clients ask for it; the rows come back newest first either way. */
export interface Paging {
  maxId?: string;
  sinceId?: string;
  minId?: string;
  limit: number;
}

/** The WHERE fragment, order and limit for a page over column `col`. */
export function pageClause(col: string, p: Paging): { where: string; params: string[]; order: string; reverse: boolean } {
  const where: string[] = [];
  const params: string[] = [];
  if (p.maxId !== undefined) {
    where.push(`${col} < ?`);
    params.push(p.maxId);
  }
  if (p.sinceId !== undefined) {
    where.push(`${col} > ?`);
    params.push(p.sinceId);
  }
  // min_id: the page immediately newer than the bound (read oldest first, then turned around).
  const reverse = p.minId !== undefined;
  if (reverse) {
    where.push(`${col} > ?`);
    params.push(p.minId!);
  }
  return { where: where.length ? ' AND ' + where.join(' AND ') : '', params, order: `${col} ${reverse ? 'ASC' : 'DESC'}`, reverse };
}

/** Statuses a viewer may see: SQL over alias `s`, with the viewer's id as every `?` in it. */
const VISIBLE_TO = `(s.visibility IN ('public', 'unlisted')
  OR s.account_id = ?
  OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ? AND f.target_account_id = s.account_id AND f.state = 'accepted'))
  OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = ?))`;

/** Statuses of local or remote authors only: a per-row lookup (an IN list would make SQLite sort every match). */
function originFilter(where: 'all' | 'local' | 'remote'): string {
  if (where === 'all') return '';
  return ` AND (SELECT a.domain IS ${where === 'local' ? '' : 'NOT '}NULL FROM accounts a WHERE a.id = s.account_id)`;
}

export class Statuses {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** The next number of the change sequence (inside the caller's transaction). */
  nextSeq(): number {
    const r = this.db.get<{ value: number }>("INSERT INTO sequences (name, value) VALUES ('statuses', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value");
    return Number(r!.value);
  }

  create(o: NewStatus): StatusRow {
    const now = o.createdAt ?? Date.now();
    const id = newId(now);
    return this.db.tx(() => {
      this.db.run(
        `INSERT INTO statuses (id, seq, account_id, uri, url, text, content, spoiler_text, sensitive, visibility, language, in_reply_to_id, in_reply_to_account_id, reblog_of_id, app_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id, this.nextSeq(), o.accountId, o.uri ?? null, o.url ?? null, storedText(o.text ?? ''), storedText(o.content), storedText(o.spoilerText ?? ''),
          o.sensitive || (o.spoilerText ?? '') !== '' ? 1 : 0, o.visibility, o.language ?? null, o.inReplyToId ?? null, o.inReplyToAccountId ?? null,
          o.reblogOfId ?? null, o.appId ?? null, now,
        ],
      );
      this.writeTags(id, o.tags ?? []);
      for (const a of new Set(o.mentionedAccountIds ?? [])) this.db.run('INSERT OR IGNORE INTO mentions (status_id, account_id) VALUES (?, ?)', [id, a]);
      return this.byId(id)!;
    });
  }

  private writeTags(id: string, tags: Array<{ key: string; name: string }>): void {
    this.db.run('DELETE FROM status_tags WHERE status_id = ?', [id]);
    const seen = new Set<string>();
    for (const t of tags) {
      if (seen.has(t.key)) continue;
      seen.add(t.key);
      this.db.run('INSERT INTO status_tags (tag, status_id, name) VALUES (?, ?, ?)', [t.key, id, t.name]);
    }
  }

  /** Change a status's text (an edit, or an Update received from its server). */
  edit(id: string, o: { text?: string; content: string; spoilerText?: string; sensitive?: boolean; language?: string | null; tags?: Array<{ key: string; name: string }>; editedAt?: number }): StatusRow {
    return this.db.tx(() => {
      this.db.run('UPDATE statuses SET text = ?, content = ?, spoiler_text = ?, sensitive = ?, language = ?, edited_at = ?, seq = ? WHERE id = ?', [
        storedText(o.text ?? ''), storedText(o.content), storedText(o.spoilerText ?? ''), o.sensitive || (o.spoilerText ?? '') !== '' ? 1 : 0, o.language ?? null,
        o.editedAt ?? Date.now(), this.nextSeq(), id,
      ]);
      if (o.tags) this.writeTags(id, o.tags);
      return this.byId(id)!;
    });
  }

  byId(id: string): StatusRow | undefined {
    const r = this.db.get('SELECT * FROM statuses WHERE id = ?', [id]);
    return r ? statusFromRow(r) : undefined;
  }

  byUri(uri: string): StatusRow | undefined {
    const r = this.db.get('SELECT * FROM statuses WHERE uri = ?', [uri]);
    return r ? statusFromRow(r) : undefined;
  }

  /** Mark deleted (with its reblogs); returns the row as it was, or undefined when already gone. */
  delete(id: string, now = Date.now()): StatusRow | undefined {
    return this.db.tx(() => {
      const st = this.byId(id);
      if (!st || st.deletedAt !== null) return undefined;
      this.db.run('UPDATE statuses SET deleted_at = ?, seq = ? WHERE id = ?', [now, this.nextSeq(), id]);
      for (const r of this.db.all<{ id: string }>('SELECT id FROM statuses WHERE reblog_of_id = ? AND deleted_at IS NULL', [id])) {
        this.db.run('UPDATE statuses SET deleted_at = ?, seq = ? WHERE id = ?', [now, this.nextSeq(), r.id]);
      }
      this.db.run('UPDATE notifications SET dismissed = 1 WHERE status_id = ?', [id]);
      return st;
    });
  }

  /** Rows changed after `seq`, in change order (deleted ones included, with deletedAt set). */
  changesSince(seq: number, limit: number): StatusRow[] {
    return this.db.all('SELECT * FROM statuses WHERE seq > ? ORDER BY seq LIMIT ?', [seq, limit]).map(statusFromRow);
  }

  lastSeq(): number {
    return this.db.get<{ v: number | null }>('SELECT max(seq) AS v FROM statuses')?.v ?? 0;
  }

  tags(ids: string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const id of ids) out.set(id, this.db.all<{ name: string }>('SELECT name FROM status_tags WHERE status_id = ? ORDER BY rowid', [id]).map((r) => r.name));
    return out;
  }

  mentions(id: string): string[] {
    return this.db.all<{ account_id: string }>('SELECT account_id FROM mentions WHERE status_id = ?', [id]).map((r) => r.account_id);
  }

  counts(id: string): { replies: number; reblogs: number; favourites: number } {
    const r = this.db.get<{ replies: number; reblogs: number; favourites: number }>(
      `SELECT (SELECT count(*) FROM statuses WHERE in_reply_to_id = ?1 AND deleted_at IS NULL) AS replies,
              (SELECT count(*) FROM statuses WHERE reblog_of_id = ?1 AND deleted_at IS NULL) AS reblogs,
              (SELECT count(*) FROM favourites WHERE status_id = ?1) AS favourites`,
      [id],
    );
    return { replies: r?.replies ?? 0, reblogs: r?.reblogs ?? 0, favourites: r?.favourites ?? 0 };
  }

  /** Whether a viewer favourited / reblogged a status. */
  viewerState(viewerId: string, id: string): { favourited: boolean; reblogged: boolean } {
    const f = this.db.get('SELECT 1 AS x FROM favourites WHERE account_id = ? AND status_id = ?', [viewerId, id]);
    const r = this.db.get('SELECT 1 AS x FROM statuses WHERE account_id = ? AND reblog_of_id = ? AND deleted_at IS NULL', [viewerId, id]);
    return { favourited: !!f, reblogged: !!r };
  }

  /** May this viewer (undefined: anonymous) see the status? */
  canSee(st: StatusRow, viewerId: string | undefined): boolean {
    if (st.deletedAt !== null) return false;
    // A suspended server's posts are shown to nobody; an author who blocked the viewer is not read by them.
    if (this.blockedOrSuspended(st.accountId, viewerId)) return false;
    if (st.visibility === 'public' || st.visibility === 'unlisted') return true;
    if (viewerId === undefined) return false;
    if (st.accountId === viewerId) return true;
    const r = this.db.get(`SELECT 1 AS x FROM statuses s WHERE s.id = ? AND ${VISIBLE_TO}`, [st.id, viewerId, viewerId, viewerId]);
    return !!r;
  }

  private blockedOrSuspended(authorId: string, viewerId: string | undefined): boolean {
    if (viewerId !== undefined && authorId !== viewerId && isBlocking(this.db, authorId, viewerId)) return true;
    const domain = this.db.get<{ domain: string | null }>('SELECT domain FROM accounts WHERE id = ?', [authorId])?.domain ?? null;
    return domain !== null && policyFor(this.db, domain) === 'suspend';
  }

  /** A viewer's live reblog of a status. */
  reblogBy(accountId: string, statusId: string): StatusRow | undefined {
    const r = this.db.get('SELECT * FROM statuses WHERE account_id = ? AND reblog_of_id = ? AND deleted_at IS NULL', [accountId, statusId]);
    return r ? statusFromRow(r) : undefined;
  }

  favourite(accountId: string, statusId: string, uri: string | null = null): { row: FavouriteRow; created: boolean } {
    return this.db.tx(() => {
      const have = this.favouriteOf(accountId, statusId);
      if (have) return { row: have, created: false };
      const now = Date.now();
      const id = newId(now);
      this.db.run('INSERT INTO favourites (id, account_id, status_id, uri, created_at) VALUES (?, ?, ?, ?, ?)', [id, accountId, statusId, uri, now]);
      return { row: this.favouriteOf(accountId, statusId)!, created: true };
    });
  }

  favouriteOf(accountId: string, statusId: string): FavouriteRow | undefined {
    const r = this.db.get('SELECT * FROM favourites WHERE account_id = ? AND status_id = ?', [accountId, statusId]);
    return r ? { id: String(r.id), accountId: String(r.account_id), statusId: String(r.status_id), uri: s(r.uri), createdAt: Number(r.created_at) } : undefined;
  }

  unfavourite(accountId: string, statusId: string): FavouriteRow | undefined {
    const have = this.favouriteOf(accountId, statusId);
    if (have) this.db.run('DELETE FROM favourites WHERE id = ?', [have.id]);
    return have;
  }

  // --- Idempotency-Key: the same key from the same account within an hour returns the same status.

  idempotent(accountId: string, key: string, now = Date.now()): string | undefined {
    return this.db.get<{ status_id: string }>('SELECT status_id FROM idempotency_keys WHERE account_id = ? AND key = ? AND created_at > ?', [accountId, key, now - 3_600_000])?.status_id;
  }

  rememberIdempotent(accountId: string, key: string, statusId: string, now = Date.now()): void {
    this.db.run('INSERT INTO idempotency_keys (account_id, key, status_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (account_id, key) DO UPDATE SET status_id = excluded.status_id, created_at = excluded.created_at', [accountId, key, statusId, now]);
    this.db.run('DELETE FROM idempotency_keys WHERE created_at < ?', [now - 3_600_000]);
  }

  // --- Reading many.

  /**
   * A page of statuses matching `filter`, without what the viewer hid (mutes, blocks, their domain
   * blocks) and what the instance suspended — `publicContext` also leaves out silenced servers
   * (moderation/filter.ts, the one filter timelines and feeds share).
   */
  private page(filter: string, params: Array<string | number>, p: Paging, viewerId?: string, o: { publicContext?: boolean } = {}): StatusRow[] {
    const c = pageClause('s.id', p);
    const hide = moderationView(this.db, viewerId).where('s', o);
    const rows = this.db.all(`SELECT s.* FROM statuses s WHERE s.deleted_at IS NULL AND ${filter}${hide.sql}${c.where} ORDER BY ${c.order} LIMIT ?`, [...params, ...hide.params, ...c.params, p.limit]).map(statusFromRow);
    return c.reverse ? rows.reverse() : rows;
  }

  /** The home timeline: one's own statuses, those of accounts one follows, and direct ones naming one. */
  home(viewerId: string, p: Paging): StatusRow[] {
    return this.page(
      `(s.account_id = ? OR (s.visibility <> 'direct' AND s.account_id IN (SELECT target_account_id FROM follows WHERE account_id = ? AND state = 'accepted'))
        OR (s.visibility = 'direct' AND EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = ?)))`,
      [viewerId, viewerId, viewerId],
      p,
      viewerId,
    );
  }

  /** Public statuses (no reblogs), of this server only (`local`), of others only (`remote`), or all. */
  publicTimeline(p: Paging, where: 'all' | 'local' | 'remote' = 'all', viewerId?: string): StatusRow[] {
    // `+` keeps SQLite from driving the query by the reblog index: walking the primary key newest
    // first and stopping at `limit` is what keeps this fast on a large table.
    return this.page(`s.visibility = 'public' AND +s.reblog_of_id IS NULL${originFilter(where)}`, [], p, viewerId, { publicContext: true });
  }

  /** Public statuses carrying a hashtag (by its matching key). */
  tagTimeline(tag: string, p: Paging, where: 'all' | 'local' | 'remote' = 'all', viewerId?: string): StatusRow[] {
    return this.page(`s.visibility = 'public' AND s.id IN (SELECT status_id FROM status_tags WHERE tag = ?)${originFilter(where)}`, [tag], p, viewerId, { publicContext: true });
  }

  /** Statuses by the members of a list that its owner may see. */
  listTimeline(listId: string, ownerId: string, p: Paging): StatusRow[] {
    return this.page(`s.account_id IN (SELECT account_id FROM list_accounts WHERE list_id = ?) AND s.visibility <> 'direct' AND ${VISIBLE_TO}`, [listId, ownerId, ownerId, ownerId], p, ownerId);
  }

  /** One account's statuses as a viewer may see them. */
  byAccount(accountId: string, viewerId: string | undefined, p: Paging, o: { excludeReplies?: boolean; excludeReblogs?: boolean; tag?: string } = {}): StatusRow[] {
    // An author who blocked the viewer, or a suspended server, shows the viewer nothing.
    if (this.blockedOrSuspended(accountId, viewerId)) return [];
    let filter = 's.account_id = ?';
    const params: Array<string | number> = [accountId];
    if (viewerId === undefined) filter += " AND s.visibility IN ('public', 'unlisted')";
    else {
      filter += ` AND ${VISIBLE_TO}`;
      params.push(viewerId, viewerId, viewerId);
    }
    if (o.excludeReplies) filter += ' AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)';
    if (o.excludeReblogs) filter += ' AND s.reblog_of_id IS NULL';
    if (o.tag !== undefined) {
      filter += ' AND s.id IN (SELECT status_id FROM status_tags WHERE tag = ?)';
      params.push(o.tag);
    }
    return this.page(filter, params, p);
  }

  /** The statuses a status replies to, oldest first (at most `limit`, stopping at a loop). */
  ancestors(st: StatusRow, limit = 40): StatusRow[] {
    const out: StatusRow[] = [];
    const seen = new Set([st.id]);
    let cur = st;
    while (cur.inReplyToId && out.length < limit && !seen.has(cur.inReplyToId)) {
      seen.add(cur.inReplyToId);
      const parent = this.byId(cur.inReplyToId);
      if (!parent) break;
      out.push(parent);
      cur = parent;
    }
    return out.reverse();
  }

  /** Replies under a status, depth first in the order they were written (at most `limit`). */
  descendants(st: StatusRow, limit = 200): StatusRow[] {
    const out: StatusRow[] = [];
    const walk = (id: string, depth: number) => {
      if (depth > 64) return;
      for (const r of this.db.all('SELECT * FROM statuses WHERE in_reply_to_id = ? AND deleted_at IS NULL ORDER BY id LIMIT ?', [id, limit]).map(statusFromRow)) {
        if (out.length >= limit) return;
        out.push(r);
        walk(r.id, depth + 1);
      }
    };
    walk(st.id, 0);
    return out;
  }

  /** Who favourited or reblogged a status (account ids, newest first). */
  favouritedBy(statusId: string, limit: number): string[] {
    return this.db.all<{ account_id: string }>('SELECT account_id FROM favourites WHERE status_id = ? ORDER BY id DESC LIMIT ?', [statusId, limit]).map((r) => r.account_id);
  }

  rebloggedBy(statusId: string, limit: number): string[] {
    return this.db.all<{ account_id: string }>('SELECT account_id FROM statuses WHERE reblog_of_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?', [statusId, limit]).map((r) => r.account_id);
  }

  favourites(accountId: string, p: Paging): Array<{ favouriteId: string; status: StatusRow }> {
    return favouritesOf(this.db, accountId, p);
  }

  localCount(): number {
    return this.db.get<{ n: number }>('SELECT count(*) AS n FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE a.domain IS NULL AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL')?.n ?? 0;
  }
}

/** The statuses an account favourited, newest favourite first, paged by the favourite's id. */
export function favouritesOf(db: Db, accountId: string, p: Paging): Array<{ favouriteId: string; status: StatusRow }> {
  const c = pageClause('f.id', p);
  const rows = db.all<Row & { fav_id: string }>(
    `SELECT s.*, f.id AS fav_id FROM favourites f JOIN statuses s ON s.id = f.status_id WHERE f.account_id = ? AND s.deleted_at IS NULL${c.where} ORDER BY ${c.order} LIMIT ?`,
    [accountId, ...c.params, p.limit],
  );
  const out = rows.map((r) => ({ favouriteId: String(r.fav_id), status: statusFromRow(r) }));
  return c.reverse ? out.reverse() : out;
}
