/**
 * The feed pages' HTML (Vietnamese, server-rendered, no JavaScript): the directory of feeds, a
 * feed page (its rules read from the spec, hash and version, its items each with "Vì sao tôi thấy
 * bài này?"), the explanation page, the version history, and the feed switcher the home timeline
 * page shows (`feedSwitcher`).
 */
import { html, type SafeHtml } from '../../server/html.ts';
import { page } from '../../server/layout.ts';
import type { AccountRow, StatusRow } from '../store/rows.ts';
import { htmlToText } from '../store/content.ts';
import type { FeedRow, FeedVersion } from '../feeds/store.ts';
import type { FeedItem } from '../feeds/rank.ts';
import { describeSpec } from '../feeds/describe.ts';
import { SIGNALS, fromMicro } from '../feeds/signals.ts';
import { STYLE_PATH } from './views.ts';

export const FEEDS_STYLE_PATH = '/mxh/bang-tin.css';
export const FEEDS_STYLE = `
.feed-page { max-width: 44rem; }
.feed-switcher { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0 1rem; padding: 0; list-style: none; }
.feed-switcher a { display: inline-block; padding: .3rem .7rem; border: 1px solid var(--line, #ccc); border-radius: 999px; text-decoration: none; }
.feed-switcher a[aria-current="page"] { background: var(--accent, #0a6); color: #fff; border-color: transparent; }
.feed-rules { border-left: 3px solid var(--accent, #0a6); padding: .25rem .75rem; margin: 1rem 0; }
.feed-rules li { margin: .2rem 0; }
.feed-meta { color: var(--muted, #666); font-size: .9rem; }
.feed-meta code { word-break: break-all; }
.feed-items { list-style: none; padding: 0; }
.feed-items > li { border-top: 1px solid var(--line, #ddd); padding: .75rem 0; }
.feed-items .who { font-weight: 600; }
.feed-items .text { white-space: pre-wrap; margin: .35rem 0; }
.feed-items .why { font-size: .9rem; }
table.contrib { border-collapse: collapse; margin: .5rem 0; }
table.contrib th, table.contrib td { border-bottom: 1px solid var(--line, #ddd); padding: .3rem .5rem; text-align: left; vertical-align: top; }
table.contrib td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.feed-page form.weights { display: grid; grid-template-columns: auto 8rem; gap: .4rem .75rem; align-items: center; }
`;

const fmt = (x: number, digits = 6) => x.toLocaleString('vi-VN', { maximumFractionDigits: digits });
const time = (ms: number) => new Date(ms).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour12: false });

function shell(title: string, body: SafeHtml): string {
  return page({ title: `${title} — Tra`, body: html`<div class="account-page feed-page">${body}</div>`, styles: [STYLE_PATH, FEEDS_STYLE_PATH], headerSearch: true });
}

export interface SwitcherFeed {
  id: string;
  name: string;
}

/**
 * The feed switcher: one link per feed, the current one marked. The home timeline page puts it
 * where the feed is shown; `hrefFor` says where each feed is read (default: its feed page).
 */
export function feedSwitcher(feeds: SwitcherFeed[], currentId: string | undefined, hrefFor: (id: string) => string = (id) => `/bang-tin/${id}`): SafeHtml {
  return html`<nav aria-label="Chọn bảng tin"><ul class="feed-switcher">${feeds.map(
    (f) => html`<li><a href="${hrefFor(f.id)}"${f.id === currentId ? html` aria-current="page"` : ''}>${f.name}</a></li>`,
  )}</ul></nav>`;
}

export function rulesList(feed: FeedRow, nameOf: (id: string) => string): SafeHtml {
  return html`<ul class="feed-rules">${describeSpec(feed.spec, nameOf).lines.map((l) => html`<li>${l}</li>`)}</ul>`;
}

function meta(feed: FeedRow, personal: string): SafeHtml {
  return html`<p class="feed-meta">Phiên bản ${feed.version} · mã băm SHA-256 của đặc tả: <code>${feed.hash}</code> ·
<a href="/bang-tin/${feed.id}/phien-ban">lịch sử phiên bản</a> · <a href="/api/v1/tra/feeds/${feed.id}">đặc tả JSON</a></p>
<p class="feed-meta">Dữ liệu về bạn mà bảng tin dùng: ${personal}</p>`;
}

function statusBlock(st: StatusRow, author: AccountRow | undefined): SafeHtml {
  const who = author ? (author.domain ? `@${author.username}@${author.domain}` : `@${author.username}`) : '(tài khoản đã xoá)';
  return html`<p><span class="who">${author?.displayName || who}</span> <span class="feed-meta">${who} · ${time(st.createdAt)}</span></p>
${st.spoilerText ? html`<p><strong>Cảnh báo nội dung:</strong> ${st.spoilerText}</p>` : ''}
<p class="text">${st.text || htmlToText(st.content)}</p>`;
}

