/**
 * The realistic query mix of the web benchmarks (seeded, reproducible), read from ../shared/data
 * (never copied here):
 * - 75% fragments of real headlines from news-rss: 1, 2 or 3 consecutive words, as people
 *   type them into a search box;
 * - 25% real questions (UIT-ViNewsQA and UIT-ViCoV19QA dev queries);
 * - 40% of either with every diacritic removed.
 * Suggestions are prefixes of the fragments (the last word cut after 1-4 letters).
 */
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fold, tokenize } from '../src/vi/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DATA = path.resolve(ROOT, '..', 'shared', 'data');

/** A small seeded generator (mulberry32): the same seed gives the same run. */
export { rng } from '../src/observe/test-fixtures.ts';
import { rng } from '../src/observe/test-fixtures.ts';

async function headlines(limit: number): Promise<string[]> {
  const dir = path.join(DATA, 'news-rss');
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.jsonl.gz')).sort()) {
    const rl = createInterface({ input: createReadStream(path.join(dir, f)).pipe(createGunzip()), crlfDelay: Infinity });
    let n = 0;
    for await (const line of rl) {
      // Every 7th line of each month: spread over the whole year.
      if (n++ % 7 !== 0) continue;
      const t = (JSON.parse(line) as { title?: string }).title;
      if (t) out.push(t);
      if (out.length >= limit) break;
    }
  }
  return out;
}

function questions(): string[] {
  const out: string[] = [];
  for (const set of ['vinewsqa-dev', 'vicov19qa-dev']) {
    const f = path.join(DATA, 'retrieval', set, 'queries.jsonl');
    for (const line of readFileSync(f, 'utf8').split('\n')) if (line.trim()) out.push((JSON.parse(line) as { text: string }).text);
  }
  return out;
}

export async function queryMix(n: number): Promise<{ search: string[]; suggest: string[] }> {
  const r = rng(20251124);
  const titles = await headlines(20_000);
  const qs = questions();
  const search: string[] = [];
  const suggest: string[] = [];
  while (search.length < n) {
    let q: string;
    if (r() < 0.25) {
      q = qs[Math.floor(r() * qs.length)];
    } else {
      const words = tokenize(titles[Math.floor(r() * titles.length)]).filter((t) => t.type === 'word').map((t) => t.text);
      if (words.length === 0) continue;
      const len = 1 + Math.floor(r() * 3);
      const start = Math.floor(r() * Math.max(1, words.length - len + 1));
      q = words.slice(start, start + len).join(' ');
      const last = words[start + len - 1] ?? words[words.length - 1];
      const cut = Math.min(last.length, 1 + Math.floor(r() * 4));
      suggest.push((words.slice(start, start + len - 1).concat(last.slice(0, cut))).join(' '));
    }
    if (r() < 0.4) q = fold(q);
    search.push(q);
  }
  return { search, suggest: suggest.map((s) => (r() < 0.5 ? fold(s) : s)) };
}
