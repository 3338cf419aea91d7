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
 *
 * `extractArticle` is the full extractor; it is exact but its cost grows badly on hostile pages
 * (Readability on 1,000 nested <div>s took 7.5 s). `extractPlain` is the cheap one: a single pass
 * of htmlparser2's tokenizer with no tree and no stack (htmlparser2's own Parser keeps its stack
 * with unshift, quadratic in the depth), linear in the page whatever its shape, reading the same
 * metadata and the visible text. extract-pool.ts decides which one a page gets and runs the full
 * one on worker threads under a deadline and a memory limit.
 */
import { parseHTML } from 'linkedom';
import { Readability } from '@mozilla/readability';
import { Tokenizer } from 'htmlparser2';

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
  /** Set when the cheap extractor was used instead of Readability, with the reason. */
  fallback?: string;
  /** Length of the body before it was cut to MAX_TEXT_CHARS (only when it was). */
  textCut?: number;
}

/**
 * Longest body kept, in characters. What follows extraction (versions, SimHash, indexing) costs
 * time in proportion to the text, on the crawl's thread: SimHash alone took 1.3 s on a 2-million-
 * character body. The longest real Vietnamese news articles are a few tens of thousands of
 * characters; the page itself stays whole in the WARC file.
 */
export const MAX_TEXT_CHARS = 200_000;

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

/** JSON-LD nesting followed at most this deep (arrays and `@graph`); deeper is ignored. */
const LD_MAX_DEPTH = 32;

/** Article nodes of parsed JSON-LD, walked with an explicit stack (hostile nesting cannot overflow it). */
function ldArticlesOf(value: unknown, out: Json[]): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (depth > LD_MAX_DEPTH || !node || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], depth + 1]);
      continue;
    }
    const n = node as Json;
    if (typesOf(n).some((t) => ARTICLE_TYPES.has(t))) out.push(n);
    if (n['@graph']) stack.push([n['@graph'], depth + 1]);
  }
}

/** Article nodes of JSON-LD script texts. Broken JSON-LD is skipped. */
function jsonLdFromTexts(texts: Iterable<string>): Json[] {
  const out: Json[] = [];
  for (const text of texts) {
    const raw = text.trim();
    if (!raw) continue;
    try {
      ldArticlesOf(JSON.parse(raw), out);
    } catch {
      // Publishers ship JSON-LD with raw newlines in strings; try once more without control chars.
      try {
        ldArticlesOf(JSON.parse(raw.replace(/[\u0000-\u001f]+/g, ' ')), out);
      } catch {
        /* not usable */
      }
    }
  }
  return out;
}

