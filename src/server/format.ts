/** Dates and numbers as a Vietnamese reader expects them, in Vietnam's time zone. */
const TZ = 'Asia/Ho_Chi_Minh';

const dateTime = new Intl.DateTimeFormat('vi-VN', { timeZone: TZ, day: 'numeric', month: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const dateOnly = new Intl.DateTimeFormat('vi-VN', { timeZone: TZ, day: 'numeric', month: 'numeric', year: 'numeric' });
const isoDay = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
const number = new Intl.NumberFormat('vi-VN');

function parse(iso: string | undefined): Date | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** "08:15 2/9/2025" style; empty when the date is missing or invalid. */
export function formatDateTime(iso: string | undefined): string {
  const d = parse(iso);
  return d ? dateTime.format(d) : '';
}

export function formatDate(iso: string | undefined): string {
  const d = parse(iso);
  return d ? dateOnly.format(d) : '';
}

/** YYYY-MM-DD in Vietnam's time zone (for `<time datetime>` and date inputs). */
export function isoDate(iso: string | undefined): string {
  const d = parse(iso);
  return d ? isoDay.format(d) : '';
}

export function formatNumber(n: number): string {
  return number.format(n);
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A calendar day given as YYYY-MM-DD, written the Vietnamese way ("2/9/2025"). The day is taken
 * as written: no time zone can move it to the day before.
 */
export function formatDay(day: string): string {
  const m = DAY_RE.exec(day.slice(0, 10));
  return m ? `${Number(m[3])}/${Number(m[2])}/${m[1]}` : day;
}

/** A month given as YYYY-MM (or a day in it): "tháng 9/2025". */
export function formatMonth(month: string): string {
  const m = /^(\d{4})-(\d{2})/.exec(month);
  return m ? `tháng ${Number(m[2])}/${m[1]}` : month;
}

/** The bucket of a time axis that starts on `start` (YYYY-MM-DD): a day, the week from that Monday, or a month. */
export function formatBucket(start: string, interval: 'day' | 'week' | 'month'): string {
  if (interval === 'month') return formatMonth(start);
  if (interval === 'week') return `tuần từ ${formatDay(start)}`;
  return formatDay(start);
}

/** A delay after a first article, as a reader says it: "35 phút", "5 giờ 20 phút", "22 giờ", "3 ngày". */
export function formatDelay(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  if (m < 60) return `${m} phút`;
  if (m < 10 * 60) return m % 60 ? `${Math.floor(m / 60)} giờ ${m % 60} phút` : `${m / 60} giờ`;
  if (m < 48 * 60) return `${Math.round(m / 60)} giờ`;
  return `${Math.round(m / 1440)} ngày`;
}
