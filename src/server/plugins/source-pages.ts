/**
 * Sources: /nguon lists every outlet with its number of articles; /nguon/:name shows one outlet:
 * its span and count, its articles per week (a chart drawn on the server, with the numbers in a
 * table), a navigator by year, month and day with the number of articles of each, the articles
 * of the chosen month or day (or the latest ones), paginated, and a search box limited to it.
 *
 * The catalogue (source-catalog.ts) keeps each outlet's articles newest first and hands out any
 * slice of that order. One pass over an outlet's list gives its day histogram and, for each day,
 * where the day starts in that order; every month and day is then one slice away, so the whole
 * history is reachable, however long. Histograms are kept for the last outlets looked at.
 */
import type { FastifyInstance } from 'fastify';
import type { PluginOptions, ServerContext } from '../context.ts';
import type { SearchHit } from '../backend.ts';
import { html, type SafeHtml } from '../html.ts';
import { page } from '../layout.ts';
import { errorPage } from '../errors.ts';
import { formatBucket, formatDateTime, formatDay, formatMonth, formatNumber } from '../format.ts';
import { articlePath, link, sourcePath } from '../urls.ts';
import { DateRangeError, parseDay } from '../../observe/bounds.ts';

const PAGE_SIZE = 20;
/** Weeks drawn in the chart: the last year with articles. */
const CHART_WEEKS = 53;
/** Outlets whose histogram is kept between requests. */
const KEPT = 32;
const DAY_MS = 86_400_000;
const VN_OFFSET_MS = 7 * 3_600_000;

/** One day of an outlet: how many articles, and the position of its newest one in newest-first order. */
export interface DayCount {
  day: string;
  count: number;
  offset: number;
}

/** An outlet's history: its days newest first, and the articles without a usable date (listed last). */
export interface SourceHistory {
  total: number;
  days: DayCount[];
  undated: number;
}

