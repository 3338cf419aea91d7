/**
 * Remote ActivityStreams objects (Fedify's vocabulary) turned into the plain records of ports.ts.
 */
import { Article, Hashtag, Image, Link, Mention, Note, PUBLIC_COLLECTION, type Actor, type DocumentLoader } from '@fedify/vocab';
import type { RemoteActor, RemotePost, Visibility } from './ports.ts';
import { toDate } from './temporal.ts';

type Text = string | { toString(): string } | null;

function text(v: Text): string | null {
  return v == null ? null : v.toString();
}

function href(v: URL | Link | null): string | null {
  if (v == null) return null;
  if (v instanceof URL) return v.href;
  return v.href?.href ?? null;
}

export interface Loaders {
  documentLoader?: DocumentLoader;
  contextLoader?: DocumentLoader;
}

export async function remoteActor(a: Actor, loaders: Loaders = {}): Promise<RemoteActor> {
  let avatarUrl: string | null = null;
  let headerUrl: string | null = null;
  try {
    const icon = await a.getIcon({ ...loaders, suppressError: true });
    if (icon instanceof Image) avatarUrl = href(icon.url);
    const image = await a.getImage({ ...loaders, suppressError: true });
    if (image instanceof Image) headerUrl = href(image.url);
  } catch {
    avatarUrl ??= null;
  }
  return {
    id: a.id!.href,
    inbox: a.inboxId?.href ?? null,
    sharedInbox: a.endpoints?.sharedInbox?.href ?? null,
    username: text(a.preferredUsername),
    name: text(a.name),
    url: href(a.url),
    avatarUrl,
    summaryHtml: text(a.summary),
    discoverable: a.discoverable ?? null,
    indexable: a.indexable ?? null,
    type: a.constructor.name,
    locked: a.manuallyApprovesFollowers ?? false,
    headerUrl,
    published: toDate(a.published),
  };
}

/** Who may read a post, the way Mastodon reads `to` and `cc`. */
export function visibilityOf(to: string[], cc: string[], followersId: string | null): Visibility {
  const pub = PUBLIC_COLLECTION.href;
  const isPublic = (s: string) => s === pub || s === 'as:Public' || s === 'Public';
  if (to.some(isPublic)) return 'public';
  if (cc.some(isPublic)) return 'unlisted';
  if (followersId !== null && (to.includes(followersId) || cc.includes(followersId))) return 'followers';
  return 'direct';
}

export function isPost(o: unknown): o is Note | Article {
  return o instanceof Note || o instanceof Article;
}

export async function remotePost(p: Note | Article, loaders: Loaders = {}, followersId: string | null = null): Promise<RemotePost> {
  const to = p.toIds.map((u) => u.href);
  const cc = p.ccIds.map((u) => u.href);
  const hashtags: string[] = [];
  const mentions: string[] = [];
  for await (const tag of p.getTags({ ...loaders, suppressError: true })) {
    if (tag instanceof Hashtag) {
      const name = text(tag.name);
      if (name) hashtags.push(name.replace(/^#/, ''));
    } else if (tag instanceof Mention && tag.href) {
      mentions.push(tag.href.href);
    }
  }
  const attachments: RemotePost['attachments'] = [];
  for await (const att of p.getAttachments({ ...loaders, suppressError: true })) {
    if (att instanceof Link) {
      if (att.href) attachments.push({ url: att.href.href, mediaType: att.mediaType, description: text(att.name) });
    } else if ('url' in att && 'mediaType' in att) {
      const url = href((att as Image).url);
      if (url) attachments.push({ url, mediaType: (att as Image).mediaType, description: text((att as Image).name) });
    }
  }
  const content = p.content;
  const language = content != null && typeof content === 'object' && 'locale' in content ? String((content as { locale: Intl.Locale }).locale) : null;
  return {
    id: p.id!.href,
    type: p instanceof Article ? 'Article' : 'Note',
    authorId: p.attributionId?.href ?? '',
    url: href(p.url),
    name: text(p.name),
    summary: text(p.summary),
    contentHtml: text(content) ?? '',
    language,
    published: toDate(p.published),
    updated: toDate(p.updated),
    inReplyTo: p.replyTargetId?.href ?? null,
    visibility: visibilityOf(to, cc, followersId),
    sensitive: p.sensitive ?? false,
    to,
    cc,
    hashtags,
    mentions,
    attachments,
  };
}
