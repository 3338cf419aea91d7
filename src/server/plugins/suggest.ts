/**
 * Search-as-you-type: GET /api/suggest?q=PREFIX → completions from the index. Also answers in
 * the OpenSearch suggestions format (`format=opensearch`) so browsers can use Tra as a search
 * engine with suggestions.
 */
import type { FastifyInstance } from 'fastify';
import type { PluginOptions } from '../context.ts';
import { errorResponse } from '../schemas.ts';

export async function suggestRoutes(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  app.get('/api/suggest', {
    schema: {
      summary: 'Gợi ý khi đang gõ (hoàn thành tiền tố)',
      description: 'Có dấu hay không dấu đều được. Trả lời trong vài mili giây.',
      tags: ['tìm kiếm'],
      querystring: {
        type: 'object',
        required: ['q'],
        properties: {
          q: { type: 'string', maxLength: 200, description: 'Phần đã gõ.' },
          limit: { type: 'integer', minimum: 1, maximum: 20, default: 8 },
          format: { type: 'string', enum: ['json', 'opensearch'], default: 'json' },
        },
      },
      response: {
        200: {
          type: 'object',
          required: ['query', 'suggestions'],
          properties: {
            query: { type: 'string' },
            suggestions: { type: 'array', items: { type: 'object', required: ['text'], properties: { text: { type: 'string' }, count: { type: 'integer' } } } },
          },
        },
        400: errorResponse,
      },
    },
  }, async (req, reply) => {
    const { q, limit, format } = req.query as { q: string; limit: number; format: 'json' | 'opensearch' };
    const prefix = q.trim() === '' ? '' : q.replace(/^\s+/, '');
    const suggestions = prefix && ctx.backend.suggest ? await ctx.backend.suggest(prefix, limit) : [];
    reply.header('Cache-Control', 'public, max-age=60');
    if (format === 'opensearch') {
      return reply.type('application/x-suggestions+json; charset=utf-8').serializer(JSON.stringify).send([q, suggestions.map((s) => s.text)]);
    }
    return { query: q, suggestions };
  });
}
