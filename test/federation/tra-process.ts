/**
 * A real `tra serve` in a child process on a fixed loopback port (so a restart keeps its origin),
 * with `--allow-private-addresses`, over a data directory made by `tra accounts add`; and the
 * Mastodon client for its accounts' tokens (`tra accounts token`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRestAPIClient, type mastodon } from 'masto';
import { tra } from '../hostile/run.ts';

const TRA = fileURLToPath(new URL('../../bin/tra.js', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function addAccount(dir: string, username: string): Promise<{ token: string }> {
  const add = await tra(['accounts', 'add', '--data', dir, username], {}, 60_000, 'mật-khẩu-thật-dài-1\n');
  if (add.code !== 0) throw new Error(add.stderr);
  const tok = await tra(['accounts', 'token', '--data', dir, username, '--scopes', 'read write follow'], {}, 60_000);
  if (tok.code !== 0) throw new Error(tok.stderr);
  return { token: (JSON.parse(tok.stdout.trim()) as { access_token: string }).access_token };
}

export class TraProcess {
  readonly dir: string;
  readonly port: number;
  readonly origin: string;
  readonly host: string;
  child: ChildProcess | undefined;
  stderr = '';

  constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.origin = `http://127.0.0.1:${port}`;
    this.host = `127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [TRA, 'serve', '--data', this.dir, '--port', String(this.port), '--host', '127.0.0.1', '--allow-private-addresses', '--workers', '0', '--alert-interval', '0', '--log-level', 'warn', '--rate-limit', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRA_PROGRESS: '0' } },
    );
    this.child = child;
    child.stderr!.on('data', (d) => (this.stderr += d));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`tra serve exited ${code}: ${this.stderr}`)));
    });
  }

  /** kill -9: no shutdown, nothing flushed. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
  }

  client(token: string): mastodon.rest.Client {
    return createRestAPIClient({ url: this.origin, accessToken: token });
  }
}

/** Resolves with the value once `fn` gives one that is not undefined, polling every 25 ms. */
export async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
