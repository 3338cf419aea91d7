/**
 * Real `tra` processes for the cluster tests: start one, wait for a line it prints (its URL),
 * kill it; and a generated corpus of Vietnamese news items. Every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TRA = fileURLToPath(new URL('../../bin/tra.js', import.meta.url));

export interface Proc {
  child: ChildProcess;
  out: string;
  err: string;
  /** Resolves with the first stdout or stderr line matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [TRA, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRA_PROGRESS: '0', ...env } });
  const p: Proc = {
    child,
    out: '',
    err: '',
    waitFor(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of (p.out + p.err).split('\n')) if (re.test(line)) return done(line);
          if (child.exitCode !== null) done(undefined, new Error(`tra ${args[0]} exited ${child.exitCode}: ${p.err.slice(-500)}`));
        };
        const timer = setTimeout(() => done(undefined, new Error(`tra ${args[0]}: no line ${re} after ${timeoutMs} ms; stderr: ${p.err.slice(-500)}`)), timeoutMs);
        const done = (line?: string, e?: Error) => {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.stderr!.off('data', check);
          child.off('exit', check);
          if (e) reject(e);
          else resolve(line!);
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        child.on('exit', check);
        check();
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    },
  };
  child.stdout!.on('data', (d) => (p.out += d));
  child.stderr!.on('data', (d) => (p.err += d));
  return p;
}

/** Poll `fn` until it returns a truthy value (or throw after `timeoutMs`). */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function getJson(url: string, timeoutMs = 20_000): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const WORDS = ('Hà Nội thành phố Hồ Chí Minh Đà Nẵng giá vàng tăng giảm bão số lũ lụt miền Trung kinh tế ngân hàng lãi suất ' +
  'bóng đá đội tuyển Việt Nam chứng khoán cổ phiếu xuất khẩu gạo cà phê giáo dục học sinh thi tốt nghiệp bệnh viện y tế ' +
  'giao thông cao tốc Bắc Nam sân bay Long Thành điện mặt trời năng lượng chuyển đổi số công nghệ trí tuệ nhân tạo ' +
  'du lịch Phú Quốc Hạ Long mưa lớn nắng nóng nhiệt độ Quốc hội Chính phủ thủ tướng bộ trưởng doanh nghiệp nhà đầu tư ' +
  'bất động sản căn hộ giá nhà người dân nông dân thu hoạch lúa sầu riêng Trung Quốc Mỹ thuế quan').split(' ');
const SOURCES = ['VnExpress', 'Tuổi Trẻ', 'Thanh Niên', 'Dân Trí'];
const CATEGORIES = ['Thời sự', 'Kinh doanh', 'Thể thao'];

/** `n` news items, deterministic, dated in April–September 2025 (two quarters), ids not in input order. */
export function corpus(n: number, seed = 7): Record<string, unknown>[] {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
  const phrase = (k: number) => Array.from({ length: k }, () => pick(WORDS)).join(' ');
  const docs: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const day = 1 + Math.floor(rnd() * 180);
    const t = Date.UTC(2025, 3, 1) + day * 86_400_000 + Math.floor(rnd() * 86_400) * 1000;
    const d: Record<string, unknown> = {
      id: `tin-${Math.floor(rnd() * 1e9).toString(36)}-${i}`,
      title: phrase(4 + Math.floor(rnd() * 6)),
      summary: phrase(12 + Math.floor(rnd() * 25)) + '.',
      url: `https://bao.example.vn/${i}.html`,
      published: new Date(t).toISOString(),
      source: pick(SOURCES),
    };
    if (rnd() < 0.8) d.category = pick(CATEGORIES);
    if (rnd() < 0.05) delete d.published;
    docs.push(d);
  }
  return docs;
}
