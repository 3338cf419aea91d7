/**
 * `tra trends`, `tra attention`, `tra emerging` and `tra clusters` refuse hostile dates with one
 * line on stderr naming the option, before opening anything, and answer a whole-window range by
 * week with a bounded axis.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { HOSTILE, makeDataDir, sampleDocs } from '../../src/server/test-support.ts';

const BIN = fileURLToPath(new URL('../../bin/tra.js', import.meta.url));
let dir: string;

// Two crawled pages whose article:published_time is absurd: kept as given, dating nothing.
const ABSURD = [
  { id: 'absurd-future', title: 'Giá vàng năm 275760', text: 'Giá vàng tăng.', url: 'https://example.vn/absurd-1.html', published: '+275760-09-13T00:00:00Z', source: 'Báo Lạ' },
  { id: 'absurd-past', title: 'Giá vàng năm 1', text: 'Giá vàng giảm.', url: 'https://example.vn/absurd-2.html', published: '0001-01-01T00:00:00Z', source: 'Báo Lạ' },
];

before(async () => {
  dir = await makeDataDir([...sampleDocs(), ...HOSTILE, ...ABSURD]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function tra(args: string[]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, TRA_PROGRESS: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: performance.now() - t0 };
}

function refused(args: string[], pattern: RegExp) {
  const r = tra(args);
  assert.equal(r.code, 1, `${args.join(' ')}: ${r.out}${r.err}`);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, r.err);
  assert.match(lines[0], /^tra: /);
  assert.match(lines[0], pattern);
  assert.ok(r.ms < 10_000, `${Math.round(r.ms)} ms`);
}

test('tra trends: the issue\'s range by day is one line suggesting --interval week; malformed dates name the option', () => {
  refused(['trends', '--data', dir, '--from', '0001-01-01', '--to', '9999-12-31', 'vàng'], /--interval: .*quá giới hạn 7\.500 cột.*--interval week/);
  refused(['trends', '--data', dir, '--from', '9999-99-99', 'vàng'], /--from phải là một ngày có thật/);
  refused(['trends', '--data', dir, '--from', '2025-03-02', '--to', '2025-03-01', 'vàng'], /--from .*đổi chỗ/);
  refused(['trends', '--data', dir, '--to', '1985-01-01', 'vàng'], /--to .*trước 1990-01-01/);
});

test('tra trends by week over the whole window: clamped to 1990 … tomorrow, a bounded axis', () => {
  const r = tra(['trends', '--data', dir, '--from', '0001-01-01', '--to', '9999-12-31', '--interval', 'week', '--json', 'vàng']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { buckets: { start: string }[]; total: number };
  assert.ok(j.total > 0);
  assert.ok(j.buckets.length <= 2000, `${j.buckets.length}`);
  assert.ok(j.buckets[0].start >= '1989-12-25');
});

test('tra attention, emerging and clusters: the same checks, one line each', () => {
  refused(['attention', '--data', dir, '--from', '0001-01-01', '--to', '9999-12-31', 'vàng'], /--interval .*--interval month/);
  refused(['attention', '--data', dir, '--to', '2025-02-30', 'vàng'], /--to phải là một ngày có thật/);
  refused(['emerging', '--data', dir, '--date', '9999-99-99'], /--date phải là một ngày có thật/);
  refused(['clusters', '--data', dir, '--date', '2025-02-29'], /--date phải là một ngày có thật/);
});

test('a page dated +275760-09-13 (and one dated year 1) leaves tra trends and tra attention bounded', () => {
  for (const cmd of ['trends', 'attention']) {
    const r = tra([cmd, '--data', dir, '--json', 'giá vàng']);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.ms < 15_000, `${cmd}: ${Math.round(r.ms)} ms`);
    assert.ok(r.out.length < 100_000, `${cmd}: ${r.out.length} bytes`);
    const j = JSON.parse(r.out) as { buckets: { start: string }[] };
    assert.ok(j.buckets.every((b) => b.start >= '1990-01-01' && b.start <= '2100-01-01'), JSON.stringify(j.buckets.slice(0, 3)));
  }
});
