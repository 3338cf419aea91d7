/**
 * Reading the lists that tell us what to fetch: RSS 2.0 (and 0.9x/1.0), Atom, JSON Feed, sitemaps
 * (plain, Google News, image) and sitemap indexes.
 *
 * XML goes through htmlparser2 in xmlMode, which is a tolerant tokenizer rather than a validating
 * parser: a feed with a raw `&` in a URL (the real VnExpress file in
 * ../shared/data/feeds/*_2golang.xml) or an unclosed tag still yields its items. The format is told
 * by the root element, not by the Content-Type, which feeds routinely get wrong.
 */
import { Parser } from 'htmlparser2';

export type FeedKind = 'rss' | 'atom' | 'jsonfeed' | 'sitemap' | 'sitemapindex';

export interface FeedEntry {
  /** Absolute URL of the article. */
  url: string;
  title?: string;
  /** ISO-8601 when the feed gave a parseable date. */
  published?: string;
  modified?: string;
  /** Plain-text summary (tags stripped). */
  summary?: string;
}

export interface ParsedFeed {
  kind: FeedKind;
  title?: string;
  entries: FeedEntry[];
  /** Child sitemaps of a sitemap index. */
  sitemaps: string[];
}

export class FeedError extends Error {}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decode the few entities that survive in HTML embedded in feeds (summaries inside CDATA). */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : all;
    }
    return NAMED_ENTITIES[e.toLowerCase()] ?? all;
  });
}

/** HTML fragment → one line of plain text. */
export function htmlToPlain(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
}