/** The Vietnam-time day (YYYY-MM-DD) of a publication time, or undefined when it cannot be read. */
function dayOfPublished(published: string | undefined): string | undefined {
  if (!published) return undefined;
  const t = Date.parse(published);
  if (Number.isNaN(t)) return undefined;
  return new Date(t + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * Days of a newest-first list of articles. Articles of one day stand together in that order, so
 * each day is one run; an article met out of order (never, with the catalogue's sort) starts a
 * run of its own rather than being miscounted into another.
 */
export function historyOf(hits: Array<Pick<SearchHit, 'published'>>): SourceHistory {
  const days: DayCount[] = [];
  let undated = 0;
  for (let i = 0; i < hits.length; i++) {
    const day = dayOfPublished(hits[i].published);
    if (day === undefined) {
      undated++;
      continue;
    }
    const last = days[days.length - 1];
    if (last && last.day === day && last.offset + last.count === i) last.count++;
    else days.push({ day, count: 1, offset: i });
  }
  return { total: hits.length, days, undated };
}

interface Window {
  offset: number;
  count: number;
}

/** Where the articles of a month (YYYY-MM) or a day stand in newest-first order. */
function windowOf(h: SourceHistory, prefix: string): Window | undefined {
  let first: number | undefined;
  let end = 0;
  let count = 0;
  for (const d of h.days) {
    if (!d.day.startsWith(prefix)) continue;
    first = first === undefined ? d.offset : Math.min(first, d.offset);
    end = Math.max(end, d.offset + d.count);
    count += d.count;
  }
  // Days of one month are contiguous in time order, so the window is exactly their articles.
  return first === undefined ? undefined : { offset: first, count: Math.min(count, end - first) };
}

/** Monday (YYYY-MM-DD) of the week holding a day. */
function mondayOf(day: string): string {
  const n = Math.floor(Date.parse(day + 'T00:00:00Z') / DAY_MS);
  return new Date((n - ((((n + 3) % 7) + 7) % 7)) * DAY_MS).toISOString().slice(0, 10);
}

/** Articles per week over the last `weeks` weeks up to the newest dated article (zeros included), oldest first. */
export function weeklyCounts(h: SourceHistory, weeks = CHART_WEEKS): Array<{ start: string; count: number }> {
  if (h.days.length === 0) return [];
  const newest = h.days.reduce((a, d) => (d.day > a ? d.day : a), h.days[0].day);
  const lastMonday = Date.parse(mondayOf(newest) + 'T00:00:00Z');
  const out: Array<{ start: string; count: number }> = [];
  const index = new Map<string, number>();
  for (let i = weeks - 1; i >= 0; i--) {
    const start = new Date(lastMonday - i * 7 * DAY_MS).toISOString().slice(0, 10);
    index.set(start, out.length);
    out.push({ start, count: 0 });
  }
  for (const d of h.days) {
    const i = index.get(mondayOf(d.day));
    if (i !== undefined) out[i].count += d.count;
  }
  // Start at the outlet's first week when it is younger than the chart.
  const firstDay = h.days.reduce((a, d) => (d.day < a ? d.day : a), h.days[0].day);
  const firstMonday = mondayOf(firstDay);
  const from = out.findIndex((w) => w.start >= firstMonday);
  return from > 0 ? out.slice(from) : out;
}

/** Months of each year: [year, [[month YYYY-MM, count]…]] newest year first, months in calendar order. */
function monthsByYear(h: SourceHistory): Array<[string, Array<[string, number]>]> {
  const months = new Map<string, number>();
  for (const d of h.days) months.set(d.day.slice(0, 7), (months.get(d.day.slice(0, 7)) ?? 0) + d.count);
  const years = new Map<string, Array<[string, number]>>();
  for (const [m, c] of [...months].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const y = m.slice(0, 4);
    const list = years.get(y) ?? [];
    list.push([m, c]);
    years.set(y, list);
  }
  return [...years].sort((a, b) => (a[0] < b[0] ? 1 : -1));
}

/** What the page shows under the navigator: the latest articles, or one month's, or one day's. */
type Scope = { kind: 'latest' } | { kind: 'month'; month: string } | { kind: 'day'; day: string };

interface SourceQs {
  page?: number;
  month?: string;
  date?: string;
}

export async function sourcePages(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  const kept = new Map<string, { total: number; history: SourceHistory }>();

  /** The outlet's history, read from the catalogue once per outlet (and again if its count changed). */
  async function historyFor(name: string, total: number): Promise<SourceHistory | undefined> {
    const hit = kept.get(name);
    if (hit && hit.total === total) {
      kept.delete(name);
      kept.set(name, hit);
      return hit.history;
    }
    if (!ctx.backend.browse) return undefined;
    const all = await ctx.backend.browse({ sources: [name], limit: total, offset: 0 });
    const history = historyOf(all.hits);
    kept.set(name, { total, history });
    if (kept.size > KEPT) kept.delete(kept.keys().next().value as string);
    return history;
  }

  app.get('/nguon', { schema: { hide: true } }, async (_req, reply) => {
    const list = ctx.backend.sources ? await ctx.backend.sources() : [];
    const body = html`<h1>Nguồn tin</h1>
${list.length
    ? html`<p class="summary">${formatNumber(list.length)} nguồn, xếp theo số bài đã lập chỉ mục. Mỗi nguồn có số bài theo tuần và lịch để xem bài của bất kỳ ngày nào.</p>
<ul class="source-list">${list.map((s) => html`<li><a href="${sourcePath(s.value)}">${s.value}</a> <span class="note">${formatNumber(s.count)} bài</span></li>`)}</ul>`
    : html`<p>Chưa có nguồn tin nào: các nguồn sẽ hiện ở đây khi có bài được đưa vào chỉ mục hoặc thu thập.</p>`}`;
    return reply.type('text/html; charset=utf-8').send(page({ title: 'Nguồn tin — Tra', body, nav: 'sources' }));
  });

  app.get('/nguon/:name', {
    schema: {
      hide: true,
      params: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } },
      querystring: {
        type: 'object',
        properties: {
          page: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 1 },
          // Checked by the route, so a mistyped date is said beside the date box, not on an error page.
          month: { type: 'string', maxLength: 40 },
          date: { type: 'string', maxLength: 40 },
        },
      },
    },
  }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const qs = req.query as SourceQs;
    const pageNo = qs.page ?? 1;
    const all = ctx.backend.sources ? await ctx.backend.sources() : [];
    const known = all.find((s) => s.value === name);
    reply.type('text/html; charset=utf-8');
    if (!known) {
      return reply.code(404).send(errorPage(404, 'Không có nguồn tin này', `Chưa có bài nào của nguồn “${name}” trong chỉ mục.`, 'Xem danh sách ở trang Nguồn tin.'));
    }
    let scope: Scope = { kind: 'latest' };
    let dateError: string | undefined;
    const date = (qs.date ?? '').trim();
    const month = (qs.month ?? '').trim();
    if (date) {
      try {
        parseDay(date, 'date', 'page');
        scope = { kind: 'day', day: date };
      } catch (err) {
        if (!(err instanceof DateRangeError)) throw err;
        dateError = err.message;
      }
    } else if (month) {
      if (/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) scope = { kind: 'month', month };
      else dateError = `"Tháng" phải có dạng YYYY-MM (ví dụ 2025-09), không phải "${month.slice(0, 40)}": hãy chọn tháng trong lịch bên dưới.`;
    }
    const history = await historyFor(name, known.count);
    const body = await sourceBody(ctx, name, known.count, history, scope, pageNo, dateError, date);
    if (dateError) reply.code(400);
    return reply.send(page({ title: `${name} — Nguồn tin — Tra`, body, nav: 'sources' }));
  });
}

