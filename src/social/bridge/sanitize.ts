/**
 * HTML from other servers (post content, bios) is never shown as received: it is rebuilt from an
 * allow-list, the way Mastodon does, before it is stored. Kept: paragraphs, line breaks, links
 * (http and https only, opened with `rel="nofollow noopener noreferrer"`), the spans Mastodon uses
 * to shorten links and mark mentions, and simple emphasis, quotes, code and lists. Everything else
 * loses its tag but keeps its text; the contents of script, style and similar elements are dropped
 * entirely. The result never contains an attribute other than `href`, `rel`, `class` (from a fixed
 * list of values) or `translate`.
 */

const KEEP = new Set(['p', 'br', 'a', 'span', 'strong', 'b', 'em', 'i', 'u', 'del', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li']);
const VOID = new Set(['br']);
const DROP_CONTENT = new Set(['script', 'style', 'iframe', 'object', 'embed', 'template', 'noscript', 'textarea', 'title', 'svg', 'math', 'select']);
const CLASSES = new Set(['mention', 'hashtag', 'u-url', 'h-card', 'invisible', 'ellipsis', 'status-link', 'unhandled-link']);
const TOKEN = /<!--[\s\S]*?(?:-->|$)|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|<|[^<]+/g;
const ATTR = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const ENTITY = /&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/y;

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decode(s: string): string {
  return s.replace(/&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (m, e: string) => {
    if (e[0] === '#') {
      const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
    }
    return NAMED[e.toLowerCase()] ?? m;
  });
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Text as received, with every `&` that does not start an entity escaped and `>` escaped. */
function text(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '&') {
      ENTITY.lastIndex = i;
      out += ENTITY.test(s) ? '&' : '&amp;';
    } else if (c === '>') out += '&gt;';
    else out += c;
  }
  return out;
}

function safeHref(v: string): string | null {
  try {
    const u = new URL(decode(v).trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

function attributes(tag: string, raw: string): string {
  let out = '';
  for (const m of raw.matchAll(ATTR)) {
    const name = m[1].toLowerCase();
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    if (name === 'class' && (tag === 'a' || tag === 'span')) {
      const kept = decode(value).split(/\s+/).filter((c) => CLASSES.has(c));
      if (kept.length) out += ` class="${kept.join(' ')}"`;
    } else if (name === 'href' && tag === 'a') {
      const href = safeHref(value);
      if (href) out += ` href="${esc(href)}"`;
    } else if (name === 'translate' && value === 'no') {
      out += ' translate="no"';
    }
  }
  if (tag === 'a') out += ' rel="nofollow noopener noreferrer" target="_blank"';
  return out;
}

/** Safe HTML from remote HTML: allow-listed tags and attributes, every other tag dropped, its text kept. */
export function sanitizeHtml(html: string, maxLength = 100_000): string {
  const input = html.length > maxLength ? html.slice(0, maxLength) : html;
  const open: string[] = [];
  let out = '';
  let dropping: string | null = null;
  for (const m of input.matchAll(TOKEN)) {
    const tok = m[0];
    if (tok.startsWith('<!--')) continue;
    const name = m[2]?.toLowerCase();
    if (dropping !== null) {
      if (name === dropping && m[1] === '/') dropping = null;
      continue;
    }
    if (name === undefined) {
      out += tok === '<' ? '&lt;' : text(tok);
      continue;
    }
    const closing = m[1] === '/';
    if (!closing && DROP_CONTENT.has(name)) {
      if (!/\/\s*$/.test(m[3])) dropping = name;
      continue;
    }
    if (!KEEP.has(name)) continue;
    if (closing) {
      const at = open.lastIndexOf(name);
      if (at < 0) continue;
      while (open.length > at) out += `</${open.pop()}>`;
    } else if (VOID.has(name)) {
      out += `<${name}>`;
    } else {
      out += `<${name}${attributes(name, m[3])}>`;
      open.push(name);
    }
  }
  while (open.length) out += `</${open.pop()}>`;
  return out;
}
