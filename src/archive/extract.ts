/**
 * Article extraction: title, body, dates, author, section, language and canonical URL from a
 * news page.
 *
 * Structured data first, because publishers maintain it for search engines and it is exact:
 * JSON-LD (`NewsArticle`, `Article`, `ReportageNewsArticle`, `BlogPosting`, also inside `@graph`),
 * then OpenGraph / `article:*` meta, then plain meta tags and `<link rel=canonical>`. The body comes
 * from Mozilla Readability (the Firefox reader view) running on linkedom, a fast DOM. Dates the
 * structured data lacks are read from the visible Vietnamese date line ("Thứ sáu, 6/2/2025, 20:30
 * (GMT+7)") or from a Tuổi Trẻ-style timestamp in the URL (`…-20250901203946869.htm`), both in
 * Vietnam time (UTC+7).
 */
import { parseHTML } from 'linkedom';
import { Readability } from '@mozilla/readability';

export interface Extracted {
  title?: string;
  /** Body text, paragraphs separated by a blank line. Empty when no article body was found. */
  text: string;
  /** Photo captions found in the article (not part of `text`). */
  captions: string[];
  /** Standfirst / description. */
  summary?: string;
  published?: string;
  modified?: string;
  author?: string;
  section?: string;
  lang?: string;
  /** Absolute canonical URL declared by the page, if any. */
  canonical?: string;
  siteName?: string;
  /** True when the page declares itself an article (JSON-LD or og:type) or has a substantial body. */
  isArticle: boolean;
}

type Json = Record<string, unknown>;

// The few DOM shapes used here (the project compiles without the DOM lib; linkedom provides them).
interface DomNode {
  nodeType: number;
  nodeValue: string | null;
  firstChild: DomNode | null;
  nextSibling: DomNode | null;
  textContent: string | null;
}
interface DomElement extends DomNode {
  tagName: string;
  getAttribute(name: string): string | null;
}
interface DomDocument {
  documentElement: DomElement | null;
  body: DomElement | null;
  querySelector(sel: string): DomElement | null;
  querySelectorAll(sel: string): Iterable<DomElement>;
}

const ARTICLE_TYPES = new Set(['newsarticle', 'article', 'reportagenewsarticle', 'blogposting', 'analysisnewsarticle', 'opinionnewsarticle', 'backgroundnewsarticle', 'liveblogposting', 'report']);

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return str(v[0]);
  if (v && typeof v === 'object' && 'name' in v) return str((v as Json).name);
  return undefined;
}

function names(v: unknown): string | undefined {
  if (Array.isArray(v)) {
    const all = v.map((x) => str(x)).filter((x): x is string => Boolean(x));
    return all.length ? [...new Set(all)].join(', ') : undefined;
  }
  return str(v);
}

function typesOf(node: Json): string[] {
  const t = node['@type'];
  return (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
}

/** Every JSON-LD node of an article type on the page. Broken JSON-LD is skipped. */
function jsonLdArticles(doc: DomDocument): Json[] {
  const out: Json[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const n = node as Json;
    if (typesOf(n).some((t) => ARTICLE_TYPES.has(t))) out.push(n);
    if (n['@graph']) visit(n['@graph']);
  };
  for (const s of doc.querySelectorAll('script[type="application/ld+json"]')) {
    const raw = (s.textContent ?? '').trim();
    if (!raw) continue;
    try {
      visit(JSON.parse(raw));
    } catch {
      // Publishers ship JSON-LD with raw newlines in strings; try once more without control chars.
      try {
        visit(JSON.parse(raw.replace(/[\u0000-\u001f]+/g, ' ')));
      } catch {
        /* not usable */
      }
    }
  }
  return out;
}

function meta(doc: DomDocument, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const el = doc.querySelector(`meta[property="${k}"], meta[name="${k}"], meta[itemprop="${k}"]`);
    const v = el?.getAttribute('content')?.trim();
    if (v) return v;
  }
  return undefined;
}

