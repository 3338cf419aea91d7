/**
 * A status as a document of the post index: which statuses may be indexed at all, and the
 * engine document made from one (src/store/document.ts's record, so the engine analyses a post
 * exactly as it analyses a news article: NFC/NFD, one tone placement, folding, bigrams).
 *
 *   id         the status id
 *   title      the content warning (`spoiler_text`): a headline the author chose
 *   text       the post as written (NFC), or the text of its HTML for remote posts that came so
 *   published  creation time (ISO 8601): the engine's date order and day filters
 *   source     the author's account id: the engine's `sources` filter selects posts by author,
 *              which is how feeds ask the match set for "posts by accounts I follow"
 *   category   the language (`vi`, `en`, … or `und`): the `categories` filter selects languages
 *   url        the post's public URL for remote posts (local ones are made from the origin)
 *   links      the http(s) links in the post (feeds match them against rising stories)
 *   tags       the hashtag keys
 */
import type { AccountRow, StatusRow } from '../store/rows.ts';
import { htmlToText } from '../store/content.ts';
import type { DocInput } from '../../engine/index.ts';

/**
 * May this status be in the post index? Public, not a reblog, not deleted, and its author (local
 * or remote) allows search (`indexable`) and is not deleted. Unlisted, followers-only and direct
 * posts never are: a search answers strangers.
 */
export function indexablePost(st: StatusRow, author: AccountRow | undefined): boolean {
  return (
    st.deletedAt === null &&
    st.visibility === 'public' &&
    st.reblogOfId === null &&
    author !== undefined &&
    author.deletedAt === null &&
    author.indexable
  );
}

/** The text a post is searched by: as written, or the text of its HTML when only that came. */
export function postText(st: StatusRow): string {
  return st.text !== '' ? st.text : htmlToText(st.content);
}

const LINK = /https?:\/\/[^\s<>"']+/gi;
const LINK_TAIL = /[.,;:!?)\]}'"»”’]+$/;

/** The http(s) links of a post's text and HTML, each once, trailing punctuation left out. */
export function postLinks(st: StatusRow): string[] {
  const out = new Set<string>();
  for (const src of [st.text, st.content]) {
    for (const m of src.matchAll(LINK)) {
      const url = m[0].replace(LINK_TAIL, '').replace(/&amp;/g, '&');
      if (url.length > 10 && url.length < 2000) out.add(url);
    }
  }
  return [...out];
}

export function postDoc(st: StatusRow, tags: string[]): DocInput {
  const doc: DocInput = {
    id: st.id,
    text: postText(st),
    published: new Date(st.createdAt).toISOString(),
    source: st.accountId,
    category: st.language ?? 'und',
  };
  if (st.spoilerText) doc.title = st.spoilerText;
  if (st.url) doc.url = st.url;
  const links = postLinks(st);
  if (links.length) doc.links = links;
  if (tags.length) doc.tags = tags;
  return doc;
}
