/**
 * The Link header Mastodon clients page with: `rel="next"` asks for older items (max_id = the
 * oldest id on this page), `rel="prev"` for newer ones (min_id = the newest). The request's other
 * query parameters are kept; the paging ones are replaced.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const PAGING = new Set(['max_id', 'since_id', 'min_id']);

export function setLinkHeader(req: FastifyRequest, reply: FastifyReply, origin: string, ids: { newest: string; oldest: string } | undefined): void {
  if (!ids) return;
  const url = new URL(req.url, origin);
  const base = new URL(origin + url.pathname);
  for (const [k, v] of url.searchParams) if (!PAGING.has(k)) base.searchParams.append(k, v);
  const next = new URL(base);
  next.searchParams.set('max_id', ids.oldest);
  const prev = new URL(base);
  prev.searchParams.set('min_id', ids.newest);
  reply.header('link', `<${next.href}>; rel="next", <${prev.href}>; rel="prev"`);
}

/** The newest and oldest ids of a page given newest first (undefined when empty). */
export function pageIds(items: Array<{ id: string }>): { newest: string; oldest: string } | undefined {
  if (items.length === 0) return undefined;
  return { newest: items[0].id, oldest: items[items.length - 1].id };
}
