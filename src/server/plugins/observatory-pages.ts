/**
 * The observatory's place in the web application (/quan-sat). Emerging issues, bursts and
 * alerts come from src/observe (a later stage); when it lands, this plugin renders them and the
 * home page's observatory box links here. Until then the page says what will be here and points
 * to what already works.
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../html.ts';
import { page } from '../layout.ts';

export async function observatoryPages(app: FastifyInstance): Promise<void> {
  app.get('/quan-sat', { schema: { hide: true } }, async (_req, reply) => {
    const body = html`<h1>Đài quan sát</h1>
<p>Đài quan sát đo sự chú ý của báo chí: những vấn đề đang nổi lên so với mức thường ngày của chúng, câu chuyện lan từ nguồn nào sang nguồn nào, dự báo ngắn hạn và cảnh báo khi một chủ đề tăng vọt.</p>
<p class="note">Phần này đang được xây dựng. Hiện đã có: <a href="/xu-huong">xu hướng theo thời gian</a> của bất kỳ từ khoá nào, tải về dạng CSV và JSON.</p>`;
    return reply.type('text/html; charset=utf-8').send(page({ title: 'Đài quan sát — Tra', body, nav: 'observatory' }));
  });
}
