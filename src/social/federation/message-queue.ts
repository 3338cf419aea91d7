/**
 * Fedify's message queue (`MessageQueue` of @fedify/fedify 2.3.6) on node:sqlite: the outbox's
 * deliveries, the fan-out of one activity to many inboxes, and incoming activities waiting to be
 * handled all live in one table of the federation file, so nothing accepted is lost when the
 * process stops.
 *
 *   fedify_mq(id, queue, message JSON, ordering_key, dedup_key, ready_at,
 *             lease_owner, lease_until, failures, dead_at, enqueued_at)
 *
 * - **Persistence.** `enqueue` returns after the row is committed and synced to disk (its own
 *   connection with synchronous = FULL). Taking, renewing and finishing messages use a second
 *   connection with synchronous = NORMAL: after a power cut one of those may be lost, which only
 *   means a message is handed out once more.
 * - **Leases.** A listener takes a message by setting `lease_owner`/`lease_until` in one UPDATE
 *   (atomic across connections and processes), renews the lease while its handler runs, and
 *   deletes the row when the handler returns. If the process dies mid-handler the lease runs out
 *   and another listener (or the restarted process) takes the message again: delivery is at least
 *   once. Fedify's inbox idempotence (activity ids in the kv store) drops the rare repeat.
 * - **Delays** are a `ready_at` in the future; **ordering keys** hand out only the oldest message
 *   of a key, and only when no other message of that key is being handled.
 * - **Deduplication.** Fedify's tasks carry an activity id; a second copy of the same task
 *   (same kind, activity, inbox and attempt) enqueued while the first still waits is dropped.
 * - **Waking.** Enqueuing in this process wakes this process's listeners at once; other processes
 *   poll (every `pollIntervalMs`, sooner when a delayed message is due), never in a busy loop.
 * - **Retries** are Fedify's (`nativeRetrial = false`: Fedify re-enqueues failed deliveries with
 *   its backoff). A handler that throws anyway (a bug) is retried a few times with our own backoff,
 *   then kept as dead (`dead_at`) for the operator instead of being retried forever.
 */
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type {
  MessageQueue,
  MessageQueueDepth,
  MessageQueueEnqueueOptions,
  MessageQueueListenOptions,
} from '@fedify/fedify';
import { openFederationDb, immediate } from './sqlite.ts';
import { durationMs, type DurationFields } from './duration.ts';

export interface SqliteMessageQueueOptions {
  /** The queue's name: several queues can share one file (we use inbox, outbox, fanout). */
  queue?: string;
  /** How often a waiting listener looks for work enqueued by other processes (ms). */
  pollIntervalMs?: number;
  /** How long a taken message stays hidden from other listeners without a renewal (ms). */
  leaseMs?: number;
  /** How many messages one listener handles at the same time. */
  concurrency?: number;
  /** How many times a handler may throw on one message before it is set aside as dead. */
  maxFailures?: number;
  /** After abort, how long `listen` waits for running handlers before it returns (ms). */
  shutdownGraceMs?: number;
  /** The deduplication key of a message, or null for none. Defaults to `fedifyDedupKey`. */
  dedupKey?: (message: unknown) => string | null;
  /** Told when a handler throws (default: one line on stderr). */
  onHandlerError?: (error: unknown, info: { id: number; failures: number; dead: boolean }) => void;
  /** The clock (ms since the epoch). */
  now?: () => number;
}

/**
 * The task identity of a Fedify queue message: its kind, activity id, target (inbox, recipient
 * or the set of inboxes of a fan-out) and attempt number. Other messages have none.
 */