export interface FeedPageView {
  feed: FeedRow;
  feeds: SwitcherFeed[];
  personal: string;
  at: number;
  items: FeedItem[];
  authorOf: (id: string) => AccountRow | undefined;
  nameOf: (id: string) => string;
  next?: string;
  signedIn: boolean;
  owner: boolean;
  csrf?: string;
  notice?: string;
  /** Signed in: whether the reader follows this feed (it is then in their switcher and apps' lists). */
  followed?: boolean;
}

export function feedPage(v: FeedPageView): string {
  const f = v.feed;
  const ranked = f.spec.order === 'ranked';
  return shell(
    f.spec.name,
    html`${feedSwitcher(v.feeds, f.id)}
<h1>${f.spec.name}</h1>
${v.notice ? html`<p class="notice" role="status">${v.notice}</p>` : ''}
${f.spec.description ? html`<p>${f.spec.description}</p>` : ''}
${v.signedIn && v.csrf && v.followed !== undefined ? followForm(f, v.csrf, v.followed) : ''}
<h2>Quy tắc của bảng tin</h2>
${rulesList(f, v.nameOf)}
${meta(f, v.personal)}
<p class="feed-meta">Tính lúc ${time(v.at)} (<a href="/bang-tin/${f.id}?at=${v.at}">đường dẫn cố định tới trang này</a>).</p>
${!v.signedIn && (f.spec.include.follows || f.spec.include.self) ? html`<p class="notice">Bảng tin này dựa trên người bạn theo dõi: <a href="/dang-nhap?tiep=/bang-tin/${f.id}">đăng nhập</a> để xem bảng tin của bạn.</p>` : ''}
<h2>Bài viết</h2>
${v.items.length === 0 ? html`<p>Chưa có bài nào thoả các quy tắc trên.</p>` : ''}
<ol class="feed-items">${v.items.map(
      (it) => html`<li>${statusBlock(it.status, v.authorOf(it.status.accountId))}
<p class="why">${ranked && it.scoreMicro !== undefined ? html`Hạng ${it.rank} · điểm ${fmt(fromMicro(it.scoreMicro))} · ` : ''}<a href="/bang-tin/${f.id}/vi-sao/${it.status.id}?at=${v.at}">Vì sao tôi thấy bài này?</a></p></li>`,
    )}</ol>
${v.next ? html`<p><a rel="next" href="${v.next}">Trang sau →</a></p>` : ''}
${v.signedIn && v.csrf ? copyForm(f, v.csrf) : ''}
${v.owner && !f.published && v.csrf ? html`<form method="post" action="/bang-tin/${f.id}/cong-bo"><input type="hidden" name="csrf" value="${v.csrf}"><p>Bảng tin này là bản nháp, chỉ bạn thấy. <button type="submit">Công bố cho mọi người</button></p></form>` : ''}`,
  );
}

function followForm(f: FeedRow, csrf: string, followed: boolean): SafeHtml {
  return html`<form method="post" action="/bang-tin/${f.id}/${followed ? 'bo-theo-doi' : 'theo-doi'}" class="inline"><input type="hidden" name="csrf" value="${csrf}">
<p>${followed ? 'Bạn đang theo dõi bảng tin này: nó có trong trang chủ mạng xã hội và trong danh sách của ứng dụng Mastodon.' : 'Theo dõi để chọn bảng tin này ở trang chủ mạng xã hội và đọc nó như một danh sách trong ứng dụng Mastodon.'}
<button type="submit"${followed ? html` class="secondary"` : ''}>${followed ? 'Bỏ theo dõi bảng tin' : 'Theo dõi bảng tin'}</button></p></form>`;
}

function copyForm(f: FeedRow, csrf: string): SafeHtml {
  const names = Object.keys(SIGNALS) as Array<keyof typeof SIGNALS>;
  const weightOf = (n: string) => f.spec.signals.find((s) => s.name === n)?.weight ?? 0;
  return html`<section><h2>Sao chép và đổi trọng số</h2>
<p>Bản sao là của bạn (bản nháp); bạn có thể công bố nó. Trọng số 0 bỏ tín hiệu đó; bảng tin có ít nhất một tín hiệu sẽ xếp hạng.</p>
<form method="post" action="/bang-tin/${f.id}/sao-chep" class="weights">
<input type="hidden" name="csrf" value="${csrf}">
<label for="ten">Tên bản sao</label><input id="ten" name="name" maxlength="80" value="${`${f.spec.name} (bản sao)`.slice(0, 80)}">
${names.map((n) => html`<label for="w-${n}">${SIGNALS[n].label}</label><input id="w-${n}" name="w_${n}" inputmode="decimal" value="${String(weightOf(n))}">`)}
<span></span><button type="submit">Sao chép</button>
</form></section>`;
}

