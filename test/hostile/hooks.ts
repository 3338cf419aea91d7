/**
 * Loaded into `tra` child processes by test/hostile/run.ts (`node --import`), never by the
 * product. Two test instruments, each off unless its variable is set:
 * - TRA_TEST_PEAK_RSS=FILE: at exit, write the process's peak resident set size (KB) to FILE.
 * - TRA_TEST_ENOSPC_AFTER=N: fs.writeSync fails with ENOSPC once N bytes have been written
 *   through it (the index's segment files and manifest go through writeSync): a full disk at
 *   the write layer, for machines where a small tmpfs cannot be mounted.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const rssFile = process.env.TRA_TEST_PEAK_RSS;
if (rssFile) process.on('exit', () => fs.writeFileSync(rssFile, String(process.resourceUsage().maxRSS)));

const after = Number(process.env.TRA_TEST_ENOSPC_AFTER);
if (Number.isFinite(after)) {
  let written = 0;
  const real = fs.writeSync;
  const patched = function (this: unknown, fd: number, data: NodeJS.ArrayBufferView | string, ...rest: unknown[]): number {
    written += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    if (written > after) {
      const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
      e.code = 'ENOSPC';
      e.errno = -28;
      e.syscall = 'write';
      throw e;
    }
    return (real as (...a: unknown[]) => number).call(this, fd, data, ...rest);
  };
  (fs as { writeSync: unknown }).writeSync = patched;
  syncBuiltinESMExports();
}
