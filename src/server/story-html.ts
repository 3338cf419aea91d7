/**
 * One emerging story as HTML, the same on the home page and on /quan-sat: who carried it (outlets,
 * the first publisher and when), and its articles of the day one click away, an outlet's own
 * follow-ups marked as such. From the fields `emergingOn` gives each item (src/observe/emerging.ts).
 */
import type { EmergingItem } from '../observe/emerging.ts';
import { html, type SafeHtml } from './html.ts';
import { formatDateTime, formatNumber } from './format.ts';
import { articlePath } from './urls.ts';

/** Outlets, first publisher, and the story's articles in a disclosure; empty without stories. */
export function storyDetails(it: EmergingItem): SafeHtml | '' {
  const outlets = it.outlets ?? [];
  const articles = it.articles ?? [];
  if (outlets.length === 0 && !it.first && articles.length === 0) return '';
  const first = it.first;
  return html`<span class="story-meta">${outlets.length ? html`${formatNumber(outlets.length)} báo: ${outlets.join(', ')}` : ''}${first ? html`${outlets.length ? '; ' : ''}đưa đầu tiên: <a href="${articlePath(first.id)}">${first.outlet}</a>${first.published ? html`, <time datetime="${first.published}">${formatDateTime(first.published)}</time>` : ''}` : ''}</span>${articles.length ? html`<details class="story-articles"><summary>Các bài trong ngày (${formatNumber(articles.length)})</summary><ul>${articles.map((a) => html`<li><a href="${articlePath(a.id)}">${a.title || a.id}</a> — ${a.outlet}${a.published ? html`, <time datetime="${a.published}">${formatDateTime(a.published)}</time>` : ''}${a.followUp ? html` <span class="follow-up">(bài tiếp theo của ${a.outlet})</span>` : ''}</li>`)}</ul></details>` : ''}`;
}
