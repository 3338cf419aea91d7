/**
 * The social pages' HTML (Vietnamese, server-rendered, no JavaScript needed): the home timeline
 * with the feed switcher and the compose form, a post and its thread, profiles with their posts,
 * followers and following, notifications and post search. Every action is a small form posting
 * with the session's CSRF token and the page to come back to (`tiep`).
 *
 * A post is one <article> (`postCard`): author, time (linking to the post's page), visibility,
 * the content warning as <details> (opens without JavaScript), the content, counts, and — signed
 * in — reply, favourite, boost and (own posts) delete.
 */
import { html, raw, type SafeHtml } from '../../server/html.ts';
import { page } from '../../server/layout.ts';
import type { AccountRow, NotificationRow, StatusRow, Visibility } from '../store/rows.ts';
import type { AccountCounts } from '../store/accounts.ts';
import { MAX_STATUS_CHARS } from '../store/actions.ts';
import { fromMicro } from '../feeds/signals.ts';
import { feedSwitcher, FEEDS_STYLE_PATH, type SwitcherFeed } from './feeds-views.ts';
import { STYLE_PATH } from './views.ts';

export const HOME_PATH = '/mang-xa-hoi';
export const SEARCH_PATH = '/mang-xa-hoi/tim-kiem';
export const NOTIFICATIONS_PATH = '/thong-bao';
export const COMPOSE_PATH = '/bai-viet/moi';
export const COMPOSE_SCRIPT_PATH = '/mxh/soan-bai.js';

/** What the page needs to know about its reader. */
export interface Viewer {
  account: AccountRow;
  csrf: string;
}

/** Facts about one post the card shows (looked up by the routes). */
export interface PostFacts {
  status: StatusRow;
  author: AccountRow | undefined;
  /** For a boost: the original and its author (the card shows the original). */
  original?: StatusRow;
  originalAuthor?: AccountRow;
  counts: { replies: number; reblogs: number; favourites: number };
  mine: { favourited: boolean; reblogged: boolean };
  /** The post it answers, when it is a reply. */
  parentAuthor?: AccountRow;
}

export const VISIBILITY_TEXT: Record<Visibility, { label: string; hint: string }> = {
  public: { label: 'Công khai', hint: 'Ai cũng thấy, kể cả người chưa đăng nhập; có trong dòng thời gian công khai, bảng tin và tìm kiếm (nếu bạn cho phép).' },
  unlisted: { label: 'Không liệt kê', hint: 'Ai có đường dẫn cũng xem được và người theo dõi bạn thấy, nhưng không có trong dòng thời gian công khai, bảng tin chung hay tìm kiếm.' },
  private: { label: 'Chỉ người theo dõi', hint: 'Chỉ người đang theo dõi bạn và những người bạn nhắc đến (@tên) thấy.' },
  direct: { label: 'Nhắn riêng', hint: 'Chỉ những người bạn nhắc đến (@tên) trong bài thấy.' },
};

/** Where a profile lives: /@name for ours, /@name@domain for others. */
export function profilePath(a: AccountRow): string {
  return a.domain ? `/@${a.username}@${a.domain}` : `/@${a.username}`;
}

export function postPath(st: StatusRow, author: AccountRow): string {
  return `${profilePath(author)}/${st.id}`;
}

export function handleOf(a: AccountRow): string {
  return a.domain ? `@${a.username}@${a.domain}` : `@${a.username}`;
}

/** The account's name linked to its profile, and its handle beside it when the name is not the handle. */
function whoLink(a: AccountRow): SafeHtml {
  return a.displayName ? html`<a class="who" href="${profilePath(a)}">${a.displayName}</a> <span class="handle">${handleOf(a)}</span>` : html`<a class="who" href="${profilePath(a)}">${handleOf(a)}</a>`;
}

const DATE_FMT = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', day: 'numeric', month: 'numeric', year: 'numeric' });
const TIME_FMT = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hour12: false });

/** d/m/yyyy HH:MM in Vietnam time, in a <time>. */
export function when(ms: number): SafeHtml {
  const d = new Date(ms);
  return html`<time datetime="${d.toISOString()}">${DATE_FMT.format(d)} ${TIME_FMT.format(d)}</time>`;
}

