/**
 * The observatory (src/observe): /quan-sat shows, for one day, the issues whose attention rose
 * furthest above their own baseline and the stories several outlets covered (first publisher
 * and followers); /api/emerging and /api/clusters give the same as JSON (`tra emerging --json`).
 * The daily counts are caught up on a worker thread when the server starts; until then both say
 * so and ask to come back shortly.
 *
 * With `?q=` the page follows one subject: its forecast for the next week with 80% and 95%
 * intervals (a chart drawn by trends.js, and the same numbers in a table), the key terms of the
 * articles that match it, and how much attention each source gave it. Days the collector missed
 * are shown as gaps, never as days without news.
 *
 * The saved searches (alerts) can be created, tried and removed from the page (POST
 * /quan-sat/canh-bao): by a signed-in account, its own (at most MAX_ALERTS_PER_ACCOUNT), when the
 * social layer is served; with the operator's token, any.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PageAccount, PluginOptions, ServerContext } from '../context.ts';
import type { AlertEvent } from '../../observe/index.ts';
import type { AlertsService, AttentionAnswer, ObservatoryView, PublicAlert, QueryForecast } from '../backend.ts';
import type { AlertCheckResult } from '../observe-worker.ts';
import { html, jsonForScript, type SafeHtml } from '../html.ts';
import { page } from '../layout.ts';
import { formatDateTime, formatDay, formatDelay, formatNumber } from '../format.ts';
import { articlePath, link, sourcePath } from '../urls.ts';
import { MAX_QUERY, errorResponse } from '../schemas.ts';
import { boundDay } from '../../observe/bounds.ts';
import { storyDetails } from '../story-html.ts';
import { operatorTokenCheck } from '../admin-auth.ts';

const DAY = { type: 'string', format: 'date', description: 'Ngày (YYYY-MM-DD, giờ Việt Nam); mặc định: ngày cuối có dữ liệu.' } as const;
const OPTIONAL_DAY = { type: 'string', pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' } as const;
/** An article of an emerging story (src/observe/emerging.ts StoryArticle). */
const STORY_ARTICLE = {
  type: 'object',
  additionalProperties: true,
  properties: { id: { type: 'string' }, title: { type: 'string' }, outlet: { type: 'string' }, url: { type: 'string' }, published: { type: 'string' }, followUp: { type: 'boolean' } },
} as const;

export class NotReady extends Error {
  readonly statusCode = 503;
  constructor() {
    super('Đài quan sát đang đếm các bài theo ngày (lần đầu mất vài phút với dữ liệu lớn). Hãy thử lại sau ít phút.');
  }
}

export function viewOf(ctx: ServerContext): ObservatoryView | undefined {
  return ctx.backend.observatory ? ctx.backend.observatory() : undefined;
}

