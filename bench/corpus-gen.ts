/**
 * A generated news corpus for the scaling benchmarks (issue #14): up to millions of NEW documents
 * made from the statistics of the news vocabulary — never copies of articles.
 *
 *   node_modules/.bin/node bench/corpus-gen.ts --docs 150000 [--seed 14] [--out FILE.jsonl.gz]
 *       [--from 2025-10-01] [--to 2026-03-31] [--body-sentences 3-10] [--no-gzip] [--json]
 *
 * What it learns from ../shared/data/news-rss (read, never copied):
 * - two interpolated bigram models over tokens (words with their inner marks, and punctuation):
 *   one from the titles, one from the summaries. A sequence is drawn from the bigram of the last
 *   token, except that with probability 0.15 the next token is drawn from the unigram
 *   distribution instead, which cuts every run of real text after a few words (a bigram chain
 *   alone would often retrace a whole headline). A drawn title or sentence equal to a real one
 *   (after lower-casing and dropping spaces) is drawn again; the count is reported;
 * - the joint distribution of (source, category) and each source's host name;
 * - per source, the time of day of `published` (as the feeds give it, +07:00), and the weight of
 *   each day of the week.
 *
 * What it writes: JSON Lines as `tra index` reads them (`id`, `title`, `summary`, `text`, `url`,
 * `published`, `source`, `category`), gzip-compressed by default, in publication order (news
 * arriving: every ingest batch of 1,000 lines falls in one or two quarters), ids hash-like and not
 * in input order. Every document is dated inside [from, to] (default: two calendar quarters,
 * 2025-Q4 and 2026-Q1, so a cluster has exactly two time shards of about a million documents
 * each at 2M, close to the quarter shards of the 50M-article model in docs/SCALE.md). `text` is
 * `--body-sentences` sentences drawn from the summary model (default 3–10: about 1.2 KB, a
 * quarter of a full article).
 *
 * Deterministic: the same seed and options give byte-identical output. Progress on stderr only
 * when it is a terminal; the last stdout line is one JSON object
 * `{"file", "docs", "bytes", "ms", "redrawn", ...}`.
 */
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { createGunzip, createGzip, constants as zc } from 'node:zlib';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { fold } from '../src/vi/index.ts';

export const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url)).replace(/\/$/, '');
const NEWS = join(DATA, 'news-rss');

/** A small seeded generator (mulberry32): the same seed gives the same run. */
export { rng } from '../src/observe/test-fixtures.ts';
import { rng } from '../src/observe/test-fixtures.ts';

// ---------------------------------------------------------------------------------------------
// Learning

const BOS = 0;
const EOS = 1;
/** Words (letters or digits, with inner marks such as 1-9, 2.000, 5%, COVID-19) or one punctuation mark. Quotes are dropped. */
const TOKEN = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:[-.,/%][\p{L}\p{N}\p{M}]+)*%?|[.,:;!?()…–-]/gu;

class Vocab {
  readonly ids = new Map<string, number>();
  readonly words: string[] = ['<s>', '</s>'];
  id(w: string): number {
    let i = this.ids.get(w);
    if (i === undefined) {
      i = this.words.length;
      this.words.push(w);
      this.ids.set(w, i);
    }
    return i;
  }
}

/** Bigram counts while learning (key = prev * 2^21 + next), then compacted to cumulative arrays. */
class BigramModel {
  private readonly counts = new Map<number, number>();
  private readonly uni = new Map<number, number>();
  sequences = 0;
  // Compacted:
  private offsets = new Int32Array(0);
  private next = new Int32Array(0);
  private cum = new Float64Array(0);
  private uniIds = new Int32Array(0);
  private uniCum = new Float64Array(0);

  add(ids: number[]): void {
    let prev = BOS;
    for (const id of [...ids, EOS]) {
      const k = prev * 2 ** 21 + id;
      this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
      this.uni.set(id, (this.uni.get(id) ?? 0) + 1);
      prev = id;
    }
    this.sequences++;
  }

  compact(vocabSize: number): void {
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    this.offsets = new Int32Array(vocabSize + 1);
    this.next = new Int32Array(keys.length);
    this.cum = new Float64Array(keys.length);
    let prevOf = -1;
    let run = 0;
    keys.forEach((k, i) => {
      const p = Math.floor(k / 2 ** 21);
      const n = k - p * 2 ** 21;
      if (p !== prevOf) {
        for (let q = prevOf + 1; q <= p; q++) this.offsets[q] = i;
        prevOf = p;
        run = 0;
      }
      run += this.counts.get(k)!;
      this.next[i] = n;
      this.cum[i] = run;
    });
    for (let q = prevOf + 1; q <= vocabSize; q++) this.offsets[q] = keys.length;
    const u = [...this.uni.entries()].filter(([id]) => id !== EOS).sort((a, b) => a[0] - b[0]);
    this.uniIds = Int32Array.from(u.map(([id]) => id));
    let c = 0;
    this.uniCum = Float64Array.from(u.map(([, n]) => (c += n)));
    this.counts.clear();
    this.uni.clear();
  }

