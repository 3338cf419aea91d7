/**
 * `tra accounts` as the contract states it, in child processes: the last stdout line of `add` is
 * {"id", "username"}, `token` prints {"access_token"}; refusals are one Vietnamese line on stderr
 * with a non-zero exit. And `--origin` makes the ids the server gives out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tra } from '../hostile/run.ts';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TRA = fileURLToPath(new URL('../../bin/tra.js', import.meta.url));

const oneLine = (stderr: string) => stderr.trim().split('\n').length === 1;

test('tra accounts add / token: JSON on stdout; weak, taken, unknown and bad input refused in one line', async () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'tra-accounts-')), 'du-lieu');
  try {
    const add = await tra(['accounts', 'add', '--data', dir, 'lan_anh'], {}, 60_000, 'mật-khẩu-đủ-dài\n');
    assert.equal(add.code, 0, add.stderr);
    const made = JSON.parse(add.stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(Object.keys(made).sort(), ['id', 'username']);
    assert.equal(made.username, 'lan_anh');
    assert.match(made.id, /^\d{18}$/);
    const cases: Array<[string[], string | undefined, RegExp]> = [
      [['accounts', 'add', '--data', dir, 'LAN_ANH'], 'mật-khẩu-đủ-dài\n', /đã có người dùng/],
      [['accounts', 'add', '--data', dir, 'minh'], 'ngan\n', /mật khẩu yếu/],
      [['accounts', 'add', '--data', dir, 'minh'], '\n', /thiếu mật khẩu/],
      [['accounts', 'add', '--data', dir, 'tên có dấu'], 'mật-khẩu-đủ-dài\n', /không hợp lệ/],
      [['accounts', 'token', '--data', dir, 'khong_co'], undefined, /không có tài khoản "khong_co"/],
      [['accounts', 'token', '--data', dir, 'lan_anh', '--scopes', 'read moi-thu'], undefined, /quyền không hợp lệ/],
      [['accounts', 'token', '--data', path.join(dir, 'khac'), 'lan_anh'], undefined, /chưa có tài khoản nào/],
    ];
    for (const [args, input, want] of cases) {
      const r = await tra(args, {}, 60_000, input);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, want, args.join(' '));
      assert.ok(oneLine(r.stderr), r.stderr);
    }
    const tok = await tra(['accounts', 'token', '--data', dir, '@lan_anh', '--scopes', 'read write:statuses'], {}, 60_000);
    assert.equal(tok.code, 0, tok.stderr);
    const { access_token } = JSON.parse(tok.stdout.trim());
    assert.match(access_token, /^[A-Za-z0-9_-]{43}$/);

    // `tra serve` on this directory (no documents: it gets an empty index) gives ids made from --origin.
    const child = spawn(process.execPath, [TRA, 'serve', '--data', dir, '--port', '0', '--workers', '0', '--alert-interval', '0', '--log-level', 'warn', '--origin', 'https://tra.example.vn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.stderr!.on('data', (d) => (err += d));
        child.on('exit', (code) => reject(new Error(`tra serve exited ${code}: ${err}`)));
      });
      const me = (await (await fetch(`${url}api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${access_token}` } })).json()) as { uri: string; url: string };
      assert.equal(me.uri, 'https://tra.example.vn/users/lan_anh');
      assert.equal(me.url, 'https://tra.example.vn/@lan_anh');
      const inst = (await (await fetch(`${url}api/v2/instance`)).json()) as { domain: string };
      assert.equal(inst.domain, 'tra.example.vn');
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const closed = new Promise((r) => child.once('close', r));
        child.kill('SIGTERM');
        await closed;
      }
    }
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('tra serve refuses an --origin with a path, in one line', async () => {
  const r = await tra(['serve', '--data', tmpdir(), '--origin', 'https://tra.example.vn/mxh'], {}, 30_000);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--origin phải là địa chỉ gốc/);
  assert.ok(oneLine(r.stderr), r.stderr);
});
