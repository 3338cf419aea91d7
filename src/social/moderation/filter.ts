/**
 * What a reader's own choices and the instance's domain policy take out of what they read — the
 * one filter every timeline, feed and notification goes through:
 *
 *   accounts  the reader muted (until the mute expires), blocked, or is blocked by
 *   domains   servers the reader hid for themselves, and servers the operator suspended
 *   silenced  servers the operator silenced: out of public timelines and ranked feeds only
 *
 * `moderationView(db, viewerId)` reads those sets once per request; the same object answers as SQL
 * (`where`, over a statuses alias, for the store's timelines and the feeds' candidate queries) and
 * in code (`hidesStatus` / `hidesAccount`, for the feeds' rules and single posts). When the reader
 * hid nothing and the operator set no policy, `where` is empty and costs nothing.
 *
 * This is filtering the reader asked for, or transparency-listed server policy; there is no
 * keyword filtering and no scoring of people.
 */
import type { Db } from '../store/db.ts';
import type { AccountRow, StatusRow } from '../store/rows.ts';

export type Severity = 'silence' | 'suspend';

/** Does `host` (an account's domain, maybe with a port) fall under `domain` (itself or a subdomain)? */
export function domainMatches(host: string | null, domain: string): boolean {
  if (host === null) return false;
  const h = host.toLowerCase();
  return h === domain || h.endsWith('.' + domain);
}

/** The instance's policies by severity (a tiny table: read whole). */
export function domainPolicies(db: Db): { suspend: string[]; silence: string[] } {
  const out = { suspend: [] as string[], silence: [] as string[] };
  for (const r of db.all<{ domain: string; severity: Severity }>('SELECT domain, severity FROM domain_policies')) out[r.severity].push(r.domain);
  return out;
}

/** The policy that applies to a host (the most severe of its own and its parents'), or undefined. */
export function policyFor(db: Db, host: string | null): Severity | undefined {
  if (host === null) return undefined;
  const p = domainPolicies(db);
  if (p.suspend.some((d) => domainMatches(host, d))) return 'suspend';
  if (p.silence.some((d) => domainMatches(host, d))) return 'silence';
  return undefined;
}

export interface ModerationView {
  viewerId: string | undefined;
  /** Accounts hidden from the viewer: muted (active), blocked, blocking the viewer. */
  accounts: Set<string>;
  /** Domains hidden from the viewer: their own domain blocks and the suspended servers. */
  domains: string[];
  silenced: string[];
  /** Nothing is hidden at all. */
  empty: boolean;
  /**
   * SQL over statuses alias `alias` (with its parameters): true for statuses the viewer may be
   * shown — neither the post's author nor, for a boost, the boosted post's author is hidden.
   * `publicContext` also leaves out silenced servers (public timelines, ranked feeds).
   */
  where(alias: string, o?: { publicContext?: boolean }): { sql: string; params: string[] };
  hidesAccount(a: Pick<AccountRow, 'id' | 'domain'>, o?: { publicContext?: boolean }): boolean;
  /** The status, or the post it boosts, is by a hidden account. */
  hidesStatus(st: StatusRow, o?: { publicContext?: boolean }): boolean;
}

/** Account ids the viewer muted (active), blocked, or is blocked by. */
function hiddenAccounts(db: Db, viewerId: string, now: number): Set<string> {
  const rows = db.all<{ id: string }>(
    `SELECT target_account_id AS id FROM mutes WHERE account_id = ?1 AND (expires_at IS NULL OR expires_at > ?2)
     UNION SELECT target_account_id FROM blocks WHERE account_id = ?1
     UNION SELECT account_id FROM blocks WHERE target_account_id = ?1`,
    [viewerId, now],
  );
  return new Set(rows.map((r) => r.id));
}

