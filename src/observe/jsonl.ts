/**
 * Reading documents from JSON Lines files (gzip-compressed when the name ends in `.gz`), streamed
 * so memory stays flat. Lines that are not JSON objects are counted and skipped, never fatal.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';

export interface JsonlStats {
  lines: number;
  skipped: number;
}

/** Yield each JSON object of each file, in file order. `stats` is filled as it goes. */
export async function* readJsonl(files: string[], stats: JsonlStats = { lines: 0, skipped: 0 }): AsyncGenerator<Record<string, unknown>> {
  for (const file of files) {
    const raw = createReadStream(file);
    const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
    const rl = createInterface({ input, crlfDelay: Infinity });
    for await (const line of rl) {
      stats.lines++;
      if (!line.trim()) continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        stats.skipped++;
        continue;
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        stats.skipped++;
        continue;
      }
      yield v as Record<string, unknown>;
    }
  }
}