const csrfField = (token: string): SafeHtml => html`<input type="hidden" name="csrf" value="${token}">`;
const backField = (tiep: string): SafeHtml => html`<input type="hidden" name="tiep" value="${tiep}">`;

function shell(title: string, body: SafeHtml, o: { viewer?: Viewer; current?: string; scripts?: string[] } = {}): string {
  return page({
    title: `${title} — Tra`,
    body: html`<div class="account-page social-page">${socialNav(o.viewer, o.current)}${body}</div>`,
    styles: [STYLE_PATH, FEEDS_STYLE_PATH],
    nav: 'social',
    headerSearch: true,
    scripts: o.scripts,
  });
}

/** The social layer's own links, under the site's header. */
function socialNav(viewer: Viewer | undefined, current: string | undefined): SafeHtml {
  const items: Array<[string, string]> = [
    [HOME_PATH, 'Trang chủ'],
    [NOTIFICATIONS_PATH, 'Thông báo'],
    [SEARCH_PATH, 'Tìm bài viết'],
    ['/bang-tin', 'Bảng tin'],
  ];
  if (viewer) items.push([profilePath(viewer.account), 'Hồ sơ của tôi'], ['/cai-dat', 'Cài đặt']);
  else items.push(['/dang-nhap', 'Đăng nhập'], ['/dang-ky', 'Đăng ký']);
  return html`<nav class="social-nav" aria-label="Mạng xã hội"><ul>${items.map(
    ([href, label]) => html`<li><a href="${href}"${href === current ? html` aria-current="page"` : ''}>${label}</a></li>`,
  )}</ul></nav>`;
}

function notice(message: string | undefined): SafeHtml | '' {
  return message ? html`<p class="notice" role="status">${message}</p>` : '';
}

function errors(messages: string[] | undefined): SafeHtml | '' {
  if (!messages || messages.length === 0) return '';
  return html`<div class="form-errors" role="alert">${messages.map((m) => html`<p>${m}</p>`)}</div>`;
}

// --- Compose.

export interface ComposeView {
  csrf: string;
  /** The page to return to after posting. */
  tiep: string;
  /** A fresh key per form, so a double submit posts once. */
  key: string;
  text?: string;
  spoiler?: string;
  visibility?: Visibility;
  /** Replying to this post. */
  replyTo?: StatusRow;
  /** Where the form sits: ids must be unique on a page. */
  idPrefix?: string;
  /** The length as the server counted it, when it refused the post. */
  counted?: number;
  errors?: string[];
}

export function composeForm(v: ComposeView): SafeHtml {
  const p = v.idPrefix ?? 'soan';
  const vis = v.visibility ?? 'public';
  const over = v.counted !== undefined && v.counted > MAX_STATUS_CHARS;
  return html`<form method="post" action="${COMPOSE_PATH}" class="compose" id="${p}">
${csrfField(v.csrf)}${backField(v.tiep)}<input type="hidden" name="khoa" value="${v.key}">
${v.replyTo ? html`<input type="hidden" name="in_reply_to_id" value="${v.replyTo.id}">` : ''}
${errors(v.errors)}
<div class="field"><label for="${p}-noi-dung">${v.replyTo ? 'Trả lời' : 'Bạn muốn chia sẻ điều gì?'}</label>
<textarea id="${p}-noi-dung" name="status" rows="4" required aria-describedby="${p}-dem" data-max="${MAX_STATUS_CHARS}">${v.text ?? ''}</textarea>
<p class="hint" id="${p}-dem">${
    v.counted !== undefined
      ? html`<output class="${over ? 'over' : ''}" for="${p}-noi-dung">${v.counted}/${MAX_STATUS_CHARS} ký tự</output>. `
      : html`<output for="${p}-noi-dung" hidden></output>`
  }Tối đa ${MAX_STATUS_CHARS} ký tự; mỗi liên kết tính 23 ký tự, chữ có dấu tính như chữ không dấu.</p></div>
<details class="cw"${v.spoiler ? html` open` : ''}><summary>Thêm cảnh báo nội dung</summary>
<div class="field"><label for="${p}-canh-bao">Cảnh báo nội dung (không bắt buộc)</label>
<input id="${p}-canh-bao" name="spoiler_text" maxlength="500" value="${v.spoiler ?? ''}" aria-describedby="${p}-canh-bao-goi-y">
<p class="hint" id="${p}-canh-bao-goi-y">Người đọc thấy dòng này trước và bấm để xem nội dung, ví dụ khi bài kể chi tiết tai nạn hay tiết lộ nội dung phim.</p></div></details>
<fieldset class="visibility"><legend>Ai được xem bài này?</legend>
${(Object.keys(VISIBILITY_TEXT) as Visibility[]).map(
    (k) => html`<div class="choice"><input type="radio" id="${p}-${k}" name="visibility" value="${k}"${k === vis ? html` checked` : ''} aria-describedby="${p}-${k}-goi-y"><label for="${p}-${k}">${VISIBILITY_TEXT[k].label}</label>
<p class="hint" id="${p}-${k}-goi-y">${VISIBILITY_TEXT[k].hint}</p></div>`,
  )}
</fieldset>
<div class="actions"><button type="submit">${v.replyTo ? 'Gửi trả lời' : 'Đăng bài'}</button></div>
</form>`;
}

