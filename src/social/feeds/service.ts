/**
 * Feeds as a service for the API and the pages: the store of specs and versions, the post index
 * and rising stories a run needs, paging, explanations, and a small cache of ranked results.
 *
 * Paging a ranked feed: the first page fixes the clock `at` (now, to the minute, unless given);
 * the next page is asked with the same `at` and `max_id` = the last item shown, and continues
 * after that item in the ranking computed at `at` — the same spec and inputs give the same list,
 * so pages neither repeat nor skip. Results are cached per (feed version, viewer, at) for two
 * minutes (at most 200 entries); counts that change meanwhile show at the next minute.
 */
import path from 'node:path';
import type { SocialContext } from '../http.ts';
import type { SocialStore } from '../store/index.ts';
import { SocialError } from '../store/errors.ts';
import type { PostIndex } from '../search/post-index.ts';
import { FeedStore, MAX_FEEDS_PER_ACCOUNT, MAX_VERSIONS, type FeedRow } from './store.ts';
import { normalizeSpec, SpecError, specHash, withWeights, type FeedSpec } from './spec.ts';
import { FeedRunner, type FeedItem } from './rank.ts';
import { SharedWork } from './shared.ts';
import { observatoryRising, type RisingSource, type RisingStory } from './rising.ts';
import { vietnamDay } from '../../ingest/timestamps.ts';
import { BUILTIN_FEEDS } from './builtin.ts';
import { describeSpec } from './describe.ts';
import { fromMicro } from './signals.ts';
import { moderationView } from '../moderation/filter.ts';

export interface FeedServiceOptions {
  /** Rising stories (default: the observatory of the data directory, read-only). */
  rising?: RisingSource;
  /** Cached ranked results (default 200; 0: no cache, every page is computed). */
  cacheSize?: number;
  /**
   * How long the scored candidates of a feed that is the same for every reader ("Thảo luận quanh
   * tin nóng", any feed without follows) are kept for all readers, per (feed version, clock), in
   * ms (default: two minutes, as rankings; 0 when `cacheSize` is 0, unless given).
   */
  sharedMs?: number;
  /** The clock when a request gives none (default Date.now). */
  clock?: () => number;
}

export interface FeedPage {
  feed: FeedRow;
  at: number;
  items: FeedItem[];
  /** The cursor of the next page (undefined: the end). */
  next?: { at: number; maxId: string };
}

const CACHE_MS = 120_000;

export class FeedService {
  readonly feeds: FeedStore;
  private readonly store: SocialStore;
  private readonly index: () => Promise<PostIndex>;
  private readonly rising: RisingSource & { close?: () => void };
  private readonly cacheSize: number;
  private readonly cache = new Map<string, { made: number; items: FeedItem[] }>();
  private readonly clock: () => number;
  /** Work the same for every reader (shared.ts): rising matches, scores of reader-independent feeds. */
  readonly shared = new SharedWork();
  private readonly sharedMs: number;

  constructor(store: SocialStore, index: () => Promise<PostIndex>, o: FeedServiceOptions = {}) {
    const dir = path.dirname(store.db.file);
    this.store = store;
    this.index = index;
    this.feeds = new FeedStore(dir);
    this.rising = o.rising ?? observatoryRising(dir);
    this.cacheSize = o.cacheSize ?? 200;
    this.sharedMs = o.sharedMs ?? (this.cacheSize === 0 ? 0 : CACHE_MS);
    this.clock = o.clock ?? Date.now;
  }

  /** The clock of a request: the `at` given, else now to the minute. */
  clockOf(at: number | undefined): number {
    if (at !== undefined && Number.isFinite(at) && at > 0) return Math.floor(at);
    return Math.floor(this.clock() / 60_000) * 60_000;
  }

  /** A feed the viewer may read (built in, published, or their own), else 404. */
  readable(id: string, viewerId: string | undefined): FeedRow {
    const f = this.feeds.get(id);
    if (!f || (!f.published && f.ownerId !== viewerId)) throw new SocialError(404, 'Không tìm thấy bảng tin này');
    return f;
  }

  owned(id: string, viewerId: string): FeedRow {
    const f = this.readable(id, viewerId);
    if (f.ownerId !== viewerId) throw new SocialError(403, 'Chỉ người tạo bảng tin mới sửa hoặc công bố được nó; hãy sao chép bảng tin để có bản của riêng bạn');
    return f;
  }

  private spec(input: unknown): FeedSpec {
    try {
      return normalizeSpec(input);
    } catch (e) {
      if (e instanceof SpecError) throw new SocialError(422, `Bảng tin không hợp lệ: ${e.message}`);
      throw e;
    }
  }

