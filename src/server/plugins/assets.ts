/**
 * Static assets under /static: our stylesheet and small scripts (src/server/static/), and uPlot
 * served straight from node_modules. Files are read once at start-up and served from memory with
 * a strong ETag; the browser revalidates cheaply.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { escapeHtml } from '../html.ts';

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function load(file: string): Asset {
  const body = readFileSync(file);
  return { body, type: TYPES[path.extname(file)] ?? 'application/octet-stream', etag: '"' + createHash('sha256').update(body).digest('base64url').slice(0, 16) + '"' };
}

function assetTable(): Map<string, Asset> {
  const here = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'static');
  const uplotDir = path.join(path.dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
  const files: Record<string, string> = {
    'style.css': path.join(here, 'style.css'),
    'suggest.js': path.join(here, 'suggest.js'),
    'trends.js': path.join(here, 'trends.js'),
    'favicon.svg': path.join(here, 'favicon.svg'),
    'uplot.min.js': path.join(uplotDir, 'uPlot.iife.min.js'),
    'uplot.min.css': path.join(uplotDir, 'uPlot.min.css'),
  };
  const table = new Map<string, Asset>();
  for (const [name, file] of Object.entries(files)) table.set(name, load(file));
  return table;
}

/**
 * The origin links that leave a page are built on: the configured public URL, else the address
 * the server listens on, else (listening on every interface) the local address this connection
 * reached. Never the request's Host header, which the client writes.
 */
export function siteOrigin(publicUrl: string | undefined, app: FastifyInstance, req: FastifyRequest): string {
  if (publicUrl) return new URL(publicUrl).origin;
  const addr = app.server.address();
  const listening = typeof addr === 'object' && addr ? addr : undefined;
  let host = listening?.address ?? req.socket.localAddress ?? '127.0.0.1';
  if (host === '0.0.0.0' || host === '::') host = req.socket.localAddress ?? '127.0.0.1';
  host = host.replace(/^::ffff:/, '');
  const port = listening?.port ?? req.socket.localPort;
  return `http://${host.includes(':') ? `[${host}]` : host}${port && port !== 80 ? `:${port}` : ''}`;
}

export async function assetRoutes(app: FastifyInstance, opts: { publicUrl?: string } = {}): Promise<void> {
  const assets = assetTable();
  app.get('/static/:name', { schema: { hide: true } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const a = assets.get(name);
    if (!a) return reply.callNotFound();
    reply.header('ETag', a.etag).header('Cache-Control', 'public, max-age=3600').type(a.type);
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.send(a.body);
  });
  app.get('/favicon.ico', { schema: { hide: true } }, async (_req, reply) => {
    const a = assets.get('favicon.svg')!;
    return reply.header('Cache-Control', 'public, max-age=86400').type(a.type).send(a.body);
  });
  app.get('/opensearch.xml', { schema: { hide: true } }, async (req, reply) => {
    const origin = escapeHtml(siteOrigin(opts.publicUrl, app, req));
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">
<ShortName>Tra</ShortName>
<Description>Tìm tin tức tiếng Việt</Description>
<InputEncoding>UTF-8</InputEncoding>
<Url type="text/html" template="${origin}/tim-kiem?q={searchTerms}"/>
<Url type="application/x-suggestions+json" template="${origin}/api/suggest?q={searchTerms}&amp;format=opensearch"/>
</OpenSearchDescription>
`;
    return reply.type('application/opensearchdescription+xml; charset=utf-8').send(xml);
  });
}
