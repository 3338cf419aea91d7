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
