/**
 * What the social benches share: the generated directory (bench/social-gen.ts), the real server
 * on loopback (buildServer with the social plugin, no search workers), readers' tokens and
 * session cookies, a timed request loop, the machine's load, and the results files.
 *
 * Rising stories: the generator's eight story words and 40 article URLs stand in for the
 * observatory (no observe.sqlite is needed). The feed service keeps the server's defaults
 * (rankings per reader and the shared work kept two minutes); a line measured "computed" empties
 * those caches before each request (outside the timed part), so every request ranks from nothing.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildServer } from '../src/server/app.ts';
import { openEngineBackend } from '../src/server/engine-backend.ts';
import { openEngine } from '../src/engine/index.ts';
import { createSocialContext, type SocialContext } from '../src/social/http.ts';
import { configureFeeds, feedsOf, type FeedService } from '../src/social/feeds/service.ts';
import { configurePostIndex, postIndexOf } from '../src/social/search/services.ts';
import type { PostIndex } from '../src/social/search/post-index.ts';
import type { RisingStory } from '../src/social/feeds/rising.ts';
import { generate, STORY_URLS, STORY_WORDS } from './social-gen.ts';

export interface BenchServer {
  base: string;
  social: SocialContext;
  index: PostIndex;
  feeds: FeedService;
  /** Bearer tokens of 100 readers (u0, u7, u14…). */
  tokens: string[];
  /** Session cookies of the same readers. */
  cookies: string[];
  /** Their account ids, in the same order. */
  readers: string[];
  /** Notes for the report (generation and catch-up times). */
  notes: string[];
  close(): Promise<void>;
}

export const READERS = 100;

