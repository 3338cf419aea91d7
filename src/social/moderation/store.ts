/**
 * The moderation tables of DIR/social.sqlite (migration 2 of store/schema.ts): blocks, mutes,
 * a reader's own domain blocks, the operator's domain policy, reports and the moderation log.
 * Plain reads and writes; the rules (who may do what, what else changes, what federates) are in
 * service.ts.
 */
import type { Db, Row } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { pageClause, type Paging } from '../store/statuses.ts';
import { storedText } from '../store/text.ts';
import type { Severity } from './filter.ts';

export interface BlockRow {
  id: string;
  accountId: string;
  targetAccountId: string;
  uri: string | null;
  createdAt: number;
}

export interface MuteRow {
  id: string;
  accountId: string;
  targetAccountId: string;
  hideNotifications: boolean;
  expiresAt: number | null;
  createdAt: number;
}

export interface DomainPolicyRow {
  domain: string;
  severity: Severity;
  publicComment: string;
  privateComment: string;
  createdAt: number;
  updatedAt: number;
}

export const REPORT_CATEGORIES = ['spam', 'legal', 'violation', 'other'] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

export interface ReportRow {
  id: string;
  /** The reporter: a local account, a remote one (a Flag), or null when the server hid who. */
  accountId: string | null;
  targetAccountId: string;
  statusIds: string[];
  comment: string;
  category: ReportCategory;
  ruleIds: string[];
  forwarded: boolean;
  uri: string | null;
  createdAt: number;
  resolvedAt: number | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
}

export interface LogRow {
  id: string;
  action: string;
  operatorId: string | null;
  domain: string | null;
  targetAccountId: string | null;
  statusId: string | null;
  reportId: string | null;
  note: string;
  createdAt: number;
}

const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = (v: unknown): string[] => {
  try {
    const a = JSON.parse(String(v)) as unknown;
    return Array.isArray(a) ? a.map(String) : [];
  } catch {
    return [];
  }
};

const blockOf = (r: Row): BlockRow => ({ id: String(r.id), accountId: String(r.account_id), targetAccountId: String(r.target_account_id), uri: s(r.uri), createdAt: Number(r.created_at) });
const muteOf = (r: Row): MuteRow => ({
  id: String(r.id), accountId: String(r.account_id), targetAccountId: String(r.target_account_id), hideNotifications: Number(r.hide_notifications) === 1, expiresAt: n(r.expires_at), createdAt: Number(r.created_at),
});
const policyOf = (r: Row): DomainPolicyRow => ({
  domain: String(r.domain), severity: r.severity as Severity, publicComment: String(r.public_comment), privateComment: String(r.private_comment), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});
const reportOf = (r: Row): ReportRow => ({
  id: String(r.id),
  accountId: s(r.account_id),
  targetAccountId: String(r.target_account_id),
  statusIds: json(r.status_ids),
  comment: String(r.comment),
  category: (REPORT_CATEGORIES as readonly string[]).includes(String(r.category)) ? (r.category as ReportCategory) : 'other',
  ruleIds: json(r.rule_ids),
  forwarded: Number(r.forwarded) === 1,
  uri: s(r.uri),
  createdAt: Number(r.created_at),
  resolvedAt: n(r.resolved_at),
  resolvedBy: s(r.resolved_by),
  resolutionNote: s(r.resolution_note),
});
const logOf = (r: Row): LogRow => ({
  id: String(r.id), action: String(r.action), operatorId: s(r.operator_id), domain: s(r.domain), targetAccountId: s(r.target_account_id), statusId: s(r.status_id), reportId: s(r.report_id), note: String(r.note), createdAt: Number(r.created_at),
});

/**
 * A server name as policies and domain blocks keep it: lower case, host and port only (a URL or
 * `@user@host` is cut down to its host); undefined when it cannot be a host.
 */
export function normalizeDomain(input: string): string | undefined {
  let v = input.trim().toLowerCase();
  if (!v) return undefined;
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//.test(v);
  if (!hasScheme && v.includes('@')) v = v.slice(v.lastIndexOf('@') + 1);
  try {
    const u = new URL(hasScheme ? v : `https://${v}`);
    if (!u.hostname || u.username || u.password) return undefined;
    v = u.host;
  } catch {
    return undefined;
  }
  if (v.length > 253 || !/^[a-z0-9.[\]:-]+$/.test(v) || v.startsWith('.') || !/[a-z0-9\]]$/.test(v)) return undefined;
  return v;
}

