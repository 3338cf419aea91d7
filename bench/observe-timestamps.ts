/**
 * The evidence behind the timestamp repairs of src/ingest/timestamps.ts, measured on the real
 * news-rss collection (../shared/data/news-rss, outside the repository).
 *
 *   cd /work/main && npx node bench/observe-timestamps.ts
 *
 * Per source it prints: how many items each rule repaired; the lag from `published` to the
 * collector's `fetched` before and after repair (an item cannot be fetched before it is
 * published, so a lag floor of exactly 7 h means the labels are 7 h early); the hour-of-day
 * profile of publication before and after (newsrooms are quiet between midnight and 5 am
 * Vietnam time); for Thanh Niên, the CMS time in the URL against `published`; and the number of
 * articles listed twice under different URL forms (canonicalArticleKey).
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readJsonl } from '../src/observe/jsonl.ts';
import { repairPublished, parseTime, urlTimestamp, canonicalArticleKey } from '../src/ingest/timestamps.ts';

const RSS = fileURLToPath(new URL('../../shared/data/news-rss/', import.meta.url));
if (!existsSync(RSS)) {
  console.log(`observe-timestamps: skipped, evaluation data not found at ${RSS} (it lives outside the repository)`);
  process.exit(0);
}
const files = readdirSync(RSS).filter((f) => f.endsWith('.jsonl.gz')).sort().map((f) => RSS + f);

interface Acc {
  n: number;
  reasons: Map<string, number>;
  lagBefore: number[];
  lagAfter: number[];
  hourBefore: number[];
  hourAfter: number[];
  urlMinusPub: number[];
}
const by = new Map<string, Acc>();
const keys = new Map<string, number>();
const HOUR = 3_600_000;
const vnHour = (ms: number) => new Date(ms + 7 * HOUR).getUTCHours();

for await (const d of readJsonl(files)) {
  const src = String(d.source ?? '?');
  let a = by.get(src);
  if (!a) {
    a = { n: 0, reasons: new Map(), lagBefore: [], lagAfter: [], hourBefore: new Array(24).fill(0), hourAfter: new Array(24).fill(0), urlMinusPub: [] };
    by.set(src, a);
  }
  a.n++;
  const r = repairPublished(d);
  const reason = r.repaired ?? 'kept';
  a.reasons.set(reason, (a.reasons.get(reason) ?? 0) + 1);
  const p = parseTime(d.published);
  const q = r.published ? parseTime(r.published) : NaN;
  const f = parseTime(d.fetched);
  if (Number.isFinite(p) && Number.isFinite(f)) a.lagBefore.push((f - p) / HOUR);
  if (Number.isFinite(q) && Number.isFinite(f)) a.lagAfter.push((f - q) / HOUR);
  if (Number.isFinite(p)) a.hourBefore[vnHour(p)]++;
  if (Number.isFinite(q)) a.hourAfter[vnHour(q)]++;
  const link = String(d.link ?? d.url ?? '');
  const u = urlTimestamp(link);
  if (Number.isFinite(u) && Number.isFinite(p) && link.includes('thanhnien.vn')) a.urlMinusPub.push((u - p) / HOUR);
  if (link) {
    const k = canonicalArticleKey(link);
    keys.set(k, (keys.get(k) ?? 0) + 1);
  }
}

function quantiles(xs: number[]): string {
  if (xs.length === 0) return '-';
  const s = xs.slice().sort((x, y) => x - y);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2);
  return `min ${q(0)} · p1 ${q(0.01)} · p5 ${q(0.05)} · median ${q(0.5)} · p95 ${q(0.95)} (h, n=${s.length})`;
}
const profile = (h: number[]) => {
  const tot = h.reduce((x, y) => x + y, 0) || 1;
  const night = h.slice(0, 5).reduce((x, y) => x + y, 0) / tot;
  return `00-05h share ${(100 * night).toFixed(1)}% · by hour ${h.map((x) => Math.round((100 * x) / tot)).join(' ')}`;
};

for (const [src, a] of [...by].sort((x, y) => y[1].n - x[1].n)) {
  console.log(`\n## ${src} (${a.n} items)`);
  console.log('repairs:', Object.fromEntries(a.reasons));
  console.log('fetched − published, as given :', quantiles(a.lagBefore));
  console.log('fetched − published, repaired :', quantiles(a.lagAfter));
  console.log('hours as given   :', profile(a.hourBefore));
  console.log('hours repaired   :', profile(a.hourAfter));
  if (a.urlMinusPub.length) {
    const within = a.urlMinusPub.filter((x) => x > 0 && x <= 7.05).length / a.urlMinusPub.length;
    console.log('URL CMS time − published:', quantiles(a.urlMinusPub), `· in (0, 7h]: ${(100 * within).toFixed(1)}%`);
  }
}
let dupKeys = 0;
let dupItems = 0;
for (const n of keys.values()) if (n > 1) {
  dupKeys++;
  dupItems += n - 1;
}
console.log(`\narticles listed under more than one URL: ${dupKeys} (extra items: ${dupItems})`);
