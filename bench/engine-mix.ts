/**
 * The web benchmark's query mix (query-mix.ts) run in-process on one engine handle, without
 * HTTP: CPU per search by kind of query (fragment or question, with or without marks), with
 * snippets as /api/search asks for them. Shows where the server's time per request goes.
 *
 *   npx node bench/engine-mix.ts --data /tmp/web_bench [--queries 3000] [--snippets 1]
 *   (add --cpu-prof to node's flags for a profile)
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openEngine } from '../src/engine/index.ts';
import { fold } from '../src/vi/index.ts';
import { DATA, queryMix } from './query-mix.ts';

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

const dataDir = arg('data');
const n = Number(arg('queries', '3000'));
const snippets = arg('snippets', '1') !== '0';
if (!dataDir || !existsSync(path.join(dataDir, 'store.sqlite'))) {
  process.stderr.write('engine-mix: cần --data DIR đã lập chỉ mục\n');
  process.exit(2);
}
if (!existsSync(DATA)) {
  process.stderr.write(`engine-mix: bỏ qua, không có ${DATA}\n`);
  process.exit(0);
}

const mix = await queryMix(n);
const engine = await openEngine(dataDir, { readOnly: true });
const kind = (q: string): string => {
  const question = q.split(/\s+/).length > 3;
  const bare = fold(q) === q;
  return (question ? 'question' : 'fragment') + (bare ? ' (no marks)' : '');
};
// Warm up the JIT and the page cache on a different slice than the one measured.
for (const q of mix.search.slice(0, 300)) engine.search({ query: q, limit: 10, snippets });
const times = new Map<string, number[]>();
const all: number[] = [];
for (const q of mix.search) {
  const t0 = performance.now();
  engine.search({ query: q, limit: 10, snippets });
  const ms = performance.now() - t0;
  all.push(ms);
  const k = kind(q);
  if (!times.has(k)) times.set(k, []);
  times.get(k)!.push(ms);
}
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const line = (name: string, xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  process.stdout.write(`${name.padEnd(22)} n=${String(xs.length).padStart(5)}  mean ${mean.toFixed(2)}  p50 ${pct(xs, 50).toFixed(2)}  p90 ${pct(xs, 90).toFixed(2)}  p99 ${pct(xs, 99).toFixed(2)}  max ${pct(xs, 100).toFixed(1)} ms\n`);
};
for (const [k, xs] of [...times].sort()) line(k, xs);
line('all', all);
engine.close();
