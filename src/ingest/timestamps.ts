/**
 * Repairing the publication time of news items, and one key per article across URL variants.
 *
 * The store keeps `published` exactly as given (a defect is data too); the time returned here
 * is what dates a document for the index, trends and the observatory. docs/OBSERVATORY.md shows
 * the evidence behind each rule, measured on the news-rss collection:
 *
 * - Tuổi Trẻ (tuoitre.vn): the collector wrote its own fetch time as `published`. The article
 *   URL ends in the CMS timestamp in Vietnam time, `…-YYYYMMDDhhmmss[N…].htm` (older form) or
 *   `…-100YYMMDDhhmmss[N…].htm` (newer form): that is the publication time.
 * - VnExpress (vnexpress.net) and Thanh Niên (thanhnien.vn): the collector wrote UTC wall-clock
 *   time with a `+07:00` label, so `published` is 7 hours early. Every such item was fetched at
 *   least 7.00 h after its labelled time, which a correct label could not produce. The repair
 *   adds 7 hours, but only when the label is `+07:00` and, if the fetch time is known, only when
 *   the repaired time is not after the fetch (an item cannot be published after it was read).
 * - An item without a usable `published` but with a timestamped URL (Tuổi Trẻ, Thanh Niên) is
 *   dated by its URL.
 *
 * All times are returned as ISO 8601 in Vietnam time (`+07:00`; Vietnam has no daylight saving).
 */

/** The fields of an incoming document that bear on its date. */
export interface DatedDoc {
  published?: unknown;
  url?: unknown;
  link?: unknown;
  source?: unknown;
  /** When the collector read the item, if it says (news-rss has it). */
  fetched?: unknown;
  /** The given `published`, kept aside when a repair replaced it (the document is repaired). */
  published_given?: unknown;
}

export interface RepairedTime {
  /** The time that dates the document (ISO 8601, `+07:00`), or undefined when none is known. */
  published: string | undefined;
  /** Why the given value was changed (absent when it was kept as given). */
  repaired?: string;
}

const HOUR = 3_600_000;
const VN_OFFSET = 7 * HOUR;

