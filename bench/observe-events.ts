/**
 * Emerging issues judged against real events of the news-rss year (issue #12, measurement).
 *
 *   node_modules/.bin/node bench/observe-events.ts [--data DIR] [--json] [--seed N]
 *
 * 1. Without --data, indexes ../shared/data/news-rss with `tra index --repair-dates` into a fresh
 *    scratch directory (os.tmpdir()/tra-observe-events); with --data, uses that directory as it is.
 * 2. Opens the observatory through the product's own path (`openObservatory`, as `tra emerging`
 *    does). The first call — opening (which catches the daily counts up with the store, i.e. builds
 *    them on a fresh directory) plus the first `emerging` — is timed on its own: it is the "first
 *    call after tra index". Every later `emerging` call is a warm call; their median is reported.
 * 3. For each event of bench/observe-events.json: the rank (1-based) of the first item of
 *    `emerging(first_day, {limit: 10})` whose label or terms contain one of the event's `match`
 *    phrases (on word boundaries, in the matching form: lower case, one tone placement), the same
 *    for the day after, and whether an item matches 7 days before the first day (it should not).
 *    Recall@10 on the first day, within two days (first day or the day after), and the count of
 *    events listed a week early.
 * 4. Ten ordinary days, drawn with a seeded generator among the days of normal collection that
 *    have 56 days of history and no event of the list within ±2 days. Each day's top 10 items are
 *    printed (label, count, outlets, a headline) for a human to read, and judged by a rule:
 *    - an item's documents are the engine's hits for its label on that day
 *      (`engine.search({query: '"label"', from: day, to: day, limit: 200})`, as a phrase; when
 *      that finds nothing, the label's words, then its lead term);
 *    - two items tell the same story when their documents overlap by at least half of the smaller
 *      set (overlap coefficient ≥ 0.5), or when at least half of one item's documents (title and
 *      snippet) name the other's label or one of its first three terms of two syllables or more
 *      (a lone syllable such as "thị" is everywhere; a pair can still join two stories wrongly,
 *      as "cấp nhà" of a state visit and of a state funeral) — in both cases at least two
 *      documents, since one digest article ("Điểm tin 6h") names several stories; stories are
 *      the connected groups;
 *    - an item is a real story when its documents come from at least 2 outlets (VnExpress
 *      sections count as one outlet) and number at least 2, and — when its label is everyday
 *      language, found by the engine on at least 40% of the year's collected days ("tiền mặt",
 *      "tôn vinh", "Malaysia") — its documents hold a common thread: a pair of words (terms.ts)
 *      with a syllable outside the label, no number, that at least 40% of them (and two outlets)
 *      mention in their title or snippet, far more often than chance (as many documents drawn
 *      at random from that day would mention it that often with probability under 1e-4,
 *      binomial tail). Without the thread, an everyday
 *      word that several unrelated articles happened to use ("tiền mặt", "quy tụ", "tôn vinh")
 *      would count as a story although a reader sees no story in it (a stricter rule than the
 *      first version of this bench, which counted those as real);
 *    - distinct-real share = (groups holding at least one real item) / (items listed). A story
 *      listed twice, a fragment no second outlet carries, or an item that finds no document all
 *      count against it. The rule is a proxy; the printed list is there to check it.
 * 5. Sizes: observe.sqlite (the observatory's derived data) against store.sqlite.
 *
 * Prints a markdown report and, last, one JSON line. Skips cleanly when the data are absent.
 */
