/** Runs the real `tra` command in a child process and measures it (test/hostile/*.test.ts). */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TRA = fileURLToPath(new URL('../../bin/tra.js', import.meta.url));
const HOOKS = new URL('./hooks.ts', import.meta.url).href;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time of the whole command, ms. */
  ms: number;
  /** Peak resident set size of the child, MB. */
  peakMb: number;
}

/** Run `tra ARGS…`; `input`, when given, is written to its standard input (a pipe, not a terminal). */
export function tra(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000, input?: string): Promise<Run> {
  const rssFile = path.join(os.tmpdir(), `tra-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', HOOKS, TRA, ...args], {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, TRA_PROGRESS: '0', TRA_TEST_PEAK_RSS: rssFile, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    if (input !== undefined) child.stdin!.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let peakMb = NaN;
      try {
        peakMb = Number(fs.readFileSync(rssFile, 'utf8')) / 1024;
        fs.rmSync(rssFile, { force: true });
      } catch {
        /* killed before exit */
      }
      resolve({ code, stdout, stderr, ms: performance.now() - t0, peakMb });
    });
  });
}

/** The last line of stdout as JSON. */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

/** stderr as lines, without the empty last one. */
export function lines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '');
}
