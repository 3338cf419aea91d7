/**
 * Running a feed spec: which posts enter (and by which rules), their signal values, scores and
 * order, caps — and, for any item, the explanation "Vì sao tôi thấy bài này?".
 *
 * Determinism: the result depends only on the spec, the clock passed in (`now`), the viewer's
 * follows (for feeds that include them), the posts and their public counts, and the rising
 * stories of the clock's day. Posts made after `now` never enter; ties are broken by id (larger,
 * i.e. newer, first); contributions are integers in millionths of a point, so a score is exactly
 * the sum of its contributions.
 *
 * Candidates (ranked feeds): the posts of the last `window_hours` before `now`, newest first, at
 * most MAX_CANDIDATES (limits.ts: 25 pages of the longest page), selected by SQL on who may enter
 * (follows, named accounts, everyone), by hashtag keys, for a rising feed by the stories' match
 * sets and article hosts, or — for a saved query — by the post index's match set (sort by date,
 * restricted to the authors the spec names). Chronological feeds walk the same selection newest
 * first below `max_id`, without a window.
 *
 * Work shared across readers (shared.ts): the rising stories' matches, and for a feed whose
 * candidates do not depend on the reader, the scored candidates and their placement; a reader's
 * own mutes and blocks are applied to the shared scoring (`ranked`).
 */
import { domainToUnicode } from 'node:url';
import type { SocialStore } from '../store/index.ts';
import type { AccountRow, StatusRow } from '../store/rows.ts';
import { statusFromRow } from '../store/statuses.ts';
import { accountFromRow } from '../store/accounts.ts';
import { dayOfId, idAtTime } from '../store/ids.ts';
import { tagKey } from '../store/content.ts';
import { postLinks } from '../search/post-doc.ts';
import type { PostIndex } from '../search/post-index.ts';
import { specHash, type FeedSpec } from './spec.ts';
import { SIGNALS, contributionMicro, type PostFacts, type SignalName } from './signals.ts';
import { linkKey, type RisingStory } from './rising.ts';
import { domainMatches, moderationView, type ModerationView } from '../moderation/filter.ts';
import { Heap } from './heap.ts';
import { MAX_CANDIDATES, RISING_MATCHES_PER_STORY } from './limits.ts';
import type { SharedWork } from './shared.ts';

/** How long the rising stories' matches are kept (they are keyed by the post index's version too). */
export const RISING_MATCHES_MS = 60_000;
/** Rows a chronological page may read past filters before it stops (a page may then be short). */
const MAX_SCAN = 5000;

export interface Contribution {
  signal: SignalName;
  label: string;
  weight: number;
  value: number;
  /** weight × value in millionths of a point (rounded once, here). */
  micro: number;
  note: string;
}

export interface FeedItem {
  status: StatusRow;
  /** Why it entered: one Vietnamese line per rule that admitted it. */
  admitted: string[];
  /** Ranked feeds: the score in millionths (the exact sum of `contributions`' micro). */
  scoreMicro?: number;
  contributions?: Contribution[];
  rank: number;
}

export interface FeedInputs {
  store: SocialStore;
  index: PostIndex | undefined;
  /** The rising stories for the clock's day (and the day before). */
  rising: RisingStory[];
  /** Work shared across readers (shared.ts); without it every run does all of its work. */
  shared?: SharedWork;
  /**
   * How long the scored candidates of a reader-independent feed are kept in `shared`, per (feed
   * version, clock); 0 or absent: not kept (every run scores them).
   */
  sharedScoresMs?: number;
}

/** A candidate that entered, with its signals other than source_diversity already weighed. */
interface Scored {
  st: StatusRow;
  admitted: string[];
  facts: PostFacts;
  countsOf: string;
  /** The post's author and, for a boost, the boosted post's author (the reader's hides apply to both). */
  authors: AccountRow[];
  contributions: Contribution[];
  base: number;
}

