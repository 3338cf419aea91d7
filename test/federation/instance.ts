/**
 * One Tra federation on a real loopback HTTP server, for tests: fastify with the federation
 * plugin and an HTML page of its own at /users/:name (to show content negotiation), backed by a
 * MemorySocial. The HTTP server listens before fastify is built, so the origin (with its port) is
 * known when the federation is created; a restart can listen on the same port again.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { createExponentialBackoffPolicy } from '@fedify/fedify';
import { createTraFederation, type TraFederation } from '../../src/social/federation/federation.ts';
import { federationPlugin } from '../../src/social/federation/fastify-adapter.ts';
import { MemorySocial } from './memory-social.ts';

export interface Instance {
  origin: string;
  port: number;
  social: MemorySocial;
  fed: TraFederation;
  app: FastifyInstance;
  server: http.Server;
  errors: string[];
  /** Stops HTTP, then the federation (queues and file). */
  stop(): Promise<void>;
}

export async function startInstance(file: string, o: { port?: number; social?: MemorySocial; bodyLimit?: number } = {}): Promise<Instance> {
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const social = o.social ?? new MemorySocial();
  const errors: string[] = [];
  const fed = createTraFederation({
    file,
    origin,
    allowPrivateAddresses: true,
    actors: social,
    posts: social,
    inbox: social,
    deliveryFailures: social,
    instance: social,
    queue: { pollIntervalMs: 100 },
    outboxRetryPolicy: createExponentialBackoffPolicy({ initialDelay: { milliseconds: 200 }, maxDelay: { seconds: 1 }, maxAttempts: 30, jitter: false }),
    onError: (e, where) => errors.push(`${where}: ${e.message}`),
  });
  const app = Fastify({ logger: false });
  await app.register(federationPlugin, { federation: fed.federation, origin, bodyLimit: o.bodyLimit });
  app.get('/users/:name', async (req, reply) => {
    const name = (req.params as { name: string }).name;
    if (!social.accounts.has(name)) return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><title>Không tìm thấy</title>');
    return reply.type('text/html; charset=utf-8').send(`<!doctype html><title>${name}</title>`);
  });
  await app.ready();
  server.on('request', (req, res) => app.routing(req, res));
  return {
    origin,
    port,
    social,
    fed,
    app,
    server,
    errors,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      await fed.close();
    },
  };
}
