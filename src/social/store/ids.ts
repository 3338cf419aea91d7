/**
 * Snowflake-like ids, as Mastodon clients expect: decimal strings that sort by time. The number is
 * the creation time in milliseconds shifted left 16 bits, plus 16 low bits that start at a random
 * value each millisecond (so two processes writing in the same millisecond rarely collide) and
 * count up within it. Written with 18 digits (zero-padded), so that comparing ids as text is
 * comparing them as numbers until the year 2255 — SQLite orders and compares them as text.
 */
import { randomInt } from 'node:crypto';
import { vietnamDay } from '../../ingest/timestamps.ts';

export const ID_DIGITS = 18;
const MAX_ID = 10n ** BigInt(ID_DIGITS) - 1n;

let lastMs = -1;
let counter = 0;

/** A new id for something made at `ms` (default now): later times always give larger ids. */
export function newId(ms = Date.now()): string {
  const t = Math.max(0, Math.floor(ms));
  if (t !== lastMs) {
    lastMs = t;
    counter = randomInt(0, 0x8000);
  } else {
    counter = (counter + 1) & 0xffff;
  }
  return ((BigInt(t) << 16n) | BigInt(counter)).toString().padStart(ID_DIGITS, '0');
}

/** The smallest id of anything made at `ms` (for "since this time" bounds). */
export function idAtTime(ms: number): string {
  return (BigInt(Math.max(0, Math.floor(ms))) << 16n).toString().padStart(ID_DIGITS, '0');
}

/** The time an id was made at. */
export function timeOfId(id: string): number {
  return Number(BigInt(id) >> 16n);
}

/**
 * The day an id was made on, in Vietnam (YYYY-MM-DD): the engine files posts by Vietnam day, so
 * its day filters take paging bounds in this form. As UTC days they left out the posts made
 * between 00:00 and 07:00 in Vietnam.
 */
export function dayOfId(id: string): string {
  return vietnamDay(timeOfId(id));
}

/**
 * A paging bound given by a client (max_id, since_id, min_id) in the stored form, or undefined
 * when it is not a decimal id. Larger than any id we make → the largest id.
 */
export function normalizeId(v: unknown): string | undefined {
  if (typeof v !== 'string' || !/^\d{1,30}$/.test(v)) return undefined;
  const n = BigInt(v);
  return (n > MAX_ID ? MAX_ID : n).toString().padStart(ID_DIGITS, '0');
}
