/**
 * The CDXJ index of the captures (the format pywb reads: `SURT TIMESTAMP14 {json}` per line,
 * sorted), written to `DIR/warc/index.cdxj`. It is derived from the `captures` table after each run
 * — rewritten whole and renamed into place, so a reader never sees half a file and a crash never
 * leaves it out of step with the WARC files for longer than one run. Only response and revisit
 * records are indexed, as pywb's own indexer does by default.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ArchiveDb } from './db.ts';
import { surt } from './canonical.ts';

export function cdxjTimestamp(iso: string): string {
  return iso.replace(/[-:T]/g, '').replace(/\..*$/, '').replace(/Z$/, '').slice(0, 14);
}

export interface CdxjRow {
  url: string;
  captured: string;
  type: string;
  status: number | null;
  mime: string | null;
  digest: string | null;
  warc: string;
  offset: number;
  length: number;
}

export function cdxjLine(r: CdxjRow): string {
  const fields: Record<string, string> = { url: r.url };
  if (r.mime) fields.mime = r.mime;
  if (r.status !== null) fields.status = String(r.status);
  if (r.digest) fields.digest = r.digest;
  fields.length = String(r.length);
  fields.offset = String(r.offset);
  fields.filename = r.warc;
  if (r.type === 'revisit') fields.mime = 'warc/revisit';
  return `${surt(r.url)} ${cdxjTimestamp(r.captured)} ${JSON.stringify(fields)}`;
}

/** Rewrite DIR/warc/index.cdxj from the database. Returns the number of lines. */
export function writeCdxj(db: ArchiveDb, warcDir: string): number {
  fs.mkdirSync(warcDir, { recursive: true });
  const rows = db.prepare("SELECT url, captured, type, status, mime, digest, warc, offset, length FROM captures WHERE type IN ('response','revisit')").all() as unknown as CdxjRow[];
  const lines = rows.map(cdxjLine);
  // Byte order, as pywb's binary search expects (not locale order).
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const target = path.join(warcDir, 'index.cdxj');
  const tmp = `${target}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, lines.length ? lines.join('\n') + '\n' : '');
  fs.renameSync(tmp, target);
  return lines.length;
}
