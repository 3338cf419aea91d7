/**
 * Story clusters on the real news-rss data, printed for labelling by hand.
 *
 *   cd /work/main && npx node bench/observe-clusters.ts --data DIR [--date D]... [--pairs N] [--threshold T]
 *
 * DIR is a data directory made by `tra index` from ../shared/data/news-rss/*.jsonl.gz. For each
 * date (default 2025-09-11 and 2026-03-10) it clusters the day's documents exactly as
 * `tra clusters` does and prints every story told by two outlets or more (VnExpress section feeds
 * count as VnExpress), numbered, with each member's outlet, delay and title: a person reads each
 * and marks it pure (every article reports the same event) or not. It then prints N (default 40)
 * cross-outlet pairs of the same day drawn deterministically among pairs with some lexical overlap
 * (idf-weighted cosine ≥ 0.15, so that same-story pairs are not vanishingly rare), with whether
 * the clustering put them together: a person marks each pair same story or not, which gives
 * pairwise precision and recall over such pairs. docs/OBSERVATORY.md reports the labels.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ObserveCounts, dayOfIso } from '../src/observe/counts.ts';
import { openDayDocs } from '../src/observe/day-docs.ts';
import { clusterStories, type ClusterDoc } from '../src/observe/clusters.ts';
import { observedText, termsOf } from '../src/observe/terms.ts';
import { repairPublished, parseTime } from '../src/ingest/timestamps.ts';
import { rng } from '../src/observe/test-fixtures.ts';

const args = process.argv.slice(2);
const dataIdx = args.indexOf('--data');
const DIR = dataIdx >= 0 ? args[dataIdx + 1] : undefined;
if (!DIR || !existsSync(join(DIR, 'observe.sqlite'))) {
  console.log('observe-clusters: skipped; give --data DIR, a data directory indexed from ../shared/data/news-rss and counted (run `tra emerging --data DIR --date ...` once)');
  process.exit(0);
}
const dates = args.flatMap((a, i) => (args[i - 1] === '--date' ? [a] : []));
if (dates.length === 0) dates.push('2025-09-11', '2026-03-10');
const pIdx = args.indexOf('--pairs');
const N_PAIRS = pIdx >= 0 ? Number(args[pIdx + 1]) : 40;
const tIdx = args.indexOf('--threshold');
const THRESHOLD = tIdx >= 0 ? Number(args[tIdx + 1]) : undefined;

const counts = new ObserveCounts(DIR, { readOnly: true });
const dd = openDayDocs(DIR, counts)!;
const N = counts.documents();
const dfCache = new Map<string, number>();
const df = (t: string) => dfCache.get(t) ?? dfCache.set(t, counts.documentFrequency(t)).get(t)!;
const outlet = (s: unknown) => String(s ?? '').replace(/\s+-\s+.*$/, '');
const rand = rng(42);

for (const date of dates) {
  const docs: ClusterDoc[] = dd.docsOn(dayOfIso(date)).map((x) => ({
    id: x.id, title: x.title, summary: x.summary, source: x.source, url: x.url ?? x.link, time: parseTime(repairPublished(x).published),
  }));
  const t0 = performance.now();
  const clusters = clusterStories(docs, { df, documents: N, threshold: THRESHOLD });
  const ms = performance.now() - t0;
  const multi = clusters.filter((c) => new Set(c.sources.map(outlet)).size >= 2);
  console.log(`\n# ${date}: ${docs.length} documents, ${clusters.length} clusters, ${multi.length} told by 2+ outlets (${multi.reduce((a, c) => a + c.size, 0)} documents), ${ms.toFixed(0)} ms`);
  multi.forEach((c, i) => {
    console.log(`C${i + 1} [${c.size}] ${outlet(c.first.source)}: ${c.first.title}`);
    for (const f of c.followers) console.log(`      +${f.delayMinutes}m ${outlet(f.source)}: ${f.title}`);
  });
  // Pairs.
  const clusterOf = new Map<string, number>();
  clusters.forEach((c, i) => {
    clusterOf.set(c.first.id, i);
    for (const f of c.followers) clusterOf.set(f.id, i);
  });
  const vecs = docs.map((d) => {
    const terms = [...termsOf(observedText({ title: d.title, summary: d.summary }))];
    const w = new Map(terms.map((t) => [t, Math.log((N + 1) / (df(t) + 1))]));
    const norm = Math.sqrt([...w.values()].reduce((a, x) => a + x * x, 0));
    return { w, norm };
  });
  const cands: [number, number, number][] = [];
  for (let i = 0; i < docs.length; i++) {
    for (let j = i + 1; j < docs.length; j++) {
      if (outlet(docs[i].source) === outlet(docs[j].source)) continue;
      let dot = 0;
      for (const [t, x] of vecs[i].w) dot += x * (vecs[j].w.get(t) ?? 0);
      const cos = vecs[i].norm && vecs[j].norm ? dot / (vecs[i].norm * vecs[j].norm) : 0;
      if (cos >= 0.15) cands.push([i, j, cos]);
    }
  }
  console.log(`\n## ${date}: ${cands.length} cross-outlet pairs with cosine ≥ 0.15; sample of ${Math.min(N_PAIRS, cands.length)}:`);
  for (let k = 0; k < N_PAIRS && cands.length > 0; k++) {
    const [i, j, cos] = cands.splice(Math.floor(rand() * cands.length), 1)[0];
    const together = clusterOf.get(docs[i].id) === clusterOf.get(docs[j].id);
    console.log(`P${k + 1} cos ${cos.toFixed(2)} ${together ? 'TOGETHER' : 'apart   '} | ${String(docs[i].title).slice(0, 75)} || ${String(docs[j].title).slice(0, 75)}`);
  }
}
dd.close();
counts.close();
