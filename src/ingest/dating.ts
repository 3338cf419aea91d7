/**
 * The one dating rule: the instant that dates a document everywhere — the index's day and time
 * columns (trends, date filters, newest first), the observatory's daily counts (emerging issues,
 * clusters, attention, forecasts) and alerts. It is the stored `published`:
 * - read as src/ingest/timestamps.ts `parseTime` reads it (a time without a zone, or a bare
 *   date, is Vietnam time — never the machine's local time);
 * - as stored: when the operator indexed with `tra index --repair-dates`, the repaired time was
 *   stored there once (the given one kept in `published_given`, and a second pass repairs
 *   nothing); without it, the given time is used as it is. No consumer repairs on its own, so
 *   a document lands on the same day in all of them, with or without the option;
 * - only inside the plausible window (src/ingest/plausible.ts); outside it the document is
 *   undated (kept as given, flagged, in no day).
 */
import { plausibleTime } from './plausible.ts';

/** Milliseconds since the epoch that date `doc`, or undefined (absent, unparsable, implausible). */
export function datingTime(doc: { published?: unknown }, nowMs: number = Date.now()): number | undefined {
  return plausibleTime(doc.published, nowMs);
}
