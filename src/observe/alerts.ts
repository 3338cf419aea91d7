/**
 * Alerts: saved searches that fire when their attention crosses a threshold or emerges above its
 * own baseline, delivered by webhook (HTTP POST, HMAC-SHA256 signature, retries with back-off),
 * read by the CLI and by the server (server-sent events from `eventsSince`).
 *
 * Kept in `DIR/alerts.sqlite` — not derived data: saved searches and undelivered events must
 * survive anything.
 *
 * - **Once per episode.** An alert is either quiet or in an episode. Checking a day on which its
 *   condition holds while quiet opens an episode and records one `start` event; further days that
 *   hold add nothing; the first day that does not hold closes the episode (an `end` event, not
 *   delivered by webhook). Days are checked in order from the day after the last one checked, so
 *   a process that was down catches up instead of skipping.
 * - **Nothing lost.** The state change and the event are written in one transaction (an outbox);
 *   delivery is a separate step that marks an event delivered only after a 2xx answer. A crash
 *   between the two re-sends on the next run: delivery is at least once, and the event id
 *   (`X-Tra-Event`) lets a receiver ignore a repeat.
 * - **Signature.** `X-Tra-Signature: sha256=<hex>` is the HMAC-SHA256 of `<timestamp>.<body>`
 *   with the alert's secret, `X-Tra-Timestamp` the Unix time in seconds (so a receiver can refuse
 *   old replays), as Stripe and GitHub webhooks do.
 * - **Hostile receivers.** A webhook goes only to a public address (src/net/guarded-fetch.ts:
 *   checked where the socket connects, redirects not followed) unless the operator allowed
 *   private ones; a few are sent at once, each with a short timeout, the whole pass with a
 *   deadline, and at most 64 KiB of an answer is read. The error kept for a failed delivery is
 *   one generic sentence: it must not tell a closed port from a 404 (that would make the alert
 *   list a port scanner).
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import type { ObserveCounts } from './counts.ts';
import { isoOfDay, weekday } from './counts.ts';
import { burstScore, DEFAULT_BURST } from './burst.ts';
import type { TrendsSource } from './attention.ts';
import { NetGuard, AddressBlocked, guardedRequest, policyFromEnv, type NetPolicy } from '../net/guarded-fetch.ts';
import { latestDay } from './bounds.ts';

/**
 * The most days one check goes back for an alert (a server down for longer catches up on the
 * last year only), so the loop and the series it reads stay bounded.
 */
export const MAX_CATCHUP_DAYS = 366;

export const ALERTS_FILE = 'alerts.sqlite';

export type AlertKind = 'threshold' | 'emerging';

export interface AlertSpec {
  name: string;
  query: string;
  kind: AlertKind;
  /** Documents per day (threshold) or the burst score (emerging, default 4). */
  value: number;
  webhook?: string;
  secret?: string;
  /**
   * The account (of DIR/social.sqlite) that made it from the observatory page; absent: the
   * operator's (the CLI, the API with the operator token, a server without accounts).
   */
  owner?: string;
}

export interface Alert extends AlertSpec {
  id: number;
  inEpisode: boolean;
  lastCheckedDay: number | null;
  created: string;
}

export interface AlertEvent {
  id: number;
  alert: number;
  name: string;
  query: string;
  type: 'start' | 'end';
  day: string;
  /** Documents on the day. */
  count: number;
  /** Documents expected (emerging) or the threshold (threshold). */
  expected: number;
  score?: number;
  created: string;
  /** Sent by webhook (only `start` events of alerts with a webhook are). */
  viaWebhook: boolean;
  delivered: boolean;
  attempts: number;
  lastError?: string;
  /** Found when the alert was new, on a day before it existed: history, never sent. */
  backtest?: boolean;
}

export interface DeliveryReport {
  delivered: number;
  failed: number;
  gaveUp: number;
}

/** Bounds of one delivery pass. */
export const DELIVERY = {
  /** One webhook request: connect, answer and body. */
  timeoutMs: 5_000,
  /** The whole pass; events not started by then wait for the next pass (no attempt counted). */
  deadlineMs: 15_000,
  /** Webhook requests in flight at once. */
  concurrency: 4,
  /** Bytes of a receiver's answer read (the rest is dropped). */
  maxAnswerBytes: 64 * 1024,
};