  get bigrams(): number {
    return this.next.length;
  }

  private static pick(cum: Float64Array, from: number, to: number, r: number): number {
    // Cumulative counts restart at `from` (each previous token's run starts again at its first count).
    const target = r * cum[to - 1];
    let lo = from;
    let hi = to - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** A sequence of token ids (no BOS/EOS), at most `max` tokens. */
  draw(r: () => number, jump: number, max: number): number[] {
    const out: number[] = [];
    let prev = BOS;
    while (out.length < max) {
      let id: number;
      if (prev !== BOS && r() < jump) {
        // Unigram jump; ending is decided by the bigram of the previous token only.
        id = this.uniIds[BigramModel.pick(this.uniCum, 0, this.uniIds.length, r())];
      } else {
        const from = this.offsets[prev];
        const to = this.offsets[prev + 1];
        if (to <= from) break;
        id = this.next[BigramModel.pick(this.cum, from, to, r())];
      }
      if (id === EOS) break;
      out.push(id);
      prev = id;
    }
    return out;
  }
}

export interface Model {
  vocab: Vocab;
  titles: BigramModel;
  summaries: BigramModel;
  /** Lower-cased, space-free keys of every real title and summary: a draw equal to one is redrawn. */
  real: Set<string>;
  /** [source, category, weight]. */
  outlets: [string, string, number][];
  hosts: Map<string, string>;
  /** Per source: seconds after local (+07:00) midnight of real `published` times. */
  timesOfDay: Map<string, Int32Array>;
  /** Weight of each day of the week (0 = Sunday), from the real items' local dates. */
  weekday: number[];
  items: number;
  ms: number;
}

function tokens(vocab: Vocab, text: string): number[] {
  return (text.normalize('NFC').match(TOKEN) ?? []).map((w) => vocab.id(w));
}

const realKey = (s: string): string => s.normalize('NFC').toLowerCase().replace(/[\s"“”‘’'`]/g, '');

let learned: Promise<Model> | undefined;

/** Learns the model from news-rss (once per process). */
export function learn(): Promise<Model> {
  learned ??= learnNow();
  return learned;
}

async function learnNow(): Promise<Model> {
  const t0 = performance.now();
  if (!existsSync(NEWS)) throw new Error(`the news data are not at ${NEWS} (they sit beside the repository; a plain clone has none)`);
  const vocab = new Vocab();
  const titles = new BigramModel();
  const summaries = new BigramModel();
  const real = new Set<string>();
  const outletCount = new Map<string, number>();
  const hosts = new Map<string, string>();
  const tod = new Map<string, number[]>();
  const weekday = [0, 0, 0, 0, 0, 0, 0];
  let items = 0;
  for (const f of readdirSync(NEWS).filter((x) => x.endsWith('.jsonl.gz')).sort()) {
    const rl = createInterface({ input: createReadStream(join(NEWS, f)).pipe(createGunzip()), crlfDelay: Infinity });
    for await (const line of rl) {
      if (!line.trim()) continue;
      const d = JSON.parse(line) as { title?: string; summary?: string; source?: string; category?: string; published?: string; link?: string };
      items++;
      if (d.title) {
        titles.add(tokens(vocab, d.title));
        real.add(realKey(d.title));
      }
      if (d.summary) {
        summaries.add(tokens(vocab, d.summary));
        real.add(realKey(d.summary));
      }
      const source = d.source ?? 'Khác';
      const key = `${source}\u0000${d.category ?? ''}`;
      outletCount.set(key, (outletCount.get(key) ?? 0) + 1);
      if (d.link && !hosts.has(source)) {
        try {
          hosts.set(source, new URL(d.link).hostname);
        } catch { /* a bad link teaches nothing */ }
      }
      const t = d.published ? Date.parse(d.published) : NaN;
      if (Number.isFinite(t)) {
        const local = t / 1000 + 7 * 3600;
        const secs = ((local % 86_400) + 86_400) % 86_400;
        let a = tod.get(source);
        if (!a) tod.set(source, (a = []));
        a.push(Math.floor(secs));
        weekday[new Date(local * 1000).getUTCDay()]++;
      }
    }
  }
  titles.compact(vocab.words.length);
  summaries.compact(vocab.words.length);
  const outlets = [...outletCount.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, n]) => {
    const [s, c] = k.split('\u0000');
    return [s, c, n] as [string, string, number];
  });
  const timesOfDay = new Map([...tod.entries()].map(([s, a]) => [s, Int32Array.from(a.sort((x, y) => x - y))]));
  const mean = weekday.reduce((a, b) => a + b, 0) / 7;
  return { vocab, titles, summaries, real, outlets, hosts, timesOfDay, weekday: weekday.map((w) => w / mean), items, ms: Math.round(performance.now() - t0) };
}

// ---------------------------------------------------------------------------------------------
// Generating

const NO_SPACE_BEFORE = new Set([',', '.', ':', ';', '!', '?', ')', '…']);

function render(vocab: Vocab, ids: number[]): string {
  let s = '';
  let prev = '';
  for (const id of ids) {
    const w = vocab.words[id];
    if (s && !NO_SPACE_BEFORE.has(w) && prev !== '(') s += ' ';
    s += w;
    prev = w;
  }
  return s;
}

function capitalise(s: string): string {
  return s ? s[0].toLocaleUpperCase('vi') + s.slice(1) : s;
}

export interface CorpusOptions {
  docs: number;
  seed?: number;
  /** First and last day (YYYY-MM-DD, Vietnam time), inclusive. */
  from?: string;
  to?: string;
  /** Sentences of `text`: [min, max]. */
  bodySentences?: [number, number];
  /** Output file (default: a new temp dir's corpus.jsonl.gz). */
  out?: string;
  gzip?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface CorpusResult {
  file: string;
  docs: number;
  /** Bytes of the file as written (compressed when gzip). */
  bytes: number;
  /** Uncompressed JSON Lines bytes. */
  raw_bytes: number;
  /** Titles or sentences drawn again because they equalled a real one. */
  redrawn: number;
  drawn: number;
  from: string;
  to: string;
  seed: number;
  learn_ms: number;
  ms: number;
}

const JUMP = 0.15;

export async function generateCorpus(o: CorpusOptions): Promise<CorpusResult> {
  const t0 = performance.now();
  const m = await learn();
  const seed = o.seed ?? 14;
  const from = o.from ?? '2025-10-01';
  const to = o.to ?? '2026-03-31';
  const [bmin, bmax] = o.bodySentences ?? [3, 10];
  const gzip = o.gzip ?? true;
  const file = o.out ?? join(mkdtempSync(join(tmpdir(), 'tra-corpus-')), gzip ? 'corpus.jsonl.gz' : 'corpus.jsonl');
  const r = rng(seed);
  const dayMs = 86_400_000;
  const d0 = Date.parse(`${from}T00:00:00+07:00`);
  const d1 = Date.parse(`${to}T00:00:00+07:00`);
  if (!(d1 >= d0)) throw new Error(`--from ${from} must not be after --to ${to}`);
  const days = Math.round((d1 - d0) / dayMs) + 1;

  // Documents per day: the weekday weight times a little noise, allocated exactly to `docs`.
  const w = Array.from({ length: days }, (_, i) => m.weekday[new Date(d0 + i * dayMs + 7 * 3600_000).getUTCDay()] * (0.8 + 0.4 * r()));
  const wsum = w.reduce((a, b) => a + b, 0);
  const perDay = w.map((x) => Math.floor((x / wsum) * o.docs));
  let left = o.docs - perDay.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % days, left--) perDay[i]++;

