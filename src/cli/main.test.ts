/**
 * Usage errors of the `tra` command: commander's English replaced by one Vietnamese line that
 * names the option, argument or command and points at the right help.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { usageMessage } from './main.ts';

const TRA = path.join(import.meta.dirname, '..', '..', 'bin', 'tra.js');
const run = (args: string[]) => spawnSync(process.execPath, [TRA, ...args], { encoding: 'utf8' });

test('a usage error is one Vietnamese line on stderr, exit code 2, pointing at the command\'s help', () => {
  const cases: Array<[string[], RegExp]> = [
    [['export', '--data', '/nonexistent'], /^tra: thiếu tuỳ chọn bắt buộc --format <fmt> — xem "tra export --help"\n$/],
    [['serach', 'vàng'], /^tra: không có lệnh "serach" \(có phải ý bạn là search\?\) — xem "tra --help"\n$/],
    [['search', '--data', '/nonexistent', '--limt', '3', 'vàng'], /^tra: không có tuỳ chọn --limt \(có phải ý bạn là --limit\?\) — xem "tra search --help"\n$/],
    [['search', '--limit'], /^tra: tuỳ chọn --limit <k> cần một giá trị — xem "tra search --help"\n$/],
    [['analyze'], /^tra: thiếu đối số bắt buộc <text> — xem "tra analyze --help"\n$/],
    [['alerts', 'add', '--data', '/nonexistent'], /^tra: thiếu tuỳ chọn bắt buộc --name <name> — xem "tra alerts add --help"\n$/],
  ];
  for (const [args, expected] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, expected, args.join(' '));
    assert.doesNotMatch(r.stderr, /error:|Did you mean|not specified/, args.join(' '));
    assert.equal(r.stdout, '');
  }
});

test('help and version still print and succeed', () => {
  const v = run(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  const h = run(['search', '--help']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /--limit/);
});

test('every wording commander uses for usage errors has its Vietnamese line', () => {
  assert.equal(usageMessage("error: too many arguments for 'stats'. Expected 0 arguments but got 1: x.\n"), 'thừa đối số cho lệnh stats: lệnh nhận 0 đối số, nhưng được 1 (x); văn bản có dấu cách hãy đặt trong ngoặc kép');
  assert.equal(usageMessage("error: option '--json' cannot be used with option '--csv'\n"), 'không dùng được --json cùng với --csv');
  assert.equal(usageMessage("error: option '--limit <k>' argument 'abc' is invalid. phải là số nguyên\n"), 'giá trị "abc" của tuỳ chọn --limit <k> không hợp lệ: phải là số nguyên');
  assert.equal(usageMessage("error: command-argument value 'x' is invalid for argument 'n'.\n"), 'giá trị "x" của đối số <n> không hợp lệ');
  assert.equal(usageMessage("error: unknown option '--jsn'\n(Did you mean one of --json, --js?)\n"), 'không có tuỳ chọn --jsn (có phải ý bạn là --json hay --js?)');
  // A wording we do not know keeps commander's words on one line, without the English prefix.
  assert.equal(usageMessage('error: something new\nsecond line\n'), 'something new second line');
});
