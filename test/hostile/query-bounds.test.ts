/**
 * Hostile queries: each is answered within a bound of time and memory, with one clear warning
 * where part of it was not used. Loopback only (the engine in-process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEngine, type DocInput } from '../../src/engine/index.ts';

const WORDS = ['tin', 'tức', 'thời', 'sự', 'tăng', 'trưởng', 'thị', 'trường', 'tài', 'chính', 'thể', 'thao', 'tỉnh', 'thành', 'trung', 'tâm', 'giá', 'vàng', 'bão', 'lũ'];

test('hostile queries are bounded in time and memory and say what was not used', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-hostile-q-'));
  try {
    const docs: DocInput[] = [];
    for (let i = 0; i < 20000; i++) {
      const w = (k: number) => WORDS[(i * 7 + k * 13 + (i >> 3)) % WORDS.length];
      docs.push({ id: `d${i}`, title: `${w(0)} ${w(1)} ${w(2)}`, text: Array.from({ length: 12 }, (_, k) => w(k + 3)).join(' ') + ` t${i % 500}x`, published: `2025-09-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00+07:00` });
    }
    const e = await openEngine(dir, { parallel: false });
    await e.add(docs);
    const cases: [string, string, RegExp | undefined][] = [
      ['prefix storm', 't* '.repeat(666), /dấu \*/],
      ['words beyond the cap', 'tin '.repeat(5000), /quá 64 từ/],
      ['OR chain', Array.from({ length: 400 }, (_, i) => WORDS[i % WORDS.length]).join(' OR '), undefined],
      ['unclosed quotes', '"'.repeat(999) + ' tin', undefined],
      ['only exclusions', '-tin -tức -giá', /loại trừ/],
      ['dangling operators', 'OR OR OR - + * "" tin', /OR/],
      ['long pasted text', Array.from({ length: 3000 }, (_, i) => WORDS[(i * 3) % WORDS.length]).join(' '), undefined],
    ];
    for (const [name, q, warn] of cases) {
      const rss0 = process.memoryUsage().rss;
      const t0 = performance.now();
      for (const sort of ['relevance', 'date'] as const) {
        const r = e.search({ query: q, limit: 20, sort, facets: sort === 'date' });
        if (warn) assert.match((r.warnings ?? []).join(' '), warn, name);
      }
      e.trends({ query: q });
      const ms = performance.now() - t0;
      const grew = (process.memoryUsage().rss - rss0) / 1048576;
      assert.ok(ms < 3000, `${name}: ${ms.toFixed(0)} ms`);
      assert.ok(grew < 200, `${name}: grew ${grew.toFixed(0)} MB`);
    }
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
