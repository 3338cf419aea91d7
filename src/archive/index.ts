/**
 * The archive (lưu chiểu), one import for the rest of Tra: crawling, WARC capture, extraction,
 * versions and their diffs, import and export. See docs/ARCHIVE.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openArchiveDb } from './db.ts';
import { articleHistory, type ArticleHistory } from './articles.ts';

export { Crawler, crawlOnce, type CrawlOptions, type CrawlReport } from './crawler.ts';
export { openArchiveDb, type ArchiveDb } from './db.ts';
export { articleHistory, findArticle, type ArticleHistory, type VersionView } from './articles.ts';
export { wordDiff, type DiffPart } from './diff.ts';
export { extractArticle, type Extracted } from './extract.ts';
export { parseFeed, type ParsedFeed, type FeedEntry } from './feeds.ts';
export { canonicalUrl, surt } from './canonical.ts';
export { importWarcFiles, type ImportReport } from './import.ts';
export { exportHits, type ExportFormat } from './export.ts';
export { listSources, addSource, removeSource, defaultSources, type Source } from './sources.ts';
export { readWarc, WarcWriter } from './warc.ts';
export { readRecordAt } from './replay.ts';

/**
 * Every version of the article at `url` (any URL form), oldest first, each after the first with a
 * word-level diff from the one before — what `tra versions` prints and what an HTTP route can
 * return as is. Undefined when DIR has no archive or the URL is unknown.
 */
export function versionsOf(dataDir: string, url: string, opts: { diff?: boolean } = {}): ArticleHistory | undefined {
  if (!fs.existsSync(path.join(dataDir, 'archive.sqlite'))) return undefined;
  const db = openArchiveDb(dataDir);
  try {
    return articleHistory(db, url, { diff: opts.diff ?? true });
  } finally {
    db.close();
  }
}