function sourceLink(name: string, params: { month?: string; date?: string; page?: number }): string {
  return link(sourcePath(name), { month: params.month, date: params.date, page: params.page && params.page > 1 ? params.page : undefined });
}

async function sourceBody(ctx: ServerContext, name: string, count: number, h: SourceHistory | undefined, scope: Scope, pageNo: number, dateError: string | undefined, typedDate: string): Promise<SafeHtml> {
  const newest = h?.days.length ? h.days.reduce((a, d) => (d.day > a ? d.day : a), h.days[0].day) : undefined;
  const oldest = h?.days.length ? h.days.reduce((a, d) => (d.day < a ? d.day : a), h.days[0].day) : undefined;
  const span = newest && oldest ? html` · từ <time datetime="${oldest}">${formatDay(oldest)}</time> đến <time datetime="${newest}">${formatDay(newest)}</time>` : '';
  const undated = h && h.undated ? html` · ${formatNumber(h.undated)} bài không rõ ngày đăng` : '';
  return html`<h1>${name}</h1>
<p class="summary">${formatNumber(count)} bài đã lập chỉ mục${span}${undated} · <a href="${link('/nguon')}">mọi nguồn tin</a></p>
<form class="searchbox" role="search" action="/tim-kiem" method="get">
<label for="q-source" class="visually-hidden">Tìm trong ${name}</label>
<input type="search" id="q-source" name="q" placeholder="Tìm trong ${name}" maxlength="2000" data-suggest>
<input type="hidden" name="source" value="${name}">
<button type="submit">Tìm</button>
</form>
${h ? weeklyChart(h) : ''}
${h ? navigator(name, h, scope, dateError, typedDate, oldest, newest) : ''}
${await articles(ctx, name, count, h, scope, pageNo)}`;
}

/** The last year of articles per week: bars drawn as SVG on the server (no script needed), the numbers in a table. */
function weeklyChart(h: SourceHistory): SafeHtml | '' {
  const weeks = weeklyCounts(h);
  if (weeks.length === 0) return '';
  const max = Math.max(1, ...weeks.map((w) => w.count));
  const W = 8;
  const GAP = 2;
  const H = 100;
  const width = weeks.length * (W + GAP);
  const first = weeks[0].start;
  const last = weeks[weeks.length - 1].start;
  const sum = weeks.reduce((a, w) => a + w.count, 0);
  const label = `Số bài mỗi tuần, ${weeks.length} tuần từ ${formatDay(first)}: nhiều nhất ${formatNumber(max)} bài một tuần, tổng ${formatNumber(sum)} bài`;
  return html`<section class="source-weeks" aria-labelledby="weeks-title">
<h2 id="weeks-title">Số bài mỗi tuần</h2>
<figure>
<svg class="bars" viewBox="0 0 ${width} ${H + 1}" preserveAspectRatio="none" role="img" aria-label="${label}">
${weeks.map((w, i) => {
    const bh = w.count === 0 ? 0 : Math.max(1, Math.round((w.count / max) * H));
    return html`<rect x="${i * (W + GAP)}" y="${H - bh}" width="${W}" height="${bh}"><title>${formatBucket(w.start, 'week')}: ${formatNumber(w.count)} bài</title></rect>`;
  })}
<line x1="0" y1="${H + 0.5}" x2="${width}" y2="${H + 0.5}"></line>
</svg>
<figcaption class="note">${formatNumber(weeks.length)} tuần, từ tuần <time datetime="${first}">${formatDay(first)}</time> đến tuần <time datetime="${last}">${formatDay(last)}</time>; cột cao nhất: ${formatNumber(max)} bài.</figcaption>
</figure>
<details><summary>Xem bảng số bài mỗi tuần</summary>
<table><caption class="visually-hidden">Số bài mỗi tuần</caption>
<thead><tr><th scope="col">Tuần</th><th scope="col" class="num">Số bài</th></tr></thead>
<tbody>${[...weeks].reverse().map((w) => html`<tr><th scope="row"><time datetime="${w.start}">${formatBucket(w.start, 'week')}</time></th><td class="num">${formatNumber(w.count)}</td></tr>`)}</tbody>
</table></details>
</section>`;
}

