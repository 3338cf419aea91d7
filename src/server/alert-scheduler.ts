/**
 * Runs the alert check every `intervalMs`, never two at once: the next run is timed from the end
 * of the previous one, and `runNow()` during a run queues exactly one more after it (so a caller
 * that has just added documents gets a check that sees them). `stop()` cancels the timer and
 * waits for the run in flight, at most `graceMs` — an interrupted delivery is not lost, the
 * outbox sends it again on the next start (src/observe/alerts.ts).
 */
export interface AlertSchedulerOptions<T> {
  run: () => Promise<T>;
  /** 0 (or less): no periodic runs, only `runNow()`. */
  intervalMs: number;
  onResult?: (r: T) => void;
  onError?: (err: Error) => void;
}

export class AlertScheduler<T> {
  private readonly o: AlertSchedulerOptions<T>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;
  private queued: Promise<T> | undefined;
  private stopped = false;
  /** Completed runs (tests, metrics). */
  runs = 0;

  constructor(o: AlertSchedulerOptions<T>) {
    this.o = o;
  }

  start(): void {
    this.schedule();
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  private schedule(): void {
    if (this.stopped || this.o.intervalMs <= 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.runNow().catch(() => {});
    }, this.o.intervalMs);
    this.timer.unref();
  }

  private launch(): Promise<T> {
    clearTimeout(this.timer);
    const p = (async () => {
      try {
        const r = await this.o.run();
        this.o.onResult?.(r);
        return r;
      } catch (err) {
        this.o.onError?.(err as Error);
        throw err;
      } finally {
        this.runs++;
        this.running = undefined;
        this.schedule();
      }
    })();
    this.running = p;
    return p;
  }

  /** Check now: starts a run, or queues one after the run in flight (one at most). */
  runNow(): Promise<T> {
    if (this.stopped) return Promise.reject(new Error('máy chủ đang tắt (alert scheduler stopped)'));
    if (!this.running) return this.launch();
    this.queued ??= this.running.catch(() => undefined).then(() => {
      this.queued = undefined;
      if (this.stopped) throw new Error('máy chủ đang tắt (alert scheduler stopped)');
      return this.running ?? this.launch();
    });
    return this.queued;
  }

  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const inFlight = this.running;
    if (!inFlight) return;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([inFlight.catch(() => {}), new Promise<void>((r) => (t = setTimeout(r, graceMs)))]);
    clearTimeout(t);
  }
}
