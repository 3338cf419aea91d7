/**
 * One post index per social context, opened on first use and shared by post search
 * (src/social/mastodon/search.ts) and feeds (src/social/feeds/). The plugin that serves them
 * closes it with the server.
 */
import type { SocialContext } from '../http.ts';
import { PostIndex, type PostIndexOptions } from './post-index.ts';

const indexes = new WeakMap<SocialContext, Promise<PostIndex>>();
const options = new WeakMap<SocialContext, PostIndexOptions>();

/** Options for the index of `ctx` (tests, benches), before its first use. */
export function configurePostIndex(ctx: SocialContext, o: PostIndexOptions): void {
  options.set(ctx, o);
}

export function postIndexOf(ctx: SocialContext): Promise<PostIndex> {
  let p = indexes.get(ctx);
  if (!p) {
    p = PostIndex.open(ctx.store, options.get(ctx) ?? {});
    indexes.set(ctx, p);
  }
  return p;
}

export async function closePostIndex(ctx: SocialContext): Promise<void> {
  const p = indexes.get(ctx);
  if (!p) return;
  indexes.delete(ctx);
  await (await p).close();
}