export class ModerationStore {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  // --- blocks

  block(accountId: string, targetId: string, uri: string | null = null): { row: BlockRow; created: boolean } {
    return this.db.tx(() => {
      const have = this.blockOf(accountId, targetId);
      if (have) return { row: have, created: false };
      const now = Date.now();
      this.db.run('INSERT INTO blocks (id, account_id, target_account_id, uri, created_at) VALUES (?, ?, ?, ?, ?)', [newId(now), accountId, targetId, uri, now]);
      return { row: this.blockOf(accountId, targetId)!, created: true };
    });
  }

  blockOf(accountId: string, targetId: string): BlockRow | undefined {
    const r = this.db.get('SELECT * FROM blocks WHERE account_id = ? AND target_account_id = ?', [accountId, targetId]);
    return r ? blockOf(r) : undefined;
  }

  unblock(accountId: string, targetId: string): BlockRow | undefined {
    const have = this.blockOf(accountId, targetId);
    if (have) this.db.run('DELETE FROM blocks WHERE id = ?', [have.id]);
    return have;
  }

  blocks(accountId: string, p: Paging): BlockRow[] {
    const c = pageClause('id', p);
    const rows = this.db.all(`SELECT * FROM blocks WHERE account_id = ?${c.where} ORDER BY ${c.order} LIMIT ?`, [accountId, ...c.params, p.limit]).map(blockOf);
    return c.reverse ? rows.reverse() : rows;
  }

  // --- mutes

  mute(accountId: string, targetId: string, o: { hideNotifications: boolean; expiresAt: number | null }): MuteRow {
    const now = Date.now();
    this.db.run(
      `INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (account_id, target_account_id) DO UPDATE SET hide_notifications = excluded.hide_notifications, expires_at = excluded.expires_at`,
      [newId(now), accountId, targetId, o.hideNotifications ? 1 : 0, o.expiresAt, now],
    );
    return this.muteOf(accountId, targetId, now)!;
  }

  /** The mute in force (an expired one is deleted and reads as none). */
  muteOf(accountId: string, targetId: string, now = Date.now()): MuteRow | undefined {
    const r = this.db.get('SELECT * FROM mutes WHERE account_id = ? AND target_account_id = ?', [accountId, targetId]);
    if (!r) return undefined;
    const m = muteOf(r);
    if (m.expiresAt !== null && m.expiresAt <= now) {
      this.db.run('DELETE FROM mutes WHERE id = ?', [m.id]);
      return undefined;
    }
    return m;
  }

  unmute(accountId: string, targetId: string): MuteRow | undefined {
    const have = this.muteOf(accountId, targetId);
    this.db.run('DELETE FROM mutes WHERE account_id = ? AND target_account_id = ?', [accountId, targetId]);
    return have;
  }

  mutes(accountId: string, p: Paging, now = Date.now()): MuteRow[] {
    this.db.run('DELETE FROM mutes WHERE account_id = ? AND expires_at IS NOT NULL AND expires_at <= ?', [accountId, now]);
    const c = pageClause('id', p);
    const rows = this.db.all(`SELECT * FROM mutes WHERE account_id = ?${c.where} ORDER BY ${c.order} LIMIT ?`, [accountId, ...c.params, p.limit]).map(muteOf);
    return c.reverse ? rows.reverse() : rows;
  }

  // --- a reader's own domain blocks

  blockDomain(accountId: string, domain: string): boolean {
    const now = Date.now();
    return this.db.run('INSERT OR IGNORE INTO account_domain_blocks (id, account_id, domain, created_at) VALUES (?, ?, ?, ?)', [newId(now), accountId, domain, now]).changes > 0;
  }

  unblockDomain(accountId: string, domain: string): boolean {
    return this.db.run('DELETE FROM account_domain_blocks WHERE account_id = ? AND domain = ?', [accountId, domain]).changes > 0;
  }

