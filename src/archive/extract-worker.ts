/**
 * One extraction thread of extract-pool.ts: receives {id, html, url}, answers {id, result} or
 * {id, error}. It holds no state between pages, so the pool may terminate it at any moment (a
 * missed deadline) and start another.
 */
import { parentPort } from 'node:worker_threads';
import { extractArticle } from './extract.ts';

// Library warnings stay out of the user's stderr (the pool reports what matters in one line).
console.warn = console.error = console.log = console.info = console.debug = (): void => {};

export interface ExtractRequest {
  id: number;
  html: string;
  url: string;
}

parentPort!.on('message', (m: ExtractRequest) => {
  try {
    parentPort!.postMessage({ id: m.id, result: extractArticle(m.html, m.url) });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: (e as Error)?.message ?? String(e) });
  }
});