export function composePage(v: ComposeView & { viewer: Viewer; replyFacts?: PostFacts }): string {
  return shell(
    v.replyTo ? 'Trả lời bài viết' : 'Viết bài',
    html`<h1>${v.replyTo ? 'Trả lời bài viết' : 'Viết bài'}</h1>
${v.replyFacts ? postCard(v.replyFacts, { viewer: v.viewer, tiep: v.tiep, actions: false }) : ''}
${composeForm(v)}`,
    { viewer: v.viewer, scripts: [COMPOSE_SCRIPT_PATH] },
  );
}

// --- One post.

export interface CardOptions {
  viewer?: Viewer;
  /** The page the card's forms come back to. */
  tiep: string;
  /** Show the action forms (default true when signed in). */
  actions?: boolean;
  /** The post this page is about (thread view). */
  focus?: boolean;
  /** Extra line under the post (a feed's rank and "Vì sao tôi thấy bài này?"). */
  extra?: SafeHtml;
}

function actionForm(action: string, label: string, o: CardOptions, cls = 'secondary'): SafeHtml {
  return html`<form method="post" action="${action}" class="inline">${csrfField(o.viewer!.csrf)}${backField(o.tiep)}<button type="submit" class="${cls}">${label}</button></form>`;
}

export function postCard(f: PostFacts, o: CardOptions): SafeHtml {
  const boost = f.original ? f.status : undefined;
  const st = f.original ?? f.status;
  const author = f.original ? f.originalAuthor : f.author;
  const name = author ? author.displayName || handleOf(author) : '(tài khoản đã xoá)';
  const link = author ? postPath(st, author) : undefined;
  const showActions = (o.actions ?? true) && !!o.viewer;
  const mine = !!o.viewer && author?.id === o.viewer.account.id;
  const canBoost = st.visibility === 'public' || st.visibility === 'unlisted';
  return html`<article class="post${o.focus ? ' focus' : ''}" id="bai-${f.status.id}"${o.focus ? html` aria-current="page"` : ''}>
${boost && f.author ? html`<p class="post-boost">↻ <a href="${profilePath(f.author)}">${f.author.displayName || handleOf(f.author)}</a> đã đăng lại</p>` : ''}
<p class="post-head">${author ? whoLink(author) : html`<span class="who">${name}</span>`}
<span class="post-meta">· ${link ? html`<a href="${link}">${when(st.createdAt)}</a>` : when(st.createdAt)} · ${VISIBILITY_TEXT[st.visibility].label}${st.editedAt ? ' · đã sửa' : ''}</span></p>
${f.parentAuthor ? html`<p class="post-meta">Trả lời <a href="${profilePath(f.parentAuthor)}">${handleOf(f.parentAuthor)}</a></p>` : ''}
${st.spoilerText ? html`<details class="post-cw"><summary>Cảnh báo nội dung: ${st.spoilerText} <span class="hint">(bấm để xem)</span></summary><div class="post-content">${raw(st.content)}</div></details>` : html`<div class="post-content">${raw(st.content)}</div>`}
<p class="post-counts">${f.counts.replies} trả lời · ${f.counts.reblogs} đăng lại · ${f.counts.favourites} thích</p>
${
  showActions
    ? html`<div class="post-actions">${link ? html`<a class="button secondary" href="${link}#tra-loi">Trả lời</a>` : ''}
${f.mine.favourited ? actionForm(`/bai-viet/${st.id}/bo-thich`, 'Bỏ thích', o) : actionForm(`/bai-viet/${st.id}/thich`, 'Thích', o)}
${canBoost ? (f.mine.reblogged ? actionForm(`/bai-viet/${st.id}/bo-dang-lai`, 'Bỏ đăng lại', o) : actionForm(`/bai-viet/${st.id}/dang-lai`, 'Đăng lại', o)) : ''}
${mine ? actionForm(`/bai-viet/${st.id}/xoa`, 'Xoá bài', o, 'danger') : ''}</div>`
    : ''
}
${o.extra ?? ''}
</article>`;
}