import { existsSync, readFileSync, readdirSync, rmSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { openObservatory, outletOf } from '../src/observe/observatory.ts';
import { dayOfIso, isoOfDay } from '../src/observe/counts.ts';
import { rng } from '../src/observe/test-fixtures.ts';
import { openEngine } from '../src/engine/index.ts';
import { normalizeForMatch } from '../src/vi/normalize.ts';
import type { EmergingItem } from '../src/observe/emerging.ts';
import { termsOf } from '../src/observe/terms.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const RSS = fileURLToPath(new URL('../../shared/data/news-rss/', import.meta.url));
const args = process.argv.slice(2);
const argOf = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const JSON_ONLY = args.includes('--json');
const SEED = Number(argOf('--seed') ?? 12);
const LIMIT = 10;
let DATA = argOf('--data');

const say = (s: string) => {
  if (!JSON_ONLY) console.log(s);
};

if (!DATA && !existsSync(RSS)) {
  console.log(`observe-events: skipped, evaluation data not found at ${RSS} (it lives outside the repository)`);
  process.exit(0);
}
if (DATA && !existsSync(join(DATA, 'store.sqlite'))) {
  console.error(`observe-events: ${DATA} has no store.sqlite (make it with tra index --repair-dates)`);
  process.exit(2);
}

interface Event {
  id: string;
  kind: string;
  name: string;
  event_date: string;
  source: string;
  first_day: string;
  query: string;
  match: string[];
}
const events: Event[] = JSON.parse(readFileSync(join(REPO, 'bench', 'observe-events.json'), 'utf8')).events;

// 1. Index ------------------------------------------------------------------------------------
let indexS: number | undefined;
if (!DATA) {
  DATA = join(tmpdir(), 'tra-observe-events');
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  const files = readdirSync(RSS).filter((f) => f.endsWith('.jsonl.gz')).sort().map((f) => join(RSS, f));
  say(`indexing ${files.length} files of news-rss into ${DATA} (tra index --repair-dates) …`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'tra.js'), 'index', '--data', DATA, '--repair-dates', ...files], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  indexS = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    console.error(`observe-events: tra index failed (${r.status})`);
    process.exit(1);
  }
  say(`indexed in ${indexS.toFixed(1)} s: ${r.stdout.trim()}`);
}
const dir = DATA;

// 2. First call, then warm calls ---------------------------------------------------------------
const t0 = performance.now();
const obs = openObservatory(dir);
const openMs = performance.now() - t0;
const range = obs.range();
if (!range) {
  console.error('observe-events: no dated documents');
  process.exit(1);
}
const t1 = performance.now();
obs.emerging(range.last, { limit: LIMIT });
const firstCallS = (performance.now() - t0) / 1000;
const firstEmergingMs = performance.now() - t1;
say(`first call after tra index: ${firstCallS.toFixed(1)} s (opening and catching up the counts ${(openMs / 1000).toFixed(1)} s: ${obs.sync.counted ?? '?'} documents counted${obs.sync.rebuilt ? ', rebuilt' : ''}; first emerging ${firstEmergingMs.toFixed(0)} ms)`);

const warm: number[] = [];
const cache = new Map<string, EmergingItem[]>();
function emerging(date: string): EmergingItem[] {
  let items = cache.get(date);
  if (!items) {
    const t = performance.now();
    items = obs.emerging(date, { limit: LIMIT }).items;
    warm.push(performance.now() - t);
    cache.set(date, items);
  }
  return items;
}

const shift = (date: string, n: number) => isoOfDay(dayOfIso(date) + n);
// Matching form, punctuation as spaces; a dot inside a token goes ("U.22" = "u22", "TP.HCM" = "tphcm").
const padded = (s: string) => ` ${normalizeForMatch(s).replace(/(\w)\.(\w)/gu, '$1$2').replace(/[-–_/.,:;!?"'()]+/g, ' ').replace(/\s+/g, ' ').trim()} `;
function matches(item: EmergingItem, ev: Event): boolean {
  const hay = [item.label, ...(item.terms ?? [])].map(padded);
  return ev.match.some((m) => {
    const needle = padded(m);
    return hay.some((h) => h.includes(needle));
  });
}
const rankOf = (items: EmergingItem[], ev: Event) => {
  const i = items.findIndex((it) => matches(it, ev));
  return i < 0 ? null : i + 1;
};
const labelAt = (items: EmergingItem[], r: number | null) => (r === null ? undefined : items[r - 1].label);

// 3. Events -------------------------------------------------------------------------------------
interface Row {
  id: string;
  kind: string;
  name: string;
  first_day: string;
  rank_first: number | null;
  rank_next: number | null;
  week_early: number | null;
  /** Labels of the matching items (first day, day after, a week before). */
  hits: (string | undefined)[];
  items_first: string[];
  items_next: string[];
}
const rows: Row[] = [];
for (const ev of events) {
  const a = emerging(ev.first_day);
  const b = emerging(shift(ev.first_day, 1));
  const w = emerging(shift(ev.first_day, -7));
  const [ra, rb, rw] = [rankOf(a, ev), rankOf(b, ev), rankOf(w, ev)];
  rows.push({
    id: ev.id,
    kind: ev.kind,
    name: ev.name,
    first_day: ev.first_day,
    rank_first: ra,
    rank_next: rb,
    week_early: rw,
    hits: [labelAt(a, ra), labelAt(b, rb), labelAt(w, rw)],
    items_first: a.map((x) => x.label),
    items_next: b.map((x) => x.label),
  });
}
const n = rows.length;
const hitFirst = rows.filter((r) => r.rank_first !== null).length;
const hitTwo = rows.filter((r) => r.rank_first !== null || r.rank_next !== null).length;
const early = rows.filter((r) => r.week_early !== null).length;
const kinds = new Map<string, { n: number; first: number; two: number }>();
for (const r of rows) {
  const k = kinds.get(r.kind) ?? { n: 0, first: 0, two: 0 };
  k.n++;
  if (r.rank_first !== null) k.first++;
  if (r.rank_first !== null || r.rank_next !== null) k.two++;
  kinds.set(r.kind, k);
}

