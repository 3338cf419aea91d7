/**
 * Time-partitioned shards: a document version belongs to the shard of the calendar quarter, in
 * Vietnam time (UTC+7, no daylight saving), of the instant that dates it — the same instant the
 * segment's day column holds (src/ingest/dating.ts `datingTime`), so pruning shards by a date
 * filter can never drop a document the filter would match. Versions with no plausible date go
 * to the shard `undated`, which no date filter matches. Names: `2025-Q3`, `undated`.
 *
 * Why quarters (docs/SCALE.md, "Shards"): 50M articles over a decade are ~1.25M per quarter, a
 * shard a searcher loads in seconds; a month would make 120 shards to fan out to for an
 * unfiltered query, a year shards of 5M whose newest one changes all year.
 */
import { datingTime } from '../../ingest/dating.ts';

export const UNDATED_SHARD = 'undated';
const VN_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

export function shardOf(doc: { published?: unknown }, nowMs: number = Date.now()): string {
  const t = datingTime(doc, nowMs);
  if (t === undefined) return UNDATED_SHARD;
  const d = new Date(t + VN_OFFSET_MS);
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

/**
 * The Vietnam days [first, last] a shard covers (day numbers as src/engine/fields.ts counts them),
 * or undefined for `undated` and names that are not a quarter.
 */
export function shardDays(shard: string): [number, number] | undefined {
  const m = /^(\d{4})-Q([1-4])$/.exec(shard);
  if (!m) return undefined;
  const y = Number(m[1]);
  const q = Number(m[2]);
  const first = Date.UTC(y, 3 * (q - 1), 1) / DAY_MS;
  const next = Date.UTC(y, 3 * q, 1) / DAY_MS;
  return [first, next - 1];
}

/** The shard's [from, to) as instants (Vietnam midnight), for the `shards` row. */
export function shardRange(shard: string): [Date | null, Date | null] {
  const days = shardDays(shard);
  if (!days) return [null, null];
  return [new Date(days[0] * DAY_MS - VN_OFFSET_MS), new Date((days[1] + 1) * DAY_MS - VN_OFFSET_MS)];
}

/** Whether a shard can hold documents dated within [fromDay, toDay] (either side open: undefined). */
export function shardMayMatch(shard: string, fromDay: number | undefined, toDay: number | undefined): boolean {
  if (fromDay === undefined && toDay === undefined) return true;
  const days = shardDays(shard);
  // Undated documents never match a date filter; a shard name we do not know is kept.
  if (!days) return shard !== UNDATED_SHARD;
  if (fromDay !== undefined && days[1] < fromDay) return false;
  if (toDay !== undefined && days[0] > toDay) return false;
  return true;
}