function shiftDay(date: string, days: number): string {
  const d = new Date(date + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function dateForm(date: string, range: { first: string; last: string }): SafeHtml {
  return html`<form class="trends-form" action="/quan-sat" method="get" aria-label="Chọn ngày">
<div class="field"><label for="o-date">Ngày</label><input id="o-date" name="date" type="date" value="${date}" min="${range.first}" max="${range.last}"></div>
<div class="field"><button type="submit">Xem</button></div>
</form>`;
}

async function body(o: ObservatoryView, requested: string | undefined): Promise<SafeHtml> {
  const range = await o.range();
  if (!range) return html`<p>Chưa có bài nào có ngày đăng để quan sát.</p>`;
  const date = requested ?? range.last;
  const [em, cl] = await Promise.all([o.emerging(date, 20), o.clusters(date, 12)]);
  const inRange = date >= range.first && date <= range.last;
  return html`${dateForm(date, range)}
<p class="note">Dữ liệu từ <time datetime="${range.first}">${formatDay(range.first)}</time> đến <time datetime="${range.last}">${formatDay(range.last)}</time>. ${date > range.first ? html`<a href="${link('/quan-sat', { date: shiftDay(date, -1) })}">‹ ngày trước</a>` : ''} ${date < range.last ? html`<a href="${link('/quan-sat', { date: shiftDay(date, 1) })}">ngày sau ›</a>` : ''}</p>
<section aria-labelledby="em-title">
<h2 id="em-title">Vấn đề nổi lên ngày <time datetime="${date}">${formatDay(date)}</time></h2>
${!inRange
    ? html`<p>Không có dữ liệu cho ngày này.</p>`
    : em.items.length === 0
      ? html`<p>Không có từ nào tăng vọt rõ rệt so với mức thường ngày của nó.</p>`
      : html`<table><caption class="visually-hidden">Các vấn đề nổi lên, xếp theo điểm</caption>
<thead><tr><th scope="col">Vấn đề</th><th scope="col" class="num">Số bài</th><th scope="col" class="num">Mức thường</th><th scope="col" class="num">Điểm</th><th scope="col">Theo thời gian</th></tr></thead>
<tbody>${em.items.map((it) => html`<tr><td><a href="${link('/tim-kiem', { q: it.label, from: date, to: date })}">${it.label}</a> ${storyDetails(it)}</td><td class="num">${formatNumber(it.count)}</td><td class="num">${it.baseline.toFixed(1).replace('.', ',')}</td><td class="num">${it.score.toFixed(1).replace('.', ',')}</td><td><a href="${link('/xu-huong', { q: it.label, from: shiftDay(date, -30), to: date })}">xu hướng</a></td></tr>`)}</tbody>
</table>
<p class="note">Điểm: số bài trong ngày vượt mức thường của chính từ đó bao nhiêu lần độ lệch chuẩn (mức thường tính theo các tuần trước, cùng thứ trong tuần).</p>`}
</section>
<section aria-labelledby="cl-title">
<h2 id="cl-title">Câu chuyện nhiều báo cùng đưa</h2>
${cl.clusters.length === 0
    ? html`<p>Không có câu chuyện nào được từ hai nguồn trở lên cùng đưa trong ngày.</p>`
    : html`<ol class="hits">${cl.clusters.map((c) => html`<li class="hit">
<h3><a href="${articlePath(c.first.id)}">${c.label}</a></h3>
<p class="meta"><span>${formatNumber(c.size)} bài từ ${formatNumber(new Set(c.sources).size)} nguồn</span><span>đưa đầu tiên: <a href="${sourcePath(c.first.source)}">${c.first.source}</a>, <time datetime="${c.first.published}">${formatDateTime(c.first.published)}</time></span></p>
${followersList(c.followers.filter((f) => !f.sameOutlet), 'Các báo đưa sau')}
${followersList(c.followers.filter((f) => f.sameOutlet), `Bài tiếp theo của ${c.first.source}`)}
</li>`)}</ol>`}
</section>`;
}

/** What the alerts form was given (never the token: it is not shown back). */
interface AlertDraft {
  name: string;
  query: string;
  kind: 'threshold' | 'emerging';
  value: string;
}

const EMPTY_DRAFT: AlertDraft = { name: '', query: '', kind: 'threshold', value: '' };

/** The outcome of a form action, said at the top of the alerts section. */
interface AlertNotice {
  ok: boolean;
  text: string;
  /** The field the problem concerns (its box gets the message beside it). */
  field?: 'name' | 'query' | 'value' | 'kind' | 'token';
  /** Events to list under the notice (a test's findings). */
  events?: AlertEvent[];
}

const condition = (a: PublicAlert): string => (a.kind === 'threshold' ? `≥ ${formatNumber(a.value)} bài/ngày` : `nổi lên, điểm ≥ ${formatNumber(a.value)}`);

function eventLine(e: AlertEvent): SafeHtml {
  return html`<li>${e.day}: ${e.type === 'start' ? 'bắt đầu' : 'kết thúc'} “${e.name}” — ${formatNumber(e.count)} bài${e.score !== undefined ? `, điểm ${e.score.toFixed(1).replace('.', ',')}` : ''}${e.backtest ? ' (tìm lại trong dữ liệu cũ, không gửi đi)' : ''}</li>`;
}

function fieldError(n: AlertNotice | undefined, field: AlertNotice['field'], id: string): { attrs: SafeHtml | ''; message: SafeHtml | '' } {
  if (!n || n.ok || n.field !== field) return { attrs: '', message: '' };
  return { attrs: html` aria-invalid="true" aria-describedby="${id}-error"`, message: html`<p class="field-error" id="${id}-error">${n.text}</p>` };
}

/** The most alerts one account may own (the operator, with the token, has no such bound). */
export const MAX_ALERTS_PER_ACCOUNT = 20;

/**
 * Who is looking at the alerts section, and so what it offers: the operator (this request carried
 * the operator's token and it was accepted), a signed-in account (the social layer), or a reader
 * who is neither (`accounts`: the server has accounts, so the reader is asked to sign in).
 */
type Viewer = { kind: 'operator' } | { kind: 'account'; account: PageAccount } | { kind: 'reader'; accounts: boolean };

function viewerOf(ctx: ServerContext, req: FastifyRequest): Viewer {
  const account = ctx.accountOf?.(req);
  return account ? { kind: 'account', account } : { kind: 'reader', accounts: ctx.accountOf !== undefined };
}

/** The alerts a viewer sees: an account its own (an admin account all of them); nobody's to a signed-out reader when there are accounts. */
function visibleAlerts(all: PublicAlert[], v: Viewer): PublicAlert[] {
  if (v.kind === 'account') return v.account.admin ? all : all.filter((a) => a.owner === v.account.id);
  if (v.kind === 'reader' && v.accounts) return [];
  return all;
}

/** Whether an account may try or remove this alert: its own, or any for an admin account. */
const mayTouch = (a: PublicAlert, account: PageAccount): boolean => account.admin || a.owner === account.id;

const SIGN_IN_BACK = '/quan-sat#canh-bao';

/**
 * The saved searches, their latest events, and one form that creates, tries and removes them.
 * A signed-in account acts on its own alerts (its session's CSRF token in the form); otherwise
 * every action needs the operator's token, typed into the form's password box (never kept). On a
 * server with accounts a signed-out reader is asked to sign in, and the operator's box is folded.
 */
async function alertsSection(ctx: ServerContext, viewer: Viewer, notice?: AlertNotice, draft: AlertDraft = EMPTY_DRAFT): Promise<SafeHtml | ''> {
  const svc = ctx.backend.alerts;
  if (!svc) return '';
  let all: PublicAlert[];
  let recent: AlertEvent[];
  try {
    all = await svc.list();
    const last = await svc.lastEventId();
    recent = (await svc.eventsSince(Math.max(0, last - 50), 50)).reverse();
  } catch {
    return html`<section aria-labelledby="al-title"><h2 id="al-title">Cảnh báo đã lưu</h2><p role="status">Chưa đọc được danh sách cảnh báo; hãy tải lại trang sau ít phút.</p></section>`;
  }
  const list = visibleAlerts(all, viewer);
  const shown = new Set(list.map((a) => a.id));
  recent = recent.filter((e) => shown.has(e.alert)).slice(0, 10);
  const tok = fieldError(notice, 'token', 'al-token');
  const nm = fieldError(notice, 'name', 'al-name');
  const qr = fieldError(notice, 'query', 'al-query');
  const vl = fieldError(notice, 'value', 'al-value');
  const kd = fieldError(notice, 'kind', 'al-kind');
  // Problems with a field are said beside its box; the rest (and successes) at the top.
  const general = notice && (notice.ok || !notice.field)
    ? html`<div class="${notice.ok ? 'notice' : 'form-errors'}" role="${notice.ok ? 'status' : 'alert'}"><p>${notice.text}</p>${notice.events?.length ? html`<ul>${notice.events.map(eventLine)}</ul>` : ''}</div>`
    : '';
  const tokenBox = html`<div class="field token"><label for="al-token">Khoá quản trị</label><input id="al-token" name="token" type="password" autocomplete="off" required${tok.attrs}>${tok.message}
<p class="hint">Cần để tạo, thử hay xoá cảnh báo. Khoá chỉ được dùng cho lần gửi này, không được lưu.</p></div>`;
  const table = list.length === 0
    ? html`<p>${viewer.kind === 'account' && !viewer.account.admin ? 'Bạn chưa có cảnh báo nào.' : 'Chưa có cảnh báo nào.'}</p>`
    : html`<table class="alerts"><caption class="visually-hidden">Các cảnh báo đã lưu</caption>
<thead><tr><th scope="col">Tên</th><th scope="col">Truy vấn</th><th scope="col">Điều kiện</th><th scope="col">Trạng thái</th><th scope="col">Thao tác</th></tr></thead>
<tbody>${list.map((a) => html`<tr><td>${a.name}</td><td><a href="${link('/quan-sat', { q: a.query })}">${a.query}</a></td><td>${condition(a)}${a.webhook ? ' · webhook' : ''}</td><td>${a.inEpisode ? html`<strong>đang báo</strong>` : 'yên'}</td><td class="actions"><button type="submit" name="action" value="${`test-${a.id}`}" formnovalidate aria-label="${`Thử cảnh báo ${a.name}`}">Thử</button> <button type="submit" name="action" value="${`remove-${a.id}`}" formnovalidate class="danger" aria-label="${`Xoá cảnh báo ${a.name}`}">Xoá</button></td></tr>`)}</tbody>
</table>`;
  const fields = html`<fieldset class="new-alert">
<legend>Tạo cảnh báo mới</legend>
<div class="field"><label for="al-name">Tên</label><input id="al-name" name="name" type="text" maxlength="200" value="${draft.name}" placeholder="ví dụ: Bão"${nm.attrs}>${nm.message}</div>
<div class="field"><label for="al-query">Truy vấn</label><input id="al-query" name="query" type="search" maxlength="${MAX_QUERY}" value="${draft.query}" placeholder="ví dụ: bão số"${qr.attrs}>${qr.message}</div>
<div class="field"><label for="al-kind">Báo khi</label><select id="al-kind" name="kind"${kd.attrs}>
<option value="threshold"${draft.kind === 'threshold' ? html` selected` : ''}>số bài trong ngày đạt ngưỡng</option>
<option value="emerging"${draft.kind === 'emerging' ? html` selected` : ''}>truy vấn nổi lên (điểm)</option>
</select>${kd.message}</div>
<div class="field"><label for="al-value">Ngưỡng (số bài mỗi ngày, hoặc điểm nổi lên; mặc định điểm 4)</label><input id="al-value" name="value" type="text" inputmode="decimal" maxlength="12" value="${draft.value}"${vl.attrs}>${vl.message}</div>
<div class="field submit"><button type="submit" name="action" value="create">Tạo cảnh báo</button></div>
<p class="hint">Cảnh báo mới được thử ngay trên dữ liệu đã có khi bấm “Thử”: các đợt tìm thấy trong quá khứ được ghi lại nhưng không gửi đi.</p>
</fieldset>`;
  let form: SafeHtml;
  if (viewer.kind === 'account') {
    const a = viewer.account;
    const own = all.filter((x) => x.owner === a.id).length;
    form = html`<form id="alert-form" class="alert-form" action="/quan-sat/canh-bao" method="post">
<input type="hidden" name="csrf" value="${a.csrf}">
<p class="note">Bạn đang đăng nhập là <strong>@${a.username}</strong> và có ${formatNumber(own)} trên tối đa ${formatNumber(MAX_ALERTS_PER_ACCOUNT)} cảnh báo.${a.admin ? ' Là quản trị viên, bạn thấy, thử và xoá được mọi cảnh báo.' : ''}</p>
${table}
${fields}
</form>`;
  } else if (viewer.kind === 'reader' && viewer.accounts) {
    // Accounts own alerts: a signed-out reader is asked to sign in; the operator's box stays, folded.
    const back = encodeURIComponent(SIGN_IN_BACK);
    form = html`<p class="sign-in">Hãy <a href="${`/dang-nhap?tiep=${back}`}">đăng nhập</a> hoặc <a href="${`/dang-ky?tiep=${back}`}">tạo tài khoản</a> để tạo, thử và xoá cảnh báo của riêng bạn.</p>
<details class="operator"${notice && !notice.ok ? html` open` : ''}><summary>Dành cho người vận hành máy chủ</summary>
<form id="alert-form" class="alert-form" action="/quan-sat/canh-bao" method="post">
${tokenBox}
<div class="field submit"><button type="submit" name="action" value="list" formnovalidate>Xem mọi cảnh báo</button></div>
${fields}
</form>
</details>`;
  } else {
    form = html`<form id="alert-form" class="alert-form" action="/quan-sat/canh-bao" method="post">
${tokenBox}
${table}
${fields}
</form>`;
  }
  return html`<section id="canh-bao" aria-labelledby="al-title">
<h2 id="al-title">Cảnh báo đã lưu</h2>
<p>Một cảnh báo theo dõi một truy vấn và báo khi số bài trong ngày vượt ngưỡng, hoặc khi truy vấn nổi lên so với mức thường của chính nó. Mỗi đợt được báo một lần, lúc bắt đầu và lúc kết thúc.</p>
${general}
${form}
${recent.length ? html`<h3>Sự kiện gần đây</h3><ul>${recent.map(eventLine)}</ul>` : ''}
<p class="note">Máy chủ xét các cảnh báo định kỳ. Sự kiện cũng có qua webhook có chữ ký và luồng sự kiện của <a href="/api/docs">API</a>.</p>
</section>`;
}

/** One line for a form field that cannot be used, or the alert spec the API expects. */
function readDraft(d: AlertDraft): { error: AlertNotice } | { body: { name: string; query: string; kind: 'threshold' | 'emerging'; value?: number } } {
  const name = d.name.trim();
  const query = d.query.trim();
  if (!name) return { error: { ok: false, field: 'name', text: 'Hãy đặt tên cho cảnh báo.' } };
  if (name.length > 200) return { error: { ok: false, field: 'name', text: 'Tên cảnh báo dài quá 200 ký tự.' } };
  if (!query) return { error: { ok: false, field: 'query', text: 'Hãy gõ truy vấn cần theo dõi, ví dụ “bão”.' } };
  if (query.length > MAX_QUERY) return { error: { ok: false, field: 'query', text: `Truy vấn dài quá ${formatNumber(MAX_QUERY)} ký tự.` } };
  if (!/[\p{L}\p{N}]/u.test(query)) return { error: { ok: false, field: 'query', text: `Truy vấn “${query}” không có từ nào để đếm.` } };
  if (d.kind !== 'threshold' && d.kind !== 'emerging') return { error: { ok: false, field: 'kind', text: 'Hãy chọn “số bài trong ngày” hoặc “truy vấn nổi lên”.' } };
  const raw = d.value.trim().replace(',', '.');
  if (raw === '') {
    if (d.kind === 'threshold') return { error: { ok: false, field: 'value', text: 'Hãy cho ngưỡng: số bài trong một ngày để báo, ví dụ 20.' } };
    return { body: { name, query, kind: d.kind } };
  }
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(value) || value <= 0) return { error: { ok: false, field: 'value', text: `Ngưỡng phải là một số dương, ví dụ 20 (không phải “${d.value.trim()}”).` } };
  return { body: { name, query, kind: d.kind, value } };
}

/**
 * A form POST must come from our own pages: browsers say where a request comes from
 * (`Sec-Fetch-Site`, `Origin`); another site's form is refused even before the token is looked at.
 * Clients that send neither (scripts) still need the token, which is the real proof.
 */
function crossSite(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin') return true;
  const origin = req.headers.origin;
  if (typeof origin === 'string') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (!host || host !== req.host) return true;
  }
  return false;
}

