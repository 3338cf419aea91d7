/**
 * A post's text made into the HTML Mastodon clients show: paragraphs and line breaks, links,
 * hashtags and mentions, everything else escaped. Also the tags and mentions found in it and the
 * length Mastodon counts (a link counts 23 characters, a mention of a remote account only its
 * "@user" part), measured in code points of the NFC text so that NFD input is not penalised.
 */
import { normalizeForMatch } from '../../vi/index.ts';
import { escapeHtml } from '../../server/html.ts';

export const URL_LENGTH = 23;

const URL_RE = String.raw`https?:\/\/[^\s<>"'\u00a0]+`;
const TAG_RE = String.raw`(?<=^|[^\p{L}\p{M}\p{N}_\/&#])#([\p{L}\p{M}\p{N}_]*[\p{L}\p{M}_][\p{L}\p{M}\p{N}_]*)`;
// A domain may carry a port (loopback test servers); usernames as Mastodon allows them.
const MENTION_RE = String.raw`(?<=^|[^\p{L}\p{N}_\/@.])@([A-Za-z0-9_]+(?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)(?:@((?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+(?::\d{1,5})?))?`;
const TOKEN = new RegExp(`(${URL_RE})|${TAG_RE}|${MENTION_RE}`, 'gu');

/** Trailing punctuation that ends a sentence, not a URL. */
const URL_TAIL = /[.,;:!?)\]}»"'…]+$/u;

export interface MentionTarget {
  username: string;
  domain: string | null;
  url: string;
  accountId: string;
}

export interface RenderedText {
  html: string;
  tags: Array<{ key: string; name: string }>;
  mentions: MentionTarget[];
}

export interface RenderContext {
  tagUrl(name: string): string;
  /** The account a mention names (domain null: written without one), or undefined if unknown. */
  resolveMention(username: string, domain: string | null): MentionTarget | undefined;
}

/** Vietnamese tone marks (as combining characters) and their Telex letters. */
const TONES: Record<string, string> = { '\u0300': 'f', '\u0301': 's', '\u0303': 'x', '\u0309': 'r', '\u0323': 'j' };
const TONE_RE = /[\u0300\u0301\u0303\u0309\u0323]/g;

/**
 * The key a hashtag is matched by. A hashtag runs syllables together (#HoàBình), so the syllable
 * rules of src/vi cannot place its tone marks; instead the marks are taken off the letters and
 * written after them in order, as Telex letters: #HoàBình and #hòabình both become "hoabinh|ff",
 * while #hoabinh and #HóaBình stay different. Vowel shapes (â, ê, ô, ơ, ư, ă, đ) are kept.
 */
export function tagKey(name: string): string {
  const d = normalizeForMatch(name).normalize('NFD');
  const tones = (d.match(TONE_RE) ?? []).map((c) => TONES[c]).join('');
  const base = d.replace(TONE_RE, '').normalize('NFC');
  return tones ? `${base}|${tones}` : base;
}

function renderLine(line: string, ctx: RenderContext, out: RenderedText): string {
  let html = '';
  let last = 0;
  for (const m of line.matchAll(TOKEN)) {
    const at = m.index;
    html += escapeHtml(line.slice(last, at));
    last = at + m[0].length;
    if (m[1] !== undefined) {
      const tail = URL_TAIL.exec(m[1])?.[0] ?? '';
      const url = m[1].slice(0, m[1].length - tail.length);
      last -= tail.length;
      html += `<a href="${escapeHtml(url)}" rel="nofollow noopener noreferrer" target="_blank">${escapeHtml(url.replace(/^https?:\/\//, ''))}</a>`;
    } else if (m[2] !== undefined) {
      const name = m[2];
      out.tags.push({ key: tagKey(name), name });
      html += `<a href="${escapeHtml(ctx.tagUrl(name))}" class="mention hashtag" rel="tag">#<span>${escapeHtml(name)}</span></a>`;
    } else {
      const username = m[3];
      const domain = m[4] ?? null;
      const target = ctx.resolveMention(username, domain);
      if (!target) {
        html += escapeHtml(m[0]);
        continue;
      }
      if (!out.mentions.some((x) => x.accountId === target.accountId)) out.mentions.push(target);
      html += `<span class="h-card" translate="no"><a href="${escapeHtml(target.url)}" class="u-url mention">@<span>${escapeHtml(target.username)}</span></a></span>`;
    }
  }
  return html + escapeHtml(line.slice(last));
}

/** Render a post's (NFC) text. */
export function renderText(text: string, ctx: RenderContext): RenderedText {
  const out: RenderedText = { html: '', tags: [], mentions: [] };
  const paragraphs = text.replace(/\r\n?/g, '\n').trim().split(/\n{2,}/);
  out.html = paragraphs
    .filter((p) => p.trim() !== '')
    .map((p) => `<p>${p.split('\n').map((l) => renderLine(l, ctx, out)).join('<br>')}</p>`)
    .join('');
  return out;
}

/** The length Mastodon would count for a text (code points of its NFC form). */
export function countableLength(text: string): number {
  const t = text.normalize('NFC');
  let n = 0;
  let last = 0;
  for (const m of t.matchAll(TOKEN)) {
    n += [...t.slice(last, m.index)].length;
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      const tail = URL_TAIL.exec(m[1])?.[0] ?? '';
      n += URL_LENGTH + [...tail].length;
    } else if (m[2] !== undefined) n += [...m[0]].length;
    else n += 1 + [...m[3]].length;
  }
  return n + [...t.slice(last)].length;
}

/** Plain text of a little HTML (a remote bio or post) for places that show text only. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|amp|quot|#39|apos);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'", apos: "'" })[e] ?? '');
}
