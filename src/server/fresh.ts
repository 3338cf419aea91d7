/**
 * Keeping a read-only engine current while the server runs: a crawl or `tra index` in another
 * process publishes new segments through the manifest, and `Engine.refresh()` picks them up. The
 * manifest is a small file, but reading it on every request would still be waste, so a reader
 * looks at most once per interval (2 s by default, `TRA_REFRESH_MS`); new documents therefore
 * appear in the server's results within about two seconds of the writer reporting them.
 */
import type { Engine } from '../engine/index.ts';

/** Returns a function to call before each use of the engine; it returns true when the view changed. */
export function freshener(engine: Pick<Engine, 'refresh'>, everyMs = Number(process.env.TRA_REFRESH_MS ?? 2000)): () => boolean {
  let last = Date.now();
  return () => {
    const now = Date.now();
    if (now - last < everyMs) return false;
    last = now;
    try {
      return engine.refresh();
    } catch {
      // A manifest caught mid-switch or a segment just merged away: keep serving the view we
      // have and look again at the next interval.
      return false;
    }
  };
}