/** The newest events of one alert (the last few thousand events are looked at), oldest first. */
async function eventsOf(svc: AlertsService, alert: number): Promise<AlertEvent[]> {
  const last = await svc.lastEventId();
  const out: AlertEvent[] = [];
  let since = Math.max(0, last - 2000);
  for (let i = 0; i < 10; i++) {
    const page = await svc.eventsSince(since, 500);
    for (const e of page) if (e.alert === alert) out.push(e);
    if (page.length < 500) break;
    since = page[page.length - 1].id;
  }
  return out.slice(-30);
}

const one = (n: number): string => n.toFixed(1).replace('.', ',');

/** The forecast of `q` as a chart (trends.js) over a table: the last weeks, then the next 7 days with their intervals. */
function forecastSection(f: QueryForecast | null): SafeHtml {
  if (!f) return html`<p>Chưa có bài nào có ngày đăng để dự báo.</p>`;
  const starts = [...f.history.map((h) => h.date), ...f.forecast.map((x) => x.date)];
  const nh = f.history.length;
  const pad = (n: number) => Array<null>(n).fill(null);
  // Days without collection are unknown: a break in the line (null), not a zero.
  const seen = [...f.history.map((h) => (h.gap ? null : h.count)), ...pad(f.forecast.length)];
  // The forecast line starts at the last observed day so the two lines meet.
  const lastSeen = nh > 0 && !f.history[nh - 1].gap ? f.history[nh - 1].count : null;
  const fc = (k: 'mean' | 'lo80' | 'hi80' | 'lo95' | 'hi95') => [...pad(Math.max(0, nh - 1)), ...(nh > 0 ? [lastSeen] : []), ...f.forecast.map((x) => Math.round(x[k] * 10) / 10)];
  const chart = {
    interval: 'day',
    starts,
    queries: ['Số bài đã có', 'Dự báo', 'Khoảng 80% (dưới)', 'Khoảng 80% (trên)', 'Khoảng 95% (dưới)', 'Khoảng 95% (trên)'],
    counts: [seen, fc('mean'), fc('lo80'), fc('hi80'), fc('lo95'), fc('hi95')],
    styles: [{ color: '#0b5cad', width: 2 }, { color: '#d1495b', width: 2, dash: [6, 4] }, { color: '#e08e0b', width: 1 }, { color: '#e08e0b', width: 1 }, { color: '#9aa3ad', width: 1, dash: [2, 3] }, { color: '#9aa3ad', width: 1, dash: [2, 3] }],
  };
  const gaps = f.history.filter((h) => h.gap).length;
  return html`<p class="note">Số bài mỗi ngày khớp truy vấn trong ${formatNumber(nh)} ngày gần nhất, và dự báo ${formatNumber(f.forecast.length)} ngày sau ngày <time datetime="${f.last_day}">${formatDay(f.last_day)}</time>: giá trị dự báo cùng khoảng mà số bài thật sẽ rơi vào với xác suất 80% và 95%.${gaps ? ` ${formatNumber(gaps)} ngày không thu thập được để trống, không tính là 0.` : ''}</p>
<figure id="trends-figure" hidden>
<div id="trends-chart" class="chart" role="img" aria-label="Biểu đồ số bài mỗi ngày và dự báo kèm khoảng 80%, 95%"></div>
</figure>
<script type="application/json" id="trends-data">${jsonForScript(chart)}</script>
<details id="trends-table" open><summary>Xem bảng số liệu</summary>
<table class="forecast"><caption class="visually-hidden">Dự báo số bài mỗi ngày với khoảng 80% và 95%</caption>
<thead><tr><th scope="col">Ngày</th><th scope="col" class="num">Số bài</th><th scope="col" class="num">Dự báo</th><th scope="col" class="num">Khoảng 80%</th><th scope="col" class="num">Khoảng 95%</th></tr></thead>
<tbody>${f.forecast.map((x) => html`<tr class="future"><th scope="row"><time datetime="${x.date}">${formatDay(x.date)}</time></th><td class="num">—</td><td class="num">${one(x.mean)}</td><td class="num">${one(x.lo80)}–${one(x.hi80)}</td><td class="num">${one(x.lo95)}–${one(x.hi95)}</td></tr>`)}
${[...f.history].reverse().map((h) => html`<tr${h.gap ? html` class="gap"` : ''}><th scope="row"><time datetime="${h.date}">${formatDay(h.date)}</time></th><td class="num">${h.gap ? 'không thu thập' : formatNumber(h.count)}</td><td class="num"></td><td class="num"></td><td class="num"></td></tr>`)}</tbody>
</table></details>
<p class="note">Mô hình Holt-Winters theo tuần; khoảng dự báo lấy từ sai số thật của chính mô hình trên các tuần trước.</p>`;
}

