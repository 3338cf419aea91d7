/**
 * Fedify passes time spans as `Temporal.Duration` (from the polyfill it bundles). The stores only
 * need milliseconds, so they read the duration's fields instead of depending on Temporal: a
 * duration is an object with numeric `days`, `hours`, … fields. Calendar units (years, months) have
 * no fixed length and are refused. A negative span comes back negative; callers decide what it
 * means (an entry already expired, a message due now).
 */
export interface DurationFields {
  readonly years?: number;
  readonly months?: number;
  readonly weeks?: number;
  readonly days?: number;
  readonly hours?: number;
  readonly minutes?: number;
  readonly seconds?: number;
  readonly milliseconds?: number;
  readonly microseconds?: number;
  readonly nanoseconds?: number;
}

const UNIT_MS: [keyof DurationFields, number][] = [
  ['weeks', 7 * 86_400_000],
  ['days', 86_400_000],
  ['hours', 3_600_000],
  ['minutes', 60_000],
  ['seconds', 1000],
  ['milliseconds', 1],
  ['microseconds', 1e-3],
  ['nanoseconds', 1e-6],
];

/** The length of `d` in milliseconds, rounded up to a whole millisecond. */
export function durationMs(d: DurationFields, what = 'khoảng thời gian'): number {
  if (d === null || typeof d !== 'object') throw new TypeError(`${what} không hợp lệ: cần một Temporal.Duration.`);
  if ((d.years ?? 0) !== 0 || (d.months ?? 0) !== 0) {
    throw new TypeError(`${what} không được tính bằng năm hay tháng (độ dài không cố định); hãy dùng ngày, giờ, phút, giây.`);
  }
  let ms = 0;
  for (const [unit, factor] of UNIT_MS) {
    const v = d[unit] ?? 0;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${what}: trường ${unit} không phải một số.`);
    ms += v * factor;
  }
  return Math.ceil(ms);
}
