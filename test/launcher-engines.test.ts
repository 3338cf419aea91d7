/**
 * `npx tra` prints nothing of npm's own on a machine whose system Node is older than 24. To run a
 * project's own bin, `npm exec` links the project into its npx cache (~/.npm/_npx/HASH) and, like
 * any install, checks the `engines` of what it links against the Node running npm: with
 * `"node": ">=24"` that was five EBADENGINE lines, twice, whenever that cache entry was missing
 * (a fresh clone, a CI runner, a cleaned cache). Node 24 comes from the `node` dependency and
 * bin/tra.js re-runs itself on it, so `engines` states what npm and the launcher need: Node 20.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

test('engines admits the Node 20 that runs npm install, and the lockfile agrees', () => {
  const m = /^>=\s*(\d+)(\.\d+)*$/.exec(pkg.engines.node);
  assert.ok(m, `engines.node is a lower bound: ${pkg.engines.node}`);
  assert.ok(Number(m[1]) <= 20, `engines.node ${pkg.engines.node} would warn on every npx under Node 20`);
  assert.deepEqual(lock.packages[''].engines, pkg.engines);
  assert.match(pkg.dependencies.node, /^24\./, 'Node 24 itself still comes from the node package');
});

/** A `node` older than 24 on PATH outside this project's node_modules, if the machine has one. */
function systemNode(dirs: string[]): string | undefined {
  for (const d of dirs) {
    const bin = path.join(d, 'node');
    if (!fs.existsSync(bin)) continue;
    const v = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
    return Number(/^v(\d+)/.exec(v)?.[1] ?? 99) < 24 ? bin : undefined;
  }
  return undefined;
}

const outside = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d && !d.includes('node_modules'));
const older = systemNode(outside);

test('npx tra under an older system Node prints only what tra prints', { skip: !older && 'no Node older than 24 on PATH' }, () => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toLowerCase().startsWith('npm_')) env[k] = v;
  env.PATH = outside.join(path.delimiter);
  // An empty npm cache: the first `npx tra` of a fresh clone, when npm links the project in.
  env.npm_config_cache = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-npx-cache-'));
  try {
    for (const run of ['first', 'second']) {
      const r = spawnSync('npx', ['tra', '--version'], { cwd: ROOT, env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${pkg.version}\n`);
      assert.equal(r.stderr, '', `npm added output to the ${run} run (system ${older})`);
    }
  } finally {
    fs.rmSync(env.npm_config_cache, { recursive: true, force: true });
  }
});