function isoDate(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = Date.parse(s.trim());
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

function absolute(href: string | undefined, base: string): string | undefined {
  if (!href) return undefined;
  const h = href.trim();
  if (!h) return undefined;
  try {
    const u = new URL(h, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** Parse a feed or sitemap. `baseUrl` resolves relative links. Throws FeedError when nothing fits. */
export function parseFeed(text: string, baseUrl: string): ParsedFeed {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('{')) return parseJsonFeed(trimmed, baseUrl);
  return parseXmlFeed(trimmed, baseUrl);
}

function parseJsonFeed(text: string, baseUrl: string): ParsedFeed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FeedError(`JSON Feed không đọc được: ${(e as Error).message}`);
  }
  const d = doc as { version?: unknown; title?: unknown; items?: unknown };
  if (!d || typeof d !== 'object' || !Array.isArray(d.items)) throw new FeedError('JSON không phải JSON Feed (thiếu "items")');
  const entries: FeedEntry[] = [];
  for (const raw of d.items as Array<Record<string, unknown>>) {
    if (!raw || typeof raw !== 'object') continue;
    const url = absolute(typeof raw.url === 'string' ? raw.url : typeof raw.external_url === 'string' ? raw.external_url : typeof raw.id === 'string' ? raw.id : undefined, baseUrl);
    if (!url) continue;
    const summary = typeof raw.summary === 'string' ? raw.summary : typeof raw.content_text === 'string' ? raw.content_text : typeof raw.content_html === 'string' ? htmlToPlain(raw.content_html) : undefined;
    entries.push({
      url,
      title: typeof raw.title === 'string' ? raw.title.trim() : undefined,
      published: isoDate(typeof raw.date_published === 'string' ? raw.date_published : undefined),
      modified: isoDate(typeof raw.date_modified === 'string' ? raw.date_modified : undefined),
      summary: summary?.trim() || undefined,
    });
  }
  return { kind: 'jsonfeed', title: typeof d.title === 'string' ? d.title : undefined, entries, sitemaps: [] };
}

interface Draft {
  link?: string;
  guid?: string;
  guidIsLink: boolean;
  title?: string;
  published?: string;
  modified?: string;
  summary?: string;
}

function parseXmlFeed(text: string, baseUrl: string): ParsedFeed {
  let kind: FeedKind | undefined;
  let feedTitle: string | undefined;
  const entries: FeedEntry[] = [];
  const sitemaps: Array<{ url: string; modified: string }> = [];
  const stack: string[] = [];
  let item: Draft | undefined;
  let buf = '';
  let inItemTag = ''; // 'item' | 'entry' | 'url' | 'sitemap'

  const parser = new Parser(
    {
      onopentag(rawName, attrs) {
        const name = rawName.toLowerCase();
        if (!kind) {
          if (name === 'rss' || name === 'rdf:rdf' || name === 'channel') kind = 'rss';
          else if (name === 'feed') kind = 'atom';
          else if (name === 'urlset') kind = 'sitemap';
          else if (name === 'sitemapindex') kind = 'sitemapindex';
        }
        stack.push(name);
        buf = '';
        if (!item && (name === 'item' || name === 'entry' || (name === 'url' && kind === 'sitemap') || (name === 'sitemap' && kind === 'sitemapindex'))) {
          item = { guidIsLink: true };
          inItemTag = name;
          return;
        }
        if (item && name === 'link' && kind === 'atom') {
          const rel = (attrs.rel ?? 'alternate').toLowerCase();
          if (rel === 'alternate' && attrs.href && !item.link) item.link = attrs.href;
        }
        if (item && name === 'guid') item.guidIsLink = (attrs.ispermalink ?? attrs.isPermaLink ?? 'true').toLowerCase() !== 'false';
        if (item && name === 'rdf:li' && attrs['rdf:resource'] && !item.link) item.link = attrs['rdf:resource'];
      },
      ontext(t) {
        buf += t;
      },
      onclosetag(rawName) {
        const name = rawName.toLowerCase();
        // Tolerate mismatched nesting: pop up to the matching open tag if there is one.
        const at = stack.lastIndexOf(name);
        if (at >= 0) stack.length = at;
        const value = buf.trim();
        buf = '';
        if (!item) {
          if (name === 'title' && feedTitle === undefined && value) feedTitle = decodeEntities(value);
          return;
        }
        if (name === inItemTag) {
          const url = absolute(item.link ?? (item.guidIsLink ? item.guid : undefined), baseUrl);
          if (url) {
            if (kind === 'sitemapindex') sitemaps.push({ url, modified: isoDate(item.modified) ?? '' });
            else entries.push({ url, title: item.title, published: isoDate(item.published), modified: isoDate(item.modified), summary: item.summary });
          }
          item = undefined;
          inItemTag = '';
          return;
        }
        if (!value) return;
        switch (name) {
          case 'link':
            if (kind !== 'atom' && !item.link) item.link = decodeEntities(value);
            break;
          case 'loc':
            if (!item.link) item.link = decodeEntities(value);
            break;
          case 'guid':
          case 'id':
            item.guid = decodeEntities(value);
            break;
          case 'title':
          case 'news:title':
            if (!item.title) item.title = htmlToPlain(value);
            break;
          case 'pubdate':
          case 'published':
          case 'dc:date':
          case 'news:publication_date':
          case 'issued':
            if (!item.published) item.published = value;
            break;
          case 'updated':
          case 'lastmod':
          case 'dcterms:modified':
          case 'atom:updated':
            item.modified = value;
            break;
          case 'description':
          case 'summary':
          case 'content':
          case 'content:encoded':
            if (!item.summary || name === 'description' || name === 'summary') {
              const plain = htmlToPlain(value);
              if (plain) item.summary = plain;
            }
            break;
        }
      },
    },
    { xmlMode: true, decodeEntities: true, recognizeCDATA: true },
  );
  parser.write(text);
  parser.end();
  if (!kind) throw new FeedError('không phải RSS, Atom, JSON Feed hay sitemap (không nhận ra phần tử gốc)');
  // Newest child sitemaps first (undated ones after, in their order), each once: the crawler
  // reads a bounded number of them per run and the newest hold the news.
  const seen = new Set<string>();
  const children = sitemaps
    .map((x, i) => ({ ...x, i }))
    .sort((a, b) => b.modified.localeCompare(a.modified) || a.i - b.i)
    .map((x) => x.url)
    .filter((u) => !seen.has(u) && Boolean(seen.add(u)));
  return { kind, title: feedTitle, entries, sitemaps: children };
}

/**
 * Feeds a web page advertises (`<link rel="alternate" type="application/rss+xml" href>` and the
 * Atom / JSON Feed equivalents), so a source can be given as a site's home page.
 */
export function discoverFeeds(html: string, baseUrl: string): string[] {
  const out: string[] = [];
  const parser = new Parser({
    onopentag(name, attrs) {
      if (name.toLowerCase() !== 'link') return;
      const rel = (attrs.rel ?? '').toLowerCase().split(/\s+/);
      const type = (attrs.type ?? '').toLowerCase();
      if (!rel.includes('alternate') || !/^application\/(rss\+xml|atom\+xml|feed\+json|json)$/.test(type)) return;
      const u = absolute(attrs.href, baseUrl);
      if (u && !out.includes(u)) out.push(u);
    },
  }, { decodeEntities: true });
  parser.write(html);
  parser.end();
  return out;
}
