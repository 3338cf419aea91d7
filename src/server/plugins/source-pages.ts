/**
 * Sources: /nguon lists every outlet with its number of articles; /nguon/:name shows one outlet,
 * its latest articles (paginated) and a search box limited to it.
 */
import type { FastifyInstance } from 'fastify';
import type { PluginOptions } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { errorPage } from '../errors.ts';
import { formatDateTime, formatNumber } from '../format.ts';
import { articlePath, link, sourcePath } from '../urls.ts';
import { MAX_OFFSET } from '../schemas.ts';

export async function sourcePages(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  app.get('/nguon', { schema: { hide: true } }, async (_req, reply) => {
    const list = ctx.backend.sources ? await ctx.backend.sources() : [];
    const body = html`<h1>Nguồn tin</h1>
${list.length
    ? html`<p class="summary">${formatNumber(list.length)} nguồn, xếp theo số bài đã lập chỉ mục.</p>
<ul class="source-list">${list.map((s) => html`<li><a href="${sourcePath(s.value)}">${s.value}</a> <span class="note">${formatNumber(s.count)} bài</span></li>`)}</ul>`
    : html`<p>Chưa có nguồn tin nào. Hãy lập chỉ mục bằng <code>tra index</code> hoặc thu thập bằng <code>tra crawl</code>.</p>`}`;
    return reply.type('text/html; charset=utf-8').send(page({ title: 'Nguồn tin — Tra', body, nav: 'sources' }));
  });

  app.get('/nguon/:name', {
    schema: {
      hide: true,
      params: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } },
      querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 1, maximum: Math.floor(MAX_OFFSET / 20) + 1, default: 1 } } },
    },
  }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const { page: pageNo = 1 } = req.query as { page?: number };
    const all = ctx.backend.sources ? await ctx.backend.sources() : [];
    const known = all.find((s) => s.value === name);
    reply.type('text/html; charset=utf-8');
    if (!known) {
      return reply.code(404).send(errorPage(404, 'Không có nguồn tin này', `Chưa có bài nào của nguồn “${name}” trong chỉ mục.`, 'Xem danh sách ở trang Nguồn tin.'));
    }
    const size = 20;
    const latest = ctx.backend.browse ? await ctx.backend.browse({ sources: [name], limit: size, offset: (pageNo - 1) * size }) : undefined;
    const pages = latest ? Math.min(Math.ceil(latest.total / size), Math.floor(MAX_OFFSET / size) + 1) : 0;
    const body = html`<h1>${name}</h1>
<p class="summary">${formatNumber(known.count)} bài đã lập chỉ mục · <a href="${link('/nguon')}">mọi nguồn tin</a></p>
<form class="searchbox" role="search" action="/tim-kiem" method="get">
<label for="q-source" class="visually-hidden">Tìm trong ${name}</label>
<input type="search" id="q-source" name="q" placeholder="Tìm trong ${name}" maxlength="2000" data-suggest>
<input type="hidden" name="source" value="${name}">
<button type="submit">Tìm</button>
</form>
<h2>Bài mới nhất</h2>
${latest && latest.hits.length
    ? html`<ol class="hits">${latest.hits.map((h) => html`<li class="hit"><h3><a href="${articlePath(h.id)}">${h.title || h.id}</a></h3><p class="meta">${h.published ? html`<time datetime="${h.published}">${formatDateTime(h.published)}</time>` : ''}</p></li>`)}</ol>
<nav aria-label="Phân trang"><ul class="pager">
${pageNo > 1 ? html`<li><a href="${link(sourcePath(name), { page: pageNo > 2 ? pageNo - 1 : undefined })}" rel="prev">‹ Mới hơn</a></li>` : ''}
<li><span aria-current="page">Trang ${pageNo}</span></li>
${pageNo < pages ? html`<li><a href="${link(sourcePath(name), { page: pageNo + 1 })}" rel="next">Cũ hơn ›</a></li>` : ''}
</ul></nav>`
    : html`<p class="note">Chưa liệt kê được bài mới nhất của nguồn này.</p>`}`;
    return reply.send(page({ title: `${name} — Nguồn tin — Tra`, body, nav: 'sources' }));
  });
}
