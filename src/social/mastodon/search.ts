/**
 * /api/v2/search: accounts (username prefix or display name, `user@host` exactly), statuses
 * (through the post index's match set: src/social/search/post-index.ts — the engine's Vietnamese
 * matching, so `bao so 3` finds "bão số 3", NFD input matches, accents typed mean those accents)
 * and hashtags (tag keys, src/social/search/hashtags.ts).
 *
 * Statuses: best match first (the engine's BM25F), paged with `offset`; `account_id` keeps one
 * author's posts; with `max_id` / `min_id` the posts are newest first below / above that id
 * (Mastodon's meaning: bounds on the ids returned). Only public posts of authors who allow search
 * (`indexable`) are in the index; each hit is checked again against the author's current flags.
 *
 * `resolve=true`: when the context has federation's `resolveRemote(q)` hook (fetching a remote
 * account or post by URL or handle), it is asked first and what it found leads the answer;
 * without the hook the answer is what is stored here.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiOptions } from './routes.ts';
import type { SocialContext } from '../http.ts';
import type { AccountRow, StatusRow } from '../store/rows.ts';
import { SocialError } from '../store/errors.ts';
import { dayOfId } from '../store/ids.ts';
import { requireUser } from './auth.ts';
import { bool, int, paramsOf, str } from './params.ts';
import { normalizeId } from '../store/ids.ts';
import { indexablePost } from '../search/post-doc.ts';
import { postIndexOf, closePostIndex } from '../search/services.ts';
import { searchHashtags } from '../search/hashtags.ts';
import type { PostIndex } from '../search/post-index.ts';

const TYPES = ['accounts', 'statuses', 'hashtags'];

/** What federation's resolver may give back (any of these; unknown shapes are ignored). */
interface Resolved {
  account?: AccountRow;
  status?: StatusRow;
  accounts?: AccountRow[];
  statuses?: StatusRow[];
}
type Resolver = (q: string) => Promise<Resolved | AccountRow | StatusRow | undefined | null> | Resolved | undefined | null;

function resolverOf(ctx: SocialContext): Resolver | undefined {
  const r = (ctx as unknown as { resolveRemote?: unknown }).resolveRemote;
  return typeof r === 'function' ? (r.bind(ctx) as Resolver) : undefined;
}

const isStatus = (x: unknown): x is StatusRow => !!x && typeof x === 'object' && 'accountId' in x && 'visibility' in x;
const isAccount = (x: unknown): x is AccountRow => !!x && typeof x === 'object' && 'username' in x && 'indexable' in x;

export interface StatusSearch {
  query: string;
  limit: number;
  offset: number;
  accountId?: string;
  maxId?: string;
  minId?: string;
}

/**
 * The statuses matching a query, as rows still allowed now (public, not deleted, author indexable).
 * Relevance order with offset paging; with max_id/min_id newest first inside those bounds.
 */
export function searchStatuses(ctx: SocialContext, index: PostIndex, s: StatusSearch): StatusRow[] {
  const authors = s.accountId ? [s.accountId] : undefined;
  const allowed = (id: string): StatusRow | undefined => {
    const st = ctx.store.statuses.byId(id);
    if (!st) return undefined;
    return indexablePost(st, ctx.store.accounts.byId(st.accountId)) ? st : undefined;
  };
  if (s.maxId === undefined && s.minId === undefined) {
    const hits = index.search({ query: s.query, limit: s.limit, offset: s.offset, authors });
    return hits.ids.map(allowed).filter((x): x is StatusRow => !!x);
  }
  // Bounded by ids: the day filters cut the match set to the days of the bounds, the date order
  // walks it newest first, and the ids decide inside the boundary days.
  const to = s.maxId !== undefined ? dayOfId(s.maxId) : undefined;
  const from = s.minId !== undefined ? dayOfId(s.minId) : undefined;
  const want = s.offset + s.limit;
  for (let n = Math.max(64, want * 2); ; n *= 4) {
    const hits = index.search({ query: s.query, limit: n, sort: 'date', authors, from, to });
    const inside = hits.ids.filter((id) => (s.maxId === undefined || id < s.maxId) && (s.minId === undefined || id > s.minId));
    if (inside.length >= want || hits.ids.length < n || n >= 16_384) {
      return inside.slice(s.offset, want).map(allowed).filter((x): x is StatusRow => !!x);
    }
  }
}

export async function searchRoutes(app: FastifyInstance, { ctx, e }: ApiOptions): Promise<void> {
  app.addHook('onClose', async () => closePostIndex(ctx));

  app.get('/api/v2/search', async (req) => {
    const { account: viewer } = requireUser(ctx, req, 'read:search');
    const p = paramsOf(req);
    const q = (str(p, 'q', 500) ?? '').trim().normalize('NFC');
    const type = str(p, 'type', 20);
    if (type !== undefined && type !== '' && !TYPES.includes(type)) throw new SocialError(400, `type phải là một trong: ${TYPES.join(', ')}`);
    const limit = int(p, 'limit', 1, 40) ?? 20;
    const offset = int(p, 'offset', 0, 10_000) ?? 0;
    const out = { accounts: [] as unknown[], statuses: [] as unknown[], hashtags: [] as unknown[] };
    if (!q) return out;
    const want = (t: string) => !type || type === t;

    // resolve=true: federation fetches what a URL or handle names; it leads the answer.
    const resolver = bool(p, 'resolve') ? resolverOf(ctx) : undefined;
    if (resolver && offset === 0) {
      const r = await resolver(q);
      const found: Resolved = isStatus(r) ? { status: r } : isAccount(r) ? { account: r } : ((r ?? {}) as Resolved);
      const accounts = [...(found.account ? [found.account] : []), ...(found.accounts ?? [])].filter((a) => isAccount(a) && a.deletedAt === null);
      const statuses = [...(found.status ? [found.status] : []), ...(found.statuses ?? [])].filter((st) => isStatus(st) && ctx.store.statuses.canSee(st, viewer.id));
      if (want('accounts')) out.accounts.push(...accounts.map((a) => e.account(a)));
      if (want('statuses')) out.statuses.push(...statuses.map((st) => e.status(st, viewer.id)));
    }

    if (want('accounts')) {
      const handle = q.replace(/^@/, '');
      const [username, domain] = handle.split('@');
      const exact = domain !== undefined ? ctx.store.accounts.byHandle(username, domain.toLowerCase() === ctx.urls.host.toLowerCase() ? null : domain) : undefined;
      const found = exact && exact.deletedAt === null ? [exact] : ctx.store.accounts.search(username, limit, offset);
      const have = new Set(out.accounts.map((a) => (a as { id: string }).id));
      out.accounts.push(...found.filter((a) => !have.has(a.id)).map((a) => e.account(a)));
      out.accounts = out.accounts.slice(0, limit);
    }
    if (want('statuses')) {
      const index = await postIndexOf(ctx);
      await index.fresh();
      const accountId = normalizeId(p.account_id);
      const maxId = normalizeId(p.max_id);
      const minId = normalizeId(p.min_id);
      const rows = searchStatuses(ctx, index, { query: q, limit, offset, accountId, maxId, minId });
      const have = new Set(out.statuses.map((s) => (s as { id: string }).id));
      out.statuses.push(...rows.filter((st) => !have.has(st.id)).map((st) => e.status(st, viewer.id)));
      out.statuses = out.statuses.slice(0, limit);
    }
    if (want('hashtags')) {
      out.hashtags = searchHashtags(ctx.store, q, limit, offset).map((h) => e.tag(h.name));
    }
    return out;
  });
}