// --- Home.

export interface HomeItem {
  facts: PostFacts;
  rank?: number;
  scoreMicro?: number;
  why?: string;
}

export interface HomeView {
  viewer: Viewer;
  feeds: SwitcherFeed[];
  feed: { id: string; name: string; ranked: boolean; rulesUrl: string };
  at: number;
  items: HomeItem[];
  next?: string;
  tiep: string;
  compose: ComposeView;
  notice?: string;
}

export function homePage(v: HomeView): string {
  return shell(
    'Trang chủ mạng xã hội',
    html`<h1>Trang chủ</h1>
${notice(v.notice)}
<section aria-labelledby="viet-bai"><h2 id="viet-bai" class="visually-hidden">Viết bài</h2>${composeForm(v.compose)}</section>
<section aria-labelledby="dong-bai">
<h2 id="dong-bai">${v.feed.name}</h2>
${feedSwitcher(v.feeds, v.feed.id, (id) => `${HOME_PATH}?bang-tin=${encodeURIComponent(id)}`)}
<p class="feed-meta">${v.feed.ranked ? 'Bảng tin xếp hạng theo quy tắc công khai' : 'Mới nhất trước, không xếp hạng'} · <a href="${v.feed.rulesUrl}">Quy tắc của bảng tin này</a></p>
${v.items.length === 0 ? html`<p>Chưa có bài nào ở đây. Hãy <a href="${SEARCH_PATH}">tìm bài viết</a> và theo dõi vài người, hoặc chọn một bảng tin khác ở trên.</p>` : ''}
<ol class="posts">${v.items.map(
      (it) => html`<li>${postCard(it.facts, {
        viewer: v.viewer,
        tiep: v.tiep,
        extra:
          v.feed.ranked && it.why
            ? html`<p class="why">${it.rank !== undefined ? `Hạng ${it.rank}` : ''}${it.scoreMicro !== undefined ? ` · điểm ${fromMicro(it.scoreMicro).toLocaleString('vi-VN', { maximumFractionDigits: 6 })}` : ''} · <a href="${it.why}">Vì sao tôi thấy bài này?</a></p>`
            : undefined,
      })}</li>`,
    )}</ol>
${v.next ? html`<p><a rel="next" href="${v.next}">Bài cũ hơn →</a></p>` : ''}
</section>`,
    { viewer: v.viewer, current: HOME_PATH, scripts: [COMPOSE_SCRIPT_PATH] },
  );
}

export function welcomePage(o: { feeds: SwitcherFeed[] }): string {
  return shell(
    'Mạng xã hội',
    html`<h1>Mạng xã hội Tra</h1>
<p>Trò chuyện về tin tức với những người bạn theo dõi, ở đây hay trên các máy chủ khác của fediverse (Mastodon, Misskey…). Bảng tin của bạn do bạn chọn, và quy tắc xếp hạng của mọi bảng tin đều công khai.</p>
<p><a class="button" href="/dang-nhap?tiep=${encodeURIComponent(HOME_PATH)}">Đăng nhập</a> <a class="button secondary" href="/dang-ky?tiep=${encodeURIComponent(HOME_PATH)}">Tạo tài khoản</a></p>
<h2>Đọc mà không cần tài khoản</h2>
<p>Các bảng tin công khai và quy tắc của chúng:</p>
${feedSwitcher(o.feeds, undefined)}
<p><a href="${SEARCH_PATH}">Tìm bài viết công khai</a></p>`,
    { current: HOME_PATH },
  );
}