export interface WhyView {
  feed: FeedRow;
  at: number;
  status: StatusRow;
  author: AccountRow | undefined;
  item?: FeedItem;
  refused?: string;
}

export function whyPage(v: WhyView): string {
  const f = v.feed;
  const it = v.item;
  return shell(
    'Vì sao tôi thấy bài này?',
    html`<h1>Vì sao tôi thấy bài này?</h1>
<p>Bảng tin <a href="/bang-tin/${f.id}?at=${v.at}">${f.spec.name}</a>, phiên bản ${f.version} (<code>${f.hash.slice(0, 16)}</code>…), tính lúc ${time(v.at)}.</p>
<ol class="feed-items"><li>${statusBlock(v.status, v.author)}</li></ol>
${it
      ? html`<h2>Quy tắc cho bài vào</h2><ul>${it.admitted.map((a) => html`<li>${a}</li>`)}</ul>
${it.scoreMicro !== undefined && it.contributions
          ? html`<h2>Điểm: ${fmt(fromMicro(it.scoreMicro))} (hạng ${it.rank})</h2>
<table class="contrib"><thead><tr><th>Tín hiệu</th><th>Giá trị</th><th>Trọng số</th><th>Đóng góp</th><th>Vì sao</th></tr></thead><tbody>
${it.contributions.map((c) => html`<tr><td>${c.label}</td><td class="n">${fmt(c.value, 4)}</td><td class="n">${fmt(c.weight)}</td><td class="n">${fmt(fromMicro(c.micro))}</td><td>${c.note}</td></tr>`)}
<tr><th colspan="3">Tổng</th><td class="n"><strong>${fmt(fromMicro(it.scoreMicro))}</strong></td><td>Các đóng góp cộng lại đúng bằng điểm (tính theo phần triệu điểm).</td></tr>
</tbody></table>`
          : html`<p>Bảng tin này xếp theo thời gian, mới nhất trước: không chấm điểm, không dùng tín hiệu nào.</p>`}`
      : html`<p class="notice">Bài này không có trong bảng tin lúc đó: ${v.refused ?? ''}.</p>`}
<h2>Toàn bộ quy tắc</h2>
${rulesList(f, (id) => `tài khoản ${id}`)}`,
  );
}

export function directoryPage(feeds: Array<{ feed: FeedRow; personal: string }>, current: string | undefined): string {
  return shell(
    'Bảng tin',
    html`<h1>Bảng tin</h1>
<p>Mỗi bảng tin có quy tắc công khai: bài nào được vào, xếp theo gì, giới hạn ra sao. Ai cũng đọc được quy tắc và lịch sử thay đổi của mọi bảng tin đã công bố, sao chép và đổi trọng số thành bảng tin của mình.</p>
${feedSwitcher(feeds.map((x) => ({ id: x.feed.id, name: x.feed.spec.name })), current)}
<ul class="feed-items">${feeds.map(
      (x) => html`<li><p><a class="who" href="/bang-tin/${x.feed.id}">${x.feed.spec.name}</a> <span class="feed-meta">${x.feed.spec.order === 'ranked' ? 'xếp hạng' : 'theo thời gian'} · phiên bản ${x.feed.version}${x.feed.published ? '' : ' · bản nháp'}</span></p>
${x.feed.spec.description ? html`<p>${x.feed.spec.description}</p>` : ''}<p class="feed-meta">Dữ liệu về bạn: ${x.personal}</p></li>`,
    )}</ul>`,
  );
}

export function historyPage(feed: FeedRow, versions: FeedVersion[], nameOf: (id: string) => string): string {
  return shell(
    `Lịch sử: ${feed.spec.name}`,
    html`<h1>Lịch sử phiên bản: <a href="/bang-tin/${feed.id}">${feed.spec.name}</a></h1>
${feed.copiedFrom ? html`<p>Sao chép từ bảng tin <a href="/bang-tin/${feed.copiedFrom.split('@')[0]}">${feed.copiedFrom}</a>.</p>` : ''}
<ol class="feed-items">${versions.map(
      (v) => html`<li><h2>Phiên bản ${v.version}</h2><p class="feed-meta">${time(v.createdAt)} · SHA-256 <code>${v.hash}</code>${v.note ? html` · ${v.note}` : ''} · <a href="/api/v1/tra/feeds/${feed.id}/versions/${v.version}">JSON</a></p>
${rulesList({ ...feed, spec: v.spec }, nameOf)}</li>`,
    )}</ol>`,
  );
}