  private checkAccounts(spec: FeedSpec): void {
    for (const id of spec.include.accounts ?? []) {
      const a = this.store.accounts.byId(id);
      if (!a || a.deletedAt !== null) throw new SocialError(422, `Bảng tin không hợp lệ: không có tài khoản ${id}`);
    }
  }

  create(ownerId: string, input: unknown): FeedRow {
    if (this.feeds.countOwned(ownerId) >= MAX_FEEDS_PER_ACCOUNT) throw new SocialError(422, `Mỗi tài khoản có tối đa ${MAX_FEEDS_PER_ACCOUNT} bảng tin`);
    const spec = this.spec(input);
    this.checkAccounts(spec);
    return this.feeds.create(ownerId, spec);
  }

  /** A copy owned by `ownerId`, optionally renamed and with other weights. */
  copy(id: string, ownerId: string, o: { name?: string; weights?: Record<string, number> } = {}): FeedRow {
    const src = this.readable(id, ownerId);
    if (this.feeds.countOwned(ownerId) >= MAX_FEEDS_PER_ACCOUNT) throw new SocialError(422, `Mỗi tài khoản có tối đa ${MAX_FEEDS_PER_ACCOUNT} bảng tin`);
    let spec: FeedSpec;
    try {
      spec = withWeights({ ...src.spec, name: o.name ?? `${src.spec.name} (bản sao)`.slice(0, 80) }, o.weights ?? {});
    } catch (e) {
      if (e instanceof SpecError) throw new SocialError(422, `Bảng tin không hợp lệ: ${e.message}`);
      throw e;
    }
    return this.feeds.create(ownerId, spec, { copiedFrom: `${src.id}@${src.version}`, note: `Sao chép từ "${src.spec.name}" phiên bản ${src.version} (${src.hash.slice(0, 12)})` });
  }

  /** A new version: a whole spec, or the current one with other weights. */
  update(id: string, ownerId: string, o: { spec?: unknown; weights?: Record<string, number>; note?: string }): FeedRow {
    const f = this.owned(id, ownerId);
    if (this.feeds.versionCount(id) >= MAX_VERSIONS) throw new SocialError(422, `Bảng tin đã có ${MAX_VERSIONS} phiên bản`);
    let spec = o.spec !== undefined ? this.spec(o.spec) : f.spec;
    if (o.weights) {
      try {
        spec = withWeights(spec, o.weights);
      } catch (e) {
        if (e instanceof SpecError) throw new SocialError(422, `Bảng tin không hợp lệ: ${e.message}`);
        throw e;
      }
    }
    this.checkAccounts(spec);
    return this.feeds.update(id, spec, o.note ?? null);
  }

  publish(id: string, ownerId: string): FeedRow {
    this.owned(id, ownerId);
    return this.feeds.publish(id);
  }

  private async risingFor(at: number, spec: FeedSpec): Promise<RisingStory[]> {
    if (!spec.include.rising && !spec.signals.some((s) => s.name === 'rising_story')) return [];
    const today = vietnamDay(at);
    const yesterday = vietnamDay(at - 86_400_000);
    const seen = new Set<string>();
    const out: RisingStory[] = [];
    for (const d of [today, yesterday]) {
      for (const s of await this.rising(d)) {
        if (seen.has(s.label)) continue;
        seen.add(s.label);
        out.push(s);
      }
    }
    return out;
  }

  private async runner(feed: FeedRow, at: number): Promise<FeedRunner> {
    const index = await this.index();
    // A saved query, like search, finds a post made a moment ago (a small catch-up in place).
    // Rising matches use what the index holds: it follows the table within a second, and a
    // catch-up (an engine commit) on every request of a busy minute is what made the p99.
    if (feed.spec.include.query) await index.fresh();
    return new FeedRunner(feed.spec, { store: this.store, index, rising: await this.risingFor(at, feed.spec), shared: this.shared, sharedScoresMs: this.sharedMs });
  }