// 4. Ordinary days ------------------------------------------------------------------------------
const engine = await openEngine(dir, { readOnly: true });
const first = dayOfIso(range.first) + 56;
const last = dayOfIso(range.last);
const eventDays = events.map((e) => dayOfIso(e.first_day));
const covered = obs.counts.coverage(first, last);
const pool: number[] = [];
for (let d = first; d <= last; d++) if (covered[d - first] && !eventDays.some((e) => Math.abs(e - d) <= 2)) pool.push(d);
const rand = rng(SEED);
const picked: number[] = [];
while (picked.length < 10 && pool.length > 0) picked.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
picked.sort((x, y) => x - y);

interface DayItem {
  label: string;
  count: number;
  docs: number;
  outlets: string[];
  headline: string;
  real: boolean;
  /** Share of the year's collected days on which the label occurs (everyday language from 0.4). */
  everyday: number;
  /** For an everyday label: the term its documents share besides it, if any (see threadOf). */
  thread?: string;
  story: number;
  terms: string[];
}
interface OrdinaryDay {
  date: string;
  items: DayItem[];
  stories: number;
  real_stories: number;
}
/**
 * The common thread of an item's documents (see 4. above): the term outside the label mentioned
 * by the most of them, if at least 40% (and two outlets) do, far more often than chance;
 * undefined when there is none.
 */
function threadOf(label: string, hits: { source?: unknown; title?: unknown; snippet?: unknown }[], day: number): string | undefined {
  if (hits.length < 2) return undefined;
  const own = new Set(padded(label).trim().split(' '));
  const byTerm = new Map<string, { n: number; outlets: Set<string> }>();
  for (const h of hits) {
    for (const t of termsOf(`${h.title ?? ''} . ${h.snippet ?? ''}`)) {
      // A pair of words, not a lone syllable (a syllable is part of too many words to be a
      // thread: "đạo" of "đạo diễn" and "lãnh đạo") nor a number.
      const words = t.split(' ');
      if (words.length < 2 || words.some((w) => /^[\d.,-]+$/.test(w)) || words.every((w) => own.has(padded(w).trim()))) continue;
      const e = byTerm.get(t) ?? byTerm.set(t, { n: 0, outlets: new Set() }).get(t)!;
      e.n++;
      e.outlets.add(outletOf(h.source));
    }
  }
  const dayTotal = obs.counts.totals(day, day)[0] || 1;
  let best: { term: string; n: number } | undefined;
  for (const [term, e] of byTerm) {
    if (e.n < Math.max(2, 0.4 * hits.length) || e.outlets.size < 2) continue;
    const inDay = Math.max(e.n, obs.counts.series(term, day, day)[0]);
    // Far more common among them than chance allows: drawing this many documents from the day
    // at random would bring the term this often with probability under 1 in 10,000.
    if (binomialTail(e.n, hits.length, Math.min(1, inDay / dayTotal)) > 1e-4) continue;
    if (!best || e.n > best.n) best = { term, n: e.n };
  }
  return best?.term;
}

/** A label found on at least this share of the collected days of the year is everyday language. */
const EVERYDAY = 0.4;
const collected = covered.reduce((s, x) => s + x, 0);
/** The share of collected days (first + 56 … last) on which the engine finds `query`. */
function everydayShare(query: string): number {
  const tr = engine.trends({ query, interval: 'day', from: isoOfDay(first), to: isoOfDay(last) });
  let days = 0;
  for (const b of tr.buckets) if (b.count > 0 && covered[dayOfIso(b.start) - first]) days++;
  return collected ? days / collected : 0;
}

