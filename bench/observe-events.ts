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
 *      as "cấp nhà" of a state visit and of a state funeral); stories are the connected
 *      groups;
 *    - an item is a real story when its documents come from at least 2 outlets (VnExpress
 *      sections count as one outlet) and number at least 2;
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
  story: number;
  terms: string[];
}
interface OrdinaryDay {
  date: string;
  items: DayItem[];
  stories: number;
  real_stories: number;
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
    out.push({ label: it.label, count: it.count, docs: res.hits.length, outlets, headline: res.hits[0]?.title ?? '', real: res.hits.length >= 2 && outlets.length >= 2, story: -1, terms: (it.terms ?? []).slice(0, 5) });
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
      const names = (x: number, y: number) => texts[x].length > 0 && texts[x].filter((t) => leads[y].some((l) => t.includes(l))).length >= 0.5 * texts[x].length;
      if (inter / small >= 0.5 || names(i, j) || names(j, i)) parent[find(j)] = find(i);
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
  say(`### ${d.date}: ${d.items.length} items, ${d.stories} stories, ${d.real_stories} real (2+ outlets)`);
  for (const [i, x] of d.items.entries()) say(`${i + 1}. [story ${x.story}${x.real ? '' : ', not real'}] **${x.label}** (count ${x.count}; terms ${x.terms.join(', ')}; ${x.docs} docs, ${x.outlets.join(', ') || 'no outlet'}) — ${x.headline.slice(0, 110)}`);
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