  private async rankedAt(feed: FeedRow, viewerId: string | undefined, at: number, runner?: FeedRunner): Promise<FeedItem[]> {
    const key = `${feed.id}@${feed.hash}|${viewerId ?? ''}|${at}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.made < CACHE_MS) return hit.items;
    const items = (runner ?? (await this.runner(feed, at))).ranked({ viewerId, now: at });
    if (this.cacheSize > 0) {
      this.cache.set(key, { made: Date.now(), items });
      while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    }
    return items;
  }

  /** One page of a feed as `viewerId` sees it. */
  async page(id: string, viewerId: string | undefined, o: { at?: number; maxId?: string; limit?: number } = {}): Promise<FeedPage> {
    const feed = this.readable(id, viewerId);
    const at = this.clockOf(o.at);
    const limit = o.limit ?? 20;
    if (feed.spec.order === 'chronological') {
      const items = (await this.runner(feed, at)).chronological({ viewerId, now: at, maxId: o.maxId, limit });
      return { feed, at, items, next: items.length === limit ? { at, maxId: items[items.length - 1].status.id } : undefined };
    }
    // A cached ranking may predate a mute or block made since: what the viewer hid leaves at once.
    const hidden = moderationView(this.store.db, viewerId);
    const ranked = await this.rankedAt(feed, viewerId, at);
    const all = hidden.empty ? ranked : ranked.filter((it) => !hidden.hidesStatus(it.status));
    let start = 0;
    if (o.maxId !== undefined) {
      const i = all.findIndex((x) => x.status.id === o.maxId);
      start = i < 0 ? all.length : i + 1;
    }
    const items = all.slice(start, start + limit);
    return { feed, at, items, next: start + limit < all.length && items.length ? { at, maxId: items[items.length - 1].status.id } : undefined };
  }

  /** "Vì sao tôi thấy bài này?" for one post of a feed at clock `at`. */
  async explain(id: string, statusId: string, viewerId: string | undefined, atGiven?: number): Promise<{ feed: FeedRow; at: number; item?: FeedItem; refused?: string }> {
    const feed = this.readable(id, viewerId);
    const at = this.clockOf(atGiven);
    const runner = await this.runner(feed, at);
    const ranked = feed.spec.order === 'ranked' ? await this.rankedAt(feed, viewerId, at, runner) : undefined;
    return { feed, at, ...runner.explain(statusId, { viewerId, now: at }, ranked) };
  }

  /** What a feed is, as the API gives it: spec, hash, version, its Vietnamese text. */
  describe(f: FeedRow, nameOf?: (id: string) => string): Record<string, unknown> {
    const builtin = BUILTIN_FEEDS.find((b) => b.id === f.id);
    return {
      id: f.id,
      name: f.spec.name,
      description: f.spec.description ?? null,
      builtin: !!builtin,
      owner_id: f.ownerId,
      published: f.published,
      copied_from: f.copiedFrom,
      version: f.version,
      hash: f.hash,
      order: f.spec.order,
      personal_data: builtin?.personal ?? personalOf(f.spec),
      rules: describeSpec(f.spec, nameOf).lines,
      spec: f.spec,
      created_at: new Date(f.createdAt).toISOString(),
      updated_at: new Date(f.updatedAt).toISOString(),
    };
  }

  /** Forget every kept ranking and shared result (benches measure a computed request this way). */
  clearCaches(): void {
    this.cache.clear();
    this.shared.clear();
  }

  close(): void {
    this.feeds.close();
    this.rising.close?.();
  }
}

/** Which of the reader's data a spec uses (the same text the built-ins carry). */
export function personalOf(spec: FeedSpec): string {
  if (spec.include.follows || spec.include.self) return 'Danh sách người bạn theo dõi, để biết bài của ai được vào. Không dùng gì khác về bạn.';
  return 'Không dùng dữ liệu nào về bạn: mọi người thấy cùng một bảng tin.';
}

/** An item as JSON: rank, score and each contribution (numbers, and exact millionths). */
export function itemJson(item: FeedItem): Record<string, unknown> {
  const out: Record<string, unknown> = { rank: item.rank, admitted: item.admitted };
  if (item.scoreMicro !== undefined) {
    out.score = fromMicro(item.scoreMicro);
    out.score_micro = item.scoreMicro;
    out.contributions = (item.contributions ?? []).map((c) => ({ signal: c.signal, label: c.label, weight: c.weight, value: Math.round(c.value * 1e6) / 1e6, points: fromMicro(c.micro), micro: c.micro, note: c.note }));
  }
  return out;
}

const services = new WeakMap<SocialContext, FeedService>();
const serviceOptions = new WeakMap<SocialContext, FeedServiceOptions>();

/** Options for the feeds of `ctx` (tests, benches), before first use. */
export function configureFeeds(ctx: SocialContext, o: FeedServiceOptions): void {
  serviceOptions.set(ctx, o);
}

export function feedsOf(ctx: SocialContext, index: () => Promise<PostIndex>): FeedService {
  let s = services.get(ctx);
  if (!s) {
    s = new FeedService(ctx.store, index, serviceOptions.get(ctx) ?? {});
    services.set(ctx, s);
  }
  return s;
}

export function closeFeeds(ctx: SocialContext): void {
  services.get(ctx)?.close();
  services.delete(ctx);
}

export { specHash };