export function loadavg(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

export function machine(): Record<string, unknown> {
  return { nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? '?', mem_gib: Math.round(os.totalmem() / 2 ** 30 * 10) / 10, node: process.version, loadavg: loadavg() };
}

/** The directory (generated when it has no social.sqlite), the server on loopback, readers, the post index caught up. */
export async function startBench(dir: string): Promise<BenchServer> {
  const notes: string[] = [];
  if (!existsSync(path.join(dir, 'social.sqlite'))) {
    const g = generate(dir, { accounts: 1000, posts: 100_000, follows: 200, days: 90 });
    notes.push(`generated social.sqlite in ${(g.ms / 1000).toFixed(1)} s`);
    console.log(JSON.stringify({ name: 'generate social.sqlite', ms: g.ms }));
  }
  if (!existsSync(path.join(dir, 'store.sqlite'))) (await openEngine(dir)).close();
  const backend = await openEngineBackend(dir, { workers: 0 });
  let base = '';
  const social = createSocialContext({ dataDir: dir, origin: () => base });
  const date = new Date().toISOString().slice(0, 10);
  const stories: RisingStory[] = STORY_WORDS.map((w, i) => ({ label: w, terms: [w], urls: STORY_URLS.slice(i * 5, i * 5 + 5), date }));
  configureFeeds(social, { rising: () => stories });
  configurePostIndex(social, { pollMs: 0 });
  const app = await buildServer({ logger: false, rateLimit: { max: 0, windowMs: 60_000 }, backend, social: { dataDir: dir, origin: () => base, context: social } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  const t0 = performance.now();
  const index = await postIndexOf(social);
  await index.ready;
  await index.catchUp();
  const ms = Math.round(performance.now() - t0);
  notes.push(`post index caught up in ${(ms / 1000).toFixed(1)} s (${index.documents()} posts)`);
  console.log(JSON.stringify({ name: 'post index catch-up', ms, documents: index.documents() }));
  const feeds = feedsOf(social, () => postIndexOf(social));
  const cli = social.store.oauth.ownApp('bench');
  const tokens: string[] = [];
  const cookies: string[] = [];
  const readers: string[] = [];
  for (let i = 0; i < READERS; i++) {
    const id = social.store.accounts.local(`u${i * 7}`)!.id;
    readers.push(id);
    tokens.push(social.store.oauth.createToken({ appId: cli.id, accountId: id, scopes: ['read'] }).token);
    cookies.push(`tra_phien=${social.store.sessions.create(id).id}`);
  }
  return {
    base, social, index, feeds, tokens, cookies, readers, notes,
    async close() {
      await app.close();
      social.store.close();
      await backend.close();
    },
  };
}

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

export interface Line {
  name: string;
  n: number;
  p50: number;
  p99: number;
  max: number;
  /** Items per answer (JSON) or KB per page (HTML). */
  avg: number;
  /** The 1-minute load average when the line ended. */
  load: number;
}

export interface RunOptions {
  /** Reader i's credentials: bearer token (API) or session cookie (pages). */
  as: 'token' | 'cookie' | 'none';
  html?: boolean;
  /** Before each request, outside the timed part (e.g. empty the caches). */
  before?: (i: number) => void;
  warmup?: number;
}

/** `n` requests one after another (after `warmup` unmeasured ones), readers in turn; whole exchange timed. */
export async function run(b: BenchServer, name: string, n: number, url: (i: number) => string, o: RunOptions): Promise<Line> {
  const times: number[] = [];
  let sum = 0;
  const warm = o.warmup ?? 20;
  for (let i = -warm; i < n; i++) {
    const k = Math.abs(i);
    o.before?.(k);
    const headers: Record<string, string> = {};
    if (o.as === 'token') headers.authorization = `Bearer ${b.tokens[k % b.tokens.length]}`;
    if (o.as === 'cookie') headers.cookie = b.cookies[k % b.cookies.length];
    const start = performance.now();
    const r = await fetch(b.base + url(k), { headers, redirect: 'manual' });
    const text = await r.text();
    const t = performance.now() - start;
    if (r.status !== 200) throw new Error(`${name}: ${r.status} ${text.slice(0, 200)}`);
    if (i < 0) continue;
    times.push(t);
    if (o.html) sum += Buffer.byteLength(text) / 1024;
    else {
      const body = JSON.parse(text) as unknown;
      sum += Array.isArray(body) ? body.length : ((body as { statuses?: unknown[] }).statuses?.length ?? 0);
    }
  }
  const line: Line = { name, n, p50: +pct(times, 0.5).toFixed(1), p99: +pct(times, 0.99).toFixed(1), max: +Math.max(...times).toFixed(1), avg: +(sum / n).toFixed(1), load: loadavg()[0] };
  console.log(JSON.stringify(line));
  return line;
}

/** Empty the feed service's caches: the next request ranks from nothing. */
export function forget(b: BenchServer): void {
  b.feeds.clearCaches();
}

/** bench/results/<bench>-<stamp>.json and .md, and <bench>-latest.md. */
export function writeResults(bench: string, title: string, command: string, lines: Line[], notes: string[], started: string): string {
  const stamp = started.replace(/[-:]/g, '').replace(/\.\d+Z$/, '').replace('T', 'T');
  const dir = path.join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const m = machine();
  const json = { bench, started, finished: new Date().toISOString(), command, machine: m, lines, notes };
  writeFileSync(path.join(dir, `${bench}-${stamp}.json`), JSON.stringify(json, null, 2) + '\n');
  const md: string[] = [`# ${title}`, ''];
  md.push(`${started} → ${json.finished}; ${String(m.nproc)} × ${String(m.cpu)}, ${String(m.mem_gib)} GiB; Node ${String(m.node)}; load average at the end ${(m.loadavg as number[]).join(' / ')} (${String(m.nproc)} cores: above ${String(m.nproc)} the machine was shared).`);
  md.push(`Command: \`${command}\`.`, '');
  md.push('| request | n | p50 ms | p99 ms | max ms | items or KB | load (1 min) |', '|---|---|---|---|---|---|---|');
  for (const l of lines) md.push(`| ${l.name} | ${l.n} | ${l.p50} | ${l.p99} | ${l.max} | ${l.avg} | ${l.load} |`);
  md.push('');
  for (const n of notes) md.push(`- ${n}`);
  const text = md.join('\n') + '\n';
  writeFileSync(path.join(dir, `${bench}-${stamp}.md`), text);
  writeFileSync(path.join(dir, `${bench}-latest.md`), text);
  return path.join(dir, `${bench}-${stamp}.md`);
}
