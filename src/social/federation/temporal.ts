/**
 * Fedify's vocabulary takes times as `Temporal.Instant` from the polyfill Fedify itself depends on
 * (Node 24 has no global Temporal). We use the same copy, so instances pass Fedify's checks.
 */
import { Temporal } from '@js-temporal/polyfill';

export function instant(d: Date): Temporal.Instant {
  return Temporal.Instant.fromEpochMilliseconds(d.getTime());
}

export function toDate(i: { epochMilliseconds: number } | null | undefined): Date | null {
  return i == null ? null : new Date(i.epochMilliseconds);
}

export { Temporal };