/** P(X ≥ k) for X ~ Binomial(n, p). */
function binomialTail(k: number, n: number, p: number): number {
  if (p >= 1) return 1;
  let term = Math.pow(1 - p, n); // P(X = 0)
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return Math.max(0, 1 - below);
}

const ordinary: OrdinaryDay[] = [];
for (const d of picked) {
  const date = isoOfDay(d);
  const items = emerging(date);
  const sets: Set<string>[] = [];
  const texts: string[][] = [];
  const leads: string[][] = [];
  const out: DayItem[] = [];
  for (const it of items) {
    // The label as a phrase first (a long query may otherwise match on some of its words only).
    const phrase = `"${it.label.replace(/"/g, ' ')}"`;
    let res = engine.search({ query: phrase, from: date, to: date, limit: 200, snippets: true });
    if (res.hits.length === 0) res = engine.search({ query: it.label, from: date, to: date, limit: 200, snippets: true });
    if (res.hits.length === 0 && it.terms?.length) res = engine.search({ query: it.terms[0], from: date, to: date, limit: 200, snippets: true });
    const outlets = [...new Set(res.hits.map((h) => outletOf(h.source)))];
    sets.push(new Set(res.hits.map((h) => h.id)));
    texts.push(res.hits.map((h) => padded(`${h.title ?? ''} ${h.snippet ?? ''}`)));
    leads.push([it.label, ...(it.terms ?? []).slice(0, 3).filter((t) => t.includes(' '))].map(padded));
    const daily = everydayShare(phrase);
    const thread = daily >= EVERYDAY ? threadOf(it.label, res.hits, d) : undefined;
    const real = res.hits.length >= 2 && outlets.length >= 2 && (daily < EVERYDAY || thread !== undefined);
    out.push({ label: it.label, count: it.count, docs: res.hits.length, outlets, headline: res.hits[0]?.title ?? '', real, everyday: +daily.toFixed(2), thread, story: -1, terms: (it.terms ?? []).slice(0, 5) });
  }
  // Union-find over overlapping items.
  const parent = out.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      const a = sets[i];
      const b = sets[j];
      const small = Math.max(1, Math.min(a.size, b.size));
      let inter = 0;
      for (const x of a) if (b.has(x)) inter++;
      // Same documents, or one item's documents mostly naming the other's label or first terms
      // ("hương vị" under "Ngày của Phở", "Đền" under "giỗ Tổ Hùng Vương").
      // At least two documents either way: one document is no evidence, since digests ("Điểm
      // tin 6h", "Xem nhanh 12h") mention several stories at once and joined a state visit with
      // a yacht auction, or the Hormuz strait with a land deal, when the items had 2 documents.
      const names = (x: number, y: number) => texts[x].length > 0 && texts[x].filter((t) => leads[y].some((l) => t.includes(l))).length >= Math.max(2, 0.5 * texts[x].length);
      if ((inter >= 2 && inter / small >= 0.5) || names(i, j) || names(j, i)) {
        parent[find(j)] = find(i);
        if (process.env.WHY) console.error(`${date} join "${out[i].label}" (${a.size}) + "${out[j].label}" (${b.size}): overlap ${inter}/${small}, names ${names(i, j)} ${names(j, i)}; leads ${leads[i].join('|')} // ${leads[j].join('|')}`);
      }
    }
  }
  const groups = new Map<number, number>();
  out.forEach((x, i) => {
    const g = find(i);
    if (!groups.has(g)) groups.set(g, groups.size + 1);
    x.story = groups.get(g)!;
  });
  const realGroups = new Set(out.filter((x) => x.real).map((x) => x.story));
  ordinary.push({ date, items: out, stories: groups.size, real_stories: realGroups.size });
}
engine.close();
const totalItems = ordinary.reduce((s, d) => s + d.items.length, 0);
const distinctReal = ordinary.reduce((s, d) => s + d.real_stories, 0);
const repeats = ordinary.reduce((s, d) => s + (d.items.length - d.stories), 0);

// 5. Sizes and speed -----------------------------------------------------------------------------
const size = (f: string) => (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0);
const observeBytes = size('observe.sqlite') + size('observe.sqlite-wal');
const storeBytes = size('store.sqlite') + size('store.sqlite-wal');
const sorted = [...warm].sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const median = q(0.5);
obs.close();

