/**
 * The indexed text fields and the per-document values (columns) taken from a document.
 */
import { vietnamDayNumber } from '../ingest/timestamps.ts';

export const FIELDS = ['title', 'summary', 'text'] as const;
export type FieldName = (typeof FIELDS)[number];
export const NFIELDS = FIELDS.length;

/** Day number (days since 1970-01-01) in Asia/Ho_Chi_Minh (UTC+7, no DST since 1975). */
export const NO_DAY = -2147483648;
const DAY_MS = 86400000;

export function dayOf(published: unknown): number {
  if (typeof published !== 'string' || published === '') return NO_DAY;
  const t = Date.parse(published);
  if (Number.isNaN(t)) return NO_DAY;
  return vietnamDayNumber(t);
}

/** Day number of an ISO date (YYYY-MM-DD or a full timestamp) given as a filter bound. */
export function dayOfDate(s: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Math.floor(Date.parse(s + 'T00:00:00Z') / DAY_MS);
  return dayOf(s);
}

export function dayToIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