  const outletCum: number[] = [];
  let oc = 0;
  for (const [, , n] of m.outlets) outletCum.push((oc += n));
  const pickOutlet = (): [string, string] => {
    const t = r() * oc;
    let lo = 0;
    let hi = outletCum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (outletCum[mid] > t) hi = mid;
      else lo = mid + 1;
    }
    return [m.outlets[lo][0], m.outlets[lo][1]];
  };
  let redrawn = 0;
  let drawn = 0;
  const fresh = (model: BigramModel, min: number, max: number): string => {
    for (let attempt = 0; ; attempt++) {
      const ids = model.draw(r, JUMP, max);
      if (ids.length < min && attempt < 20) continue;
      drawn++;
      const s = capitalise(render(m.vocab, ids));
      if (m.real.has(realKey(s)) && attempt < 20) {
        redrawn++;
        continue;
      }
      return s;
    }
  };

  const raw: Writable = createWriteStream(file);
  const gz = gzip ? createGzip({ level: zc.Z_BEST_SPEED }) : undefined;
  const sink: Writable = gz ?? raw;
  if (gz) gz.pipe(raw);
  let rawBytes = 0;
  let buf = '';
  const flush = async (): Promise<void> => {
    rawBytes += Buffer.byteLength(buf);
    if (!sink.write(buf)) await once(sink, 'drain');
    buf = '';
  };
  let n = 0;
  for (let day = 0; day < days; day++) {
    const k = perDay[day];
    // This day's documents: outlet, time of day; written in time order.
    const docs: { source: string; category: string; at: number }[] = [];
    for (let i = 0; i < k; i++) {
      const [source, category] = pickOutlet();
      const times = m.timesOfDay.get(source);
      const secs = times && times.length ? times[Math.floor(r() * times.length)] : Math.floor(r() * 86_400);
      docs.push({ source, category, at: d0 + day * dayMs + secs * 1000 });
    }
    docs.sort((a, b) => a.at - b.at);
    for (const d of docs) {
      const title = fresh(m.titles, 4, 30);
      const summary = fresh(m.summaries, 8, 70);
      const sentences = bmin + Math.floor(r() * (bmax - bmin + 1));
      const body: string[] = [];
      for (let s = 0; s < sentences; s++) body.push(fresh(m.summaries, 6, 70));
      const id = (Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0') + Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0')) + n.toString(16);
      const slug = fold(title).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
      const host = m.hosts.get(d.source) ?? 'bao.example.vn';
      const local = new Date(d.at + 7 * 3600_000).toISOString().slice(0, 19);
      const doc = {
        id, title, summary, text: body.join(' '),
        url: `https://${host}/${slug}-${id}.htm`,
        published: `${local}+07:00`,
        source: d.source,
        ...(d.category ? { category: d.category } : {}),
      };
      buf += JSON.stringify(doc) + '\n';
      if (buf.length > 1 << 20) await flush();
      n++;
      if ((n & 1023) === 0) o.onProgress?.(n, o.docs);
    }
  }
  await flush();
  sink.end();
  await once(raw, 'finish');
  o.onProgress?.(n, o.docs);
  return {
    file, docs: n, bytes: statSync(file).size, raw_bytes: rawBytes, redrawn, drawn, from, to, seed,
    learn_ms: m.ms, ms: Math.round(performance.now() - t0),
  };
}

