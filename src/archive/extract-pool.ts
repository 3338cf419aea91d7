/**
 * Bounded article extraction: what the crawler and `tra import-warc` call.
 *
 * Readability's cost explodes on hostile pages (measured before this module: 1,000 nested
 * <div>s, 11.6 KB, took 7.5 s; 2,000 took 59 s; a page of a million <p> took 82 s and 3.3 GB),
 * and it ran on the crawl's own thread, so one such page held up every host. Three bounds now:
 *
 * 1. Shape: a linear scan of the markup (`htmlShape`) counts elements and nesting depth. A page
 *    over LIMITS.maxChars, LIMITS.maxDepth or LIMITS.maxElements never reaches Readability: the
 *    cheap one-pass extractor (`extractPlain`) reads it instead.
 * 2. Thread: everything else is extracted on a small pool of worker threads, so the event loop
 *    that drives fetching, politeness timers and WARC commits keeps running.
 * 3. Time and memory: each worker has a V8 heap limit (LIMITS.heapMb); a page that misses
 *    LIMITS.deadlineMs, or that makes its worker run out of memory, has the worker terminated
 *    (a new one replaces it) and is read by the cheap extractor instead.
 *
 * Idle workers do not keep the process alive, so callers need no shutdown step.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { extractPlain, type Extracted } from './extract.ts';

export const LIMITS = {
  /** Characters of HTML above which the cheap extractor is used. */
  maxChars: 5_000_000,
  /** Nesting depth above which the cheap extractor is used (Readability: ~90 ms at 200, 0.5 s at 400). */
  maxDepth: 160,
  /** Elements above which the cheap extractor is used (Readability: ~0.9 s at 40,000 <p>). */
  maxElements: 40_000,
  /** Longest a worker may spend on one page. */
  deadlineMs: 5_000,
  /** V8 old-generation limit of each worker, MB. */
  heapMb: 256,
};

/** Elements with no end tag: they never deepen the tree. */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr', 'keygen', 'frame', 'basefont', 'isindex']);
/** Elements an open sibling of the same name closes implicitly (the parser does the same). */
const SELF_CLOSING_SIBLINGS = new Set(['p', 'li', 'dt', 'dd', 'option', 'tr', 'td', 'th']);
/** Elements whose content is raw text: tags inside are not tags. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'noscript', 'template', 'iframe', 'noembed', 'noframes', 'plaintext']);

export interface HtmlShape {
  depth: number;
  elements: number;
  /** True when the scan stopped early because a limit was already exceeded. */
  over: boolean;
}

/**
 * Element count and greatest nesting depth of an HTML page, approximately as an HTML parser would
 * build it (void elements, implied closing of p/li/td…, raw-text elements), in one pass with no
 * tree. Stops as soon as `stop` is exceeded.
 */
export function htmlShape(html: string, stop: { depth: number; elements: number } = { depth: LIMITS.maxDepth, elements: LIMITS.maxElements }): HtmlShape {
  const open: string[] = [];
  let depth = 0;
  let elements = 0;
  let i = 0;
  const n = html.length;
  const tagRe = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(\/?)>/y;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    const next = html.charCodeAt(lt + 1);
    if (next === 33 /* ! */) {
      // Comment, doctype or CDATA.
      const end = html.startsWith('<!--', lt) ? html.indexOf('-->', lt + 4) : html.indexOf('>', lt + 2);
      i = end < 0 ? n : end + 1;
      continue;
    }
    tagRe.lastIndex = lt;
    const m = tagRe.exec(html);
    if (!m) {
      i = lt + 1;
      continue;
    }
    i = tagRe.lastIndex;
    const name = m[2].toLowerCase();
    if (m[1]) {
      // Close: pop to the matching element if it is near the top (a stray end tag changes nothing).
      for (let k = open.length - 1; k >= 0 && k >= open.length - 8; k--) {
        if (open[k] === name) {
          open.length = k;
          break;
        }
      }
      continue;
    }
    elements++;
    if (VOID.has(name) || m[3]) {
      if (elements > stop.elements) return { depth: Math.max(depth, open.length), elements, over: true };
      continue;
    }
    if (RAW_TEXT.has(name)) {
      const end = indexOfCi(html, `</${name}`, i);
      i = end < 0 ? n : end;
      continue;
    }
    if (SELF_CLOSING_SIBLINGS.has(name) && open[open.length - 1] === name) open.pop();
    open.push(name);
    if (open.length > depth) depth = open.length;
    if (depth > stop.depth || elements > stop.elements) return { depth, elements, over: true };
  }
  return { depth, elements, over: false };
}

