/**
 * The observatory (src/observe): /quan-sat shows, for one day, the issues whose attention rose
 * furthest above their own baseline and the stories several outlets covered (first publisher
 * and followers); /api/emerging and /api/clusters give the same as JSON (`tra emerging --json`).
 * The daily counts are caught up on a worker thread when the server starts; until then both say
 * so and ask to come back shortly.
 */
import type { FastifyInstance } from 'fastify';
import type { PluginOptions, ServerContext } from '../context.ts';
import type { ObservatoryView } from '../backend.ts';
import { html, type SafeHtml } from '../html.ts';
import { page } from '../layout.ts';
import { formatDateTime, formatNumber } from '../format.ts';
import { articlePath, link, sourcePath } from '../urls.ts';
import { errorResponse } from '../schemas.ts';
import { boundDay } from '../../observe/bounds.ts';

const DAY = { type: 'string', format: 'date', description: 'Ngày (YYYY-MM-DD, giờ Việt Nam); mặc định: ngày cuối có dữ liệu.' } as const;
const OPTIONAL_DAY = { type: 'string', pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' } as const;

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
  if (!range) return html`<p>Chưa có bài nào có ngày đăng để quan sát. Hãy lập chỉ mục bằng <code>tra index</code> hoặc thu thập bằng <code>tra crawl</code>.</p>`;
  const date = requested ?? range.last;
  const [em, cl] = await Promise.all([o.emerging(date, 20), o.clusters(date, 12)]);
  const inRange = date >= range.first && date <= range.last;
  return html`${dateForm(date, range)}
<p class="note">Dữ liệu từ ${range.first} đến ${range.last}. ${date > range.first ? html`<a href="${link('/quan-sat', { date: shiftDay(date, -1) })}">‹ ngày trước</a>` : ''} ${date < range.last ? html`<a href="${link('/quan-sat', { date: shiftDay(date, 1) })}">ngày sau ›</a>` : ''}</p>
<section aria-labelledby="em-title">
<h2 id="em-title">Vấn đề nổi lên ngày ${date}</h2>
${!inRange
    ? html`<p>Không có dữ liệu cho ngày này.</p>`
    : em.items.length === 0
      ? html`<p>Không có từ nào tăng vọt rõ rệt so với mức thường ngày của nó.</p>`
      : html`<table><caption class="visually-hidden">Các vấn đề nổi lên, xếp theo điểm</caption>
<thead><tr><th scope="col">Vấn đề</th><th scope="col" class="num">Số bài</th><th scope="col" class="num">Mức thường</th><th scope="col" class="num">Điểm</th><th scope="col">Theo thời gian</th></tr></thead>
<tbody>${em.items.map((it) => html`<tr><td><a href="${link('/tim-kiem', { q: it.label, from: date, to: date })}">${it.label}</a></td><td class="num">${formatNumber(it.count)}</td><td class="num">${it.baseline.toFixed(1).replace('.', ',')}</td><td class="num">${it.score.toFixed(1).replace('.', ',')}</td><td><a href="${link('/xu-huong', { q: it.label, from: shiftDay(date, -30), to: date })}">xu hướng</a></td></tr>`)}</tbody>
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
${c.followers.length ? html`<details><summary>Các báo đưa sau</summary><ul>${c.followers.map((f) => html`<li><a href="${articlePath(f.id)}">${f.title}</a> — ${f.source}, sau ${formatNumber(f.delayMinutes)} phút${f.nearDuplicate ? ' (gần như nguyên văn)' : ''}</li>`)}</ul></details>` : ''}
</li>`)}</ol>`}
</section>`;
}

/** The saved searches and their latest events (plugins/alerts.ts has the API). */
function alertsSection(ctx: ServerContext): SafeHtml | '' {
  const svc = ctx.backend.alerts;
  if (!svc) return '';
  let list;
  let recent;
  try {
    list = svc.list();
    const last = svc.lastEventId();
    recent = svc.eventsSince(Math.max(0, last - 50), 50).slice(-10).reverse();
  } catch {
    return '';
  }
  return html`<section aria-labelledby="al-title">
<h2 id="al-title">Cảnh báo đã lưu</h2>
${list.length === 0
    ? html`<p>Chưa có cảnh báo nào. Tạo bằng <code>tra alerts add</code> hoặc <code>POST /api/alerts</code>.</p>`
    : html`<table><caption class="visually-hidden">Các cảnh báo đã lưu</caption>
<thead><tr><th scope="col">Tên</th><th scope="col">Truy vấn</th><th scope="col">Điều kiện</th><th scope="col">Trạng thái</th></tr></thead>
<tbody>${list.map((a) => html`<tr><td>${a.name}</td><td><a href="${link('/xu-huong', { q: a.query })}">${a.query}</a></td><td>${a.kind === 'threshold' ? `≥ ${formatNumber(a.value)} bài/ngày` : `nổi lên, điểm ≥ ${formatNumber(a.value)}`}${a.webhook ? ' · webhook' : ''}</td><td>${a.inEpisode ? html`<strong>đang báo</strong>` : 'yên'}</td></tr>`)}</tbody>
</table>`}
${recent.length
    ? html`<h3>Sự kiện gần đây</h3><ul>${recent.map((e) => html`<li>${e.day}: ${e.type === 'start' ? 'bắt đầu' : 'kết thúc'} “${e.name}” — ${formatNumber(e.count)} bài${e.score !== undefined ? `, điểm ${e.score}` : ''}</li>`)}</ul>`
    : ''}
<p class="note">Máy chủ xét các cảnh báo định kỳ; sự kiện đến qua webhook có chữ ký, luồng <a href="/api/docs">/api/alerts/stream</a> (server-sent events) và <code>tra alerts events</code>.</p>
</section>`;
}

export async function observatoryPages(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  app.get('/quan-sat', { schema: { hide: true, querystring: { type: 'object', properties: { date: OPTIONAL_DAY } } } }, async (req, reply) => {
    const { date } = req.query as { date?: string };
    // A real day in the plausible window, or a 400 page saying which field and what to do.
    if (date) boundDay(date, 'date', 'page');
    const o = viewOf(ctx);
    const content = o
      ? await body(o, date || undefined)
      : html`<p role="status">${new NotReady().message}</p><p class="note">Trong lúc chờ, hãy xem <a href="/xu-huong">xu hướng</a> của bất kỳ từ khoá nào theo thời gian.</p>`;
    return reply.type('text/html; charset=utf-8').send(page({
      title: 'Đài quan sát — Tra',
      body: html`<h1>Đài quan sát</h1>
<p>Đo sự chú ý của báo chí: những vấn đề đang nổi lên so với mức thường ngày của chúng, và câu chuyện lan từ báo nào sang báo nào.</p>
${content}
${alertsSection(ctx)}`,
      nav: 'observatory',
    }));
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
            items: { type: 'array', items: { type: 'object', additionalProperties: true, required: ['label', 'score', 'count', 'baseline'], properties: { label: { type: 'string' }, score: { type: 'number' }, count: { type: 'integer' }, baseline: { type: 'number' }, terms: { type: 'array', items: { type: 'string' } } } } },
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
