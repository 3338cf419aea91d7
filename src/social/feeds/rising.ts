/**
 * Rising stories, as the observatory publishes them (`emerging(date)`: src/observe): the public
 * output only — each story's label, terms and its articles' URLs. "Thảo luận quanh tin nóng" and
 * the `rising_story` signal match a post's links against those URLs and its words against the
 * story's lead term (through the post index's match set, in rank.ts).
 *
 * The default source reads DIR/observe.sqlite read-only (kept up to date by the server's
 * observatory worker and the CLI) and caches each day's answer for ten minutes; tests and the
 * bench pass their own.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { ObserveCounts, OBSERVE_FILE, dayOfIso, emergingOn, openDayDocs, isoOfDay, type EmergingItem, type DayDocs } from '../../observe/index.ts';

export interface RisingStory {
  label: string;
  /** The lead term first: the words a post must hold to be "about" the story. */
  terms: string[];
  /** Article URLs of the story (as the observatory lists them). */
  urls: string[];
  /** The day the observatory saw it rising (YYYY-MM-DD). */
  date: string;
}

/** The stories rising on a day (YYYY-MM-DD). */
export type RisingSource = (date: string) => RisingStory[] | Promise<RisingStory[]>;

export function storiesOf(date: string, items: EmergingItem[]): RisingStory[] {
  return items.map((it) => ({
    label: it.label,
    terms: it.terms?.length ? it.terms : [it.label],
    urls: (it.articles ?? []).map((a) => a.url).filter((u): u is string => typeof u === 'string' && u !== ''),
    date,
  }));
}

/** The observatory of `dataDir` (read-only), or a source that knows no stories when there is none. */
export function observatoryRising(dataDir: string, o: { ttlMs?: number; limit?: number } = {}): RisingSource & { close(): void } {
  const ttl = o.ttlMs ?? 10 * 60_000;
  const cache = new Map<string, { at: number; stories: RisingStory[] }>();
  let counts: ObserveCounts | undefined;
  let docs: DayDocs | undefined;
  const open = (): ObserveCounts | undefined => {
    if (counts) return counts;
    if (!existsSync(path.join(dataDir, OBSERVE_FILE))) return undefined;
    counts = new ObserveCounts(dataDir, { readOnly: true });
    docs = openDayDocs(dataDir, counts);
    return counts;
  };
  const source = (date: string): RisingStory[] => {
    const hit = cache.get(date);
    if (hit && Date.now() - hit.at < ttl) return hit.stories;
    let stories: RisingStory[] = [];
    try {
      const c = open();
      if (c) {
        // A day after the last collected one has no counts: the newest collected day stands in.
        const range = c.normalRange();
        let day = dayOfIso(date);
        if (range && day > range.last) day = range.last;
        const iso = isoOfDay(day);
        const d = docs;
        const r = emergingOn(c, iso, day, { limit: o.limit ?? 20, dayDocs: d ? (x) => d.docsOn(x) : undefined });
        stories = storiesOf(iso, r.items);
      }
    } catch {
      stories = [];
    }
    cache.set(date, { at: Date.now(), stories });
    return stories;
  };
  return Object.assign(source, {
    close() {
      docs?.close();
      counts?.close();
    },
  });
}

/** A URL in the form links are compared in: no scheme, no www., no fragment, no tracking parameters, no trailing slash, lower-case host. */
export function linkKey(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    for (const k of [...u.searchParams.keys()]) if (/^(utm_|fbclid$|gclid$|zarsrc$)/i.test(k)) u.searchParams.delete(k);
    const host = u.hostname.toLowerCase().replace(/^www\./, '');
    const q = u.searchParams.toString();
    return `${host}${u.pathname.replace(/\/+$/, '')}${q ? '?' + q : ''}`;
  } catch {
    return undefined;
  }
}