const percent = (x: number): string => `${(x * 100).toFixed(x >= 0.1 ? 0 : 1).replace('.', ',')}%`;

/** Key terms of the matching articles and the attention of each source, with the weeks the collector missed. */
function attentionSection(q: string, a: AttentionAnswer): SafeHtml {
  if (a.total === 0) return html`<p>Không có bài nào khớp “${q}” trong 26 tuần gần nhất.</p>`;
  const terms = a.top_terms ?? [];
  const sources = (a.sources ?? []).filter((s) => s.total > 0).slice(0, 15);
  const sum = (bs: AttentionAnswer['buckets'], k: 'count' | 'total') => bs.reduce((n, b) => n + b[k], 0);
  const missed = a.buckets.filter((b) => b.gap_days);
  return html`<h3 id="terms-title">Từ khoá nổi bật</h3>
${terms.length
    ? html`<ul class="terms" aria-labelledby="terms-title">${terms.map((t) => html`<li><a href="${link('/quan-sat', { q: t.term })}">${t.term}</a> <span class="n">${formatNumber(t.count)} bài, gấp ${one(t.lift)} lần</span></li>`)}</ul>
<p class="note">Những từ, cụm từ xuất hiện trong các bài khớp nhiều hơn hẳn so với toàn bộ bài (“gấp … lần”).</p>`
    : html`<p>Không tìm được từ nổi bật nào.</p>`}
<h3 id="src-title">Theo nguồn tin</h3>
<table class="by-source" aria-labelledby="src-title">
<thead><tr><th scope="col">Nguồn</th><th scope="col" class="num">Số bài khớp</th><th scope="col" class="num">Trên số bài của nguồn</th></tr></thead>
<tbody>${sources.map((s) => {
    const all = sum(s.buckets, 'total');
    return html`<tr><th scope="row"><a href="${sourcePath(s.source)}">${s.source}</a></th><td class="num">${formatNumber(s.total)}</td><td class="num">${all > 0 ? percent(sum(s.buckets, 'count') / all) : '—'}</td></tr>`;
  })}</tbody>
</table>
<p class="note">${formatNumber(a.total)} bài khớp trong 26 tuần gần nhất. Tỉ lệ: số bài khớp trên mọi bài của nguồn đó cùng thời gian, để so nguồn lớn với nguồn nhỏ.${missed.length ? html` Có ${formatNumber(missed.length)} tuần thiếu dữ liệu (<span class="gaps">${missed.map((b, i) => html`${i ? ', ' : ''}tuần từ <time datetime="${b.start}">${formatDay(b.start)}</time>: ${formatNumber(b.gap_days ?? 0)} ngày không thu thập`)}</span>); những ngày đó không được tính là không có tin.` : ''}</p>`;
}

