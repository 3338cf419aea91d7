import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TRA = path.join(import.meta.dirname, '..', '..', 'bin', 'tra.js');

test('tra alerts add refuses a webhook to an internal address unless the operator allows it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-cli-alert-'));
  try {
    const file = path.join(dir, 'd.jsonl');
    writeFileSync(file, JSON.stringify({ id: 'a', title: 'Giá vàng tăng', published: '2025-09-01T08:00:00+07:00' }) + '\n');
    const data = path.join(dir, 'data');
    const env = { ...process.env, TRA_ALLOW_PRIVATE_ADDRESSES: '' };
    assert.equal(spawnSync(process.execPath, [TRA, 'index', '--data', data, file], { encoding: 'utf8', env }).status, 0);
    for (const url of ['http://127.0.0.1:9/x', 'http://2130706433/x', 'http://0x7f000001/x', 'http://[::1]/x', 'http://10.0.0.1/x']) {
      const r = spawnSync(process.execPath, [TRA, 'alerts', 'add', '--data', data, '--name', 'v', '--query', 'vàng', '--threshold', '1', '--webhook', url], { encoding: 'utf8', env });
      assert.equal(r.status, 1, url);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /--webhook.*không được phép/);
    }
    const ok = spawnSync(process.execPath, [TRA, 'alerts', 'add', '--data', data, '--name', 'v', '--query', 'vàng', '--threshold', '1', '--webhook', 'http://127.0.0.1:9/x', '--allow-private-addresses'], { encoding: 'utf8', env });
    assert.equal(ok.status, 0, ok.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
