/**
 * The documents of one day, read back from a data directory's store through the rows the
 * observatory counted for that day (counts.ts `seen`), for story labels (./stories.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DocStore } from '../store/store.ts';
import type { ObserveCounts } from './counts.ts';
import type { TextDoc } from './terms.ts';
import { STORE_FILE } from './sync.ts';

/** A stored document as the observatory reads it back. */
export type DayDoc = TextDoc & { id: string; source?: unknown; url?: unknown; link?: unknown; published?: unknown; fetched?: unknown };

export interface DayDocs {
  docsOn(day: number): DayDoc[];
  close(): void;
}

export function openDayDocs(dir: string, counts: ObserveCounts): DayDocs | undefined {
  const path = join(dir, STORE_FILE);
  if (!existsSync(path)) return undefined;
  const store = new DocStore(path, { readOnly: true });
  return {
    docsOn(day) {
      const out: DayDoc[] = [];
      for (const seq of counts.seqsOn(day)) {
        const d = store.getBySeq(seq);
        if (d) out.push({ id: d.id, title: d.title, summary: d.summary, text: d.text, source: d.source, url: d.url, link: d.link, published: d.published, fetched: d.fetched });
      }
      return out;
    },
    close() {
      store.close();
    },
  };
}
