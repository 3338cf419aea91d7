/**
 * Everyday keyword queries on the news-rss year: do the results contain what was asked, is the
 * total the true number of such articles, and is newest-first really newest first?
 *
 *   npx node bench/keyword-eval.ts [--baseline NAME=CMD ...] [--baselines-dir DIR] [--json]
 *   (npm run bench -- --parts keyword runs it with FTS5 and Lucene beside Tra)
 *
 * Queries: bench/keyword-queries.json (100 queries with the words a relevant article must
 * contain). Judging is by containment on the original text (title + summary): every `must`
 * word occurs with its syllables side by side, compared in the matching form (NFC, lower case,
 * one tone placement — src/vi), so tone placement and case aside.
 *
 * Measures, per system:
 * - P@10 as written; P@10 typed without marks (queries of 2+ syllables, judged against the
 *   intended accented words): the share of the first 10 hits that contain every `must` word;
 * - total vs true count: |total − true| / true, median over queries. Tra reports its total;
 *   the baselines report none, so their total is the number of hits they return with a limit
 *   of 20,000 (the size of their match set, "≥ 20,000" when cut);
 * - newest first (Tra only: the baseline adapters have no date order): the first two pages of
 *   10 by date equal the 20 newest truly matching documents, in order (time desc, ties by id).
 *
 * Tra runs in-process on an index it builds in the scratch folder (the engine API the CLI and
 * server call); baselines through the evaluation contract (`index`, `search --batch`).
 */
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { forEachToken } from '../src/vi/index.ts';
import { openEngine, type DocInput, type SearchRequest } from '../src/engine/index.ts';

interface Q {
  q: string;
  must: string[];
}
interface Doc {
  id: string;
  title?: string;
  text?: string;
  url?: string;
  published?: string;
  source?: string;
  category?: string;
}

