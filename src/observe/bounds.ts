/**
 * Bounds on every time axis the observatory, the API and the CLI build.
 *
 * A time axis is a list of buckets (days, weeks or months) between two dates. Left unbounded, one
 * request for `from=0001-01-01&to=9999-12-31` or one document dated `+275760-09-13` makes an
 * axis of millions of buckets. Three rules keep every axis small:
 *
 * 1. Only plausible days exist. No document is dated before 1990-01-01 or more than a day after
 *    now (src/ingest/plausible.ts), so a requested range is clamped into that window: a bound
 *    outside it is moved to its edge (nothing lies beyond), and a range entirely outside it is
 *    refused (it can hold no document, and the caller almost certainly mistyped a year).
 * 2. Dates are real calendar dates (`2025-02-30`, `9999-99-99` are refused, never rolled over).
 * 3. An answer holds at most MAX_BUCKETS buckets per series: about twenty years of days. Longer
 *    ranges by day are refused with a hint to count by week or month instead (the whole plausible
 *    window is under 2,000 weeks and 450 months, so those always fit).
 *
 * A single day (`date`) is only checked to be a real date: any one day is a bounded amount of
 * work, and a day outside the window is simply a day without documents.
 *
 * Refusals are `DateRangeError`s (status 400) naming the field, worded for whoever asked: an API
 * client (`"from"`), a page (its label) or the command line (`--from`).
 */
import { EARLIEST_PLAUSIBLE_MS, FUTURE_SLACK_MS } from '../ingest/plausible.ts';
import { dayNumber, dayOfIso, isoOfDay } from './counts.ts';
import { bucketOf } from '../engine/trends.ts';

export type Interval = 'day' | 'week' | 'month';

/** The most buckets one series of an answer may hold (7,500 days: 20.5 years). */
export const MAX_BUCKETS = 7_500;
/** The most queries compared side by side (/api/trends/compare, /xu-huong). */
export const MAX_QUERIES = 8;
/** The first plausible day (day number of 1990-01-01). */
export const EARLIEST_DAY = Math.floor(EARLIEST_PLAUSIBLE_MS / 86_400_000);

/** The last plausible day: tomorrow in Vietnam time. */
export function latestDay(now: number = Date.now()): number {
  return dayNumber(now + FUTURE_SLACK_MS);
}

/** Who the message speaks to: the field is `"from"` in the API, its label on a page, `--from` on the command line. */
export type Audience = 'api' | 'page' | 'cli';

const LABELS: Record<string, string> = { from: 'Từ ngày', to: 'Đến ngày', interval: 'Mỗi cột', date: 'Ngày' };

export function fieldName(field: string, who: Audience): string {
  if (who === 'cli') return `--${field}`;
  if (who === 'page') return `"${LABELS[field] ?? field}"`;
  return `"${field}"`;
}

/** Bad dates or ranges: a 400 naming the field. */
export class DateRangeError extends Error {
  readonly statusCode = 400;
  readonly field: string;
  constructor(message: string, field: string) {
    super(message);
    this.name = 'DateRangeError';
    this.field = field;
  }
}

/** Day number of a real calendar date YYYY-MM-DD, or a DateRangeError naming `field`. */
export function parseDay(value: string, field: string, who: Audience = 'api'): number {
  const day = dayOfIso(value);
  if (!Number.isFinite(day) || isoOfDay(day) !== value) {
    throw new DateRangeError(`${fieldName(field, who)} phải là một ngày có thật dạng YYYY-MM-DD (ví dụ 2025-09-02), không phải "${clip(value)}".`, field);
  }
  return day;
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}

/** Buckets of `interval` from the one holding `fromDay` to the one holding `toDay`, counted without walking them. */
export function bucketCount(fromDay: number, toDay: number, interval: Interval): number {
  if (toDay < fromDay) return 0;
  if (interval === 'day') return toDay - fromDay + 1;
  if (interval === 'week') {
    return (bucketOf(toDay, 'week') - bucketOf(fromDay, 'week')) / 7 + 1;
  }
  const a = new Date(fromDay * 86_400_000);
  const b = new Date(toDay * 86_400_000);
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth()) + 1;
}