/** ISO-8601 (UTC) from a date string; undefined when unparseable. Naive times are Vietnam time. */
export function toIso(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const v = s.trim();
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) return toIso(v.replace(' ', 'T') + '+07:00');
  const t = Date.parse(v);
  if (Number.isFinite(t)) return new Date(t).toISOString();
  return vietnameseDate(v);
}

/** "6/2/2025, 20:30", "06-02-2025 20:30", "Thứ sáu, 6/2/2025 - 20:30 (GMT+7)" → ISO, Vietnam time. */
export function vietnameseDate(s: string): string | undefined {
  const m = /(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\D{1,12}?(\d{1,2})[:hg](\d{2}))?/.exec(s);
  if (!m) return undefined;
  const [d, mo, y, h = '0', mi = '0'] = m.slice(1).map((x) => x ?? undefined) as string[];
  const day = Number(d), month = Number(mo), hour = Number(h ?? 0), minute = Number(mi ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return undefined;
  const t = Date.UTC(Number(y), month - 1, day, hour - 7, minute);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/** Tuổi Trẻ / Thanh Niên style URLs end in a 17-digit Vietnam-time timestamp. */
export function dateFromUrl(url: string): string | undefined {
  const m = /-(20\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\d{3}\.html?$/.exec(url);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return undefined;
  return new Date(Date.UTC(y, mo - 1, d, h - 7, mi, s)).toISOString();
}

const BLOCK = new Set(['P', 'DIV', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'LI', 'UL', 'OL', 'BLOCKQUOTE', 'PRE', 'FIGURE', 'FIGCAPTION', 'TABLE', 'TR', 'SECTION', 'ARTICLE', 'HEADER', 'FOOTER', 'DL', 'DT', 'DD', 'ASIDE', 'MAIN', 'TD', 'TH']);

/** Text of an element with paragraph structure kept: blocks become paragraphs, <br> a line break. */
export function blockText(root: DomNode): string {
  const parts: string[] = [];
  const walk = (node: DomNode): void => {
    if (node.nodeType === 3) {
      parts.push(node.nodeValue ?? '');
      return;
    }
    if (node.nodeType !== 1) return;
    const tag = (node as DomElement).tagName.toUpperCase();
    if (tag === 'SCRIPT' || tag === 'STYLE' || tag === 'NOSCRIPT' || tag === 'TEMPLATE') return;
    if (tag === 'BR') {
      parts.push('\n');
      return;
    }
    const block = BLOCK.has(tag);
    if (block) parts.push('\n\n');
    for (let c = node.firstChild; c; c = c.nextSibling) walk(c);
    if (block) parts.push('\n\n');
  };
  walk(root);
  return parts
    .join('')
    .split(/\n{2,}/)
    .map((p) => p.replace(/[ \t\f\r\u00a0]+/g, ' ').replace(/ ?\n ?/g, '\n').trim())
    .filter(Boolean)
    .join('\n\n');
}

function absolute(href: string | undefined, base: string): string | undefined {
  if (!href) return undefined;
  try {
    return new URL(href.trim(), base).href;
  } catch {
    return undefined;
  }
}

/** Visible date line of Vietnamese news templates (first match wins). */
const DATE_SELECTORS = ['.date', 'span.date', '.time', '.publish-date', '.detail-time', '.date-time', '.article__meta time', 'time[datetime]', '.ArticleDate', '.author-time'];

export function extractArticle(html: string, url: string): Extracted {
  const { document } = parseHTML(html);
  const doc = document as unknown as DomDocument;
  const ld = jsonLdArticles(doc);
  const pick = (k: string): unknown => ld.map((n) => n[k]).find((v) => v !== undefined && v !== null && v !== '');

  const canonical = absolute(doc.querySelector('link[rel="canonical"]')?.getAttribute('href') ?? undefined, url)
    ?? absolute(meta(doc, 'og:url'), url)
    ?? absolute(str(pick('mainEntityOfPage') && typeof pick('mainEntityOfPage') === 'object' ? (pick('mainEntityOfPage') as Json)['@id'] : pick('mainEntityOfPage')), url);
  const lang = (doc.documentElement?.getAttribute('lang') ?? str(pick('inLanguage')) ?? meta(doc, 'og:locale', 'language', 'content-language'))?.toLowerCase().replace('_', '-');
  let published = toIso(str(pick('datePublished')) ?? meta(doc, 'article:published_time', 'datePublished', 'pubdate', 'publishdate', 'dc.date.issued', 'dc.date', 'date'));
  const modified = toIso(str(pick('dateModified')) ?? meta(doc, 'article:modified_time', 'dateModified', 'og:updated_time', 'lastmod'));
  const author = names(pick('author')) ?? meta(doc, 'article:author', 'author', 'dc.creator');
  const section = str(pick('articleSection')) ?? meta(doc, 'article:section', 'section');
  const siteName = meta(doc, 'og:site_name') ?? str(pick('publisher'));
  const ldTitle = str(pick('headline'));
  const ogTitle = meta(doc, 'og:title', 'twitter:title');
  const summary = str(pick('description')) ?? meta(doc, 'og:description', 'description', 'twitter:description');
  const ogType = meta(doc, 'og:type');
  if (!published) {
    for (const sel of DATE_SELECTORS) {
      const el = doc.querySelector(sel);
      if (!el) continue;
      published = toIso(el.getAttribute('datetime') ?? undefined) ?? vietnameseDate(el.textContent ?? '');
      if (published) break;
    }
  }
  published ??= dateFromUrl(url);
  const h1 = doc.querySelector('h1')?.textContent?.replace(/\s+/g, ' ').trim() || undefined;

  let text = '';
  const captions: string[] = [];
  let rTitle: string | undefined;
  try {
    const reader = new Readability(doc as never, { charThreshold: 200, keepClasses: false });
    const r = reader.parse();
    if (r?.content) {
      const frag = parseHTML(`<!doctype html><html><body>${r.content}</body></html>`).document;
      // Captions are kept apart from the body: the benchmark's gold bodies leave them out (F1 0.953
      // with them, 0.958 without, bench/extraction-eval.ts), and a new photo caption is not an edit.
      for (const el of [...frag.querySelectorAll('figcaption')]) {
        const c = blockText(el as unknown as DomNode).replace(/\s+/g, ' ').trim();
        if (c) captions.push(c);
        el.remove();
      }
      text = blockText(frag.body as unknown as DomNode);
    } else if (r?.textContent) {
      text = r.textContent.trim();
    }
    rTitle = r?.title?.trim() || undefined;
  } catch {
    text = '';
  }
  if (!text) {
    // Readability found nothing (a bare fragment, plain text served as HTML): fall back to the
    // visible text of the page without its navigation, header, footer and asides.
    let again = parseHTML(html).document;
    if (!again.documentElement) again = parseHTML(`<!doctype html><html><body>${html}</body></html>`).document;
    for (const el of [...again.querySelectorAll('nav, header, footer, aside, script, style, noscript, form')]) el.remove();
    text = blockText((again.body ?? again.documentElement) as unknown as DomNode);
  }
  const title = ldTitle ?? ogTitle ?? h1 ?? rTitle ?? doc.querySelector('title')?.textContent?.trim() ?? undefined;
  if (title) {
    // Readability keeps the <h1> when it sits inside the article container; the title is its own field.
    const norm = (x: string): string => x.replace(/\s+/g, ' ').trim().toLowerCase();
    const paras = text.split('\n\n');
    while (paras.length > 1 && norm(paras[0]) === norm(title)) paras.shift();
    text = paras.join('\n\n');
  }
  const isArticle = ld.length > 0 || ogType === 'article' || text.length >= 400;
  return { title: title ? title.replace(/\s+/g, ' ').trim() : undefined, text, captions, summary, published, modified, author, section, lang, canonical, siteName, isArticle };
}
