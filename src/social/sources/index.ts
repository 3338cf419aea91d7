/**
 * News in the fediverse: every outlet Tra archives is a followable `Service` actor that publishes
 * its new articles as `Article` objects (title in `name`, link in `url`, never the lede in
 * `summary`, which Mastodon shows as a content warning).
 *
 * - **Handle.** A source's handle is its site (`siteOf`: `vnexpress.net`, `dantri.com.vn`), so
 *   `@vnexpress.net@tra.example.vn` names the outlet by its own domain. Names shaped like a domain
 *   are refused to people (accounts/rules.ts `SOURCE_LIKE`): a source's handle is never a
 *   person's. Characters a handle cannot hold (`:` of a port) become `.`.
 * - **Storage.** A source is a local account row (bot, no password, so nobody can sign in as it)
 *   recorded in `settings` under `source:{username}` = its site; its articles are its statuses
 *   (public, `text` = the title, `url` = the article's link, `uri` = the Article's id). Local
 *   people follow it like anyone else and see its articles in their home timeline.
 * - **Which sources.** At start: the operator's names (DIR/sources.json) and the configured feeds
 *   (archive.sqlite); later, any site an indexed article comes from.
 * - **When.** The server follows DIR/store.sqlite's write sequence (a poll every `pollMs`), and
 *   publishes each article the first time it is indexed, if it was published in the last
 *   `maxAgeMs` (an import of an old archive does not flood followers). Later versions of an
 *   article are not sent again. The position is kept in federation.sqlite; at the very first start
 *   it is the store's current end (history is not published).
 * - **Newsroom link.** `linkNewsroom(site, username)` (the operator's decision, `settings`
 *   `source-owner:{site}`): the newsroom's actor then shows a profile field "Nguồn tin" linking the
 *   source actor, and the source actor a field "Toà soạn" linking back — both directions, so
 *   neither can be claimed alone. `alsoKnownAs` is not used: it means "the same account" and
 *   drives account moves. `tra sources link --data DIR SITE USERNAME [--remove]` sets it.
 * - **Saved searches** published as actors (`tim-kiem.{id}`) are searches.ts; they share this
 *   module's statuses, Article objects and polling.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SocialContext } from '../http.ts';
import type { AccountRow, StatusRow } from '../store/rows.ts';
import { newId } from '../store/ids.ts';
import { usernameKey } from '../store/accounts.ts';
import { storedLine } from '../store/text.ts';
import { escapeHtml } from '../../server/html.ts';
import { DocStore } from '../../store/store.ts';
import { readSourceNames, siteOf } from '../../archive/sources.ts';
import type { TraFederation } from '../federation/federation.ts';
import * as A from '../federation/activities.ts';
import type { ArticleInfo, StorePorts } from '../bridge/store-ports.ts';
import { SavedSearchActors, SAVED_SEARCH_PREFIX } from './searches.ts';

export { SavedSearchActors, PublishError, SEARCH_PER_HOUR, SAVED_SEARCH_PREFIX, searchNote, type SearchPublication } from './searches.ts';

export interface NewsSourcesOptions {
  dataDir: string;
  /** How often the document store is checked for new articles (default 5 s). */
  pollMs?: number;
  /** Articles published longer ago than this are not sent (default 3 days). */
  maxAgeMs?: number;
  /** Articles one saved-search actor sends in any hour, at most (default SEARCH_PER_HOUR). */
  searchPerHour?: number;
}

const SOURCE_KEY = 'source:';
const OWNER_KEY = 'source-owner:';
const SEQ_KEY = ['tra', 'sources', 'seq'] as const;
const MAX_SUMMARY = 500;

