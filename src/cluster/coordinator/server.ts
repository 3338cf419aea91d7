/**
 * The coordinator's HTTP server: the very routes of `tra serve` for /api/search, /api/trends and
 * /api/documents/:id (src/server/plugins/api.ts, same parameters, validation, errors and JSON),
 * backed by the cluster (cluster-search.ts), plus /healthz and /metrics of its own.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandlers } from '../../server/errors.ts';
import { apiRoutes } from '../../server/plugins/api.ts';
import type { Backend } from '../../server/backend.ts';
import type { ServerContext } from '../../server/context.ts';
import { Counter, Gauge, Histogram, Registry } from '../../server/metrics.ts';
import type { Pool } from '../pg/connect.ts';
import { ClusterSearch } from './cluster-search.ts';

export interface CoordinatorOptions {
  pool: Pool;
  timeoutMs?: number;
  hedgeMs?: number;
  logger?: boolean;
}

const LATENCY = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export async function buildCoordinator(o: CoordinatorOptions): Promise<{ app: FastifyInstance; search: ClusterSearch }> {
  const registry = new Registry();
  const requests = registry.add(new Counter('tra_coordinator_requests_total', 'HTTP requests answered, by route and status.'));
  const latency = registry.add(new Histogram('tra_coordinator_request_duration_seconds', 'Time to answer, by route.', LATENCY));
  const shardCalls = registry.add(new Counter('tra_coordinator_shard_calls_total', 'Calls to searchers, by outcome (ok, error, timeout, hedged).'));
  const partial = registry.add(new Counter('tra_coordinator_partial_answers_total', 'Answers marked partial (a shard did not answer).'));
  const shardRequests = registry.add(new Counter('tra_coordinator_shard_requests_total', 'Requests to shards (hedged copies not counted), by kind (stats, search) and shard.'));
  const statsCache = registry.add(new Counter('tra_coordinator_stats_cache_total', 'Shard statistics a query needed, answered from the cache (hit) or asked of the shard (miss).'));
  const search = new ClusterSearch({
    pool: o.pool,
    timeoutMs: o.timeoutMs,
    hedgeMs: o.hedgeMs,
    onShardCall: (outcome) => shardCalls.inc({ outcome }),
    onShardRequest: (kind, shard) => shardRequests.inc({ kind, shard }),
    onStatsCache: (outcome, n) => statsCache.inc({ outcome }, n),
  });
  registry.add(new Gauge('tra_coordinator_stats_cache_bytes', 'Bytes held by the statistics cache (estimated).', () => search.cache.bytes));
  registry.add(new Gauge('tra_coordinator_stats_cache_entries', 'Entries in the statistics cache.', () => search.cache.size));
  let shards = 0;
  let unserved = 0;
  registry.add(new Gauge('tra_coordinator_shards', 'Shards with published segments.', () => shards));
  registry.add(new Gauge('tra_coordinator_shards_unserved', 'Shards no live searcher serves.', () => unserved));

  const backend: Backend = {
    async search(req) {
      const r = await search.search(req);
      if (r.partial) partial.inc();
      return r;
    },
    async trends(req) {
      const r = await search.trends(req);
      if (r.partial) partial.inc();
      return r;
    },
    get: (id) => search.get(id) as Promise<never>,
    stats: () => search.stats(),
  };
  const app = Fastify({ logger: o.logger ?? false, requestTimeout: 30_000, return503OnClosing: true, forceCloseConnections: 'idle', routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 } });
  installErrorHandlers(app);
  const ctx: ServerContext = { backend, pageSize: 10, observeSearch: () => {} };
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    requests.inc({ route, status: String(reply.statusCode) });
    latency.observe({ route }, reply.elapsedTime / 1000);
  });
  await app.register(apiRoutes, { ctx });
  app.get('/healthz', async (_req, reply) => {
    try {
      const h = await search.health();
      const down = Object.entries(h.shards).filter(([, n]) => n === 0).map(([s]) => s);
      shards = Object.keys(h.shards).length;
      unserved = down.length;
      if (down.length) reply.code(503);
      return { status: down.length ? 'degraded' : 'ok', shards: h.shards, ...(down.length ? { message: `Không có máy tìm kiếm nào phục vụ phân mảnh ${down.join(', ')}: câu trả lời sẽ thiếu phần đó (partial).` } : {}) };
    } catch (e) {
      reply.code(503);
      return { status: 'error', message: `Không đọc được PostgreSQL: ${(e as Error).message}` };
    }
  });
  app.get('/metrics', async (_req, reply) => {
    try {
      const h = await search.health();
      shards = Object.keys(h.shards).length;
      unserved = Object.values(h.shards).filter((n) => n === 0).length;
    } catch {
      // the gauges keep their last values
    }
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(registry.render());
  });
  return { app, search };
}