/** The query box of the page and, for a query, its forecast, key terms and sources. */
async function subjectSection(o: ObservatoryView | undefined, q: string, error?: string): Promise<{ body: SafeHtml; chart: boolean }> {
  const form = html`<form class="trends-form" action="/quan-sat" method="get" aria-label="Theo dõi một chủ đề">
<div class="field"><label for="o-q">Chủ đề</label><input id="o-q" name="q" type="search" value="${q}" maxlength="${MAX_QUERY}" placeholder="ví dụ: giá vàng"${error ? html` aria-invalid="true" aria-describedby="o-q-error"` : ''}>${error ? html`<p class="field-error" id="o-q-error">${error}</p>` : ''}</div>
<div class="field"><button type="submit">Dự báo</button></div>
</form>`;
  if (!q || error) return { body: form, chart: false };
  if (!o) return { body: html`${form}<p role="status">${new NotReady().message}</p>`, chart: false };
  const range = await o.range();
  if (!range) return { body: html`${form}<p>Chưa có bài nào có ngày đăng để quan sát.</p>`, chart: false };
  let f: QueryForecast | null;
  let a: AttentionAnswer;
  try {
    [f, a] = await Promise.all([o.forecast(q, 7), o.attention({ query: q, interval: 'week', from: shiftDay(range.last, -181), to: range.last, bySource: true, top: 12 })]);
  } catch (err) {
    // The rest of the page is still worth showing: the problem is one line under the box.
    const status = (err as { statusCode?: number }).statusCode;
    const line = status === 400 ? (err as Error).message : 'Đài quan sát tạm thời không tính được chủ đề này; hãy thử lại sau ít phút.';
    return { body: html`${form}<p class="form-errors" role="alert">${line}</p>`, chart: false };
  }
  return {
    body: html`${form}
<h2 id="subj-title">“${q}”: 7 ngày tới</h2>
${forecastSection(f)}
<h2>“${q}” trong 26 tuần gần nhất</h2>
${attentionSection(q, a)}
<p class="note"><a href="${link('/xu-huong', { q })}">Xu hướng của “${q}” theo thời gian</a> · <a href="${link('/tim-kiem', { q, sort: 'date' })}">các bài mới nhất</a></p>`,
    chart: f !== null && f.forecast.length > 0,
  };
}