  domainBlocks(accountId: string, p: Paging): Array<{ id: string; domain: string }> {
    const c = pageClause('id', p);
    const rows = this.db.all<{ id: string; domain: string }>(`SELECT id, domain FROM account_domain_blocks WHERE account_id = ?${c.where} ORDER BY ${c.order} LIMIT ?`, [accountId, ...c.params, p.limit]);
    return c.reverse ? rows.reverse() : rows;
  }

  hasDomainBlock(accountId: string, domain: string): boolean {
    return !!this.db.get('SELECT 1 AS x FROM account_domain_blocks WHERE account_id = ? AND domain = ?', [accountId, domain]);
  }

  // --- the operator's domain policy

  setPolicy(domain: string, severity: Severity, publicComment: string, privateComment: string): DomainPolicyRow {
    const now = Date.now();
    this.db.run(
      `INSERT INTO domain_policies (domain, severity, public_comment, private_comment, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (domain) DO UPDATE SET severity = excluded.severity, public_comment = excluded.public_comment, private_comment = excluded.private_comment, updated_at = excluded.updated_at`,
      [domain, severity, storedText(publicComment), storedText(privateComment), now, now],
    );
    return this.policy(domain)!;
  }

  removePolicy(domain: string): DomainPolicyRow | undefined {
    const have = this.policy(domain);
    if (have) this.db.run('DELETE FROM domain_policies WHERE domain = ?', [domain]);
    return have;
  }

  policy(domain: string): DomainPolicyRow | undefined {
    const r = this.db.get('SELECT * FROM domain_policies WHERE domain = ?', [domain]);
    return r ? policyOf(r) : undefined;
  }

  policies(): DomainPolicyRow[] {
    return this.db.all('SELECT * FROM domain_policies ORDER BY domain').map(policyOf);
  }

  // --- reports

  addReport(o: { accountId: string | null; targetAccountId: string; statusIds: string[]; comment: string; category: ReportCategory; ruleIds?: string[]; forwarded?: boolean; uri?: string | null }): ReportRow {
    const now = Date.now();
    const id = newId(now);
    this.db.run('INSERT INTO reports (id, account_id, target_account_id, status_ids, comment, category, rule_ids, forwarded, uri, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      id, o.accountId, o.targetAccountId, JSON.stringify(o.statusIds), storedText(o.comment), o.category, JSON.stringify(o.ruleIds ?? []), o.forwarded ? 1 : 0, o.uri ?? null, now,
    ]);
    return this.report(id)!;
  }

  report(id: string): ReportRow | undefined {
    const r = this.db.get('SELECT * FROM reports WHERE id = ?', [id]);
    return r ? reportOf(r) : undefined;
  }

  reportByUri(uri: string): ReportRow | undefined {
    const r = this.db.get('SELECT * FROM reports WHERE uri = ?', [uri]);
    return r ? reportOf(r) : undefined;
  }

  reports(o: { open: boolean; limit: number; maxId?: string }): ReportRow[] {
    return this.db
      .all(`SELECT * FROM reports WHERE resolved_at IS ${o.open ? '' : 'NOT '}NULL${o.maxId ? ' AND id < ?' : ''} ORDER BY id DESC LIMIT ?`, o.maxId ? [o.maxId, o.limit] : [o.limit])
      .map(reportOf);
  }

  resolveReport(id: string, by: string, note: string): ReportRow | undefined {
    this.db.run('UPDATE reports SET resolved_at = ?, resolved_by = ?, resolution_note = ? WHERE id = ? AND resolved_at IS NULL', [Date.now(), by, storedText(note), id]);
    return this.report(id);
  }

  // --- the log

  log(o: { action: string; operatorId?: string | null; domain?: string | null; targetAccountId?: string | null; statusId?: string | null; reportId?: string | null; note?: string }): void {
    const now = Date.now();
    this.db.run('INSERT INTO moderation_log (id, action, operator_id, domain, target_account_id, status_id, report_id, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      newId(now), o.action, o.operatorId ?? null, o.domain ?? null, o.targetAccountId ?? null, o.statusId ?? null, o.reportId ?? null, storedText(o.note ?? ''), now,
    ]);
  }

  logEntries(limit: number): LogRow[] {
    return this.db.all('SELECT * FROM moderation_log ORDER BY id DESC LIMIT ?', [limit]).map(logOf);
  }
}