const WEEKDAYS = ['T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'CN'];

/** The navigator: a date box, every year with its months, and the chosen month as a calendar. */
function navigator(name: string, h: SourceHistory, scope: Scope, dateError: string | undefined, typedDate: string, oldest?: string, newest?: string): SafeHtml | '' {
  if (h.days.length === 0) return '';
  const years = monthsByYear(h);
  const openMonth = scope.kind === 'month' ? scope.month : scope.kind === 'day' ? scope.day.slice(0, 7) : undefined;
  return html`<section class="source-dates" aria-labelledby="dates-title">
<h2 id="dates-title">Theo ngày đăng</h2>
<form class="date-jump" action="${sourcePath(name)}" method="get" novalidate>
<div class="field"><label for="s-date">Xem bài ngày</label>
<input id="s-date" name="date" type="date" value="${scope.kind === 'day' ? scope.day : dateError ? typedDate : ''}" min="${oldest ?? ''}" max="${newest ?? ''}"${dateError ? html` aria-invalid="true" aria-describedby="s-date-error"` : ''}></div>
<button type="submit">Xem</button>
${dateError ? html`<p class="field-error" id="s-date-error" role="alert">${dateError}</p>` : ''}
</form>
<ul class="years">
${years.map(([year, months]) => html`<li><h3>${year} <span class="note">${formatNumber(months.reduce((a, m) => a + m[1], 0))} bài</span></h3>
<ul class="months">${months.map(([m, c]) => html`<li><a href="${sourceLink(name, { month: m })}"${m === openMonth ? html` aria-current="true"` : ''}>${formatMonth(m)}</a> <span class="note">${formatNumber(c)}</span></li>`)}</ul></li>`)}
</ul>
${openMonth ? calendar(name, h, openMonth, scope.kind === 'day' ? scope.day : undefined) : ''}
</section>`;
}

/** One month as a calendar (Monday first): each day with articles links to them, with its count. */
function calendar(name: string, h: SourceHistory, month: string, chosen?: string): SafeHtml {
  const counts = new Map(h.days.filter((d) => d.day.startsWith(month)).map((d) => [d.day, d.count]));
  const [y, m] = month.split('-').map(Number);
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7;
  const cells: Array<string | undefined> = new Array<string | undefined>(lead).fill(undefined);
  for (let d = 1; d <= days; d++) cells.push(`${month}-${String(d).padStart(2, '0')}`);
  while (cells.length % 7) cells.push(undefined);
  const rows: Array<Array<string | undefined>> = [];
  for (let i = 0; i < cells.length; i += 7) rows.push(cells.slice(i, i + 7));
  const prev = new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
  const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 7);
  const hasMonth = (x: string) => h.days.some((d) => d.day.startsWith(x));
  return html`<div class="calendar-wrap">
<table class="calendar"><caption>${formatMonth(month)}: ${formatNumber([...counts.values()].reduce((a, c) => a + c, 0))} bài
${hasMonth(prev) ? html` <a href="${sourceLink(name, { month: prev })}" aria-label="${formatMonth(prev)}">‹</a>` : ''}${hasMonth(next) ? html` <a href="${sourceLink(name, { month: next })}" aria-label="${formatMonth(next)}">›</a>` : ''}</caption>
<thead><tr>${WEEKDAYS.map((d) => html`<th scope="col">${d}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map((day) => {
    if (!day) return html`<td></td>`;
    const n = counts.get(day);
    const dn = Number(day.slice(8));
    if (!n) return html`<td class="none"><span>${dn}</span></td>`;
    return html`<td${day === chosen ? html` class="chosen"` : ''}><a href="${sourceLink(name, { date: day })}" aria-label="${formatDay(day)}: ${formatNumber(n)} bài"${day === chosen ? html` aria-current="date"` : ''}>${dn}<span class="n">${formatNumber(n)}</span></a></td>`;
  })}</tr>`)}</tbody>
</table></div>`;
}

