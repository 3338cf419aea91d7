#!/usr/bin/env node
// Launcher for the `tra` command. Tra runs on Node.js 24 (TypeScript sources are run directly,
// types stripped). When started by an older Node (for example a system Node 20 calling
// `node bin/tra.js`), re-run the same command with the Node 24 that `npm install` placed in
// node_modules, so every entry point behaves the same.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const node24 = path.join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(node24)) {
    process.stderr.write(`tra: cần Node.js 24 trở lên (đang chạy ${process.version}); hãy chạy "npm install" trong ${root}\n`);
    process.exit(1);
  }
  const child = spawn(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Pass termination signals on, so stopping this wrapper stops the real process too.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1)));
} else {
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
