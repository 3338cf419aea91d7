/**
 * Progress for long jobs (indexing, crawling, reindexing). Drawn on stderr only when stderr is a
 * terminal, at most ~10 times a second; silent when piped or under CI, so logs and JSON output stay
 * clean.
 */
export interface Progress {
  /** Report `done` units out of `total` (total may be unknown). */
  update(done: number, total?: number, detail?: string): void;
  /** Clear the progress line. */
  done(): void;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const enabled = Boolean(stream.isTTY) && !process.env.CI && process.env.TRA_PROGRESS !== '0';
  if (!enabled) return { update() {}, done() {} };
  const started = performance.now();
  let last = 0;
  let drawn = false;
  return {
    update(done, total, detail) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      const secs = (now - started) / 1000;
      const rate = secs > 0 ? Math.round(done / secs) : 0;
      const width = stream.columns ?? 80;
      let line: string;
      if (total && total > 0) {
        const pct = Math.min(100, (100 * done) / total);
        const barW = 20;
        const filled = Math.round((pct / 100) * barW);
        line = `${label} [${'#'.repeat(filled)}${'-'.repeat(barW - filled)}] ${pct.toFixed(1)}% ${done.toLocaleString('vi-VN')}/${total.toLocaleString('vi-VN')} · ${rate.toLocaleString('vi-VN')}/giây`;
      } else {
        line = `${label} ${done.toLocaleString('vi-VN')} · ${rate.toLocaleString('vi-VN')}/giây`;
      }
      if (detail) line += ` · ${detail}`;
      stream.write('\r' + line.slice(0, width - 1).padEnd(Math.min(width - 1, line.length + 2)));
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
