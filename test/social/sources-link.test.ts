/**
 * `tra sources link` and `tra sources publish` in child processes: a newsroom's account and its
 * source name each other in their profile fields (read back through the store, as the actors
 * serve them); unknown site, unknown user and bad input are refused in one Vietnamese line with a
 * non-zero exit; a saved search is published as `tim-kiem.{id}` and withdrawn with --remove.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tra } from '../hostile/run.ts';
import { createSocialContext } from '../../src/social/http.ts';
import { NewsSources } from '../../src/social/sources/index.ts';
import { openEngine } from '../../src/engine/index.ts';
import { usernameProblem } from '../../src/social/accounts/rules.ts';

const oneLine = (stderr: string) => stderr.trim().split('\n').length === 1;
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

test('tra sources link: newsroom ↔ source fields both ways, --remove; one-line refusals', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-sources-link-'));
  try {
    writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ names: { 'tinmau.vn': 'Tin Mẫu' } }));
    for (const u of ['toasoan_tinmau', 'ban_doc']) assert.equal((await tra(['accounts', 'add', '--data', dir, u], {}, 60_000, 'mật-khẩu-đủ-dài\n')).code, 0);

    const cases: Array<[string[], RegExp]> = [
      [['sources', 'link', '--data', dir, 'khongco.vn', 'toasoan_tinmau'], /không có nguồn tin "khongco\.vn"/],
      [['sources', 'link', '--data', dir, 'tinmau.vn', 'khong_ai'], /không có tài khoản "khong_ai"/],
      [['sources', 'link', '--data', dir, 'tinmau.vn'], /thiếu tên người dùng/],
      [['sources', 'link', '--data', dir, 'http://[::1', 'toasoan_tinmau'], /không phải tên miền/],
      [['sources', 'link', '--data', path.join(dir, 'khac'), 'tinmau.vn', 'toasoan_tinmau'], /chưa có tài khoản nào/],
    ];
    for (const [args, want] of cases) {
      const r = await tra(args, {}, 60_000);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, want, args.join(' '));
      assert.ok(oneLine(r.stderr), r.stderr);
    }

    const ok = await tra(['sources', 'link', '--data', dir, 'https://www.tinmau.vn/thoi-su', '@toasoan_tinmau', '--json'], {}, 60_000);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(last(ok.stdout), { site: 'tinmau.vn', source: 'tinmau.vn', newsroom: 'toasoan_tinmau' });

    const fields = () => {
      const social = createSocialContext({ dataDir: dir, origin: 'https://tra.example.vn' });
      try {
        const sources = new NewsSources(social, { dataDir: dir });
        const f = (u: string) => sources.fieldsOf(social.store.accounts.local(u)!);
        return { newsroom: f('toasoan_tinmau'), source: f('tinmau.vn') };
      } finally {
        social.store.close();
      }
    };
    let f = fields();
    assert.equal(f.newsroom[0]?.name, 'Nguồn tin');
    assert.match(f.newsroom[0].valueHtml, /https:\/\/tra\.example\.vn\/@tinmau\.vn/);
    assert.ok(f.source.some((x) => x.name === 'Toà soạn' && x.valueHtml.includes('/@toasoan_tinmau')));

    // --remove naming another account is refused; plain --remove drops both fields.
    const wrong = await tra(['sources', 'link', '--data', dir, 'tinmau.vn', 'ban_doc', '--remove'], {}, 60_000);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /không gắn với tài khoản "ban_doc" mà với "toasoan_tinmau"/);
    assert.ok(oneLine(wrong.stderr));
    const rm = await tra(['sources', 'link', '--data', dir, 'tinmau.vn', '--remove'], {}, 60_000);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, /đã bỏ liên kết/);
    f = fields();
    assert.deepEqual(f.newsroom, []);
    assert.ok(!f.source.some((x) => x.name === 'Toà soạn'));

    // A source account cannot be named as a newsroom.
    const self = await tra(['sources', 'link', '--data', dir, 'tinmau.vn', 'tinmau.vn'], {}, 60_000);
    assert.notEqual(self.code, 0);
    assert.match(self.stderr, /tài khoản tự động/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tra sources publish: a saved search becomes tim-kiem.{id}; --remove withdraws it; people cannot take the prefix', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-sources-publish-'));
  try {
    (await openEngine(dir)).close(); // an empty index: saved searches need a data directory
    assert.equal((await tra(['accounts', 'add', '--data', dir, 'quan_tri'], {}, 60_000, 'mật-khẩu-đủ-dài\n')).code, 0);
    const none = await tra(['sources', 'publish', '--data', dir, '3'], {}, 60_000);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /không có tìm kiếm đã lưu #3/);
    assert.ok(oneLine(none.stderr));
    const add = await tra(['alerts', 'add', '--data', dir, '--name', 'Bão', '--query', 'bão lũ', '--threshold', '5', '--json'], {}, 60_000);
    assert.equal(add.code, 0, add.stderr);
    const id = String((last(add.stdout) as { id: number }).id);
    const pub = await tra(['sources', 'publish', '--data', dir, id, '--json'], {}, 60_000);
    assert.equal(pub.code, 0, pub.stderr);
    assert.deepEqual(last(pub.stdout), { alert: Number(id), username: `tim-kiem.${id}`, query: 'bão lũ' });
    // Publishing again gives the same actor.
    assert.equal(last((await tra(['sources', 'publish', '--data', dir, id, '--json'], {}, 60_000)).stdout).username, `tim-kiem.${id}`);
    const list = await tra(['sources', 'publish', '--data', dir, '--json'], {}, 60_000);
    assert.deepEqual(last(list.stdout), { searches: [{ alert: Number(id), username: `tim-kiem.${id}`, name: 'Bão', query: 'bão lũ' }] });

    const social = createSocialContext({ dataDir: dir, origin: 'https://tra.example.vn' });
    try {
      const a = social.store.accounts.local(`tim-kiem.${id}`)!;
      assert.equal(a.bot, true);
      assert.match(a.note, /tìm kiếm đã lưu “Bão”.*truy vấn: bão lũ.*tối đa 10 bài mỗi giờ/);
      const f = new NewsSources(social, { dataDir: dir }).fieldsOf(a);
      assert.deepEqual(f[0], { name: 'Truy vấn', valueHtml: 'bão lũ' });
    } finally {
      social.store.close();
    }

    const rm = await tra(['sources', 'publish', '--data', dir, id, '--remove'], {}, 60_000);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, /đã gỡ @tim-kiem\./);
    const again = await tra(['sources', 'publish', '--data', dir, id, '--remove'], {}, 60_000);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /chưa được đăng thành tài khoản/);
    assert.ok(oneLine(again.stderr));

    assert.match(usernameProblem('tim-kiem.7') ?? '', /được giữ cho các tìm kiếm đã lưu/);
    assert.equal(usernameProblem('tim_kiem'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
