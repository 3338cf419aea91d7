/**
 * The article page (/bai/:id): the stored document as published, and, when the archive holds
 * several captures of its URL, every version with the word-level changes between them.
 */
import type { FastifyInstance } from 'fastify';
import type { PluginOptions, ServerContext } from '../context.ts';
import type { ArticleVersion, StoredDocument } from '../backend.ts';
import { html, type SafeHtml } from '../html.ts';
import { page } from '../layout.ts';
import { errorPage } from '../errors.ts';
import { formatDateTime } from '../format.ts';
import { wordDiff } from '../../archive/diff.ts';
import { link, safeHttpUrl, sourcePath } from '../urls.ts';

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function paragraphs(text: string): SafeHtml[] {
  return text
    .split(/\n\s*\n|\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => html`<p>${p}</p>`);
}

function diffHtml(a: string, b: string): SafeHtml {
  return html`${wordDiff(a, b).map((o) => (o.op === '=' ? o.text : o.op === '+' ? html`<ins>${o.text}</ins>` : html`<del>${o.text}</del>`))}`;
}

function versionsSection(versions: ArticleVersion[] | undefined, archived: boolean): SafeHtml {
  if (!archived) {
    return html`<section class="versions" aria-labelledby="versions-title"><h2 id="versions-title">Các phiên bản</h2>
<p class="note">Chỉ có một phiên bản: bài này được đưa vào chỉ mục trực tiếp, chưa qua kho lưu chiểu. Các phiên bản và chỗ sửa sẽ hiện ở đây khi kho lưu chiểu thu thập bài từ trang gốc.</p></section>`;
  }
  if (!versions || versions.length === 0) {
    return html`<section class="versions" aria-labelledby="versions-title"><h2 id="versions-title">Các phiên bản</h2>
<p class="note">Kho lưu chiểu chưa có bản chụp nào của địa chỉ này.</p></section>`;
  }
  const items = versions.map((v, i) => {
    const prev = i > 0 ? versions[i - 1] : undefined;
    const changes = prev
      ? html`<details${i === versions.length - 1 ? html` open` : ''}><summary>Thay đổi so với phiên bản ${i}</summary>
${prev.title !== v.title ? html`<p><strong>Tiêu đề:</strong></p><div class="diff">${diffHtml(prev.title, v.title)}</div>` : ''}
<p><strong>Nội dung:</strong></p><div class="diff">${prev.text === v.text ? html`<em>không đổi</em>` : diffHtml(prev.text, v.text)}</div>
</details>`
      : '';
    return html`<li><p>Phiên bản ${i + 1}, lưu lúc <time datetime="${v.captured}">${formatDateTime(v.captured)}</time>${i === 0 ? ' (bản đầu tiên)' : ''}: <em>${v.title}</em></p>${changes}</li>`;
  });
  return html`<section class="versions" aria-labelledby="versions-title"><h2 id="versions-title">Các phiên bản (${versions.length})</h2>
<p class="note">Mọi lần bài thay đổi sau khi đăng đều được lưu lại. <ins>Chữ thêm</ins>, <del>chữ bỏ</del>.</p>
<ol>${items}</ol></section>`;
}

async function loadVersions(ctx: ServerContext, url: string | undefined): Promise<{ archived: boolean; versions?: ArticleVersion[] }> {
  if (!url || !ctx.backend.versions) return { archived: false };
  const versions = await ctx.backend.versions(url);
  return { archived: versions.length > 0, versions };
}

function articleBody(doc: StoredDocument, versions: SafeHtml): SafeHtml {
  const title = str(doc.title) ?? str(doc.url) ?? doc.id;
  const source = str(doc.source);
  const published = str(doc.published);
  const category = str(doc.category);
  const url = safeHttpUrl(doc.url);
  const summary = str(doc.summary);
  const text = str(doc.text);
  return html`<article class="article" aria-labelledby="article-title">
<p class="meta">${source ? html`<a href="${sourcePath(source)}">${source}</a>` : ''}${published ? html`<time datetime="${published}">${formatDateTime(published)}</time>` : ''}${category ? html`<span>${category}</span>` : ''}</p>
<h1 id="article-title">${title}</h1>
${summary ? html`<p class="lead">${summary}</p>` : ''}
${text ? html`<div class="body">${paragraphs(text)}</div>` : ''}
<p class="meta">${url ? html`<a href="${url}" rel="noopener nofollow">Đọc bài gốc</a>` : ''}<a href="${link('/tim-kiem', { q: title })}">Tìm bài liên quan</a><a href="${`/api/documents/${encodeURIComponent(doc.id)}`}">Dữ liệu JSON</a></p>
${versions}
</article>`;
}

export async function articlePages(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  app.get('/bai/:id', {
    schema: { hide: true, params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 1000 } } } },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const doc = await ctx.backend.get(id);
    reply.type('text/html; charset=utf-8');
    if (!doc) {
      return reply.code(404).send(errorPage(404, 'Không tìm thấy bài', `Không có bài nào mang mã “${id}”. Có thể bài đã bị xoá khỏi chỉ mục.`, 'Hãy tìm lại bằng tiêu đề ở ô tìm kiếm phía trên.'));
    }
    const { archived, versions } = await loadVersions(ctx, str(doc.url));
    const title = str(doc.title) ?? doc.id;
    return reply.send(page({ title: `${title} — Tra`, body: articleBody(doc, versionsSection(versions, archived)), description: str(doc.summary) }));
  });
}
