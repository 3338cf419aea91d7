/**
 * Looking up remote actors and posts by handle (`user@host`) or URL, with fetches signed by the
 * instance actor for servers that require it.
 *
 * Fedify resolves a handle through WebFinger over HTTPS only. When the operator allowed private
 * addresses (tests on one machine, with plain-HTTP peers on loopback), a handle that HTTPS cannot
 * resolve is tried once more over plain HTTP.
 */
import { isActor, type Actor, type Object as APObject } from '@fedify/vocab';
import type { Context } from '@fedify/fedify';
import { INSTANCE_ACTOR } from './actors.ts';
import { isPost, remoteActor, remotePost } from './convert.ts';
import type { RemoteActor, RemotePost } from './ports.ts';

const HANDLE = /^@?([^@\s/]+)@([^@\s/]+)$/;
const WEBFINGER_LIMIT = 64 * 1024;

/** The body as text, or null when it is longer than `limit` bytes (reading stops there). */
async function boundedText(res: Response, limit: number): Promise<string | null> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > limit) {
      await res.body.cancel().catch(() => {});
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class Lookup {
  private readonly context: () => Context<void>;
  private readonly plainHttp: boolean;

  constructor(context: () => Context<void>, plainHttp: boolean) {
    this.context = context;
    this.plainHttp = plainHttp;
  }

  async object(handleOrUrl: string): Promise<APObject | null> {
    const ctx = this.context();
    const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
    const opts = { documentLoader, contextLoader: ctx.contextLoader };
    const found = await ctx.lookupObject(handleOrUrl.trim(), opts).catch(() => null);
    if (found || !this.plainHttp) return found;
    const m = HANDLE.exec(handleOrUrl.trim());
    if (!m) return null;
    const self = await this.webfingerOverHttp(m[1], m[2]);
    return self ? ctx.lookupObject(self, opts).catch(() => null) : null;
  }

  async actor(handleOrUrl: string): Promise<RemoteActor | null> {
    const found = await this.object(handleOrUrl);
    if (!isActor(found)) return null;
    const ctx = this.context();
    return remoteActor(found as Actor, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
  }

  async post(url: string): Promise<RemotePost | null> {
    const found = await this.object(url);
    if (!isPost(found)) return null;
    const ctx = this.context();
    return remotePost(found, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
  }

  /** One fetch: the actor or the post behind a handle or URL, or null. */
  async resolve(handleOrUrl: string): Promise<{ actor: RemoteActor } | { post: RemotePost } | null> {
    const found = await this.object(handleOrUrl);
    const ctx = this.context();
    const loaders = { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader };
    if (isActor(found)) return { actor: await remoteActor(found as Actor, loaders) };
    if (isPost(found)) return { post: await remotePost(found, loaders) };
    return null;
  }

  private async webfingerOverHttp(user: string, host: string): Promise<string | null> {
    const url = `http://${host}/.well-known/webfinger?resource=${encodeURIComponent(`acct:${user}@${host}`)}`;
    try {
      const res = await fetch(url, { headers: { accept: 'application/jrd+json' }, redirect: 'error', signal: AbortSignal.timeout(10_000) });
      if (!res.ok) return null;
      const text = await boundedText(res, WEBFINGER_LIMIT);
      if (text === null) return null;
      const jrd = JSON.parse(text) as { links?: { rel?: string; type?: string; href?: string }[] };
      const self = jrd.links?.find((l) => l.rel === 'self' && /activity\+json|ld\+json/.test(l.type ?? '') && typeof l.href === 'string');
      return self?.href ?? null;
    } catch {
      return null;
    }
  }
}
