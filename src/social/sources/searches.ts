/**
 * Saved searches as actors: a saved search (an alert of DIR/alerts.sqlite, src/observe/alerts.ts)
 * published by the operator becomes a followable `Service` actor that sends its followers each
 * newly indexed article matching the saved query, as an `Article` — the same statuses, Article
 * objects and outgoing loop as the news sources (index.ts `publish`).
 *
 * - **Handle.** `tim-kiem.{id}` (`tim-kiem.7` for alert 7). People may not take a name beginning
 *   with `tim-kiem.` (accounts/rules.ts `SAVED_SEARCH_LIKE`) and a source's handle is a site, so it
 *   never collides; a handle once used is never reused (a deleted account keeps its row), so a
 *   saved search published again after being withdrawn becomes `tim-kiem.{id}-2`, and so on.
 * - **Storage.** A local bot account without password, recorded in `settings` under
 *   `search:{username}` = JSON {@link SearchPublication}: the alert's id and creation time (its
 *   identity: alert ids can be reused after a removal), its name and query as published, the
 *   store position from which it publishes, and when it last sent (the rate cap).
 * - **Matching.** Exactly the match set of `tra search` for the saved query (`Engine.search`,
 *   sorted by date, restricted to the days of the candidates), over the articles the index
 *   already covers (the index manifest's position is read before the engine is refreshed, so a
 *   document stored but not yet indexed waits for the next look instead of being judged absent).
 *   The engine is opened read-only only while at least one saved search is published.
 * - **What is sent.** Articles first indexed after the publication, with a link and a title, dated
 *   in the last `maxAgeMs` (3 days, as the sources); at most `perHour` per actor in any hour
 *   (default {@link SEARCH_PER_HOUR}), the most relevant of a batch first; the rest of a burst is
 *   not sent later (stale news is not news). Re-indexing an article does not send it again.
 * - **Withdrawal.** `unpublish` marks the publication withdrawn; the server then deletes the
 *   account (`SocialActions.deleteAccount`), which federates as `Delete` of the actor to every
 *   server we know — what Mastodon does for a deleted account — and the actor answers 410 Gone
 *   once the deliveries have drained (docs/FEDERATION.md, "Account deletion"). A saved search
 *   removed with `tra alerts remove` is withdrawn the same way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SocialStore } from '../store/index.ts';
import type { AccountRow } from '../store/rows.ts';
import { newId } from '../store/ids.ts';
import { usernameKey } from '../store/accounts.ts';
import { storedLine } from '../store/text.ts';
import { SAVED_SEARCH_PREFIX } from '../accounts/rules.ts';
import { ALERTS_FILE, type Alert } from '../../observe/alerts.ts';
import { openEngine, type Engine } from '../../engine/index.ts';
import { readManifest } from '../../engine/directory.ts';
import { DocStore } from '../../store/store.ts';

export { SAVED_SEARCH_PREFIX };

/** Articles one saved-search actor sends in any hour, at most. */
export const SEARCH_PER_HOUR = 10;
const HOUR = 3_600_000;
const SEARCH_KEY = 'search:';
const SEQ_KEY = ['tra', 'searches', 'seq'] as const;
/** Candidate articles judged per engine query. */
const CHUNK = 500;
/** The most matches read per query (sorted by date, over the candidates' days only). */
const MATCH_LIMIT = 10_000;

/** A published saved search (settings `search:{username}`). */
export interface SearchPublication {
  alert: number;
  /** The alert's creation time: with the id, what makes it the same saved search. */
  created: string;
  name: string;
  query: string;
  /** Articles stored at or before this store position are not sent (history). */
  fromSeq: number;
  /** When the last articles were sent (at most `perHour`, for the rate cap). */
  sent: number[];
  /** Who published it (a username), absent when the operator did from the command line. */
  by?: string;
  /** Withdrawn: the server deletes the actor at its next look. */
  withdrawn?: boolean;
}

export class PublishError extends Error {}

/** A candidate article of the document store. */
export interface Candidate {
  seq: number;
  id: string;
  url: string;
  title: string;
  summary?: string;
  language: string;
  published: number;
}

type KV = { get<T>(key: readonly string[]): Promise<T | undefined>; set(key: readonly string[], value: unknown): Promise<void> };

/** What the saved searches need from the news sources (index.ts). */
export interface SearchHost {
  kv(): KV | undefined;
  publish(account: AccountRow, a: Omit<Candidate, 'seq' | 'id'>): boolean;
  deleteAccount(account: AccountRow): void;
}

function setting(store: SocialStore, key: string): string | undefined {
  return store.db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key])?.value;
}

function put(store: SocialStore, key: string, value: string): void {
  store.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
}

/** The profile text of a saved-search actor (Vietnamese, what it follows and its query). */
export function searchNote(name: string, query: string, perHour: number): string {
  return `Tin mới khớp với tìm kiếm đã lưu “${name}” trên Tra, truy vấn: ${query}. Mỗi bài là tiêu đề và đường dẫn tới bài gốc, tự động đăng khi bài được đưa vào chỉ mục; tối đa ${perHour} bài mỗi giờ.`;
}

