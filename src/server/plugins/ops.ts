/**
 * Operations: /healthz for load balancers and supervisors, /metrics for Prometheus (requests by
 * route and status, latency histograms, index size, memory), and the hooks that measure every
 * request. Routes are labelled by their pattern (/bai/:id), never by the raw URL, so the number
 * of series stays small.
 */
import type { FastifyInstance } from 'fastify';
import type { PluginOptions } from '../context.ts';
import { Counter, Gauge, Histogram, Registry } from '../metrics.ts';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Install on the root instance (not as an encapsulated plugin) so the hooks see every route. */
export function installOps(app: FastifyInstance, { ctx }: PluginOptions): void {
  const registry = new Registry();
  const started = Date.now();
  const requests = registry.add(new Counter('tra_http_requests_total', 'HTTP requests answered, by method, route and status code.'));
  const latency = registry.add(new Histogram('tra_http_request_duration_seconds', 'Time to answer an HTTP request, by route.', LATENCY_BUCKETS));
  const searches = registry.add(new Histogram('tra_search_duration_seconds', 'Engine time per search (took_ms), all search routes.', LATENCY_BUCKETS));
  let documents: number | undefined;
  registry.add(new Gauge('tra_index_documents', 'Live documents in the index (as of the last scrape).', () => documents));
  registry.add(new Gauge('tra_process_resident_memory_bytes', 'Resident set size of the server process.', () => process.memoryUsage.rss()));
  registry.add(new Gauge('tra_process_heap_used_bytes', 'V8 heap in use.', () => process.memoryUsage().heapUsed));
  registry.add(new Gauge('tra_process_uptime_seconds', 'Seconds since the server started.', () => (Date.now() - started) / 1000));

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    latency.observe({ route }, reply.elapsedTime / 1000);
  });
  ctx.observeSearch = (ms: number) => searches.observe({}, ms / 1000);

  // The truth about the server: 503 when the index cannot be read or when a pool of worker
  // threads has none able to answer (all dead and waiting to be replaced); each pool's workers
  // are listed either way, so a supervisor sees crashes and restarts.
  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    const workers = ctx.backend.health ? ctx.backend.health() : undefined;
    const uptime_s = Math.round((Date.now() - started) / 1000);
    let stats;
    try {
      stats = await ctx.backend.stats();
    } catch (err) {
      reply.code(503);
      return { status: 'error', message: `Không đọc được chỉ mục: ${(err as Error).message}`, ...(workers ? { workers } : {}), uptime_s };
    }
    const warm = ctx.backend.warm ? ctx.backend.warm() : true;
    const down = Object.entries(workers ?? {}).filter(([, h]) => !h.able).map(([name]) => name);
    if (down.length > 0) {
      reply.code(503);
      const names = down.map((n) => (n === 'search' ? 'tìm kiếm' : n === 'observatory' ? 'đài quan sát' : n)).join(', ');
      return { status: 'error', message: `Không còn luồng ${names} nào trả lời được; máy chủ đang khởi động lại chúng.`, documents: stats.documents, warm, workers, uptime_s };
    }
    return { status: 'ok', documents: stats.documents, warm, ...(workers ? { workers } : {}), uptime_s };
  });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    try {
      documents = (await ctx.backend.stats()).documents;
    } catch {
      documents = undefined;
    }
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(registry.render());
  });
}