/** What a failed delivery records: the same sentence whatever went wrong on the network. */
export const DELIVERY_FAILED = 'không gửi được: máy nhận không trả lời 2xx (kiểm tra URL và máy nhận)';
export const DELIVERY_REFUSED = 'không gửi: địa chỉ webhook thuộc mạng nội bộ hoặc dải dành riêng (bị chặn)';

export interface DeliverOptions {
  now?: number;
  timeoutMs?: number;
  deadlineMs?: number;
  concurrency?: number;
  /** Which addresses webhooks may reach (default: the environment's, public only unless TRA_ALLOW_PRIVATE_ADDRESSES=1). */
  policy?: NetPolicy;
}

/** Retries: 30 s, 1 min, 2 min … doubling, at most 1 h apart; given up after this many attempts. */
export const MAX_ATTEMPTS = 8;
export function backoffMs(attempts: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * One event in the text/event-stream format (server-sent events): the id lets a client resume
 * with `Last-Event-ID`, which `AlertStore.eventsSince` serves.
 */
export function toServerSentEvent(e: AlertEvent): string {
  const { viaWebhook: _v, delivered: _d, attempts: _a, lastError: _l, ...data } = e;
  return `id: ${e.id}\nevent: alert-${e.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The signature header value for `body` sent at `timestamp` (seconds). */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** Check a received webhook's signature (constant-time comparison). */
export function verifySignature(secret: string, timestamp: number, body: string, header: string): boolean {
  const want = Buffer.from(signPayload(secret, timestamp, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

/**
 * The days one check of alert `a` judges, and the series it reads: from the day after the last
 * one it checked (a new alert: from the first day of normal collection, at most MAX_CATCHUP_DAYS
 * back, its past recorded as backtest events that are never sent) up to `untilDay`, never after
 * tomorrow. `from` is where the series starts (the burst model's window before `first`).
 * Undefined: nothing to judge.
 */
export function alertWindow(a: Pick<Alert, 'lastCheckedDay'>, dataFirst: number | undefined, untilDay: number, now: number): { first: number; from: number; until: number; backtestUntil: number } | undefined {
  // Never judge a day after tomorrow: no document can be dated there.
  const until = Math.min(untilDay, latestDay(now));
  // A last checked day after tomorrow came from an implausible date (counted before dates
  // were bounded): start again from the last day, as a new alert does.
  const checked = a.lastCheckedDay !== null && a.lastCheckedDay <= latestDay(now) ? a.lastCheckedDay : null;
  const backtestUntil = checked === null ? until - 1 : -Infinity;
  const first = checked === null ? Math.max(until - MAX_CATCHUP_DAYS + 1, dataFirst ?? until) : Math.max(checked + 1, until - MAX_CATCHUP_DAYS + 1);
  if (first > until) return undefined;
  return { first, from: first - DEFAULT_BURST.window, until, backtestUntil };
}

/** A trends answer's daily buckets as a dense series over [from, until]. */
export function dailySeries(buckets: { start: string; count: number }[], from: number, until: number): Float64Array {
  const series = new Float64Array(until - from + 1);
  for (const b of buckets) {
    const i = Math.round(Date.parse(b.start + 'T00:00:00Z') / 86_400_000 - from);
    if (i >= 0 && i < series.length) series[i] = b.count;
  }
  return series;
}

/** One change of an alert's state found by `judgeDays`: the event to record. */
export interface AlertTransition {
  type: 'start' | 'end';
  day: number;
  count: number;
  expected: number;
  score?: number;
  /** Found on a day before the alert existed. */
  backtest: boolean;
  /** To be sent by webhook (a start, of an alert with a webhook, not a backtest). */
  sent: boolean;
}

/**
 * Judge the days of `w` in order: the episodes that start and end (once per episode), and the
 * state after the last day. `series` and `totals` cover [w.from, w.until]. The same rule for every
 * store (this file's SQLite, the cluster's PostgreSQL: src/cluster/alerts/).
 */
export function judgeDays(a: Pick<Alert, 'kind' | 'value' | 'inEpisode' | 'webhook'>, series: Float64Array, totals: Float64Array, w: { first: number; from: number; until: number; backtestUntil: number }): { transitions: AlertTransition[]; inEpisode: boolean } {
  const p = DEFAULT_BURST;
  const out: AlertTransition[] = [];
  let inEpisode = a.inEpisode;
  for (let day = w.first; day <= w.until; day++) {
    const t = day - w.from;
    if (!(totals[t] > 0)) continue; // no documents that day: nothing to judge
    let holds: boolean;
    let expected: number;
    let score: number | undefined;
    if (a.kind === 'threshold') {
      holds = series[t] >= a.value;
      expected = a.value;
    } else {
      const s = burstScore(series, totals, t, (i) => weekday(w.from + i), p);
      holds = s.score >= a.value && series[t] >= 3;
      expected = s.expected;
      score = Math.round(s.score * 100) / 100;
    }
    if (holds !== inEpisode) {
      inEpisode = holds;
      const past = day <= w.backtestUntil;
      out.push({ type: holds ? 'start' : 'end', day, count: series[t], expected: Math.round(expected * 100) / 100, ...(score !== undefined ? { score } : {}), backtest: past, sent: Boolean(holds && a.webhook && !past) });
    }
  }
  return { transitions: out, inEpisode };
}

/** POST one event to `webhook`; the error to record, or undefined when the receiver answered 2xx. */
export async function postEvent(ev: AlertEvent, webhook: string, secret: string | null | undefined, now: number, guard: NetGuard, timeoutMs: number): Promise<string | undefined> {
  const body = JSON.stringify({ id: ev.id, alert: ev.alert, name: ev.name, query: ev.query, type: ev.type, day: ev.day, count: ev.count, expected: ev.expected, ...(ev.score !== undefined ? { score: ev.score } : {}) });
  const ts = Math.floor(now / 1000);
  const headers: Array<[string, string]> = [
    ['content-type', 'application/json'], ['content-length', String(Buffer.byteLength(body))], ['user-agent', 'Tra-alerts/0.1'],
    ['x-tra-event', String(ev.id)], ['x-tra-timestamp', String(ts)],
  ];
  if (secret) headers.push(['x-tra-signature', signPayload(secret, ts, body)]);
  try {
    const res = await guardedRequest(webhook, guard, { method: 'POST', headers, body, timeoutMs, maxBytes: DELIVERY.maxAnswerBytes, overflow: 'truncate' });
    return res.status >= 200 && res.status < 300 ? undefined : DELIVERY_FAILED;
  } catch (e) {
    return e instanceof AddressBlocked ? DELIVERY_REFUSED : DELIVERY_FAILED;
  }
}

/** An alert as a store's row holds it (SQLite numbers and 0/1 flags; PostgreSQL bigint strings and booleans). */
export interface AlertRow {
  id: number | string;
  name: string;
  query: string;
  kind: AlertKind;
  value: number;
  webhook: string | null;
  secret: string | null;
  in_episode: number | boolean;
  last_checked_day: number | null;
  created: string;
  owner: string | null;
}

/** An event row joined with its alert's name, query, webhook and secret (either store). */
export interface EventRow {
  id: number | string;
  alert: number | string;
  name: string;
  query: string;
  type: 'start' | 'end';
  day: number;
  count: number;
  expected: number;
  score: number | null;
  created: string;
  delivered: number;
  attempts: number;
  next_attempt: number;
  last_error: string | null;
  backtest: number | boolean;
  webhook: string | null;
  secret: string | null;
}

const nowIso = (ms: number) => new Date(ms).toISOString();

export class AlertStore {
  private db: DatabaseSync;
  private st: Record<string, StatementSync> = {};

  constructor(dir: string) {
    this.db = new DatabaseSync(join(dir, ALERTS_FILE));
    this.db.exec('PRAGMA journal_mode=WAL');
    // Saved searches and the outbox are the system of record: full fsync on commit.
    this.db.exec('PRAGMA synchronous=FULL');
    this.db.exec('PRAGMA busy_timeout=30000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS alerts(
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, query TEXT NOT NULL, kind TEXT NOT NULL, value REAL NOT NULL,
        webhook TEXT, secret TEXT, in_episode INTEGER NOT NULL DEFAULT 0, last_checked_day INTEGER, created TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS events(
        id INTEGER PRIMARY KEY, alert INTEGER NOT NULL, type TEXT NOT NULL, day INTEGER NOT NULL, count REAL NOT NULL,
        expected REAL NOT NULL, score REAL, created TEXT NOT NULL, delivered INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL DEFAULT 0, last_error TEXT);
      CREATE INDEX IF NOT EXISTS events_pending ON events(delivered, next_attempt);`);
    // Added after the first version: events found by a new alert's backtest.
    const cols = this.db.prepare('PRAGMA table_info(events)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'backtest')) this.db.exec('ALTER TABLE events ADD COLUMN backtest INTEGER NOT NULL DEFAULT 0');
    // Added with accounts: who made the alert (null: the operator).
    const alertCols = this.db.prepare('PRAGMA table_info(alerts)').all() as { name: string }[];
    if (!alertCols.some((c) => c.name === 'owner')) this.db.exec('ALTER TABLE alerts ADD COLUMN owner TEXT');
  }

  private prep(name: string, sql: string): StatementSync {
    return (this.st[name] ??= this.db.prepare(sql));
  }

  add(spec: AlertSpec, now = Date.now()): Alert {
    const r = this.prep('add', 'INSERT INTO alerts(name, query, kind, value, webhook, secret, created, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id').get(
      spec.name, spec.query, spec.kind, spec.value, spec.webhook ?? null, spec.secret ?? null, nowIso(now), spec.owner ?? null) as { id: number };
    return this.get(r.id)!;
  }

  get(id: number): Alert | undefined {
    const r = this.prep('get', 'SELECT * FROM alerts WHERE id=?').get(id) as AlertRow | undefined;
    return r ? toAlert(r) : undefined;
  }

  list(): Alert[] {
    return (this.prep('list', 'SELECT * FROM alerts ORDER BY id').all() as unknown as AlertRow[]).map(toAlert);
  }

  remove(id: number): boolean {
    return Number(this.prep('remove', 'DELETE FROM alerts WHERE id=?').run(id).changes) > 0;
  }

  /**
   * Evaluate every alert on each day after the last one it checked, up to `untilDay` (a day
   * number), in order. Returns the events recorded.
   */
  check(engine: TrendsSource, counts: Pick<ObserveCounts, 'normalRange' | 'totals'>, untilDay: number, now = Date.now()): AlertEvent[] {
    // A new alert looks back over the data it can see: see alertWindow.
    const dataFirst = counts.normalRange()?.first;
    const out: AlertEvent[] = [];
    for (const a of this.list()) {
      const w = alertWindow(a, dataFirst, untilDay, now);
      if (!w) continue;
      const tr = engine.trends({ query: a.query, interval: 'day', from: isoOfDay(w.from), to: isoOfDay(w.until) });
      const series = dailySeries(tr.buckets, w.from, w.until);
      const totals = counts.totals(w.from, w.until);
      const j = judgeDays(a, series, totals, w);
      this.db.exec('BEGIN IMMEDIATE');
      try {
        for (const t of j.transitions) {
          const r = this.prep('event', 'INSERT INTO events(alert, type, day, count, expected, score, created, delivered, backtest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id').get(
            a.id, t.type, t.day, t.count, t.expected, t.score ?? null, nowIso(now), t.sent ? 0 : 1, t.backtest ? 1 : 0) as { id: number };
          out.push(this.event(r.id)!);
        }
        this.prep('state', 'UPDATE alerts SET in_episode=?, last_checked_day=? WHERE id=?').run(j.inEpisode ? 1 : 0, w.until, a.id);
        this.db.exec('COMMIT');
      } catch (e) {
        this.db.exec('ROLLBACK');
        throw e;
      }
    }
    return out;
  }

  event(id: number): AlertEvent | undefined {
    const r = this.prep('ev', 'SELECT e.*, a.name, a.query, a.webhook, a.secret FROM events e JOIN alerts a ON a.id = e.alert WHERE e.id=?').get(id) as EventRow | undefined;
    return r ? toEvent(r) : undefined;
  }

  /** The id of the newest event (0 if none): where a stream that wants only new events starts. */
  lastEventId(): number {
    const r = this.prep('lastId', 'SELECT MAX(id) AS id FROM events').get() as { id: number | null };
    return r.id ?? 0;
  }

  /** Events after `id` (for server-sent events and `tra alerts events`), oldest first. */
  eventsSince(id = 0, limit = 1000): AlertEvent[] {
    return (this.prep('since', 'SELECT e.*, a.name, a.query, a.webhook, a.secret FROM events e JOIN alerts a ON a.id = e.alert WHERE e.id > ? ORDER BY e.id LIMIT ?').all(id, limit) as unknown as EventRow[]).map(toEvent);
  }

  /**
   * POST every undelivered event whose next attempt is due, a few at a time (DELIVERY). A 2xx
   * answer marks it delivered; anything else (or no answer in time) schedules a retry with
   * back-off, until MAX_ATTEMPTS. Events still waiting when the pass's deadline comes are left
   * for the next pass without counting an attempt.
   */
  async deliver(opts: DeliverOptions = {}): Promise<DeliveryReport> {
    const now = opts.now ?? Date.now();
    const report: DeliveryReport = { delivered: 0, failed: 0, gaveUp: 0 };
    const due = (this.prep('due', `SELECT e.*, a.name, a.query, a.webhook, a.secret FROM events e JOIN alerts a ON a.id = e.alert
      WHERE e.delivered = 0 AND e.next_attempt <= ? ORDER BY e.id`).all(now) as unknown as EventRow[]).filter((r) => r.webhook);
    if (!due.length) return report;
    const timeoutMs = opts.timeoutMs ?? DELIVERY.timeoutMs;
    const deadline = performance.now() + (opts.deadlineMs ?? DELIVERY.deadlineMs);
    const guard = new NetGuard(opts.policy ?? policyFromEnv(), { keepAlive: false });
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < due.length) {
        const left = deadline - performance.now();
        if (left <= 0) return;
        const r = due[next++];
        const error = await postEvent(toEvent(r), r.webhook!, r.secret, now, guard, Math.min(timeoutMs, left));
        this.settle(r, error, now, report);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? DELIVERY.concurrency) }, lane));
    } finally {
      guard.close();
    }
    return report;
  }

  private settle(r: EventRow, error: string | undefined, now: number, report: DeliveryReport): void {
    const o = settlement(r, error, now, report);
    this.prep('settle', 'UPDATE events SET delivered=?, attempts=?, next_attempt=?, last_error=? WHERE id=?').run(o.delivered, o.attempts, o.nextAttempt, o.lastError, r.id);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * What one delivery attempt leaves on its event (both stores write these columns): delivered on a
 * 2xx; given up, kept with its error and never retried, after MAX_ATTEMPTS; else retried after
 * `backoffMs`. Counts the outcome in `report`.
 */
export function settlement(r: Pick<EventRow, 'attempts' | 'next_attempt'>, error: string | undefined, now: number, report: DeliveryReport): { delivered: -1 | 0 | 1; attempts: number; nextAttempt: number; lastError: string | null } {
  const attempts = r.attempts + 1;
  if (!error) {
    report.delivered++;
    return { delivered: 1, attempts, nextAttempt: Number(r.next_attempt), lastError: null };
  }
  if (attempts >= MAX_ATTEMPTS) {
    report.gaveUp++;
    return { delivered: -1, attempts, nextAttempt: Number(r.next_attempt), lastError: error };
  }
  report.failed++;
  return { delivered: 0, attempts, nextAttempt: now + backoffMs(attempts), lastError: error };
}

/** An alert as the API shows it: never its webhook secret, only whether it signs. */
export function publicAlert({ secret, ...a }: Alert): Omit<Alert, 'secret'> & { signed: boolean } {
  return { ...a, signed: Boolean(secret) };
}

export function toAlert(r: AlertRow): Alert {
  return {
    id: Number(r.id),
    name: r.name,
    query: r.query,
    kind: r.kind,
    value: r.value,
    ...(r.webhook ? { webhook: r.webhook } : {}),
    ...(r.secret ? { secret: r.secret } : {}),
    inEpisode: r.in_episode === 1 || r.in_episode === true,
    lastCheckedDay: r.last_checked_day,
    created: r.created,
    ...(r.owner ? { owner: r.owner } : {}),
  };
}

export function toEvent(r: EventRow): AlertEvent {
  return {
    id: Number(r.id),
    alert: Number(r.alert),
    name: r.name,
    query: r.query,
    type: r.type,
    day: isoOfDay(r.day),
    count: r.count,
    expected: r.expected,
    ...(r.score !== null ? { score: r.score } : {}),
    created: r.created,
    viaWebhook: r.type === 'start' && Boolean(r.webhook),
    delivered: r.delivered === 1,
    attempts: r.attempts,
    ...(r.last_error ? { lastError: r.last_error } : {}),
    ...(r.backtest ? { backtest: true } : {}),
  };
}