/**
 * The saved-search actors of one social store. The publishing side (`publish`, `unpublish`,
 * `list`) works without federation (the CLI); `poll` runs in the server.
 */
export class SavedSearchActors {
  private readonly store: SocialStore;
  private readonly dataDir: string;
  readonly perHour: number;
  private readonly maxAgeMs: number;
  private engine: Engine | undefined;

  constructor(store: SocialStore, o: { dataDir: string; perHour?: number; maxAgeMs?: number }) {
    this.store = store;
    this.dataDir = o.dataDir;
    this.perHour = o.perHour ?? SEARCH_PER_HOUR;
    this.maxAgeMs = o.maxAgeMs ?? 3 * 86_400_000;
  }

  /** Every publication, withdrawn ones included, with its account. */
  list(): Array<{ username: string; account: AccountRow | undefined; pub: SearchPublication }> {
    return this.store.db
      .all<{ key: string; value: string }>("SELECT key, value FROM settings WHERE key LIKE 'search:%'")
      .map((r) => {
        const username = r.key.slice(SEARCH_KEY.length);
        return { username, account: this.store.accounts.local(username), pub: JSON.parse(r.value) as SearchPublication };
      });
  }

  /** The publication of a live saved-search account. */
  of(a: AccountRow): SearchPublication | undefined {
    if (a.domain !== null || !a.bot || a.deletedAt !== null || !a.username.startsWith(SAVED_SEARCH_PREFIX)) return undefined;
    const v = setting(this.store, SEARCH_KEY + a.username);
    return v ? (JSON.parse(v) as SearchPublication) : undefined;
  }

  private live(alert: Pick<Alert, 'id' | 'created'>): { username: string; account: AccountRow; pub: SearchPublication } | undefined {
    const x = this.list().find((p) => p.pub.alert === alert.id && p.pub.created === alert.created && !p.pub.withdrawn && p.account && p.account.deletedAt === null);
    return x as { username: string; account: AccountRow; pub: SearchPublication } | undefined;
  }

  /**
   * Publish a saved search as an actor (the same account again when it already is). `by` is the
   * account asking (absent: the operator on the command line): an admin, or the saved search's
   * own account when it has one. `fromSeq`: the document store's position now.
   */
  publish(alert: Alert & { owner?: string }, o: { by?: AccountRow; fromSeq: number }): AccountRow {
    const by = o.by;
    if (by && by.role !== 'admin' && !(alert.owner && alert.owner === by.id)) {
      throw new PublishError(`chỉ quản trị viên hoặc chủ của tìm kiếm đã lưu #${alert.id} mới đăng được nó thành tài khoản`);
    }
    return this.store.tx(() => {
      const have = this.live(alert);
      if (have) return have.account;
      const base = `${SAVED_SEARCH_PREFIX}${alert.id}`;
      let username = base;
      for (let n = 2; this.store.accounts.local(username) || setting(this.store, SEARCH_KEY + username) !== undefined; n++) username = `${base}-${n}`;
      const now = Date.now();
      const id = newId(now);
      this.store.db.run(
        `INSERT INTO accounts (id, username, domain, username_key, display_name, note, bot, discoverable, indexable, role, verified, created_at, updated_at)
         VALUES (?, ?, NULL, ?, ?, ?, 1, 1, 1, 'user', 0, ?, ?)`,
        [id, username, usernameKey(username), storedLine(`Tìm: ${alert.name}`).slice(0, 30), searchNote(alert.name, alert.query, this.perHour), now, now],
      );
      const pub: SearchPublication = { alert: alert.id, created: alert.created, name: alert.name, query: alert.query, fromSeq: o.fromSeq, sent: [], ...(by ? { by: by.username } : {}) };
      put(this.store, SEARCH_KEY + username, JSON.stringify(pub));
      return this.store.accounts.byId(id)!;
    });
  }

  /** Withdraw a saved search's actor (deleted by the server at its next look); undefined when it was not published. */
  unpublish(alertId: number, by?: AccountRow): AccountRow | undefined {
    return this.store.tx(() => {
      const x = this.list().find((p) => p.pub.alert === alertId && !p.pub.withdrawn && p.account && p.account.deletedAt === null);
      if (!x) return undefined;
      if (by && by.role !== 'admin' && by.username !== x.pub.by) throw new PublishError(`chỉ quản trị viên hoặc người đã đăng tìm kiếm #${alertId} mới gỡ được nó`);
      put(this.store, SEARCH_KEY + x.username, JSON.stringify({ ...x.pub, withdrawn: true }));
      return x.account;
    });
  }