/**
 * The page. An observatory worker that cannot start makes GET /quan-sat a 503 (`strict`, as the
 * API); after a form action the page is served anyway, with that said in one line.
 */
async function observatoryPage(ctx: ServerContext, viewer: Viewer, date: string | undefined, q: string, status: { notice?: AlertNotice; draft?: AlertDraft; qError?: string } = {}, strict = true): Promise<string> {
  let o: ObservatoryView | undefined;
  let down: string | undefined;
  try {
    o = viewOf(ctx);
  } catch (err) {
    if (strict) throw err;
    down = (err as Error).message;
  }
  const waiting = html`<p role="status">${down ?? new NotReady().message}</p><p class="note">Trong lúc chờ, hãy xem <a href="/xu-huong">xu hướng</a> của bất kỳ từ khoá nào theo thời gian.</p>`;
  const subject = await subjectSection(o, q, status.qError);
  const content = o ? await body(o, date) : waiting;
  return page({
    title: q ? `${q} — Đài quan sát — Tra` : 'Đài quan sát — Tra',
    body: html`<h1>Đài quan sát</h1>
<p>Đo sự chú ý của báo chí: những vấn đề đang nổi lên so với mức thường ngày của chúng, và câu chuyện lan từ báo nào sang báo nào.</p>
<section class="subject" aria-label="Theo dõi một chủ đề">${subject.body}</section>
${content}
${await alertsSection(ctx, viewer, status.notice, status.draft)}`,
    nav: 'observatory',
    styles: subject.chart ? ['/static/uplot.min.css'] : [],
    scripts: subject.chart ? ['/static/uplot.min.js', '/static/trends.js'] : [],
  });
}

/** Work queued per key (an account): each runs after the previous one for that key finished. */
const queues = new Map<string, Promise<unknown>>();
function oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

/** A token the API accepts, and the action done through the API itself (so the check is the API's). */
async function viaApi(app: FastifyInstance, token: string, method: 'POST' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  let parsed: Record<string, unknown>;
  try {
    parsed = r.body ? (JSON.parse(r.body) as Record<string, unknown>) : {};
  } catch {
    parsed = {};
  }
  return { status: r.statusCode, body: parsed };
}

/** The outcome of "Thử": the alert's latest events after a check. */
async function tested(svc: AlertsService, alert: PublicAlert, check: AlertCheckResult): Promise<AlertNotice> {
  const events = await eventsOf(svc, alert.id);
  const fresh = check.events.filter((e) => e.alert === alert.id).length;
  const until = check.date ? ` đến ngày ${formatDay(check.date)}` : '';
  const text = events.length === 0
    ? `Đã xét cảnh báo “${alert.name}” trên dữ liệu${until}: chưa có đợt nào đạt điều kiện (${condition(alert)}).`
    : `Đã xét cảnh báo “${alert.name}” trên dữ liệu${until}: ${fresh ? `${formatNumber(fresh)} sự kiện mới; ` : ''}các sự kiện gần nhất của nó:`;
  return { ok: true, text, events: events.slice().reverse() };
}

/** A form's CSRF token against the session's, compared as digests in constant time. */
function sameToken(given: string, want: string): boolean {
  const digest = (x: string) => createHash('sha256').update(x).digest();
  return given !== '' && timingSafeEqual(digest(given), digest(want));
}