export interface RunOptions {
  viewerId?: string;
  now: number;
  /** Chronological: the page below this id. */
  maxId?: string;
  limit?: number;
}

/** What rising stories a run matches posts against: article links (by linkKey), word matches (by post id), article hosts. */
interface RisingInputs {
  links: Map<string, RisingStory>;
  words: Map<string, RisingStory>;
  hosts: string[];
}

interface Pool {
  follows: Set<string>;
  selfId?: string;
  accounts: Set<string>;
  everyone: boolean;
}

function poolOf(spec: FeedSpec, store: SocialStore, viewerId: string | undefined): Pool {
  const inc = spec.include;
  const follows = new Set<string>();
  if (inc.follows && viewerId) {
    for (const r of store.db.all<{ t: string }>("SELECT target_account_id AS t FROM follows WHERE account_id = ? AND state = 'accepted'", [viewerId])) follows.add(r.t);
  }
  const everyone = !!inc.everyone || (!inc.follows && !inc.self && !inc.accounts?.length);
  return { follows, selfId: inc.self ? viewerId : undefined, accounts: new Set(inc.accounts ?? []), everyone };
}

/** SQL over alias `s` for who may enter (with its parameters), or undefined for everyone. */
function whoClause(pool: Pool, viewerId: string | undefined): { sql: string; params: string[] } | undefined {
  if (pool.everyone) return undefined;
  const parts: string[] = [];
  const params: string[] = [];
  // Follows as a subquery (as the home timeline asks): SQLite then walks the primary key newest
  // first and stops at the limit; a list of 200 ids would make it read each author's posts and sort.
  if (pool.follows.size && viewerId) {
    parts.push("s.account_id IN (SELECT target_account_id FROM follows WHERE account_id = ? AND state = 'accepted')");
    params.push(viewerId);
  }
  const named = [...new Set([...pool.accounts, ...(pool.selfId ? [pool.selfId] : [])])];
  if (named.length) {
    parts.push(`+s.account_id IN (${named.map(() => '?').join(',')})`);
    params.push(...named);
  }
  if (parts.length === 0) return { sql: '0', params: [] };
  return { sql: `(${parts.join(' OR ')})`, params };
}

export class FeedRunner {
  private readonly spec: FeedSpec;
  private readonly in: FeedInputs;
  private readonly accounts = new Map<string, AccountRow | undefined>();
  /** Boosted posts of the candidates, read in one query (prefetch). */
  private readonly originals = new Map<string, StatusRow | undefined>();
  /** Hashtags of the candidates (hashtag feeds), read in one query. */
  private readonly tagsOf = new Map<string, string[]>();
  private viewerId: string | undefined;
  /** What the viewer hid and the instance's domain policy (moderation/filter.ts), read once per run. */
  private hidden: ModerationView | undefined;

  constructor(spec: FeedSpec, inputs: FeedInputs) {
    this.spec = spec;
    this.in = inputs;
  }

  private begin(viewerId: string | undefined): void {
    this.viewerId = viewerId;
    this.hidden = moderationView(this.in.store.db, viewerId);
  }

  private account(id: string): AccountRow | undefined {
    if (!this.accounts.has(id)) this.accounts.set(id, this.in.store.accounts.byId(id));
    return this.accounts.get(id);
  }

  private original(id: string): StatusRow | undefined {
    if (!this.originals.has(id)) this.originals.set(id, this.in.store.statuses.byId(id));
    return this.originals.get(id);
  }