/** The handle of a site: lower case, only the characters a handle may hold, at most 30. */
export function sourceUsername(site: string): string {
  let u = site.toLowerCase().replace(/[^a-z0-9_.-]/g, '.').replace(/\.{2,}/g, '.').replace(/^[.-]+|[.-]+$/g, '');
  if (u.length > 30) u = u.slice(0, 30).replace(/[.-]+$/, '');
  // Handles beginning with tim-kiem. are saved searches' (searches.ts).
  if (u.startsWith(SAVED_SEARCH_PREFIX)) u = u.replace('.', '-');
  return u || 'nguon';
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** A refused newsroom link: one Vietnamese line naming what is wrong and what to do. */
export class LinkError extends Error {}

export class NewsSources {
  private readonly social: SocialContext;
  private readonly o: NewsSourcesOptions;
  private fed: TraFederation | undefined;
  private ports: StorePorts | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private docs: DocStore | undefined;
  /** Tells the outgoing loop (bridge/outgoing.ts) that statuses were written. */
  private wake: () => void = () => {};
  /** Saved searches published as actors (searches.ts). */
  readonly searches: SavedSearchActors;

  constructor(social: SocialContext, o: NewsSourcesOptions) {
    this.social = social;
    this.o = o;
    this.searches = new SavedSearchActors(social.store, { dataDir: o.dataDir, perHour: o.searchPerHour, maxAgeMs: o.maxAgeMs });
  }

  private get store() {
    return this.social.store;
  }

  private setting(key: string): string | undefined {
    return this.store.db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key])?.value;
  }

  private put(key: string, value: string): void {
    this.store.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  /** The site a local account publishes, when it is a source. */
  siteOf(a: AccountRow): string | undefined {
    return a.domain === null && a.bot ? this.setting(SOURCE_KEY + a.username) : undefined;
  }

  isSourceAccount(a: AccountRow): boolean {
    return this.siteOf(a) !== undefined;
  }

  /** The source account of a site (made when missing). */
  ensureSource(site: string, name: string): AccountRow {
    const base = sourceUsername(site);
    return this.store.tx(() => {
      for (const username of [base, `${base.slice(0, 26)}-tin`]) {
        const have = this.store.accounts.local(username);
        if (have) {
          if (this.setting(SOURCE_KEY + have.username) === site) return have;
          continue; // a person (or another site) holds it
        }
        const now = Date.now();
        const id = newId(now);
        const note = `Tin mới của ${name} (${site}), do Tra lưu trữ và tự động đăng lại: mỗi bài là tiêu đề và đường dẫn tới bài gốc.`;
        this.store.db.run(
          `INSERT INTO accounts (id, username, domain, username_key, display_name, note, bot, discoverable, indexable, role, verified, created_at, updated_at)
           VALUES (?, ?, NULL, ?, ?, ?, 1, 1, 1, 'user', 0, ?, ?)`,
          [id, username, usernameKey(username), storedLine(name).slice(0, 30), note, now, now],
        );
        this.put(SOURCE_KEY + username, site);
        return this.store.accounts.byId(id)!;
      }
      throw new Error(`không đặt được tên cho nguồn ${site}`);
    });
  }

  /** Every source account, by site. */
  list(): Array<{ site: string; account: AccountRow }> {
    return this.store.db
      .all<{ key: string; value: string }>("SELECT key, value FROM settings WHERE key LIKE 'source:%'")
      .map((r) => ({ site: r.value, account: this.store.accounts.local(r.key.slice(SOURCE_KEY.length)) }))
      .filter((x): x is { site: string; account: AccountRow } => !!x.account);
  }

  /** An Article's title and link, for a status of a source account or a saved search's. */
  articleOf(st: StatusRow): ArticleInfo | undefined {
    const a = this.store.accounts.byId(st.accountId);
    if (!a || !st.url || !(this.isSourceAccount(a) || this.searches.of(a))) return undefined;
    return { title: st.text, link: st.url };
  }

  /**
   * The source account of a site the server knows: one already made, or one of the sites named by
   * the operator or configured (made now); undefined for a site Tra has never heard of.
   */
  sourceFor(site: string): AccountRow | undefined {
    const have = this.list().find((s) => s.site === site);
    if (have) return have.account;
    const conf = this.configured().find((c) => c.site === site);
    return conf ? this.ensureSource(conf.site, conf.name) : undefined;
  }

  /** The username of the newsroom linked to a site, if any. */
  newsroomOf(site: string): string | undefined {
    return this.setting(OWNER_KEY + site);
  }

  /**
   * The operator's newsroom link, checked (`tra sources link` and /quan-tri): SITE is a domain or
   * an address on it, USERNAME a local person's account. Errors are one Vietnamese line
   * ({@link LinkError}). Followers of both actors are sent their new profiles when federation runs
   * in this process; otherwise they see them at their next fetch.
   */
  link(siteInput: string, username: string | null, o: { remove?: boolean } = {}): { site: string; source: string; newsroom: string | null } {
    const raw = siteInput.trim();
    let site: string;
    try {
      site = siteOf(/^https?:\/\//i.test(raw) ? raw : `http://${raw}/`);
    } catch {
      throw new LinkError(`"${siteInput}" không phải tên miền; hãy viết như "vnexpress.net" hoặc một địa chỉ https://…`);
    }
    const source = site ? this.sourceFor(site) : undefined;
    if (!source) throw new LinkError(`không có nguồn tin "${site || siteInput}" trên máy chủ này; xem các nguồn bằng "tra sources list" và "tra sources name"`);
    const current = this.newsroomOf(site);
    const before = current ? this.store.accounts.local(current) : undefined;
    if (o.remove) {
      if (username && current !== username.replace(/^@/, '')) throw new LinkError(`nguồn ${site} không gắn với tài khoản "${username}"${current ? ` mà với "${current}"` : ''}`);
      this.linkNewsroom(site, null);
      this.announce([source, before]);
      return { site, source: source.username, newsroom: null };
    }
    const name = (username ?? '').trim().replace(/^@/, '');
    const newsroom = name ? this.store.accounts.local(name) : undefined;
    if (!newsroom || newsroom.deletedAt !== null) throw new LinkError(`không có tài khoản "${username ?? ''}" trên máy chủ này; tạo bằng "tra accounts add --data DIR ${name || 'TEN'}"`);
    if (this.isSourceAccount(newsroom) || this.searches.of(newsroom)) throw new LinkError(`"${newsroom.username}" là tài khoản tự động của Tra, không phải tài khoản của toà soạn`);
    this.linkNewsroom(site, newsroom.username);
    this.announce([source, newsroom, before]);
    return { site, source: source.username, newsroom: newsroom.username };
  }

  /** Tell followers of these accounts that their profiles changed (an Update of the actor). */
  private announce(accounts: Array<AccountRow | undefined>): void {
    const events = this.social.actions.events;
    for (const a of accounts) if (a) void Promise.resolve(events.accountUpdated?.(a)).catch(() => undefined);
  }

  /** Point a newsroom's account at its source actor (or, with null, remove the link). */
  linkNewsroom(site: string, username: string | null): void {
    if (username === null) this.store.db.run('DELETE FROM settings WHERE key = ?', [OWNER_KEY + site]);
    else this.put(OWNER_KEY + site, username);
  }

  /** Profile fields: a source names its newsroom account, a newsroom its source; a saved search its query. */
  fieldsOf(a: AccountRow): { name: string; valueHtml: string }[] {
    if (a.domain !== null) return [];
    const search = this.searches.of(a);
    if (search) {
      const page = `${this.social.urls.origin}/tim-kiem?q=${encodeURIComponent(search.query)}&sort=date`;
      return [
        { name: 'Truy vấn', valueHtml: escapeHtml(search.query) },
        { name: 'Tìm trên Tra', valueHtml: `<a href="${escapeHtml(page)}" rel="nofollow noopener noreferrer">${escapeHtml(search.name)}</a>` },
      ];
    }
    const link = (acct: AccountRow) =>
      `<a href="${escapeHtml(this.social.urls.profile(acct.username))}" class="u-url mention">@<span>${escapeHtml(acct.username)}</span></a>`;
    const site = this.siteOf(a);
    if (site !== undefined) {
      const fields = [{ name: 'Trang gốc', valueHtml: `<a href="https://${escapeHtml(site)}" rel="nofollow noopener noreferrer">${escapeHtml(site)}</a>` }];
      const owner = this.setting(OWNER_KEY + site);
      const newsroom = owner ? this.store.accounts.local(owner) : undefined;
      if (newsroom && newsroom.deletedAt === null) fields.push({ name: 'Toà soạn', valueHtml: link(newsroom) });
      return fields;
    }
    const owned = this.store.db.get<{ key: string }>("SELECT key FROM settings WHERE key LIKE 'source-owner:%' AND value = ?", [a.username]);
    if (!owned) return [];
    const source = this.list().find((s) => s.site === owned.key.slice(OWNER_KEY.length));
    return source ? [{ name: 'Nguồn tin', valueHtml: link(source.account) }] : [];
  }

  // ---------------------------------------------------------------- publishing

  /** Make the known sources' actors, then follow the document store. */
  start(fed: TraFederation, ports: StorePorts, wake: () => void = () => {}): void {
    this.fed = fed;
    this.ports = ports;
    this.wake = wake;
    try {
      for (const { site, name } of this.configured()) this.ensureSource(site, name);
    } catch (e) {
      process.stderr.write(`tra: nguồn tin: ${(e as Error).message}\n`);
    }
    const every = this.o.pollMs ?? 5_000;
    const tick = () => {
      this.running = this.poll()
        .then(() => undefined)
        .catch((e: Error) => {
          process.stderr.write(`tra: nguồn tin: ${e.message}\n`);
        })
        .finally(() => {
          if (this.fed) this.timer = setTimeout(tick, every);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** What the saved searches need from the running federation. */
  private searchHost() {
    return {
      kv: () => this.fed?.kv,
      publish: (account: AccountRow, a: { url: string; title: string; summary?: string; language: string; published: number }) => this.publish(account, a),
      deleteAccount: (account: AccountRow) => this.social.actions.deleteAccount(account.id),
    };
  }

  async stop(): Promise<void> {
    this.fed = undefined;
    clearTimeout(this.timer);
    await this.running;
    this.searches.close();
    this.docs?.close();
    this.docs = undefined;
  }

  /** Sites named by the operator (DIR/sources.json) and configured feeds (archive.sqlite). */
  private configured(): Array<{ site: string; name: string }> {
    const out = new Map<string, string>();
    try {
      for (const [host, name] of Object.entries(readSourceNames(this.o.dataDir))) out.set(siteOf(`http://${host}/`), name);
    } catch {
      // An unreadable sources.json is reported by the commands that edit it.
    }
    const archive = path.join(this.o.dataDir, 'archive.sqlite');
    if (fs.existsSync(archive)) {
      const db = new DatabaseSync(archive, { readOnly: true });
      try {
        for (const r of db.prepare('SELECT url, name FROM sources WHERE enabled = 1').all() as Array<{ url: string; name: string }>) {
          const site = siteOf(r.url);
          if (!out.has(site)) out.set(site, r.name || site);
        }
      } catch {
        // an archive without a sources table yet
      } finally {
        db.close();
      }
    }
    return [...out].map(([site, name]) => ({ site, name }));
  }

  private openDocs(): DocStore | undefined {
    if (this.docs) return this.docs;
    const file = path.join(this.o.dataDir, 'store.sqlite');
    if (!fs.existsSync(file)) return undefined;
    return (this.docs = new DocStore(file, { readOnly: true }));
  }

  /** Publish what was indexed since the last look; returns how many articles were sent. */
  async poll(): Promise<number> {
    const fed = this.fed;
    const docs = this.openDocs();
    if (!fed) return 0;
    if (!docs) return this.searches.poll(this.searchHost(), undefined);
    const saved = (await fed.kv.get<number>(SEQ_KEY)) ?? null;
    if (saved === null) {
      // First start: what is already indexed is history, not news to send.
      await fed.kv.set(SEQ_KEY, docs.lastSeq());
      return 0;
    }
    let seq = saved;
    let sent = 0;
    let seen = 0;
    const oldest = Date.now() - (this.o.maxAgeMs ?? 3 * 86_400_000);
    for (const { seq: s, doc } of docs.docsAfter(saved)) {
      seq = s;
      if (++seen % 200 === 0) await fed.kv.set(SEQ_KEY, seq);
      const url = text(doc.url);
      const title = text(doc.title);
      if (!url || !title || !/^https?:\/\//i.test(url) || doc.gone === true) continue;
      const published = Date.parse(String(doc.published ?? doc.first_seen ?? ''));
      if (Number.isFinite(published) && published < oldest) continue;
      let site: string;
      try {
        site = siteOf(url);
      } catch {
        continue;
      }
      const account = this.ensureSource(site, text(doc.source) ?? site);
      if (this.publish(account, { url, title, summary: text(doc.summary), language: text(doc.lang) ?? 'vi', published: Number.isFinite(published) ? published : Date.now() })) sent++;
      if (!this.fed) break; // stopping
    }
    if (seq !== saved) await fed.kv.set(SEQ_KEY, seq);
    if (this.fed) sent += await this.searches.poll(this.searchHost(), docs);
    return sent;
  }

  /** One article as a status of its source, sent to the source's followers; false when it was already published. */
  publish(account: AccountRow, a: { url: string; title: string; summary?: string; language: string; published: number }): boolean {
    const fed = this.fed;
    if (!fed) return false;
    const exists = this.store.db.get('SELECT 1 AS x FROM statuses WHERE account_id = ? AND url = ?', [account.id, a.url]);
    if (exists) return false;
    const summary = a.summary && a.summary.length > MAX_SUMMARY ? a.summary.slice(0, MAX_SUMMARY - 1).trimEnd() + '…' : a.summary;
    const content =
      `<p><strong>${escapeHtml(a.title)}</strong></p>` +
      (summary ? `<p>${escapeHtml(summary)}</p>` : '') +
      `<p><a href="${escapeHtml(a.url)}" rel="nofollow noopener noreferrer" target="_blank">${escapeHtml(a.url)}</a></p>`;
    this.store.tx(() => {
      const created = this.store.statuses.create({
        accountId: account.id,
        text: a.title,
        content,
        visibility: 'public',
        language: a.language,
        url: a.url,
        createdAt: Math.min(a.published, Date.now()),
      });
      const uri = A.postUri(fed.context(), account.username, 'Article', created.id).href;
      this.store.db.run('UPDATE statuses SET uri = ? WHERE id = ?', [uri, created.id]);
    });
    // Sent to the source's followers by the outgoing loop, like any post (as an Article: articleOf).
    this.wake();
    return true;
  }
}
