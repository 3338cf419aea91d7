/**
 * One writer per data directory: `DIR/write.lock`.
 *
 * The lock file holds JSON `{pid, host, start, command, since}` of the process that writes the
 * directory. It is created atomically with its content (written to a private temporary file,
 * then hard-linked to `write.lock`, which fails if the name exists), so a lock file is never seen
 * half written. Readers never take it.
 *
 * Stale locks: a lock whose process is gone (same host, `kill(pid, 0)` says ESRCH, or the pid now
 * belongs to a process started at another time — pid reuse, checked through /proc on Linux) is
 * taken over: renamed aside, checked to still be the stale one, removed, and the lock taken
 * again. A process killed with SIGKILL therefore never blocks the next writer. The lock is
 * removed by `release()` (Engine.close) and, as a last resort, when the process exits.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { EngineError } from './errors.ts';

export const LOCK_FILE = 'write.lock';

interface LockInfo {
  pid: number;
  host: string;
  /** Process start time (clock ticks since boot, from /proc/PID/stat), when known. */
  start?: string;
  command?: string;
  since?: string;
}

/** Locks this process holds (lock path → token written in it). */
const held = new Map<string, string>();
let exitHook = false;

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Field 22 (starttime); the command name (field 2) is in parentheses and may hold spaces.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

function readLock(file: string): { raw: string; info: LockInfo | undefined } | undefined {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const info = JSON.parse(raw) as LockInfo;
    return { raw, info: typeof info?.pid === 'number' ? info : undefined };
  } catch {
    return { raw, info: undefined };
  }
}

/** Whether the process named by a lock is certainly gone. */
function isStale(info: LockInfo | undefined): boolean {
  if (!info) return true; // unreadable content: never written by this code, which links it whole
  if (info.host !== hostname()) return false; // cannot tell: assume alive
  if (info.pid === process.pid) return true; // not a lock this process holds (checked before): an earlier process with our pid
  try {
    process.kill(info.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  // Alive (or not ours to signal): stale only if the pid was reused by a later process.
  if (info.start) {
    const now = startTime(info.pid);
    if (now !== undefined && now !== info.start) return true;
  }
  return false;
}

function describe(info: LockInfo | undefined): string {
  if (!info) return 'một tiến trình không rõ';
  const parts = [`pid ${info.pid}`];
  if (info.host !== hostname()) parts.push(`máy ${info.host}`);
  if (info.command) parts.push(`"${info.command}"`);
  if (info.since) parts.push(`từ ${info.since}`);
  return `tiến trình ${parts.join(', ')}`;
}

export interface WriteLock {
  readonly file: string;
  release(): void;
}

/**
 * Take the write lock of `dataDir` (which must exist), or throw an EngineError naming the
 * process that holds it.
 */
export function acquireWriteLock(dataDir: string): WriteLock {
  const file = path.resolve(dataDir, LOCK_FILE);
  if (held.has(file)) {
    throw new EngineError(`${dataDir}: thư mục dữ liệu đã được mở để ghi trong chính tiến trình này (already open for writing in this process); hãy đóng engine kia trước`);
  }
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    start: startTime(process.pid),
    command: ['tra', ...process.argv.slice(2)].join(' ').slice(0, 200),
    since: new Date().toISOString(),
  };
  const token = JSON.stringify(info);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, token);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const cur = readLock(file);
      if (!cur) continue; // released meanwhile: try again
      if (attempt >= 5 || !isStale(cur.info)) {
        throw new EngineError(
          `${dataDir}: ${describe(cur.info)} đang ghi vào thư mục dữ liệu này (locked by another writer: ${file}). ` +
            `Mỗi lúc chỉ một tiến trình được ghi; hãy đợi tiến trình đó xong hoặc dừng nó` +
            (cur.info && cur.info.host === hostname() ? ` (kill ${cur.info.pid})` : '') +
            `, rồi chạy lại. Đọc (search, stats, serve) thì vẫn được.`,
        );
      }
      // Stale: move it aside, and remove it only if it is still the stale one we judged.
      const aside = `${file}.${process.pid}.stale`;
      try {
        renameSync(file, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const moved = readLock(aside);
      if (moved && moved.raw !== cur.raw) {
        // Another process took it over between our read and rename: put its lock back.
        try {
          linkSync(aside, file);
        } catch {
          /* someone else holds it now; the next round reports them */
        }
      }
      unlinkSync(aside);
    }
  } finally {
    unlinkSync(tmp);
  }
  held.set(file, token);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const f of held.keys()) releaseFile(f);
    });
  }
  return { file, release: () => releaseFile(file) };
}

function releaseFile(file: string): void {
  const token = held.get(file);
  if (token === undefined) return;
  held.delete(file);
  const cur = readLock(file);
  if (cur && cur.raw === token) {
    try {
      unlinkSync(file);
    } catch {
      /* already gone */
    }
  }
}