export function moderationView(db: Db, viewerId: string | undefined, now = Date.now()): ModerationView {
  const policies = domainPolicies(db);
  const accounts = viewerId ? hiddenAccounts(db, viewerId, now) : new Set<string>();
  const own = viewerId ? db.all<{ domain: string }>('SELECT domain FROM account_domain_blocks WHERE account_id = ?', [viewerId]).map((r) => r.domain) : [];
  const domains = [...new Set([...own, ...policies.suspend])];
  const silenced = policies.silence;
  const accountsJson = JSON.stringify([...accounts]);
  const cache = new Map<string, AccountRow['domain'] | undefined>();
  const domainOf = (id: string): string | null => {
    if (!cache.has(id)) cache.set(id, db.get<{ domain: string | null }>('SELECT domain FROM accounts WHERE id = ?', [id])?.domain ?? null);
    return cache.get(id) ?? null;
  };
  const view: ModerationView = {
    viewerId,
    accounts,
    domains,
    silenced,
    empty: accounts.size === 0 && domains.length === 0 && silenced.length === 0,
    where(alias, o = {}) {
      const doms = o.publicContext ? [...domains, ...silenced] : domains;
      if (accounts.size === 0 && doms.length === 0) return { sql: '', params: [] };
      const parts: string[] = [];
      const params: string[] = [];
      // The author and, for a boost, the boosted post's author ('' when not a boost).
      const authors = [`${alias}.account_id`, `coalesce((SELECT o.account_id FROM statuses o WHERE o.id = ${alias}.reblog_of_id), '')`];
      for (const who of authors) {
        if (accounts.size) {
          parts.push(`${who} NOT IN (SELECT value FROM json_each(?))`);
          params.push(accountsJson);
        }
        if (doms.length) {
          parts.push(`NOT EXISTS (SELECT 1 FROM accounts ma, json_each(?) d WHERE ma.id = ${who} AND ma.domain IS NOT NULL
            AND (lower(ma.domain) = d.value OR substr(lower(ma.domain), -length(d.value) - 1) = '.' || d.value))`);
          params.push(JSON.stringify(doms));
        }
      }
      if (viewerId) {
        // One's own posts are never hidden from oneself.
        return { sql: ` AND (${alias}.account_id = ? OR (${parts.join(' AND ')}))`, params: [viewerId, ...params] };
      }
      return { sql: ` AND ${parts.join(' AND ')}`, params };
    },
    hidesAccount(a, o = {}) {
      if (a.id === viewerId) return false;
      if (accounts.has(a.id)) return true;
      const doms = o.publicContext ? [...domains, ...silenced] : domains;
      return doms.some((d) => domainMatches(a.domain, d));
    },
    hidesStatus(st, o = {}) {
      if (st.accountId === viewerId) return false;
      const ids = [st.accountId];
      if (st.reblogOfId) {
        const orig = db.get<{ account_id: string }>('SELECT account_id FROM statuses WHERE id = ?', [st.reblogOfId]);
        if (orig) ids.push(orig.account_id);
      }
      return ids.some((id) => id !== viewerId && view.hidesAccount({ id, domain: domainOf(id) }, o));
    },
  };
  return view;
}

/** Has `blockerId` blocked `targetId`? */
export function isBlocking(db: Db, blockerId: string, targetId: string): boolean {
  return !!db.get('SELECT 1 AS x FROM blocks WHERE account_id = ? AND target_account_id = ?', [blockerId, targetId]);
}

/** Does either account block the other? */
export function blockedEitherWay(db: Db, a: string, b: string): boolean {
  return !!db.get('SELECT 1 AS x FROM blocks WHERE (account_id = ?1 AND target_account_id = ?2) OR (account_id = ?2 AND target_account_id = ?1)', [a, b]);
}

/**
 * Should a notification from `fromId` to `toId` be dropped? Blocks either way, a mute that hides
 * notifications, the recipient's own domain block, or a suspended server.
 */
export function dropsNotification(db: Db, toId: string, fromId: string, now = Date.now()): boolean {
  if (blockedEitherWay(db, toId, fromId)) return true;
  if (db.get('SELECT 1 AS x FROM mutes WHERE account_id = ? AND target_account_id = ? AND hide_notifications = 1 AND (expires_at IS NULL OR expires_at > ?)', [toId, fromId, now])) return true;
  const from = db.get<{ domain: string | null }>('SELECT domain FROM accounts WHERE id = ?', [fromId]);
  if (!from || from.domain === null) return false;
  if (policyFor(db, from.domain) === 'suspend') return true;
  return db.all<{ domain: string }>('SELECT domain FROM account_domain_blocks WHERE account_id = ?', [toId]).some((r) => domainMatches(from.domain, r.domain));
}