// Report ------------------------------------------------------------------------------------------
const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(0)}%` : '–');
const rk = (r: number | null) => (r === null ? '–' : String(r));
say('');
say(`## Real events (${n}, bench/observe-events.json): tra emerging --limit ${LIMIT}`);
say('');
say('| event | kind | first day | rank first day | rank day after | listed 7 days before | matching item |');
say('|---|---|---|---|---|---|---|');
for (const r of rows) say(`| ${r.name} | ${r.kind} | ${r.first_day} | ${rk(r.rank_first)} | ${rk(r.rank_next)} | ${r.week_early === null ? 'no' : `**yes (${r.week_early}: ${r.hits[2]})**`} | ${r.hits[0] ?? r.hits[1] ?? '–'} |`);
say('');
say('Misses (not listed on the first day): everything listed that day and the day after.');
say('');
for (const r of rows.filter((x) => x.rank_first === null)) {
  say(`- **${r.name}** (${r.first_day}): ${r.items_first.join(' · ') || '(nothing listed)'}`);
  say(`  - day after: ${r.items_next.join(' · ') || '(nothing listed)'}`);
}
say('');
say('| kind | events | first-day recall@10 | within two days |');
say('|---|---|---|---|');
for (const [k, v] of kinds) say(`| ${k} | ${v.n} | ${v.first}/${v.n} | ${v.two}/${v.n} |`);
say('');
say(`## Ten ordinary days (seed ${SEED}; no listed event within ±2 days)`);
for (const d of ordinary) {
  say('');
  say(`### ${d.date}: ${d.items.length} items, ${d.stories} stories, ${d.real_stories} real (2+ outlets, a common thread)`);
  for (const [i, x] of d.items.entries()) say(`${i + 1}. [story ${x.story}${x.real ? '' : ', not real'}] **${x.label}** (count ${x.count}; terms ${x.terms.join(', ')}; ${x.docs} docs, ${x.outlets.join(', ') || 'no outlet'}; on ${(100 * x.everyday).toFixed(0)}% of days${x.everyday >= EVERYDAY ? `, thread: ${x.thread ?? 'none'}` : ''}) — ${x.headline.slice(0, 110)}`);
}
say('');
say('## Summary');
say('');
say('| figure | value | target |');
say('|---|---|---|');
say(`| first-day recall@10 | ${hitFirst}/${n} = ${(hitFirst / n).toFixed(2)} | ≥ 0.9 |`);
say(`| within two days recall@10 | ${hitTwo}/${n} = ${(hitTwo / n).toFixed(2)} | ≥ 0.95 |`);
say(`| listed a week early | ${early} | 0 |`);
say(`| distinct real stories on ordinary days | ${distinctReal}/${totalItems} = ${pct(distinctReal, totalItems)} (${repeats} repeats) | ≥ 80%, no story twice |`);
say(`| first call after tra index (open + first emerging) | ${firstCallS.toFixed(1)} s | < 10 s |`);
say(`| warm emerging, in process | median ${median.toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (${warm.length} calls) | ≤ 100 ms |`);
say(`| observe.sqlite / store.sqlite | ${(observeBytes / 1e6).toFixed(0)} MB / ${(storeBytes / 1e6).toFixed(0)} MB = ${(observeBytes / storeBytes).toFixed(2)} | ≤ 0.5 |`);
console.log(
  JSON.stringify({
    bench: 'observe-events',
    events: n,
    first_day_recall_at_10: +(hitFirst / n).toFixed(3),
    within_two_days_recall_at_10: +(hitTwo / n).toFixed(3),
    listed_week_early: early,
    ordinary_days: ordinary.map((d) => d.date),
    ordinary_items: totalItems,
    distinct_real_share: totalItems ? +(distinctReal / totalItems).toFixed(3) : null,
    ordinary_repeats: repeats,
    first_call_s: +firstCallS.toFixed(2),
    warm_emerging_median_ms: +median.toFixed(1),
    warm_emerging_p90_ms: +q(0.9).toFixed(1),
    observe_bytes: observeBytes,
    store_bytes: storeBytes,
    observe_store_ratio: +(observeBytes / storeBytes).toFixed(3),
    index_s: indexS === undefined ? null : +indexS.toFixed(1),
    misses_first_day: rows.filter((r) => r.rank_first === null).map((r) => r.id),
    misses_two_days: rows.filter((r) => r.rank_first === null && r.rank_next === null).map((r) => r.id),
    week_early: rows.filter((r) => r.week_early !== null).map((r) => r.id),
  }),
);
