import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { syntheticNews } from '../../observe/test-fixtures.ts';
import { verifySignature } from '../../observe/alerts.ts';

const BIN = fileURLToPath(new URL('../../../bin/tra.js', import.meta.url));
const run = promisify(execFile);
// The receiver below listens on loopback: TRA_ALLOW_PRIVATE_ADDRESSES=1 is how an operator lets `tra alerts check` reach it.
const tra = (args: string[]) => run(process.execPath, [BIN, ...args], { env: { ...process.env, TRA_PROGRESS: '0', TRA_ALLOW_PRIVATE_ADDRESSES: '1' } });

test('tra alerts: add, check (signed webhook to a loopback receiver), list, events', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-alerts-cli-'));
  const got: { body: string; sig: string; ts: number }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ body, sig: String(req.headers['x-tra-signature']), ts: Number(req.headers['x-tra-timestamp']) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const docs = syntheticNews('2025-06-02', 30, 20, [{ day: 25, docs: 10, title: 'Sạt lở đất ở Hà Giang vùi lấp nhà dân' }]);
    const file = join(dir, 'docs.jsonl');
    writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    await tra(['index', '--data', dir, file]);
    const added = await tra(['alerts', 'add', '--data', dir, '--name', 'sạt lở', '--query', 'sạt lở', '--threshold', '5', '--webhook', url, '--secret', 'k', '--json']);
    const alert = JSON.parse(added.stdout);
    assert.equal(alert.kind, 'threshold');
    assert.equal(alert.secret, undefined);
    await tra(['alerts', 'check', '--data', dir, '--date', '2025-06-25']);
    const checked = JSON.parse((await tra(['alerts', 'check', '--data', dir, '--date', '2025-06-28', '--json'])).stdout);
    assert.deepEqual(checked.events.map((e: { type: string; day: string }) => [e.type, e.day]), [['start', '2025-06-27'], ['end', '2025-06-28']]);
    assert.equal(checked.delivery.delivered, 1);
    assert.equal(got.length, 1);
    assert.ok(verifySignature('k', got[0].ts, got[0].body, got[0].sig));
    assert.equal(JSON.parse(got[0].body).count, 10);
    const events = JSON.parse((await tra(['alerts', 'events', '--data', dir, '--json'])).stdout).events;
    assert.equal(events.length, 2);
    assert.equal(events[0].delivered, true);
    const list = JSON.parse((await tra(['alerts', 'list', '--data', dir, '--json'])).stdout).alerts;
    assert.equal(list.length, 1);
    assert.equal(list[0].inEpisode, false);
    await assert.rejects(tra(['alerts', 'add', '--data', dir, '--name', 'x', '--query', 'y']), /--threshold/);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});