/** The page's words for a refused token (the API's own mention headers, which a reader never sees). */
function tokenRefusal(status: number): AlertNotice | undefined {
  if (status === 401) return { ok: false, field: 'token', text: 'Khoá quản trị không đúng.' };
  if (status === 403) return { ok: false, field: 'token', text: 'Máy chủ này chưa đặt khoá quản trị, nên chưa thể tạo, thử hay xoá cảnh báo.' };
  return undefined;
}

export async function observatoryPages(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  // The alerts form is an ordinary HTML form (works without JavaScript); only this plugin reads it.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, text, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(text))));
  });

  app.get('/quan-sat', { schema: { hide: true, querystring: { type: 'object', properties: { date: OPTIONAL_DAY, q: { type: 'string', maxLength: MAX_QUERY } } } } }, async (req, reply) => {
    const { date, q: rawQ } = req.query as { date?: string; q?: string };
    // A real day in the plausible window, or a 400 page saying which field and what to do.
    if (date) boundDay(date, 'date', 'page');
    const q = (rawQ ?? '').trim();
    const qError = q && !/[\p{L}\p{N}]/u.test(q) ? `Chủ đề “${q}” không có từ nào để đếm.` : undefined;
    const viewer = viewerOf(ctx, req);
    // A signed-in reader's page carries the session's CSRF token: never kept by a cache.
    if (viewer.kind === 'account') reply.header('cache-control', 'private, no-store');
    return reply.code(qError ? 400 : 200).type('text/html; charset=utf-8').send(await observatoryPage(ctx, viewer, date || undefined, q, { qError }));
  });

  // Create, try or remove an alert from the page. The answer is the observatory page with the
  // outcome in its alerts section; a refusal keeps what was typed (except the token).
  app.post('/quan-sat/canh-bao', { schema: { hide: true } }, async (req: FastifyRequest, reply: FastifyReply) => {
    const form = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const str = (k: string): string => (typeof form[k] === 'string' ? (form[k] as string) : '');
    const draft: AlertDraft = { name: str('name'), query: str('query'), kind: str('kind') === 'emerging' ? 'emerging' : 'threshold', value: str('value') };
    let viewer = viewerOf(ctx, req);
    const send = async (code: number, notice: AlertNotice, keep = true) => reply.code(code).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(await observatoryPage(ctx, viewer, undefined, '', { notice, draft: keep ? draft : EMPTY_DRAFT }, false));
    if (crossSite(req)) return send(403, { ok: false, text: 'Biểu mẫu này chỉ nhận yêu cầu gửi từ chính trang Đài quan sát; hãy mở lại trang rồi gửi lại.' });
    const svc = ctx.backend.alerts;
    if (!svc) return send(404, { ok: false, text: 'Máy chủ này không có cảnh báo.' });
    const token = str('token').trim();
    const action = str('action');
    const m = /^(test|remove)-([1-9]\d{0,15})$/.exec(action);
    if (!token && viewer.kind === 'account') return byAccount(viewer.account, svc);
    if (!token && viewer.kind === 'reader' && viewer.accounts) return send(401, { ok: false, text: 'Hãy đăng nhập để tạo, thử hay xoá cảnh báo của riêng bạn.' });
    if (!token) return send(401, { ok: false, field: 'token', text: 'Hãy nhập khoá quản trị.' });

    // The operator's token: every action goes through the API itself, so the check is the API's.
    // An accepted token shows the whole list in the answer (the token still is not kept).
    const accepted = () => {
      viewer = { kind: 'operator' };
    };
    if (action === 'list') {
      // Nothing to do but prove the token, with the same check the API's writes use.
      const check = operatorTokenCheck(app)(token);
      if (check !== 'ok') {
        const status = check === 'unset' ? 403 : 401;
        return send(status, tokenRefusal(status)!);
      }
      accepted();
      return send(200, { ok: true, text: 'Mọi cảnh báo đã lưu trên máy chủ:' });
    }
    if (action === 'create') {
      const d = readDraft(draft);
      if ('error' in d) return send(400, d.error);
      const r = await viaApi(app, token, 'POST', '/api/alerts', d.body);
      const refused = tokenRefusal(r.status);
      if (refused) return send(r.status, refused);
      if (r.status !== 201) return send(r.status, { ok: false, text: String(r.body.message ?? 'Không tạo được cảnh báo.') });
      accepted();
      return send(200, { ok: true, text: `Đã tạo cảnh báo “${String(r.body.name)}” (#${String(r.body.id)}). Bấm “Thử” để xem nó đã báo những ngày nào trong dữ liệu đã có.` }, false);
    }
    if (!m) return send(400, { ok: false, text: 'Không rõ thao tác: hãy bấm một trong các nút của biểu mẫu.' });
    const id = Number(m[2]);
    const alert = (await svc.list()).find((a) => a.id === id);
    if (m[1] === 'remove') {
      const r = await viaApi(app, token, 'DELETE', `/api/alerts/${id}`);
      const refused = tokenRefusal(r.status);
      if (refused) return send(r.status, refused);
      accepted();
      if (r.status === 404) return send(404, { ok: false, text: `Không có cảnh báo #${id} (có thể đã bị xoá).` });
      if (r.status !== 204) return send(r.status, { ok: false, text: String(r.body.message ?? 'Không xoá được cảnh báo.') });
      return send(200, { ok: true, text: `Đã xoá cảnh báo “${alert?.name ?? `#${id}`}”.` });
    }
    if (!alert) return send(404, { ok: false, text: `Không có cảnh báo #${id} (có thể đã bị xoá).` });
    const r = await viaApi(app, token, 'POST', '/api/alerts/check');
    const refused = tokenRefusal(r.status);
    if (refused) return send(r.status, refused);
    accepted();
    if (r.status !== 200) return send(r.status, { ok: false, text: String(r.body.message ?? 'Không xét được cảnh báo lúc này; hãy thử lại sau ít phút.') });
    return send(200, await tested(svc, alert, r.body as unknown as AlertCheckResult));

    /** A signed-in account acts on its own alerts (an admin account on any), with its session's CSRF token. */
    async function byAccount(account: PageAccount, s: AlertsService) {
      if (!sameToken(str('csrf'), account.csrf)) return send(403, { ok: false, text: 'Biểu mẫu đã hết hạn hoặc không gửi từ trang của Tra (thiếu mã chống giả mạo): hãy tải lại trang rồi gửi lại.' });
      if (action === 'create') {
        const d = readDraft(draft);
        if ('error' in d) return send(400, d.error);
        // Counted and added one post at a time per account: two posts at once cannot both pass.
        const a = await oneAtATime(account.id, async () => {
          if ((await s.list()).filter((x) => x.owner === account.id).length >= MAX_ALERTS_PER_ACCOUNT) return undefined;
          return s.add({ ...d.body, value: d.body.value ?? 4, owner: account.id });
        });
        if (!a) return send(403, { ok: false, text: `Mỗi tài khoản có tối đa ${formatNumber(MAX_ALERTS_PER_ACCOUNT)} cảnh báo: hãy xoá một cảnh báo cũ trước khi tạo cảnh báo mới.` });
        return send(200, { ok: true, text: `Đã tạo cảnh báo “${a.name}” (#${a.id}). Bấm “Thử” để xem nó đã báo những ngày nào trong dữ liệu đã có.` }, false);
      }
      if (!m) return send(400, { ok: false, text: 'Không rõ thao tác: hãy bấm một trong các nút của biểu mẫu.' });
      const id = Number(m[2]);
      const alert = (await s.list()).find((a) => a.id === id);
      // Another account's alert is answered as one that does not exist.
      if (!alert || !mayTouch(alert, account)) return send(404, { ok: false, text: `Không có cảnh báo #${id} trong các cảnh báo của bạn (có thể đã bị xoá).` });
      if (m[1] === 'remove') {
        await s.remove(id);
        return send(200, { ok: true, text: `Đã xoá cảnh báo “${alert.name}”.` });
      }
      let check: AlertCheckResult;
      try {
        check = await s.check();
      } catch {
        return send(503, { ok: false, text: 'Không xét được cảnh báo lúc này; hãy thử lại sau ít phút.' });
      }
      return send(200, await tested(s, alert, check));
    }
  });

  app.get('/api/emerging', {
    schema: {
      summary: 'Vấn đề nổi lên trong một ngày (như `tra emerging --json`)',
      tags: ['đài quan sát'],
      querystring: { type: 'object', properties: { date: DAY, limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } } },
      response: {
        200: {
          type: 'object',
          required: ['date', 'items'],
          additionalProperties: true,
          properties: {
            date: { type: 'string' },
            items: { type: 'array', items: { type: 'object', additionalProperties: true, required: ['label', 'score', 'count', 'baseline'], properties: { label: { type: 'string' }, score: { type: 'number' }, count: { type: 'integer' }, baseline: { type: 'number' }, terms: { type: 'array', items: { type: 'string' } }, outlets: { type: 'array', items: { type: 'string' } }, first: STORY_ARTICLE, articles: { type: 'array', items: STORY_ARTICLE } } } },
          },
        },
        400: errorResponse,
        503: errorResponse,
      },
    },
  }, async (req) => {
    const { date, limit } = req.query as { date?: string; limit: number };
    if (date) boundDay(date);
    const o = viewOf(ctx);
    if (!o) throw new NotReady();
    const day = date ?? (await o.range())?.last;
    return day ? o.emerging(day, limit) : { date: '', items: [] };
  });

  app.get('/api/clusters', {
    schema: {
      summary: 'Câu chuyện nhiều nguồn cùng đưa trong một ngày: báo đưa đầu tiên và các báo đưa sau',
      tags: ['đài quan sát'],
      querystring: { type: 'object', properties: { date: DAY, limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } } },
      response: { 200: { type: 'object', additionalProperties: true, properties: { date: { type: 'string' }, days: { type: 'integer' }, documents: { type: 'integer' }, clusters: { type: 'array', items: { type: 'object', additionalProperties: true } } } }, 400: errorResponse, 503: errorResponse },
    },
  }, async (req) => {
    const { date, limit } = req.query as { date?: string; limit: number };
    if (date) boundDay(date);
    const o = viewOf(ctx);
    if (!o) throw new NotReady();
    const day = date ?? (await o.range())?.last;
    return day ? o.clusters(day, limit) : { date: '', days: 1, documents: 0, clusters: [] };
  });
}

/** Articles after a story's first one: other outlets repeating it, or the first outlet's own follow-ups. */
function followersList(list: { id: string; title: string; source: string; delayMinutes: number; nearDuplicate: boolean }[], title: string): SafeHtml | '' {
  if (list.length === 0) return '';
  return html`<details><summary>${title} (${formatNumber(list.length)})</summary><ul>${list.map((f) => html`<li><a href="${articlePath(f.id)}">${f.title}</a> — ${f.source}, sau ${formatDelay(f.delayMinutes)}${f.nearDuplicate ? ' (gần như nguyên văn)' : ''}</li>`)}</ul></details>`;
}