// --- Thread.

export function threadPage(v: { viewer?: Viewer; ancestors: PostFacts[]; focus: PostFacts; descendants: PostFacts[]; tiep: string; compose?: ComposeView; notice?: string }): string {
  const st = v.focus.original ?? v.focus.status;
  const author = v.focus.originalAuthor ?? v.focus.author;
  const name = author ? author.displayName || handleOf(author) : 'tài khoản đã xoá';
  return shell(
    `Bài viết của ${name}`,
    html`<h1>Bài viết của ${name}</h1>
${notice(v.notice)}
${v.ancestors.length ? html`<section aria-labelledby="truoc-do"><h2 id="truoc-do">Trong cuộc trò chuyện</h2><ol class="posts thread">${v.ancestors.map((f) => html`<li>${postCard(f, { viewer: v.viewer, tiep: v.tiep })}</li>`)}</ol></section>` : ''}
${postCard(v.focus, { viewer: v.viewer, tiep: v.tiep, focus: true })}
${
  v.compose
    ? html`<section aria-labelledby="tra-loi-h" id="tra-loi"><h2 id="tra-loi-h">Trả lời</h2>${composeForm(v.compose)}</section>`
    : v.viewer
      ? ''
      : html`<p><a href="/dang-nhap?tiep=${encodeURIComponent(v.tiep)}">Đăng nhập</a> để trả lời, thích hoặc đăng lại bài này.</p>`
}
<section aria-labelledby="cac-tra-loi"><h2 id="cac-tra-loi">Các trả lời (${v.descendants.length})</h2>
${v.descendants.length === 0 ? html`<p>Chưa có trả lời nào.</p>` : html`<ol class="posts thread">${v.descendants.map((f) => html`<li>${postCard(f, { viewer: v.viewer, tiep: v.tiep })}</li>`)}</ol>`}
</section>
${st.url && author?.domain ? html`<p class="feed-meta"><a href="${st.url}" rel="noopener noreferrer">Xem bài trên máy chủ gốc (${author.domain})</a></p>` : ''}`,
    { viewer: v.viewer, scripts: v.compose ? [COMPOSE_SCRIPT_PATH] : undefined },
  );
}

// --- Profiles.

export type Relation = { following: 'no' | 'pending' | 'yes'; followedBy: boolean };

export interface ProfileView {
  viewer?: Viewer;
  account: AccountRow;
  counts: AccountCounts;
  /** The full handle, @name@host, to find the account from elsewhere. */
  fullHandle: string;
  relation?: Relation;
  tab: 'posts' | 'followers' | 'following';
  posts?: PostFacts[];
  people?: AccountRow[];
  next?: string;
  tiep: string;
  notice?: string;
}