/** The list under the navigator: the latest articles, or those of the chosen month or day, paginated. */
async function articles(ctx: ServerContext, name: string, count: number, h: SourceHistory | undefined, scope: Scope, pageNo: number): Promise<SafeHtml> {
  let win: Window | undefined = { offset: 0, count };
  let heading: SafeHtml | string = 'Bài mới nhất';
  let around: SafeHtml | '' = '';
  if (scope.kind !== 'latest') {
    const key = scope.kind === 'month' ? scope.month : scope.day;
    win = h ? windowOf(h, key) : undefined;
    heading = scope.kind === 'month' ? `Bài ${formatMonth(scope.month)}` : html`Bài ngày <time datetime="${scope.day}">${formatDay(scope.day)}</time>`;
    if (scope.kind === 'day' && h) around = dayNeighbours(name, h, scope.day);
  }
  if (!win || win.count === 0) {
    return html`<section aria-labelledby="list-title"><h2 id="list-title">${heading}</h2>
<p class="empty" role="status">${scope.kind === 'day' ? 'Nguồn này không có bài nào đăng ngày này.' : scope.kind === 'month' ? 'Nguồn này không có bài nào đăng trong tháng này.' : 'Chưa liệt kê được bài của nguồn này.'}</p>
${around}</section>`;
  }
  const pages = Math.max(1, Math.ceil(win.count / PAGE_SIZE));
  const p = Math.min(pageNo, pages);
  const start = (p - 1) * PAGE_SIZE;
  const res = ctx.backend.browse ? await ctx.backend.browse({ sources: [name], limit: Math.min(PAGE_SIZE, win.count - start), offset: win.offset + start }) : undefined;
  const hits = res?.hits ?? [];
  const params = scope.kind === 'month' ? { month: scope.month } : scope.kind === 'day' ? { date: scope.day } : {};
  const newer = scope.kind === 'latest' ? '‹ Mới hơn' : '‹ Trang trước';
  const older = scope.kind === 'latest' ? 'Cũ hơn ›' : 'Trang sau ›';
  return html`<section aria-labelledby="list-title"><h2 id="list-title">${heading}</h2>
<p class="note">${pageNo > pages ? html`Chỉ có ${formatNumber(pages)} trang; đây là trang cuối. ` : ''}${hits.length ? `Bài ${formatNumber(start + 1)}–${formatNumber(start + hits.length)} trong ${formatNumber(win.count)}, mới nhất trước.` : ''}</p>
${around}
<ol class="hits" start="${start + 1}">${hits.map((h) => html`<li class="hit"><h3><a href="${articlePath(h.id)}">${h.title || h.id}</a></h3><p class="meta">${h.published ? html`<time datetime="${h.published}">${formatDateTime(h.published)}</time>` : 'không rõ ngày đăng'}</p></li>`)}</ol>
${pages > 1 ? html`<nav aria-label="Phân trang"><ul class="pager">
${p > 1 ? html`<li><a href="${sourceLink(name, { ...params, page: p - 1 })}" rel="prev">${newer}</a></li>` : ''}
<li><span aria-current="page">Trang ${formatNumber(p)} / ${formatNumber(pages)}</span></li>
${p < pages ? html`<li><a href="${sourceLink(name, { ...params, page: p + 1 })}" rel="next">${older}</a></li>` : ''}
</ul></nav>` : ''}
</section>`;
}

/** Links to the nearest earlier and later days with articles. */
function dayNeighbours(name: string, h: SourceHistory, day: string): SafeHtml {
  let before: string | undefined;
  let after: string | undefined;
  for (const d of h.days) {
    if (d.day < day && (!before || d.day > before)) before = d.day;
    if (d.day > day && (!after || d.day < after)) after = d.day;
  }
  return html`<ul class="pager day-nav">
${before ? html`<li><a href="${sourceLink(name, { date: before })}" rel="prev">‹ ${formatDay(before)}</a></li>` : ''}
<li><a href="${sourceLink(name, { month: day.slice(0, 7) })}">cả ${formatMonth(day)}</a></li>
${after ? html`<li><a href="${sourceLink(name, { date: after })}" rel="next">${formatDay(after)} ›</a></li>` : ''}
</ul>`;
}