function intervalHint(who: Audience): string {
  if (who === 'cli') return 'hãy dùng --interval week hoặc --interval month, hoặc thu hẹp --from/--to';
  if (who === 'page') return 'hãy chọn "Tuần" hoặc "Tháng" ở ô "Mỗi cột", hoặc thu hẹp khoảng ngày';
  return 'hãy dùng interval=week hoặc interval=month, hoặc thu hẹp from/to';
}

/** Refuse an axis of `n` buckets when it is longer than MAX_BUCKETS. */
export function checkBuckets(n: number, interval: Interval, who: Audience = 'api'): void {
  if (n <= MAX_BUCKETS) return;
  const unit = interval === 'day' ? 'ngày' : interval === 'week' ? 'tuần' : 'tháng';
  throw new DateRangeError(`${fieldName('interval', who)}: khoảng thời gian này có ${n.toLocaleString('vi-VN')} cột theo ${unit}, quá giới hạn ${MAX_BUCKETS.toLocaleString('vi-VN')} cột; ${intervalHint(who)}.`, 'interval');
}

export interface BoundedRange {
  /** YYYY-MM-DD, clamped into the plausible window; undefined when not given. */
  from?: string;
  to?: string;
  /** The fields that were moved to the window's edge. */
  clamped: ('from' | 'to')[];
}

/**
 * Check and bound a requested range (either end optional): real dates, `from` not after `to`,
 * clamped into [1990-01-01, tomorrow], refused when entirely outside it, and — with an interval
 * and both ends given — refused when it would hold more than MAX_BUCKETS buckets.
 */
export function boundRange(req: { from?: string; to?: string; interval?: Interval }, who: Audience = 'api', now: number = Date.now()): BoundedRange {
  const from = req.from ? parseDay(req.from, 'from', who) : undefined;
  const to = req.to ? parseDay(req.to, 'to', who) : undefined;
  if (from !== undefined && to !== undefined && from > to) {
    throw new DateRangeError(`${fieldName('from', who)} (${req.from}) ở sau ${fieldName('to', who)} (${req.to}): hãy đổi chỗ hai ngày.`, 'from');
  }
  const last = latestDay(now);
  const window = `từ ${isoOfDay(EARLIEST_DAY)} đến ${isoOfDay(last)}`;
  if (to !== undefined && to < EARLIEST_DAY) {
    throw new DateRangeError(`${fieldName('to', who)} (${req.to}) ở trước ${isoOfDay(EARLIEST_DAY)}: không bài nào được tính ngày ngoài khoảng ${window}; hãy chọn ngày trong khoảng đó.`, 'to');
  }
  if (from !== undefined && from > last) {
    throw new DateRangeError(`${fieldName('from', who)} (${req.from}) ở sau ngày mai: không bài nào được tính ngày ngoài khoảng ${window}; hãy chọn ngày trong khoảng đó.`, 'from');
  }
  const clamped: ('from' | 'to')[] = [];
  let f = from;
  let t = to;
  if (f !== undefined && f < EARLIEST_DAY) {
    f = EARLIEST_DAY;
    clamped.push('from');
  }
  if (t !== undefined && t > last) {
    t = last;
    clamped.push('to');
  }
  if (req.interval && f !== undefined && t !== undefined) checkBuckets(bucketCount(f, t, req.interval), req.interval, who);
  return { from: f === undefined ? undefined : isoOfDay(f), to: t === undefined ? undefined : isoOfDay(t), clamped };
}

/**
 * One day (`date` of /quan-sat, /api/emerging, `tra emerging --date`): a real calendar date, or a
 * DateRangeError. A day outside the plausible window is not refused: it is one day, which simply
 * holds no document (an empty answer, as for any quiet day), and the work for it is bounded.
 */
export function boundDay(value: string, field = 'date', who: Audience = 'api'): number {
  return parseDay(value, field, who);
}