  /**
   * What judging `rows` will read, in three queries instead of one per row: the boosted posts,
   * every author, and (hashtag feeds) the tags. Ids go in as one JSON parameter, so each query is
   * one prepared statement whatever the number of rows.
   */
  private prefetch(rows: StatusRow[]): void {
    const db = this.in.store.db;
    const boosted = [...new Set(rows.filter((r) => r.reblogOfId && !this.originals.has(r.reblogOfId)).map((r) => r.reblogOfId!))];
    if (boosted.length) {
      for (const id of boosted) this.originals.set(id, undefined);
      for (const r of db.all('SELECT * FROM statuses WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(boosted)])) {
        const st = statusFromRow(r);
        this.originals.set(st.id, st);
      }
    }
    const ids = new Set<string>();
    for (const r of rows) {
      ids.add(r.accountId);
      const o = r.reblogOfId ? this.originals.get(r.reblogOfId) : undefined;
      if (o) ids.add(o.accountId);
    }
    const missing = [...ids].filter((id) => !this.accounts.has(id));
    if (missing.length) {
      for (const id of missing) this.accounts.set(id, undefined);
      for (const r of db.all('SELECT * FROM accounts WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(missing)])) {
        const a = accountFromRow(r);
        this.accounts.set(a.id, a);
      }
    }
    if (this.spec.include.hashtags?.length) {
      const want = rows.map((r) => r.id).filter((id) => !this.tagsOf.has(id));
      for (const id of want) this.tagsOf.set(id, []);
      if (want.length) {
        for (const r of db.all<{ status_id: string; name: string }>('SELECT status_id, name FROM status_tags WHERE status_id IN (SELECT value FROM json_each(?)) ORDER BY rowid', [JSON.stringify(want)])) {
          this.tagsOf.get(r.status_id)!.push(r.name);
        }
      }
    }
  }

  private acct(a: AccountRow | undefined): string {
    return a ? (a.domain ? `@${a.username}@${a.domain}` : `@${a.username}`) : 'tài khoản đã xoá';
  }

  /**
   * Rows that may be candidates, newest first, below `below` and at or after `since` (ids).
   * From the post index's match set when the spec has a query; else SQL.
   */
  private rows(pool: Pool, below: string, since: string | undefined, limit: number, rising?: RisingInputs): StatusRow[] {
    const { store, index } = this.in;
    const inc = this.spec.include;
    if (inc.query) {
      if (!index) return [];
      const authors = pool.everyone ? undefined : [...new Set([...pool.follows, ...pool.accounts, ...(pool.selfId ? [pool.selfId] : [])])];
      if (authors && authors.length === 0) return [];
      const from = since ? dayOfId(since) : undefined;
      const to = dayOfId(below);
      const ids = index.search({ query: inc.query, limit: Math.min(MAX_SCAN, limit * 4 + 200), sort: 'date', authors, languages: inc.languages, from, to }).ids;
      return ids
        .filter((id) => id < below && (since === undefined || id >= since))
        .sort()
        .reverse()
        .slice(0, limit)
        .map((id) => store.statuses.byId(id))
        .filter((x): x is StatusRow => !!x);
    }
    const where: string[] = ['s.deleted_at IS NULL', "s.visibility <> 'direct'", 's.id < ?'];
    const params: string[] = [below];
    if (since !== undefined) {
      where.push('s.id >= ?');
      params.push(since);
    }
    const who = whoClause(pool, this.viewerId);
    if (who) {
      where.push(who.sql);
      params.push(...who.params);
    } else where.push("s.visibility = 'public'");
    if (!inc.reblogs) where.push('+s.reblog_of_id IS NULL');
    const hide = this.hidden?.where('s');
    if (hide?.sql) {
      where.push(hide.sql.replace(/^ AND /, ''));
      params.push(...hide.params);
    }
    if (inc.hashtags?.length) {
      const keys = inc.hashtags.map(tagKey);
      where.push('s.id IN (SELECT status_id FROM status_tags WHERE tag IN (SELECT value FROM json_each(?)))');
      params.push(JSON.stringify(keys));
    }
    if (inc.rising && rising) {
      // Only posts that can be about a rising story: in a story's match set, or naming the host of
      // one of its articles (judge then compares whole links), or boosts (judged by their original).
      where.push(`(s.id IN (SELECT value FROM json_each(?)) OR EXISTS (SELECT 1 FROM json_each(?) h WHERE instr(lower(s.text), h.value) > 0 OR instr(lower(s.content), h.value) > 0)${inc.reblogs ? ' OR s.reblog_of_id IS NOT NULL' : ''})`);
      params.push(JSON.stringify([...rising.words.keys()]), JSON.stringify(rising.hosts));
    }
    return store.db.all(`SELECT s.* FROM statuses s WHERE ${where.join(' AND ')} ORDER BY s.id DESC LIMIT ?`, [...params, limit]).map(statusFromRow);
  }

  /** Posts whose words are in a rising story's match set (the post index, per story's lead term). */
  private risingWords(since: string, below: string): Map<string, RisingStory> {
    const out = new Map<string, RisingStory>();
    const index = this.in.index;
    if (!index) return out;
    const from = dayOfId(since);
    const to = dayOfId(below);
    const match = () => {
      for (const story of this.in.rising) {
        const q = story.terms[0] ?? story.label;
        for (const id of index.search({ query: q, limit: RISING_MATCHES_PER_STORY, sort: 'date', from, to }).ids) if (!out.has(id)) out.set(id, story);
      }
      return out;
    };
    if (!this.in.shared || this.in.rising.length === 0) return match();
    // The same for every reader and exact while the index has not moved: kept per index version.
    const stories = JSON.stringify(this.in.rising.map((x) => [x.date, x.label, x.terms[0] ?? x.label]));
    return this.in.shared.get(`words|${stories}|${from}|${to}|${index.version}`, RISING_MATCHES_MS, match);
  }

  /** The hosts of the rising stories' articles, as written in links (ASCII and Unicode forms). */
  private risingHosts(links: Map<string, RisingStory>): string[] {
    const hosts = new Set<string>();
    for (const k of links.keys()) {
      const host = k.split('/')[0];
      hosts.add(host);
      const uni = domainToUnicode(host);
      if (uni) hosts.add(uni.toLowerCase());
    }
    return [...hosts].sort();
  }

  private risingLinks(): Map<string, RisingStory> {
    const out = new Map<string, RisingStory>();
    for (const story of this.in.rising) {
      for (const u of story.urls) {
        const k = linkKey(u);
        if (k && !out.has(k)) out.set(k, story);
      }
    }
    return out;
  }

  /**
   * The rules that admit a row, or a refusal. `original` is the post a reblog points at.
   */
  private judge(st: StatusRow, pool: Pool, rising: RisingInputs | undefined): { admitted: string[]; refused?: string; facts?: PostFacts; authors?: AccountRow[] } {
    const inc = this.spec.include;
    const ranked = this.spec.order === 'ranked';
    const admitted: string[] = [];
    if (st.deletedAt !== null) return { admitted, refused: 'bài đã bị xoá' };
    if (st.visibility === 'direct') return { admitted, refused: 'tin nhắn riêng không vào bảng tin nào' };
    const author = this.account(st.accountId);
    if (!author || author.deletedAt !== null) return { admitted, refused: 'tài khoản đã bị xoá' };
    const original = st.reblogOfId ? this.original(st.reblogOfId) : st;
    if (!original || original.deletedAt !== null) return { admitted, refused: 'bài gốc đã bị xoá' };
    const origAuthor = this.account(original.accountId);
    if (!origAuthor || origAuthor.deletedAt !== null) return { admitted, refused: 'tài khoản đã bị xoá' };
    if (st.reblogOfId && !inc.reblogs) return { admitted, refused: 'bảng tin không nhận lượt chia sẻ lại' };
    if (st.inReplyToId && inc.replies === false) return { admitted, refused: 'bảng tin không nhận bài trả lời' };
    // Who: the first rule that lets the author in.
    let viaFollow = false;
    if (pool.selfId === st.accountId) {
      admitted.push('Đây là bài của bạn (bảng tin gồm cả bài của chính bạn).');
      viaFollow = true;
    } else if (pool.follows.has(st.accountId)) {
      admitted.push(`Bạn theo dõi ${this.acct(author)}.`);
      viaFollow = true;
    } else if (pool.accounts.has(st.accountId)) {
      admitted.push(`${this.acct(author)} nằm trong danh sách nguồn của bảng tin.`);
    } else if (pool.everyone) {
      admitted.push('Bảng tin lấy bài công khai của mọi người.');
    } else return { admitted, refused: `${this.acct(author)} không thuộc những người bảng tin này lấy bài` };
    // The viewer's own choices (mute, block, hidden servers) and suspended servers: never shown.
    for (const a of new Set([author, origAuthor])) {
      if (this.hidden?.hidesAccount(a)) return { admitted, refused: `bạn đã ẩn hoặc chặn ${this.acct(a)} (hoặc máy chủ của họ), hoặc máy chủ này đã đình chỉ máy chủ của họ` };
    }
    // A silenced server, like an author who turned discovery off: never in ranked feeds, and in
    // chronological ones only through a follow.
    for (const a of new Set([author, origAuthor])) {
      if (a.domain !== null && (ranked || !viaFollow) && this.hidden?.silenced.some((d) => domainMatches(a.domain, d))) {
        return { admitted, refused: `máy chủ ${a.domain} bị máy chủ này giới hạn (xem chính sách công khai), nên bài không vào bảng tin ${ranked ? 'xếp hạng' : 'của người không theo dõi họ'}` };
      }
    }
    // Visibility: followers-only posts only through a follow (or one's own); everything else public.
    if (viaFollow) {
      if (st.visibility === 'private' && pool.selfId !== st.accountId && !pool.follows.has(st.accountId)) return { admitted, refused: 'bài chỉ dành cho người theo dõi' };
    } else if (st.visibility !== 'public') return { admitted, refused: 'bảng tin chỉ lấy bài công khai của người bạn không theo dõi' };
    // Consent: authors who do not want to be discovered never enter ranked feeds, and enter
    // chronological ones only through a follow.
    for (const a of new Set([author, origAuthor])) {
      if (!a.discoverable && (ranked || !viaFollow)) return { admitted, refused: `${this.acct(a)} đã tắt "cho phép khám phá", nên bài không vào bảng tin ${ranked ? 'xếp hạng' : 'của người không theo dõi họ'}` };
    }
    if (st.reblogOfId) admitted.push(`${this.acct(author)} chia sẻ lại bài của ${this.acct(origAuthor)} (bảng tin nhận lượt chia sẻ lại).`);
    // What: every filter the spec has.
    if (inc.query) admitted.push(`Bài khớp truy vấn "${inc.query}" của bảng tin.`);
    if (inc.hashtags?.length) {
      const keys = new Set(inc.hashtags.map(tagKey));
      const tags = this.tagsOf.get(st.id) ?? this.in.store.statuses.tags([st.id]).get(st.id) ?? [];
      const hit = tags.find((t) => keys.has(tagKey(t)));
      if (!hit) return { admitted, refused: 'bài không có hashtag nào của bảng tin' };
      admitted.push(`Bài có hashtag #${hit}.`);
    }
    if (inc.languages?.length) {
      const lang = original.language ?? 'und';
      if (!inc.languages.includes(lang)) return { admitted, refused: `bài viết bằng "${lang}", bảng tin chỉ nhận ${inc.languages.join(', ')}` };
      admitted.push(`Bài viết bằng ngôn ngữ "${lang}".`);
    }
    const links = postLinks(original);
    let story: PostFacts['rising'];
    if (rising) {
      for (const l of links) {
        const k = linkKey(l);
        const s = k ? rising.links.get(k) : undefined;
        if (s) {
          story = { how: 'link', label: s.label };
          break;
        }
      }
      if (!story) {
        const s = rising.words.get(original.id);
        if (s) story = { how: 'words', label: s.label };
      }
    }
    if (inc.rising) {
      if (!story) return { admitted, refused: 'bài không dẫn tới và không nhắc đến câu chuyện đang nổi nào' };
      const s = this.in.rising.find((x) => x.label === story!.label);
      admitted.push(story.how === 'link'
        ? `Bài dẫn liên kết tới một bài báo của câu chuyện "${story.label}", đài quan sát thấy đang nổi ngày ${s?.date ?? ''}.`
        : `Bài nhắc đến "${s?.terms[0] ?? story.label}" của câu chuyện "${story.label}", đài quan sát thấy đang nổi ngày ${s?.date ?? ''}.`);
    }
    const facts: PostFacts = { id: st.id, authorId: original.accountId, createdAt: st.createdAt, replies: 0, reblogs: 0, favourites: 0, links: links.length };
    if (story) facts.rising = story;
    return { admitted, facts, authors: author === origAuthor ? [author] : [author, origAuthor] };
  }

  private fillCounts(facts: Array<{ facts: PostFacts; countsOf: string }>): void {
    const need = new Set(this.spec.signals.map((s) => s.name));
    if (!need.has('replies') && !need.has('boosts') && !need.has('favourites')) return;
    if (facts.length === 0) return;
    // One JSON parameter for all ids: one prepared statement per count, whatever their number.
    const ids = JSON.stringify([...new Set(facts.map((f) => f.countsOf))]);
    const replies = new Map<string, number>();
    const reblogs = new Map<string, number>();
    const favs = new Map<string, number>();
    const db = this.in.store.db;
    if (need.has('replies')) for (const r of db.all<{ k: string; n: number }>('SELECT in_reply_to_id AS k, count(*) AS n FROM statuses WHERE in_reply_to_id IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL GROUP BY 1', [ids])) replies.set(r.k, Number(r.n));
    if (need.has('boosts')) for (const r of db.all<{ k: string; n: number }>('SELECT reblog_of_id AS k, count(*) AS n FROM statuses WHERE reblog_of_id IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL GROUP BY 1', [ids])) reblogs.set(r.k, Number(r.n));
    if (need.has('favourites')) for (const r of db.all<{ k: string; n: number }>('SELECT status_id AS k, count(*) AS n FROM favourites WHERE status_id IN (SELECT value FROM json_each(?)) GROUP BY 1', [ids])) favs.set(r.k, Number(r.n));
    for (const f of facts) {
      f.facts.replies = replies.get(f.countsOf) ?? 0;
      f.facts.reblogs = reblogs.get(f.countsOf) ?? 0;
      f.facts.favourites = favs.get(f.countsOf) ?? 0;
    }
  }

  private risingInputs(since: string, below: string): RisingInputs | undefined {
    const need = this.spec.include.rising || this.spec.signals.some((s) => s.name === 'rising_story');
    if (!need) return undefined;
    const links = this.risingLinks();
    return { links, words: this.risingWords(since, below), hosts: this.risingHosts(links) };
  }

  /** A chronological page: newest first below `maxId`, at most `limit`. */
  chronological(o: RunOptions): FeedItem[] {
    this.begin(o.viewerId);
    const pool = poolOf(this.spec, this.in.store, o.viewerId);
    const limit = o.limit ?? 20;
    const top = idAtTime(o.now + 1);
    let below = o.maxId !== undefined && o.maxId < top ? o.maxId : top;
    const out: FeedItem[] = [];
    const rising = this.risingInputs(idAtTime(o.now - 2 * 86_400_000), top);
    const perAuthor = new Map<string, number>();
    let scanned = 0;
    while (out.length < limit && scanned < MAX_SCAN) {
      const rows = this.rows(pool, below, undefined, Math.min(200, 2 * limit + 10), rising);
      if (rows.length === 0) break;
      scanned += rows.length;
      for (const st of rows) {
        const j = this.judge(st, pool, rising);
        if (j.refused) continue;
        const cap = this.spec.caps.per_author;
        if (cap) {
          const n = perAuthor.get(st.accountId) ?? 0;
          if (n >= cap) continue;
          perAuthor.set(st.accountId, n + 1);
        }
        out.push({ status: st, admitted: j.admitted, rank: out.length + 1 });
        if (out.length >= limit) break;
      }
      below = rows[rows.length - 1].id;
    }
    return out;
  }

  /** The whole ranked feed at clock `now` (every admitted candidate, best first). */
  ranked(o: RunOptions): FeedItem[] {
    this.begin(o.viewerId);
    if (!readerIndependent(this.spec)) return this.place(this.score(poolOf(this.spec, this.in.store, o.viewerId), o.now), o.now);
    // Candidates that do not depend on the reader: judged and scored as nobody in particular (the
    // instance's domain policy only), kept for every reader; each reader's own hides come after.
    const anon = moderationView(this.in.store.db, undefined);
    const mine = this.hidden!;
    const make = () => {
      const viewer = this.viewerId;
      this.viewerId = undefined;
      this.hidden = anon;
      try {
        const scored = this.score(poolOf(this.spec, this.in.store, undefined), o.now);
        return { scored, placed: this.place(scored, o.now) };
      } finally {
        this.viewerId = viewer;
        this.hidden = mine;
      }
    };
    const { shared, sharedScoresMs } = this.in;
    const all = shared && sharedScoresMs ? shared.get(`scores|${specHash(this.spec)}|${o.now}|${anonKey(anon)}`, sharedScoresMs, make) : make();
    const personal = mine.accounts.size > 0 || mine.domains.length > anon.domains.length;
    if (!personal) return all.placed;
    return this.place(all.scored.filter((r) => !r.authors.some((a) => mine.hidesAccount(a))), o.now);
  }

  /** The candidates of `pool` at clock `now` that enter, with their signals other than diversity. */
  private score(pool: Pool, now: number): Scored[] {
    const below = idAtTime(now + 1);
    const since = idAtTime(now - this.spec.window_hours * 3_600_000);
    const rising = this.risingInputs(since, below);
    const rows = this.rows(pool, below, since, MAX_CANDIDATES, rising);
    this.prefetch(rows);
    const admitted: Array<Omit<Scored, 'contributions' | 'base'>> = [];
    for (const st of rows) {
      const j = this.judge(st, pool, rising);
      if (j.refused || !j.facts) continue;
      admitted.push({ st, admitted: j.admitted, facts: j.facts, countsOf: st.reblogOfId ?? st.id, authors: j.authors! });
    }
    this.fillCounts(admitted);
    const others = this.spec.signals.filter((s) => s.name !== 'source_diversity');
    return admitted.map((r) => {
      const contributions: Contribution[] = others.map((s) => {
        const v = SIGNALS[s.name].compute(r.facts, s.params ?? {}, { now, authorAbove: 0 });
        return { signal: s.name, label: SIGNALS[s.name].label, weight: s.weight, value: v.value, micro: contributionMicro(s.weight, v.value), note: v.note };
      });
      return { ...r, contributions, base: contributions.reduce((a, c) => a + c.micro, 0) };
    });
  }

  /**
   * Greedy placement: each step takes the best head among the authors (its score is the post's
   * base plus its diversity term, minus the author's posts already taken times the weight); caps
   * end an author's turn. The heads sit in a heap, so a step costs O(log authors). Ties: larger id.
   */
  private place(scored: Scored[], now: number): FeedItem[] {
    const diversity = this.spec.signals.find((s) => s.name === 'source_diversity');
    const byAuthor = new Map<string, Scored[]>();
    for (const r of scored) {
      const l = byAuthor.get(r.facts.authorId);
      if (l) l.push(r);
      else byAuthor.set(r.facts.authorId, [r]);
    }
    for (const l of byAuthor.values()) l.sort((a, b) => b.base - a.base || (a.st.id < b.st.id ? 1 : -1));
    interface Head { list: Scored[]; k: number; d: number; score: number; id: string }
    const head = (list: Scored[], k: number): Head => {
      const d = diversity ? contributionMicro(diversity.weight, -k) : 0;
      return { list, k, d, score: list[k].base + d, id: list[k].st.id };
    };
    const heap = new Heap<Head>((a, b) => a.score > b.score || (a.score === b.score && a.id > b.id));
    for (const l of byAuthor.values()) heap.push(head(l, 0));
    const cap = this.spec.caps.per_author ?? Infinity;
    const out: FeedItem[] = [];
    for (let h = heap.pop(); h; h = heap.pop()) {
      const r = h.list[h.k];
      const contributions = [...r.contributions];
      if (diversity) {
        const v = SIGNALS.source_diversity.compute(r.facts, diversity.params ?? {}, { now, authorAbove: h.k });
        contributions.push({ signal: 'source_diversity', label: SIGNALS.source_diversity.label, weight: diversity.weight, value: v.value, micro: h.d, note: v.note });
      }
      contributions.sort((x, y) => (x.signal < y.signal ? -1 : 1));
      out.push({ status: r.st, admitted: r.admitted, scoreMicro: contributions.reduce((a, c) => a + c.micro, 0), contributions, rank: out.length + 1 });
      if (h.k + 1 < cap && h.k + 1 < h.list.length) heap.push(head(h.list, h.k + 1));
    }
    return out;
  }

  /**
   * Why a post is (or is not) in this feed at clock `now`: the item with its rules and
   * contributions, or the first rule that kept it out.
   */
  explain(statusId: string, o: RunOptions, ranked?: FeedItem[]): { item?: FeedItem; refused?: string } {
    this.begin(o.viewerId);
    const st = this.in.store.statuses.byId(statusId);
    if (!st) return { refused: 'không có bài này' };
    if (this.spec.order === 'ranked') {
      const list = ranked ?? this.ranked(o);
      const item = list.find((x) => x.status.id === statusId);
      if (item) return { item };
    }
    const pool = poolOf(this.spec, this.in.store, o.viewerId);
    if (st.createdAt > o.now) return { refused: 'bài đăng sau thời điểm bảng tin được tính' };
    if (this.spec.order === 'ranked' && st.createdAt < o.now - this.spec.window_hours * 3_600_000) return { refused: `bài cũ hơn ${this.spec.window_hours} giờ, khung thời gian bảng tin xét` };
    const j = this.judge(st, pool, this.risingInputs(idAtTime(o.now - Math.max(48, this.spec.window_hours) * 3_600_000), idAtTime(o.now + 1)));
    if (j.refused) return { refused: j.refused };
    if (this.spec.order === 'chronological') return { item: { status: st, admitted: j.admitted, rank: 0 } };
    const cap = MAX_CANDIDATES.toLocaleString('vi-VN');
    if (this.spec.include.query) return { refused: `bài không nằm trong ${cap} bài mới nhất khớp truy vấn` };
    return { refused: this.spec.caps.per_author ? `tác giả đã đủ ${this.spec.caps.per_author} bài trong bảng tin, hoặc bài nằm ngoài ${cap} bài mới nhất được xét` : `bài nằm ngoài ${cap} bài mới nhất được xét` };
  }
}

/** A spec whose candidates are the same for every reader: no follows, no "self". */
export function readerIndependent(spec: FeedSpec): boolean {
  return !spec.include.follows && !spec.include.self;
}

/** The instance-wide part of a moderation view, as a cache key part (policies change rarely). */
function anonKey(v: ModerationView): string {
  return v.empty ? '' : JSON.stringify([v.domains, v.silenced]);
}