  /** The saved searches that still exist (id → creation time); undefined when they cannot be read now. */
  private alerts(): Map<number, string> | undefined {
    const file = path.join(this.dataDir, ALERTS_FILE);
    if (!fs.existsSync(file)) return new Map();
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      return new Map((db.prepare('SELECT id, created FROM alerts').all() as Array<{ id: number; created: string }>).map((r) => [r.id, r.created]));
    } catch {
      return undefined;
    } finally {
      db.close();
    }
  }

  /** Delete the accounts of withdrawn publications and of saved searches removed since. */
  withdrawPending(host: SearchHost): number {
    const alerts = this.alerts();
    let n = 0;
    for (const { username, account, pub } of this.list()) {
      // A file that cannot be read now (busy, being replaced) withdraws nothing by itself.
      const gone = pub.withdrawn || (alerts !== undefined && alerts.get(pub.alert) !== pub.created);
      if (!gone) continue;
      if (account && account.deletedAt === null) {
        host.deleteAccount(account);
        n++;
      }
      this.store.db.run('DELETE FROM settings WHERE key = ?', [SEARCH_KEY + username]);
    }
    return n;
  }

  /** Send the new articles matching each published saved search; returns how many were sent. */
  async poll(host: SearchHost, docs: DocStore | undefined): Promise<number> {
    const kv = host.kv();
    if (!kv) return 0;
    this.withdrawPending(host);
    if (!docs) return 0;
    const live = this.list().filter((p): p is { username: string; account: AccountRow; pub: SearchPublication } => !p.pub.withdrawn && !!p.account && p.account.deletedAt === null);
    // What the index covers, read before the engine looks again: all of it is then in its view.
    const covered = readManifest(path.join(this.dataDir, 'index')).seq;
    const saved = (await kv.get<number>(SEQ_KEY)) ?? null;
    if (!live.length) {
      this.closeEngine();
      if (saved === null || covered > saved) await kv.set(SEQ_KEY, covered);
      return 0;
    }
    const start = saved ?? Math.min(...live.map((p) => p.pub.fromSeq));
    if (covered <= start) {
      if (saved === null) await kv.set(SEQ_KEY, start);
      return 0;
    }
    const engine = await this.openEngine();
    let sent = 0;
    let chunk: Candidate[] = [];
    const oldest = Date.now() - this.maxAgeMs;
    let seq = start;
    for (const { seq: s, doc } of docs.docsAfter(start)) {
      if (s > covered) break;
      seq = s;
      const c = candidate(s, doc, oldest);
      if (c) chunk.push(c);
      if (chunk.length >= CHUNK) {
        sent += this.judge(host, engine, live, chunk);
        chunk = [];
        await kv.set(SEQ_KEY, seq);
      }
    }
    if (chunk.length) sent += this.judge(host, engine, live, chunk);
    await kv.set(SEQ_KEY, Math.max(seq, covered));
    return sent;
  }

  /** Publish the candidates each saved search matches, within its hourly cap. */
  private judge(host: SearchHost, engine: Engine, live: Array<{ username: string; account: AccountRow; pub: SearchPublication }>, chunk: Candidate[]): number {
    let sent = 0;
    const firstDay = new Date(Math.min(...chunk.map((c) => c.published)) - 86_400_000).toISOString().slice(0, 10);
    for (const { username, account, pub } of live) {
      const mine = chunk.filter((c) => c.seq > pub.fromSeq);
      if (!mine.length) continue;
      const res = engine.search({ query: pub.query, sort: 'date', from: firstDay, limit: MATCH_LIMIT, stored: false, snippets: false } as Parameters<Engine['search']>[0]);
      const score = new Map(res.hits.map((h) => [h.id, h.score]));
      const matched = mine.filter((c) => score.has(c.id)).sort((a, b) => score.get(b.id)! - score.get(a.id)! || a.seq - b.seq);
      if (!matched.length) continue;
      const now = Date.now();
      const recent = pub.sent.filter((t) => t > now - HOUR);
      for (const c of matched) {
        if (recent.length >= this.perHour) break;
        if (host.publish(account, c)) {
          recent.push(now);
          sent++;
        }
      }
      // The record may have been withdrawn meanwhile (the CLI): keep its flag.
      const current = setting(this.store, SEARCH_KEY + username);
      if (current) put(this.store, SEARCH_KEY + username, JSON.stringify({ ...(JSON.parse(current) as SearchPublication), sent: recent.slice(-this.perHour) }));
    }
    return sent;
  }

  private async openEngine(): Promise<Engine> {
    if (this.engine) {
      this.engine.refresh();
      return this.engine;
    }
    return (this.engine = await openEngine(this.dataDir, { readOnly: true }));
  }

  private closeEngine(): void {
    this.engine?.close();
    this.engine = undefined;
  }

  close(): void {
    this.closeEngine();
  }
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** An article a saved search may send: a link, a title, a date in the last days. */
function candidate(seq: number, doc: Record<string, unknown>, oldest: number): Candidate | undefined {
  const url = text(doc.url);
  const title = text(doc.title);
  const id = text(doc.id);
  if (!url || !title || !id || !/^https?:\/\//i.test(url) || doc.gone === true) return undefined;
  const published = Date.parse(String(doc.published ?? doc.first_seen ?? ''));
  // The engine's date filter knows only dated documents; an undated one is not judged.
  if (!Number.isFinite(published) || published < oldest) return undefined;
  return { seq, id, url, title, summary: text(doc.summary), language: text(doc.lang) ?? 'vi', published };
}