/** Every JSON-LD node of an article type on the page. */
function jsonLdArticles(doc: DomDocument): Json[] {
  return jsonLdFromTexts([...doc.querySelectorAll('script[type="application/ld+json"]')].map((s) => s.textContent ?? ''));
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

/** Paragraphs from text with "\n\n" marking block edges: spaces collapsed, empty ones dropped. */
function paragraphs(raw: string): string {
  return raw
    .split(/\n{2,}/)
    .map((p) => p.replace(/[ \t\f\r\u00a0]+/g, ' ').replace(/ ?\n ?/g, '\n').trim())
    .filter(Boolean)
    .join('\n\n');
}

const SKIP_TEXT = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE']);

/**
 * Text of an element with paragraph structure kept: blocks become paragraphs, <br> a line break.
 * Walked with an explicit stack, so no nesting depth can overflow the call stack.
 */
export function blockText(root: DomNode): string {
  const parts: string[] = [];
  // Entries: a node to enter, or a string to emit when its element is left.
  const stack: Array<DomNode | string> = [root];
  while (stack.length) {
    const item = stack.pop()!;
    if (typeof item === 'string') {
      parts.push(item);
      continue;
    }
    const node = item;
    if (node.nodeType === 3) {
      parts.push(node.nodeValue ?? '');
      continue;
    }
    if (node.nodeType !== 1) continue;
    const tag = (node as DomElement).tagName.toUpperCase();
    if (SKIP_TEXT.has(tag)) continue;
    if (tag === 'BR') {
      parts.push('\n');
      continue;
    }
    const block = BLOCK.has(tag);
    if (block) {
      parts.push('\n\n');
      stack.push('\n\n');
    }
    const children: DomNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) children.push(c);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return paragraphs(parts.join(''));
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

/** What both extractors read from a page before its body. */
interface PageFacts {
  ld: Json[];
  meta: (...keys: string[]) => string | undefined;
  canonicalHref?: string;
  htmlLang?: string;
  h1?: string;
  titleTag?: string;
  /** Date from the visible date line (full extractor only). */
  dateLine?: () => string | undefined;
}

type Metadata = Omit<Extracted, 'text' | 'captions' | 'isArticle' | 'title'> & { ld: Json[]; ldTitle?: string; ogTitle?: string; ogType?: string };

function metadataOf(f: PageFacts, url: string): Metadata {
  const { ld, meta } = f;
  const pick = (k: string): unknown => ld.map((n) => n[k]).find((v) => v !== undefined && v !== null && v !== '');
  const mep = pick('mainEntityOfPage');
  const canonical = absolute(f.canonicalHref, url)
    ?? absolute(meta('og:url'), url)
    ?? absolute(str(mep && typeof mep === 'object' ? (mep as Json)['@id'] : mep), url);
  const lang = (f.htmlLang ?? str(pick('inLanguage')) ?? meta('og:locale', 'language', 'content-language'))?.toLowerCase().replace('_', '-');
  let published = toIso(str(pick('datePublished')) ?? meta('article:published_time', 'datePublished', 'pubdate', 'publishdate', 'dc.date.issued', 'dc.date', 'date'));
  const modified = toIso(str(pick('dateModified')) ?? meta('article:modified_time', 'dateModified', 'og:updated_time', 'lastmod'));
  published ??= f.dateLine?.();
  published ??= dateFromUrl(url);
  return {
    ld, canonical, lang, published, modified,
    author: names(pick('author')) ?? meta('article:author', 'author', 'dc.creator'),
    section: str(pick('articleSection')) ?? meta('article:section', 'section'),
    siteName: meta('og:site_name') ?? str(pick('publisher')),
    ldTitle: str(pick('headline')),
    ogTitle: meta('og:title', 'twitter:title'),
    summary: str(pick('description')) ?? meta('og:description', 'description', 'twitter:description'),
    ogType: meta('og:type'),
  };
}

/** The finished record: title chosen, a leading copy of it dropped from the body. */
function finish(m: Metadata, f: PageFacts, text: string, captions: string[], rTitle?: string, fallback?: string): Extracted {
  const title = m.ldTitle ?? m.ogTitle ?? f.h1 ?? rTitle ?? f.titleTag ?? undefined;
  if (title) {
    // Readability keeps the <h1> when it sits inside the article container; the title is its own field.
    const norm = (x: string): string => x.replace(/\s+/g, ' ').trim().toLowerCase();
    const paras = text.split('\n\n');
    while (paras.length > 1 && norm(paras[0]) === norm(title)) paras.shift();
    text = paras.join('\n\n');
  }
  let cut: number | undefined;
  if (text.length > MAX_TEXT_CHARS) {
    cut = text.length;
    const end = text.lastIndexOf('\n\n', MAX_TEXT_CHARS);
    text = text.slice(0, end > MAX_TEXT_CHARS / 2 ? end : MAX_TEXT_CHARS);
  }
  const isArticle = m.ld.length > 0 || m.ogType === 'article' || text.length >= 400;
  const { ldTitle: _a, ogTitle: _b, ogType: _c, ld: _d, ...rest } = m;
  const out: Extracted = { title: title ? title.replace(/\s+/g, ' ').trim() : undefined, text, captions, ...rest, isArticle };
  if (fallback) out.fallback = fallback;
  if (cut !== undefined) out.textCut = cut;
  return out;
}

export function extractArticle(html: string, url: string): Extracted {
  const { document } = parseHTML(html);
  const doc = document as unknown as DomDocument;
  const metaOf = (...keys: string[]): string | undefined => {
    for (const k of keys) {
      const el = doc.querySelector(`meta[property="${k}"], meta[name="${k}"], meta[itemprop="${k}"]`);
      const v = el?.getAttribute('content')?.trim();
      if (v) return v;
    }
    return undefined;
  };
  const facts: PageFacts = {
    ld: jsonLdArticles(doc),
    meta: metaOf,
    canonicalHref: doc.querySelector('link[rel="canonical"]')?.getAttribute('href') ?? undefined,
    htmlLang: doc.documentElement?.getAttribute('lang') ?? undefined,
    h1: doc.querySelector('h1')?.textContent?.replace(/\s+/g, ' ').trim() || undefined,
    titleTag: doc.querySelector('title')?.textContent?.trim() || undefined,
    dateLine: () => {
      for (const sel of DATE_SELECTORS) {
        const el = doc.querySelector(sel);
        if (!el) continue;
        const d = toIso(el.getAttribute('datetime') ?? undefined) ?? vietnameseDate(el.textContent ?? '');
        if (d) return d;
      }
      return undefined;
    },
  };
  const m = metadataOf(facts, url);

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
  return finish(m, facts, text, captions, rTitle);
}

interface SaxHandler {
  onopentag(name: string, attrs: Record<string, string>): void;
  ontext(text: string): void;
  onclosetag(name: string): void;
}

const VOID_TAGS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

/** Tags, attributes and text of `html` in document order, from htmlparser2's Tokenizer alone (no stack). */
function sax(html: string, h: SaxHandler): void {
  let name = '';
  let attrs: Record<string, string> = {};
  let attrName = '';
  let attrValue = '';
  const tok = new Tokenizer({ decodeEntities: true }, {
    ontext: (start, end) => h.ontext(html.slice(start, end)),
    ontextentity: (cp) => h.ontext(String.fromCodePoint(cp)),
    onopentagname: (start, end) => {
      name = html.slice(start, end).toLowerCase();
      attrs = {};
    },
    onattribname: (start, end) => {
      attrName = html.slice(start, end).toLowerCase();
      attrValue = '';
    },
    onattribdata: (start, end) => {
      attrValue += html.slice(start, end);
    },
    onattribentity: (cp) => {
      attrValue += String.fromCodePoint(cp);
    },
    onattribend: () => {
      if (!(attrName in attrs)) attrs[attrName] = attrValue;
    },
    onopentagend: () => {
      h.onopentag(name, attrs);
      if (VOID_TAGS.has(name)) h.onclosetag(name);
    },
    onselfclosingtag: () => {
      h.onopentag(name, attrs);
      h.onclosetag(name);
    },
    onclosetag: (start, end) => h.onclosetag(html.slice(start, end).toLowerCase()),
    oncdata: () => {},
    oncomment: () => {},
    ondeclaration: () => {},
    onprocessinginstruction: () => {},
    onend: () => {},
  });
  tok.write(html);
  tok.end();
}

/** Text the cheap extractor collects before it stops (characters); the body is then cut to MAX_TEXT_CHARS. */
export const PLAIN_MAX_TEXT = 2 * MAX_TEXT_CHARS;

/** Elements whose text is page furniture, not body, for the cheap extractor. */
const PLAIN_SKIP = new Set(['script', 'style', 'noscript', 'template', 'nav', 'header', 'footer', 'aside', 'form', 'head', 'svg', 'select', 'button']);
const PLAIN_BLOCK = new Set([...BLOCK].map((t) => t.toLowerCase()));

/**
 * The cheap extractor: one pass of htmlparser2's tokenizer, no tree, no recursion, time linear
 * in the page and memory bounded by PLAIN_MAX_TEXT. Same metadata as `extractArticle` (JSON-LD,
 * meta, canonical, title, h1); the body is the visible text outside page furniture, paragraphs at
 * block edges. Used for pages too deep, too large or too slow for Readability.
 */
export function extractPlain(html: string, url: string, reason = 'trang quá lớn hoặc quá sâu cho Readability'): Extracted {
  const metas = new Map<string, string>();
  const ldTexts: string[] = [];
  let canonicalHref: string | undefined;
  let htmlLang: string | undefined;
  let titleTag = '';
  let h1: string | undefined;
  let h1Buf: string | undefined;
  const parts: string[] = [];
  let size = 0;
  /** Open elements that hide text (a count per name keeps mismatched tags from sticking). */
  let hidden = 0;
  const hiddenOpen = new Map<string, number>();
  let inTitle = false;
  let ld: string[] | undefined;
  sax(html, {
    onopentag(name, attrs) {
      if (name === 'meta') {
        const key = (attrs.property ?? attrs.name ?? attrs.itemprop ?? '').trim();
        const v = attrs.content?.trim();
        if (key && v && !metas.has(key)) metas.set(key, v);
      } else if (name === 'link' && /(^|\s)canonical(\s|$)/i.test(attrs.rel ?? '')) canonicalHref ??= attrs.href;
      else if (name === 'html') htmlLang ??= attrs.lang;
      else if (name === 'title') inTitle = true;
      else if (name === 'h1' && h1 === undefined) h1Buf = '';
      else if (name === 'script' && (attrs.type ?? '').toLowerCase() === 'application/ld+json') ld = [];
      else if (name === 'br' && !hidden) parts.push('\n');
      if (PLAIN_SKIP.has(name)) {
        hidden++;
        hiddenOpen.set(name, (hiddenOpen.get(name) ?? 0) + 1);
      }
      if (PLAIN_BLOCK.has(name)) parts.push('\n\n');
    },
    ontext(t) {
      if (inTitle) titleTag += t;
      if (ld) ld.push(t);
      if (h1Buf !== undefined) h1Buf += t;
      if (hidden) return;
      size += t.length; // counted to the end, so a cut body says how long the page's text was
      if (size <= PLAIN_MAX_TEXT) parts.push(t);
    },
    onclosetag(name) {
      if (name === 'title') inTitle = false;
      else if (name === 'h1' && h1Buf !== undefined) {
        h1 = h1Buf.replace(/\s+/g, ' ').trim() || undefined;
        h1Buf = undefined;
      } else if (name === 'script' && ld) {
        ldTexts.push(ld.join(''));
        ld = undefined;
      }
      const open = hiddenOpen.get(name);
      if (open) {
        hiddenOpen.set(name, open - 1);
        hidden--;
      }
      if (PLAIN_BLOCK.has(name)) parts.push('\n\n');
    },
  });
  const text = paragraphs(parts.join(''));
  const facts: PageFacts = {
    ld: jsonLdFromTexts(ldTexts),
    meta: (...keys) => {
      for (const k of keys) {
        const v = metas.get(k);
        if (v) return v;
      }
      return undefined;
    },
    canonicalHref, htmlLang, h1, titleTag: titleTag.trim() || undefined,
  };
  const out = finish(metadataOf(facts, url), facts, text, [], undefined, reason);
  if (size > PLAIN_MAX_TEXT) out.textCut = size;
  return out;
}