/** Format an instant (ms since epoch) as ISO 8601 in Vietnam time, second precision. */
export function toVietnamIso(ms: number): string {
  const d = new Date(ms + VN_OFFSET);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}+07:00`;
}

/** The Vietnam calendar day of an instant, as a day number (days since 1970-01-01). */
export function vietnamDayNumber(ms: number): number {
  return Math.floor((ms + VN_OFFSET) / (24 * HOUR));
}

/** The calendar day (YYYY-MM-DD) of an instant in Vietnam time. */
export function vietnamDay(ms: number): string {
  return new Date(ms + VN_OFFSET).toISOString().slice(0, 10);
}

/** Parse an ISO 8601 time (a bare date counts as midnight Vietnam time); NaN when unusable. */
export function parseTime(value: unknown): number {
  if (typeof value !== 'string' || value.length < 10) return NaN;
  const s = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Date.parse(s + 'T00:00:00+07:00');
  // A date-time without a zone is read as Vietnam time, not as the machine's local time.
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) return Date.parse(s.replace(' ', 'T') + '+07:00');
  return Date.parse(s);
}

function hostOf(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#:]+)/i.exec(url.trim());
  if (!m) return '';
  return m[1].toLowerCase().replace(/^(www|m|amp)\./, '');
}

function urlOf(doc: DatedDoc): string {
  if (typeof doc.url === 'string' && doc.url) return doc.url;
  if (typeof doc.link === 'string' && doc.link) return doc.link;
  return '';
}

function validParts(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return NaN;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - VN_OFFSET;
  // Reject 31 February and the like (Date.UTC would roll them over).
  const back = new Date(ms + VN_OFFSET);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1) return NaN;
  return ms;
}

/**
 * The CMS timestamp in a Tuổi Trẻ or Thanh Niên article URL (ms since epoch), or NaN.
 * Tuổi Trẻ: `-YYYYMMDDhhmmss` + 0-3 digits, or `-100YYMMDDhhmmss` + 0-3 digits.
 * Thanh Niên: `-185YYMMDDhhmmss` + 0-3 digits (the creation time of the article in the CMS,
 * which precedes publication, sometimes by hours).
 */
export function urlTimestamp(url: string): number {
  const host = hostOf(url);
  const m = /-(\d{14,18})\.html?(?:[?#].*)?$/i.exec(url);
  if (!m) return NaN;
  const g = m[1];
  const n = (a: number, b: number) => Number(g.slice(a, b));
  if (host === 'tuoitre.vn') {
    if (g.startsWith('20') && g.length <= 17) return validParts(n(0, 4), n(4, 6), n(6, 8), n(8, 10), n(10, 12), n(12, 14));
    if (g.startsWith('100') && g.length >= 15) return validParts(2000 + n(3, 5), n(5, 7), n(7, 9), n(9, 11), n(11, 13), n(13, 15));
    return NaN;
  }
  if (host === 'thanhnien.vn') {
    if (g.startsWith('185') && g.length >= 15) return validParts(2000 + n(3, 5), n(5, 7), n(7, 9), n(9, 11), n(11, 13), n(13, 15));
    return NaN;
  }
  return NaN;
}

/** Hosts whose collected `published` is UTC wall-clock time labelled +07:00. */
const SEVEN_HOURS_EARLY = new Set(['vnexpress.net', 'thanhnien.vn']);

/**
 * The time that should date `doc`, with the reason when it differs from the given `published`.
 * Pure: the input is not modified.
 */
export function repairPublished(doc: DatedDoc): RepairedTime {
  const given = typeof doc.published === 'string' ? doc.published.trim() : undefined;
  // Repaired once already (`tra index --repair-dates` kept the given value aside): as it is.
  if (doc.published_given !== undefined) {
    const t = parseTime(given);
    return { published: Number.isFinite(t) ? toVietnamIso(t) : undefined };
  }
  const url = urlOf(doc);
  const host = url ? hostOf(url) : '';
  const t = parseTime(given);
  const fetched = parseTime(doc.fetched);

  if (host === 'tuoitre.vn') {
    const u = urlTimestamp(url);
    if (Number.isFinite(u)) {
      // The URL time is the publication; the given value (the fetch time) can only be later.
      // A URL time after the given or fetch time by more than a few minutes means the rule does
      // not apply to this item, and the given value stands.
      const latest = Number.isFinite(t) ? t : fetched;
      if (!Number.isFinite(latest) || u <= latest + 10 * 60_000) {
        if (Number.isFinite(t) && Math.abs(t - u) < 60_000) return { published: toVietnamIso(t) };
        return { published: toVietnamIso(u), repaired: Number.isFinite(t) ? 'tuoitre-url-time' : 'url-time-missing-published' };
      }
    }
  }

  if (!Number.isFinite(t)) {
    const u = url ? urlTimestamp(url) : NaN;
    if (Number.isFinite(u)) return { published: toVietnamIso(u), repaired: 'url-time-missing-published' };
    return { published: undefined, ...(given ? { repaired: 'unparseable-published' } : {}) };
  }

  if (SEVEN_HOURS_EARLY.has(host) && given !== undefined && /\+07:?00$/.test(given)) {
    const shifted = t + 7 * HOUR;
    if (!Number.isFinite(fetched) || shifted <= fetched + 60_000) {
      return { published: toVietnamIso(shifted), repaired: 'utc-labelled-+07:00' };
    }
  }
  return { published: toVietnamIso(t) };
}

/**
 * One key per article across the URL forms a site serves it under. VnExpress serves the same
 * article as `…-4928531.html` and `…-4928531.htm` (and live reports as `…-5112232-tong-thuat.html`);
 * Tuổi Trẻ and Thanh Niên end their URLs in a numeric id too. Other URLs are keyed by a light
 * canonical form: lower-case host without `www.`, no scheme, query, fragment or trailing slash.
 */
export function canonicalArticleKey(url: string): string {
  const host = hostOf(url);
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').replace(/[?#].*$/, '');
  if (host === 'vnexpress.net' || host.endsWith('.vnexpress.net')) {
    const m = /-(\d{5,})(?:-[a-z-]+)?\.html?$/i.exec(path);
    if (m) return `vnexpress.net/${m[1]}`;
  }
  if (host === 'tuoitre.vn' || host === 'thanhnien.vn') {
    const m = /-(\d{9,})\.html?$/i.exec(path);
    if (m) return `${host}/${m[1]}`;
  }
  const clean = path.replace(/\/+$/, '');
  return host + clean;
}