const here = path.dirname(new URL(import.meta.url).pathname);
const args = process.argv.slice(2);
const opt = (name: string, def?: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const baselines: [string, string][] = [];
for (let i = 0; i < args.length; i++) if (args[i] === '--baseline') {
  const [n, ...c] = args[i + 1].split('=');
  baselines.push([n, c.join('=')]);
}
const dataDir = opt('--data-dir', path.join(here, '..', '..', 'shared', 'data', 'news-rss'))!;
const scratch = opt('--scratch', path.join(process.env.BENCH_SCRATCH ?? '/tmp/bench_scratch', 'keyword'))!;
const baselinesDir = opt('--baselines-dir', path.join(process.env.BENCH_SCRATCH ?? '/tmp/bench_scratch', 'baselines'))!;
const asJson = args.includes('--json');
const LIMIT_ALL = 20000;

if (!existsSync(dataDir)) {
  console.log(`keyword-eval: ${dataDir} not found (../shared/data absent): skipped`);
  process.exit(0);
}

const strip = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFC');

/** Matching-form tokens of a text, with the gap flag (punctuation before). */
function tokens(s: string): { norm: string[]; gap: boolean[] } {
  const norm: string[] = [];
  const gap: boolean[] = [];
  forEachToken(s, (n, _f, _a, _b, _t, g) => {
    norm.push(n);
    gap.push(g);
  });
  return { norm, gap };
}

async function readDocs(): Promise<Doc[]> {
  const files = readdirSync(dataDir).filter((f) => f.endsWith('.jsonl.gz')).sort();
  const seen = new Set<string>();
  const docs: Doc[] = [];
  for (const f of files) {
    const rl = createInterface({ input: createReadStream(path.join(dataDir, f)).pipe(createGunzip()), crlfDelay: Infinity });
    for await (const line of rl) {
      if (!line.trim()) continue;
      const o = JSON.parse(line) as Record<string, unknown>;
      const id = String(o.id);
      if (seen.has(id)) continue;
      seen.add(id);
      const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
      docs.push({ id, title: str(o.title), text: str(o.summary), url: str(o.link), published: str(o.published), source: str(o.source), category: str(o.category) });
    }
  }
  return docs;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const queries = (JSON.parse(readFileSync(path.join(here, 'keyword-queries.json'), 'utf8')) as { queries: Q[] }).queries;
  const t0 = performance.now();
  const docs = await readDocs();
  mkdirSync(scratch, { recursive: true });
  // The judge: an inverted index of matching forms, then a check of side-by-side syllables.
  const toks = docs.map((d) => tokens(`${d.title ?? ''}\n${d.text ?? ''}`));
  const post = new Map<string, number[]>();
  toks.forEach((t, i) => {
    for (const n of new Set(t.norm)) {
      let l = post.get(n);
      if (!l) post.set(n, (l = []));
      l.push(i);
    }
  });
  const contains = (di: number, word: string[]): boolean => {
    const { norm, gap } = toks[di];
    outer: for (let i = 0; i + word.length <= norm.length; i++) {
      for (let j = 0; j < word.length; j++) if (norm[i + j] !== word[j] || (j > 0 && gap[i + j])) continue outer;
      return true;
    }
    return false;
  };
  const byId = new Map(docs.map((d, i) => [d.id, i]));
  const judged = queries.map((q) => {
    const words = q.must.map((w) => tokens(w).norm);
    let cands: number[] | undefined;
    for (const w of words) for (const s of w) {
      const l = post.get(s) ?? [];
      if (!cands || l.length < cands.length) cands = l;
    }
    const rel = new Set((cands ?? []).filter((di) => words.every((w) => contains(di, w))));
    return { ...q, words, rel };
  });
  const relevant = (qi: number, id: string) => {
    const di = byId.get(id);
    return di !== undefined && judged[qi].rel.has(di);
  };
  const p10 = (qi: number, ids: string[]) => ids.slice(0, 10).filter((id) => relevant(qi, id)).length / 10;
  const multi = judged.map((j, i) => (j.words.flat().length >= 2 ? i : -1)).filter((i) => i >= 0);
  const prep = ((performance.now() - t0) / 1000).toFixed(1);

  type Row = { system: string; p10: number; p10Bare: number; totalErr: number; totalErrs: number[]; dateExact?: number; dateOf?: number; ms?: number; perQuery: unknown[] };
  const rows: Row[] = [];

  // Tra, in-process.
  {
    const dir = path.join(scratch, 'tra');
    rmSync(dir, { recursive: true, force: true });
    const e = await openEngine(dir);
    await e.add(docs as DocInput[]);
    if (process.env.TRA_ADJACENT_SHARE) e.weights.adjacentShare = Number(process.env.TRA_ADJACENT_SHARE);
    const per: unknown[] = [];
    const ps: number[] = [];
    const pb: number[] = [];
    const errs: number[] = [];
    let dateOk = 0;
    let dateN = 0;
    const times: number[] = [];
    judged.forEach((j, qi) => {
      const t = performance.now();
      const r = e.search({ query: j.q, limit: 10, snippets: false, stored: false } as SearchRequest);
      times.push(performance.now() - t);
      const ids = r.hits.map((h) => h.id);
      ps.push(p10(qi, ids));
      const err = j.rel.size ? Math.abs(r.total - j.rel.size) / j.rel.size : r.total === 0 ? 0 : 1;
      errs.push(err);
      // Newest first: two pages of 10 against the 20 newest truly matching documents.
      const truth = [...j.rel].map((di) => docs[di]).map((d) => ({ id: d.id, t: d.published ? Date.parse(d.published) : NaN }));
      truth.sort((a, b) => (Number.isNaN(b.t) ? -Infinity : b.t) - (Number.isNaN(a.t) ? -Infinity : a.t) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const want = truth.slice(0, 20).map((x) => x.id);
      const got = [0, 10].flatMap((offset) => e.search({ query: j.q, limit: 10, offset, sort: 'date', snippets: false, stored: false } as SearchRequest).hits.map((h) => h.id));
      const exact = want.length === got.length && want.every((id, i) => id === got[i]);
      if (j.rel.size) {
        dateN++;
        if (exact) dateOk++;
      }
      per.push({ q: j.q, true: j.rel.size, total: r.total, p10: ps.at(-1), date_exact: exact });
    });
    for (const qi of multi) {
      const r = e.search({ query: strip(judged[qi].q), limit: 10, snippets: false, stored: false } as SearchRequest);
      pb.push(p10(qi, r.hits.map((h) => h.id)));
    }
    const trendsEq = judged.filter((j) => e.trends({ query: j.q }).total === e.search({ query: j.q, limit: 0 }).total).length;
    e.close();
    rows.push({ system: 'tra', p10: avg(ps), p10Bare: avg(pb), totalErr: median(errs), totalErrs: errs, dateExact: dateOk, dateOf: dateN, ms: median(times), perQuery: per });
    (rows.at(-1) as Row & { trendsEqual?: string }).trendsEqual = `${trendsEq}/${judged.length}`;
  }

  // Baselines through the contract.
  for (const [name, cmd] of baselines) {
    const dir = path.join(scratch, name);
    rmSync(dir, { recursive: true, force: true });
    const file = path.join(scratch, 'docs.contract.jsonl');
    if (!existsSync(file)) {
      const out = createWriteStream(file);
      for (const d of docs) out.write(JSON.stringify(d) + '\n');
      await new Promise<void>((res) => out.end(res));
    }
    const sh = (c: string) => spawnSync('sh', ['-c', c], { cwd: baselinesDir, encoding: 'utf8', maxBuffer: 1 << 30 });
    const ix = sh(`${cmd} index --data ${dir} ${file}`);
    if (ix.status !== 0) {
      console.error(`keyword-eval: ${name} index failed: ${ix.stderr.slice(-400)}`);
      continue;
    }
    const batch = (qs: string[], limit: number): string[][] => {
      const qf = path.join(scratch, `${name}.queries.jsonl`);
      writeFileSync(qf, qs.map((q, i) => JSON.stringify({ id: String(i), query: q })).join('\n') + '\n');
      const r = sh(`${cmd} search --data ${dir} --limit ${limit} --batch ${qf}`);
      const out: string[][] = qs.map(() => []);
      for (const line of r.stdout.split('\n')) {
        if (!line.trim()) continue;
        const o = JSON.parse(line) as { id: string; hits: { id: string }[] };
        out[Number(o.id)] = o.hits.map((h) => h.id);
      }
      return out;
    };
    const top = batch(judged.map((j) => j.q), 10);
    const all = batch(judged.map((j) => j.q), LIMIT_ALL);
    const bare = batch(multi.map((qi) => strip(judged[qi].q)), 10);
    const ps = top.map((ids, qi) => p10(qi, ids));
    const errs = all.map((ids, qi) => (judged[qi].rel.size ? Math.abs(ids.length - judged[qi].rel.size) / judged[qi].rel.size : ids.length ? 1 : 0));
    rows.push({ system: name, p10: avg(ps), p10Bare: avg(bare.map((ids, k) => p10(multi[k], ids))), totalErr: median(errs), totalErrs: errs, perQuery: judged.map((j, qi) => ({ q: j.q, true: j.rel.size, total: all[qi].length, p10: ps[qi] })) });
  }

  const summary = {
    queries: judged.length,
    queries_without_marks: multi.length,
    documents: docs.length,
    judge_s: Number(prep),
    systems: rows.map((r) => ({
      system: r.system,
      p10_written: round(r.p10),
      p10_without_marks: round(r.p10Bare),
      total_median_rel_error: round(r.totalErr),
      date_order_exact: r.dateOf !== undefined ? `${r.dateExact}/${r.dateOf}` : 'n/a (no date order)',
      trends_total_equals_search_total: (r as { trendsEqual?: string }).trendsEqual ?? 'n/a',
      search_ms_p50: r.ms !== undefined ? round(r.ms) : undefined,
    })),
  };
  if (!asJson) {
    console.log(`| system | P@10 as written | P@10 without marks | total: median relative error | newest first exact | trends total = search total |`);
    console.log(`|---|---|---|---|---|---|`);
    for (const s of summary.systems) console.log(`| ${s.system} | ${s.p10_written} | ${s.p10_without_marks} | ${s.total_median_rel_error} | ${s.date_order_exact} | ${s.trends_total_equals_search_total} |`);
    const tra = rows.find((r) => r.system === 'tra');
    if (tra) {
      const worst = (tra.perQuery as { q: string; true: number; total: number; p10: number; date_exact: boolean }[]).filter((x) => x.true && Math.abs(x.total - x.true) / x.true > 0.05);
      console.log(`\nTra queries whose total is off by more than 5%: ${worst.map((x) => `${x.q} (${x.total} vs ${x.true})`).join('; ') || 'none'}`);
      const dates = (tra.perQuery as { q: string; date_exact: boolean; true: number }[]).filter((x) => x.true && !x.date_exact);
      console.log(`Tra queries whose newest-first pages differ from the truth: ${dates.map((x) => x.q).join('; ') || 'none'}`);
    }
  }
  writeFileSync(path.join(scratch, 'keyword-eval.json'), JSON.stringify({ summary, rows }, null, 1));
  console.log(JSON.stringify(summary));
}

function avg(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

await main();