/** A stderr progress line, only when stderr is a terminal. */
export function progressLine(label: string): ((done: number, total?: number) => void) & { end(): void } {
  const tty = Boolean(process.stderr.isTTY);
  let last = 0;
  const f = ((done: number, total?: number) => {
    if (!tty) return;
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    process.stderr.write(`\r${label} ${done.toLocaleString('en-US')}${total ? `/${total.toLocaleString('en-US')}` : ''}   `);
  }) as ((done: number, total?: number) => void) & { end(): void };
  f.end = () => {
    if (tty) process.stderr.write('\r\x1b[K');
  };
  return f;
}

// ---------------------------------------------------------------------------------------------
// Command line

const HELP = `node_modules/.bin/node bench/corpus-gen.ts --docs N [options]

  --docs N                 documents to generate (default 20000)
  --seed S                 seed (default 14): same seed and options, same bytes
  --out FILE               output file (default: a new temp dir's corpus.jsonl.gz)
  --from DATE --to DATE    publication days, Vietnam time (default 2025-10-01 .. 2026-03-31)
  --body-sentences A-B     sentences of each document's text (default 3-10)
  --no-gzip                plain JSON Lines
  --json                   print only the JSON line
`;

async function main(argv: string[]): Promise<number> {
  const o: CorpusOptions = { docs: 20_000 };
  let jsonOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--docs') o.docs = Number(v());
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--out') o.out = v();
    else if (a === '--from') o.from = v();
    else if (a === '--to') o.to = v();
    else if (a === '--body-sentences') {
      const [x, y] = v().split('-').map(Number);
      o.bodySentences = [x, y ?? x];
    } else if (a === '--no-gzip') o.gzip = false;
    else if (a === '--json') jsonOnly = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(HELP);
      return 0;
    } else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.docs) || o.docs < 1) throw new Error('--docs must be a positive integer');
  if (!existsSync(NEWS)) {
    process.stderr.write(`corpus-gen: skipped — the news data are not at ${NEWS} (a plain clone has none)\n`);
    return 0;
  }
  const p = progressLine('corpus-gen');
  const res = await generateCorpus({ ...o, onProgress: p });
  p.end();
  if (!jsonOnly) {
    const m = await learn();
    process.stdout.write(`learned from ${m.items.toLocaleString('en-US')} news-rss items in ${m.ms} ms: ${m.vocab.words.length.toLocaleString('en-US')} tokens, ` +
      `${m.titles.bigrams.toLocaleString('en-US')} title bigrams, ${m.summaries.bigrams.toLocaleString('en-US')} summary bigrams\n`);
    process.stdout.write(`wrote ${res.docs.toLocaleString('en-US')} documents to ${res.file} (${(res.bytes / 2 ** 20).toFixed(1)} MB, ${(res.raw_bytes / 2 ** 20).toFixed(1)} MB uncompressed) in ${res.ms} ms; ` +
      `${res.redrawn} of ${res.drawn} drawn titles/sentences equalled a real one and were drawn again\n`);
  }
  process.stdout.write(JSON.stringify(res) + '\n');
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`corpus-gen: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