export function fedifyDedupKey(message: unknown): string | null {
  if (message === null || typeof message !== 'object') return null;
  const m = message as Record<string, unknown>;
  const attempt = typeof m.attempt === 'number' ? m.attempt : 0;
  if (m.type === 'outbox' && typeof m.activityId === 'string' && typeof m.inbox === 'string') {
    return `outbox\n${m.activityId}\n${m.inbox}\n${attempt}`;
  }
  if (m.type === 'fanout' && typeof m.activityId === 'string' && m.inboxes !== null && typeof m.inboxes === 'object') {
    const inboxes = Object.keys(m.inboxes).sort().join('\n');
    return `fanout\n${m.activityId}\n${createHash('sha256').update(inboxes).digest('hex')}`;
  }
  if (m.type === 'inbox' && m.activity !== null && typeof m.activity === 'object') {
    const a = m.activity as Record<string, unknown>;
    const id = typeof a.id === 'string' ? a.id : typeof a['@id'] === 'string' ? a['@id'] : null;
    if (id === null) return null;
    return `inbox\n${id}\n${typeof m.identifier === 'string' ? m.identifier : ''}\n${attempt}`;
  }
  return null;
}

/** Listeners of this process, by file and queue name, woken when a message is enqueued here. */
const wakers = new Map<string, Set<() => void>>();

function wakeAll(channel: string): void {
  for (const w of wakers.get(channel) ?? []) w();
}

interface Claimed {
  id: number;
  message: string;
  failures: number;
}

function backoffMs(failures: number): number {
  return Math.min(3_600_000, 1000 * 2 ** Math.max(0, failures - 1));
}

export class SqliteMessageQueue implements MessageQueue {
  readonly nativeRetrial = false;
  readonly file: string;
  readonly queue: string;
  private readonly db: DatabaseSync;
  /** The connection that inserts: synced at every commit. */
  private readonly durable: DatabaseSync;
  private readonly channel: string;
  private readonly o: Required<Omit<SqliteMessageQueueOptions, 'queue'>>;
  private readonly closing = new AbortController();
  private readonly listening = new Set<Promise<void>>();
  private readonly sql: Record<'insert' | 'claim' | 'renew' | 'ack' | 'release' | 'bury' | 'nextDue' | 'depth', StatementSync>;