/** indexOf of an ASCII needle (lower case), ignoring the case of the haystack. */
function indexOfCi(s: string, needle: string, from: number): number {
  const first = needle[0];
  for (let i = s.indexOf(first, from); i >= 0; i = s.indexOf(first, i + 1)) {
    if (s.slice(i, i + needle.length).toLowerCase() === needle) return i;
  }
  return -1;
}

/** Why a page must skip Readability, or undefined when it may go to a worker. */
export function tooHostile(html: string): string | undefined {
  if (html.length > LIMITS.maxChars) return `trang dài ${html.length} ký tự (> ${LIMITS.maxChars})`;
  const shape = htmlShape(html);
  if (shape.depth > LIMITS.maxDepth) return `trang lồng sâu hơn ${LIMITS.maxDepth} cấp`;
  if (shape.elements > LIMITS.maxElements) return `trang có hơn ${LIMITS.maxElements} phần tử`;
  return undefined;
}

interface Task {
  id: number;
  html: string;
  url: string;
  resolve: (r: Extracted) => void;
}

interface Slot {
  worker: Worker;
  task?: Task;
  timer?: NodeJS.Timeout;
}

export class ExtractPool {
  private readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(size = Math.max(1, Math.min(2, os.availableParallelism() - 1))) {
    this.size = size;
  }

  /** Extract one page within the limits; never rejects (the cheap extractor is the last resort). */
  extract(html: string, url: string): Promise<Extracted> {
    const why = tooHostile(html);
    if (why) return Promise.resolve(extractPlain(html, url, why));
    if (this.closed) return Promise.resolve(extractPlain(html, url, 'bộ trích xuất đã đóng'));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, html, url, resolve });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.task);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.ref();
      slot.timer = setTimeout(() => this.fail(slot!, `quá ${LIMITS.deadlineMs} ms`), LIMITS.deadlineMs);
      slot.worker.postMessage({ id: task.id, html: task.html, url: task.url });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./extract-worker.ts', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: LIMITS.heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    const slot: Slot = { worker };
    worker.unref();
    worker.on('message', (m: { id: number; result?: Extracted; error?: string }) => {
      const task = slot.task;
      if (!task || task.id !== m.id) return;
      this.settle(slot);
      task.resolve(m.result ?? extractPlain(task.html, task.url, `Readability lỗi: ${m.error}`));
      this.pump();
    });
    worker.on('error', (e) => this.fail(slot, (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? `vượt ${LIMITS.heapMb} MB bộ nhớ` : `luồng trích xuất lỗi: ${e.message}`));
    worker.on('exit', () => this.fail(slot, 'luồng trích xuất dừng'));
    this.slots.push(slot);
    return slot;
  }

  private settle(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.task = undefined;
    slot.worker.unref();
  }

  /** The worker missed its deadline or died: drop it, read its page the cheap way. */
  private fail(slot: Slot, why: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const task = slot.task;
    clearTimeout(slot.timer);
    slot.task = undefined;
    void slot.worker.terminate();
    if (task) task.resolve(extractPlain(task.html, task.url, `Readability ${why}`));
    this.pump();
  }

  /** Stop the workers (pages still queued get the cheap extractor). */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.resolve(extractPlain(t.html, t.url, 'bộ trích xuất đã đóng'));
    const slots = this.slots.splice(0);
    for (const s of slots) {
      clearTimeout(s.timer);
      if (s.task) s.task.resolve(extractPlain(s.task.html, s.task.url, 'bộ trích xuất đã đóng'));
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

let shared: ExtractPool | undefined;

/** Extract a page with the process-wide pool (created on first use; its idle workers never hold the process open). */
export function extractBounded(html: string, url: string): Promise<Extracted> {
  shared ??= new ExtractPool();
  return shared.extract(html, url);
}
