/**
 * For the tests comparing the cluster's list of sources and a source's latest articles with one
 * machine's: the server's catalogue of a data directory built from the same documents (each
 * addition a separate `add`, then the deletions), as `tra serve --data` builds it at start.
 */
import { join } from 'node:path';
import { openEngine } from '../../engine/index.ts';
import { DocStore } from '../../store/store.ts';
import { SourceCatalog } from '../../server/source-catalog.ts';
import type { DocInput } from '../../store/document.ts';

export async function oneMachineCatalog(dir: string, additions: DocInput[][], deleted: string[]): Promise<SourceCatalog> {
  const engine = await openEngine(dir);
  try {
    for (const docs of additions) await engine.add(docs);
    if (deleted.length) await engine.delete(deleted);
  } finally {
    engine.close();
  }
  const store = new DocStore(join(dir, 'store.sqlite'), { readOnly: true });
  try {
    return SourceCatalog.build([...store.docsAfter(0)].map((r) => r.doc));
  } finally {
    store.close();
  }
}