  constructor(file: string, options: SqliteMessageQueueOptions = {}) {
    this.file = file;
    this.queue = options.queue ?? 'fedify';
    this.o = {
      pollIntervalMs: options.pollIntervalMs ?? 500,
      leaseMs: options.leaseMs ?? 30_000,
      concurrency: Math.max(1, Math.floor(options.concurrency ?? 4)),
      maxFailures: options.maxFailures ?? 5,
      shutdownGraceMs: options.shutdownGraceMs ?? 10_000,
      dedupKey: options.dedupKey ?? fedifyDedupKey,
      onHandlerError: options.onHandlerError ?? ((e, info) => {
        process.stderr.write(`tra: hàng đợi liên hợp ${this.queue}: thông điệp #${info.id} lỗi lần ${info.failures}${info.dead ? ', bỏ riêng (dead)' : ', sẽ thử lại'}: ${e instanceof Error ? e.message : String(e)}\n`);
      }),
      now: options.now ?? Date.now,
    };
    if (!(this.o.leaseMs >= 100)) throw new RangeError('leaseMs phải từ 100 ms trở lên.');
    if (!(this.o.pollIntervalMs >= 10)) throw new RangeError('pollIntervalMs phải từ 10 ms trở lên.');
    this.channel = `${path.resolve(file)}\n${this.queue}`;
    this.durable = openFederationDb(file, { synchronous: 'FULL' });
    this.db = openFederationDb(file, { synchronous: 'NORMAL' });
    this.durable.exec(`CREATE TABLE IF NOT EXISTS fedify_mq (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      queue TEXT NOT NULL,
      message TEXT NOT NULL,
      ordering_key TEXT,
      dedup_key TEXT,
      ready_at INTEGER NOT NULL,
      lease_owner TEXT,
      lease_until INTEGER,
      failures INTEGER NOT NULL DEFAULT 0,
      dead_at INTEGER,
      enqueued_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS fedify_mq_ready ON fedify_mq(queue, ready_at, id) WHERE dead_at IS NULL;
    CREATE INDEX IF NOT EXISTS fedify_mq_ordering ON fedify_mq(queue, ordering_key, id) WHERE ordering_key IS NOT NULL AND dead_at IS NULL;
    CREATE UNIQUE INDEX IF NOT EXISTS fedify_mq_dedup ON fedify_mq(queue, dedup_key)
      WHERE dedup_key IS NOT NULL AND lease_owner IS NULL AND dead_at IS NULL;`);
    this.sql = {
      insert: this.durable.prepare(`INSERT INTO fedify_mq(queue, message, ordering_key, dedup_key, ready_at, enqueued_at)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      claim: this.db.prepare(`UPDATE fedify_mq SET lease_owner = :owner, lease_until = :until
        WHERE id = (
          SELECT m.id FROM fedify_mq m
          WHERE m.queue = :queue AND m.dead_at IS NULL AND m.ready_at <= :now
            AND (m.lease_owner IS NULL OR m.lease_until <= :now)
            AND (m.ordering_key IS NULL OR NOT EXISTS (
              SELECT 1 FROM fedify_mq o
              WHERE o.queue = m.queue AND o.ordering_key = m.ordering_key AND o.id < m.id AND o.dead_at IS NULL))
          ORDER BY m.ready_at, m.id LIMIT 1)
        RETURNING id, message, failures`),
      renew: this.db.prepare('UPDATE fedify_mq SET lease_until = ? WHERE id = ? AND lease_owner = ?'),
      ack: this.db.prepare('DELETE FROM fedify_mq WHERE id = ? AND lease_owner = ?'),
      release: this.db.prepare(`UPDATE fedify_mq SET lease_owner = NULL, lease_until = NULL, failures = ?, ready_at = ?
        WHERE id = ? AND lease_owner = ?`),
      bury: this.db.prepare(`UPDATE fedify_mq SET lease_owner = NULL, lease_until = NULL, failures = ?, dead_at = ?
        WHERE id = ? AND lease_owner = ?`),
      nextDue: this.db.prepare(`SELECT MIN(t) AS t FROM (
          SELECT MIN(ready_at) AS t FROM fedify_mq WHERE queue = :queue AND dead_at IS NULL AND lease_owner IS NULL
          UNION ALL
          SELECT MIN(lease_until) FROM fedify_mq WHERE queue = :queue AND dead_at IS NULL AND lease_owner IS NOT NULL)`),
      depth: this.db.prepare(`SELECT COUNT(*) AS queued, COALESCE(SUM(ready_at <= :now), 0) AS ready
        FROM fedify_mq WHERE queue = :queue AND dead_at IS NULL AND (lease_owner IS NULL OR lease_until <= :now)`),
    };
  }

  private insertAll(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): void {
    if (this.closing.signal.aborted) throw new Error(`Hàng đợi ${this.queue} đã đóng; không thể thêm thông điệp.`);
    const delay = options?.delay == null ? 0 : Math.max(0, durationMs(options.delay as DurationFields, 'Độ trễ (delay)'));
    const now = this.o.now();
    const ordering = options?.orderingKey ?? null;
    const rows = messages.map((m) => {
      const text = JSON.stringify(m);
      if (text === undefined) throw new TypeError('Thông điệp không chuyển được sang JSON.');
      return [text, this.o.dedupKey(m)] as const;
    });
    immediate(this.durable, () => {
      for (const [text, dedup] of rows) this.sql.insert.run(this.queue, text, ordering, dedup, now + delay, now);
    });
    wakeAll(this.channel);
  }

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    this.insertAll([message], options);
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    if (messages.length > 0) this.insertAll(messages, options);
  }

  async getDepth(): Promise<MessageQueueDepth> {
    const r = this.sql.depth.get({ queue: this.queue, now: this.o.now() }) as { queued: number; ready: number };
    return { queued: Number(r.queued), ready: Number(r.ready), delayed: Number(r.queued) - Number(r.ready) };
  }

  /**
   * Hands messages to `handler` until `signal` (or `close`) aborts; then waits up to
   * `shutdownGraceMs` for running handlers and resolves. Never rejects.
   */
  listen(handler: (message: any) => Promise<void> | void, options: MessageQueueListenOptions = {}): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const run = this.loop(handler, options.signal).finally(() => this.listening.delete(run));
    this.listening.add(run);
    return run;
  }

  private async loop(handler: (message: unknown) => Promise<void> | void, signal?: AbortSignal): Promise<void> {
    const stop = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    const owner = randomUUID();
    const running = new Set<Promise<void>>();
    let wake: (() => void) | null = null;
    let woken = false;
    const waker = () => {
      woken = true;
      wake?.();
    };
    let set = wakers.get(this.channel);
    if (!set) wakers.set(this.channel, (set = new Set()));
    set.add(waker);
    const onStop = () => waker();
    stop.addEventListener('abort', onStop);
    try {
      while (!stop.aborted) {
        while (running.size < this.o.concurrency && !stop.aborted) {
          const claimed = this.claim(owner);
          if (!claimed) break;
          const job = this.handle(claimed, handler, owner).finally(() => {
            running.delete(job);
            wakeAll(this.channel); // a slot is free, and an ordering key may be unblocked
          });
          running.add(job);
        }
        if (stop.aborted) break;
        if (woken) {
          // something happened during this pass (an enqueue, a handler ending): look again first
          woken = false;
          continue;
        }
        const waitMs = running.size >= this.o.concurrency ? this.o.pollIntervalMs : this.untilNextDue();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
        woken = false;
      }
    } finally {
      stop.removeEventListener('abort', onStop);
      set.delete(waker);
      if (set.size === 0) wakers.delete(this.channel);
    }
    if (running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(running),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.o.shutdownGraceMs))),
      ]);
      clearTimeout(timer);
    }
  }

  private untilNextDue(): number {
    if (!this.db.isOpen) return this.o.pollIntervalMs;
    const r = this.sql.nextDue.get({ queue: this.queue }) as { t: number | null };
    if (r.t === null) return this.o.pollIntervalMs;
    return Math.max(1, Math.min(this.o.pollIntervalMs, Number(r.t) - this.o.now() + 1));
  }

  private claim(owner: string): Claimed | undefined {
    if (!this.db.isOpen) return undefined;
    const now = this.o.now();
    const row = this.sql.claim.get({ owner, until: now + this.o.leaseMs, queue: this.queue, now }) as Claimed | undefined;
    return row ? { id: Number(row.id), message: row.message, failures: Number(row.failures) } : undefined;
  }

  private async handle(c: Claimed, handler: (message: unknown) => Promise<void> | void, owner: string): Promise<void> {
    const renew = setInterval(() => {
      if (this.db.isOpen) this.sql.renew.run(this.o.now() + this.o.leaseMs, c.id, owner);
    }, Math.max(50, Math.floor(this.o.leaseMs / 3)));
    try {
      await handler(JSON.parse(c.message));
      clearInterval(renew);
      if (this.db.isOpen) this.sql.ack.run(c.id, owner);
    } catch (e) {
      clearInterval(renew);
      const failures = c.failures + 1;
      const dead = failures >= this.o.maxFailures;
      if (this.db.isOpen) this.setAside(c.id, owner, failures, dead);
      try {
        this.o.onHandlerError(e, { id: c.id, failures, dead });
      } catch {
        // a failing error reporter must not stop the queue
      }
    }
  }

  private setAside(id: number, owner: string, failures: number, dead: boolean): void {
    const now = this.o.now();
    try {
      if (dead) this.sql.bury.run(failures, now, id, owner);
      else this.sql.release.run(failures, now + backoffMs(failures), id, owner);
    } catch (e) {
      // A copy of the same task was enqueued while this one was taken: that copy stands for it.
      if ((e as { errcode?: number }).errcode === 2067 /* SQLITE_CONSTRAINT_UNIQUE */) this.sql.ack.run(id, owner);
      else throw e;
    }
  }

  /** Stops this instance's listeners (waiting for running handlers, within the grace period) and closes the file. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.allSettled([...this.listening]);
    if (this.db.isOpen) this.db.close();
    if (this.durable.isOpen) this.durable.close();
  }
}