export function profilePage(v: ProfileView): string {
  const a = v.account;
  const base = profilePath(a);
  const name = a.displayName || handleOf(a);
  const self = v.viewer?.account.id === a.id;
  const tabs: Array<[ProfileView['tab'], string, string]> = [
    ['posts', base, `Bài viết (${v.counts.statuses})`],
    ['following', `${base}/dang-theo-doi`, `Đang theo dõi (${v.counts.following})`],
    ['followers', `${base}/nguoi-theo-doi`, `Người theo dõi (${v.counts.followers})`],
  ];
  const tabTitle = v.tab === 'posts' ? 'Bài viết' : v.tab === 'following' ? `${name} đang theo dõi` : `Người theo dõi ${name}`;
  return shell(
    v.tab === 'posts' ? `${name} (${handleOf(a)})` : tabTitle,
    html`<header class="profile-head"><h1>${name}</h1>
<p class="handle">${v.fullHandle}${a.bot ? ' · tài khoản tự động' : ''}${a.locked ? ' · duyệt người theo dõi' : ''}${a.domain ? html` · tài khoản trên máy chủ ${a.domain}` : ''}</p>
${a.noteHtml ? html`<div class="profile-note">${raw(a.noteHtml)}</div>` : a.note ? html`<p class="profile-note">${a.note}</p>` : ''}
${v.relation?.followedBy ? html`<p class="badge">Đang theo dõi bạn</p>` : ''}
${notice(v.notice)}
${
  v.viewer && !self
    ? v.relation?.following === 'no'
      ? html`<form method="post" action="${base}/theo-doi" class="inline">${csrfField(v.viewer.csrf)}${backField(v.tiep)}<button type="submit">Theo dõi</button></form>${a.locked || a.domain ? html` <span class="hint">${a.domain ? 'Máy chủ của tài khoản này sẽ xác nhận yêu cầu.' : 'Tài khoản này duyệt từng người theo dõi.'}</span>` : ''}`
      : html`<form method="post" action="${base}/bo-theo-doi" class="inline">${csrfField(v.viewer.csrf)}${backField(v.tiep)}<button type="submit" class="secondary">${v.relation?.following === 'pending' ? 'Huỷ yêu cầu theo dõi' : 'Bỏ theo dõi'}</button></form>${v.relation?.following === 'pending' ? html` <span class="hint">Đang chờ chấp nhận.</span>` : ''}`
    : !v.viewer
      ? html`<p><a href="/dang-nhap?tiep=${encodeURIComponent(v.tiep)}">Đăng nhập</a> để theo dõi ${handleOf(a)}.</p>`
      : html`<p><a href="/cai-dat">Sửa hồ sơ</a></p>`
}
${a.domain && a.url ? html`<p class="feed-meta"><a href="${a.url}" rel="noopener noreferrer">Xem hồ sơ trên máy chủ gốc</a></p>` : ''}
</header>
<nav aria-label="Hồ sơ"><ul class="feed-switcher">${tabs.map(([k, href, label]) => html`<li><a href="${href}"${k === v.tab ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul></nav>
<h2>${tabTitle}</h2>
${
  v.tab === 'posts'
    ? (v.posts ?? []).length === 0
      ? html`<p>Chưa có bài viết nào bạn xem được.</p>`
      : html`<ol class="posts">${(v.posts ?? []).map((f) => html`<li>${postCard(f, { viewer: v.viewer, tiep: v.tiep })}</li>`)}</ol>`
    : peopleList(v.people ?? [])
}
${v.next ? html`<p><a rel="next" href="${v.next}">Xem thêm →</a></p>` : ''}`,
    { viewer: v.viewer, current: self && v.tab === 'posts' ? base : undefined },
  );
}

function peopleList(people: AccountRow[]): SafeHtml {
  if (people.length === 0) return html`<p>Chưa có ai.</p>`;
  return html`<ul class="people">${people.map((a) => html`<li>${whoLink(a)}</li>`)}</ul>`;
}

// --- Notifications.

export interface NotificationItem {
  n: NotificationRow;
  from: AccountRow | undefined;
  status?: PostFacts;
  /** A follow request still waiting for an answer. */
  pending?: boolean;
}

const NOTIFICATION_TEXT: Record<string, string> = {
  follow: 'đã theo dõi bạn',
  follow_request: 'muốn theo dõi bạn',
  favourite: 'đã thích bài của bạn',
  reblog: 'đã đăng lại bài của bạn',
  mention: 'đã nhắc đến bạn',
  status: 'vừa đăng bài',
  update: 'đã sửa một bài bạn đăng lại',
};

export function notificationsPage(v: { viewer: Viewer; items: NotificationItem[]; next?: string; tiep: string; notice?: string }): string {
  return shell(
    'Thông báo',
    html`<h1>Thông báo</h1>
${notice(v.notice)}
${v.items.length === 0 ? html`<p>Chưa có thông báo nào. Khi có người theo dõi, nhắc đến, thích hay đăng lại bài của bạn, bạn sẽ thấy ở đây.</p>` : ''}
<ol class="notifications">${v.items.map(
      (it) => html`<li id="tb-${it.n.id}"><p>${it.from ? whoLink(it.from) : 'Một tài khoản đã xoá'} ${NOTIFICATION_TEXT[it.n.type] ?? it.n.type} <span class="post-meta">· ${when(it.n.createdAt)}</span></p>
${
  it.pending && it.from
    ? html`<div class="post-actions"><form method="post" action="/thong-bao/yeu-cau/${it.from.id}/chap-nhan" class="inline">${csrfField(v.viewer.csrf)}${backField(v.tiep)}<button type="submit">Chấp nhận</button></form>
<form method="post" action="/thong-bao/yeu-cau/${it.from.id}/tu-choi" class="inline">${csrfField(v.viewer.csrf)}${backField(v.tiep)}<button type="submit" class="secondary">Từ chối</button></form></div>`
    : ''
}
${it.status ? postCard(it.status, { viewer: v.viewer, tiep: v.tiep }) : ''}</li>`,
    )}</ol>
${v.next ? html`<p><a rel="next" href="${v.next}">Thông báo cũ hơn →</a></p>` : ''}`,
    { viewer: v.viewer, current: NOTIFICATIONS_PATH },
  );
}

// --- Post search.

export function searchPage(v: { viewer?: Viewer; q: string; accounts: AccountRow[]; posts: PostFacts[]; next?: string; tiep: string; error?: string }): string {
  return shell(
    v.q ? `Tìm bài viết: ${v.q}` : 'Tìm bài viết',
    html`<h1>Tìm bài viết</h1>
<form method="get" action="${SEARCH_PATH}" role="search" class="social-search">
<div class="field"><label for="tim-q">Tìm trong bài viết</label>
<input type="search" id="tim-q" name="q" value="${v.q}" maxlength="500" aria-describedby="tim-goi-y"></div>
<p class="hint" id="tim-goi-y">Gõ có dấu hay không dấu đều được: "bao so 3" tìm ra "bão số 3". Chỉ tìm bài công khai của những người cho phép tìm kiếm; gõ @tên để tìm người.</p>
<div class="actions"><button type="submit">Tìm bài viết</button></div>
</form>
${errors(v.error ? [v.error] : undefined)}
${
  v.q
    ? html`${v.accounts.length ? html`<section aria-labelledby="kq-nguoi"><h2 id="kq-nguoi">Tài khoản</h2>${peopleList(v.accounts)}</section>` : ''}
<section aria-labelledby="kq-bai"><h2 id="kq-bai">Bài viết</h2>
${v.posts.length === 0 ? html`<p>Không có bài viết nào khớp với "${v.q}".</p>` : html`<ol class="posts">${v.posts.map((f) => html`<li>${postCard(f, { viewer: v.viewer, tiep: v.tiep })}</li>`)}</ol>`}
${v.next ? html`<p><a rel="next" href="${v.next}">Kết quả tiếp theo →</a></p>` : ''}</section>`
    : ''
}`,
    { viewer: v.viewer, current: SEARCH_PATH },
  );
}

/**
 * The compose counter, for browsers with JavaScript: counts as the server does (code points of
 * the NFC text, every link 23, a remote mention only its @name part) and shows it in the form's
 * <output>. Without it the server checks and says the count when it refuses a post.
 */
export const COMPOSE_SCRIPT = `(function () {
  var LINK = /https?:\\/\\/[^\\s<>"]+/g, REMOTE = /@([A-Za-z0-9_][A-Za-z0-9_.-]*)@[A-Za-z0-9.-]+(?::\\d+)?/g;
  function count(t) {
    t = t.normalize('NFC').replace(LINK, '12345678901234567890123').replace(REMOTE, '@$1');
    return Array.from(t).length;
  }
  document.querySelectorAll('textarea[data-max]').forEach(function (box) {
    var form = box.form, out = form && form.querySelector('output[for="' + box.id + '"]');
    if (!out) return;
    var max = Number(box.getAttribute('data-max'));
    function show() {
      var n = count(box.value);
      out.hidden = false;
      out.textContent = n + '/' + max + ' ký tự';
      out.className = n > max ? 'over' : '';
    }
    box.addEventListener('input', show);
    show();
  });
})();
`;
