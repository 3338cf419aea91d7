/**
 * Saved searches (alerts) in the cluster's PostgreSQL: the same store as one machine's
 * `DIR/alerts.sqlite` (src/observe/alerts.ts) — once per episode, an outbox of events, webhooks
 * delivered at least once with back-off, backtests never sent — for servers that share one
 * cluster. The rule that judges the days (`alertWindow`, `judgeDays`) and the webhook post
 * (`postEvent`) are the same functions; what differs is what several machines need:
 *
 * - **One episode, whoever checks.** A check locks the alert's row (`FOR UPDATE`) and compares
 *   the state it judged from with the row's; when another server advanced it meanwhile, this one
 *   records nothing for that alert (the next check goes on from where the other stopped).
 * - **Event ids in commit order.** A server-sent-events client resumes with the last id it saw
 *   (`eventsSince`). Writers of events hold one advisory lock, so an id is never committed after
 *   a larger one was visible: a client cannot miss an event by resuming.
 * - **Delivery without two senders.** Due events are claimed with `FOR UPDATE SKIP LOCKED` and
 *   leased (their next attempt pushed LEASE_MS ahead) before the POST; a server that dies
 *   mid-send leaves them to be sent again once the lease ends (at least once, as on one
 *   machine: `X-Tra-Event` lets the receiver drop a repeat).
 *
 * Times the caller passes (`now`, milliseconds) are used as on one machine, so one suite of tests
 * runs against both stores (./store.test.ts).
 */
import { withTransaction, type Pool } from '../pg/connect.ts';
import {
  alertWindow, dailySeries, judgeDays, postEvent, settlement, toAlert, toEvent, DELIVERY,
  type Alert, type AlertEvent, type AlertSpec, type AlertRow, type EventRow, type DeliverOptions, type DeliveryReport,
} from '../../observe/alerts.ts';
import { isoOfDay } from '../../observe/counts.ts';
import type { ObserveCounts } from '../../observe/counts.ts';
import { NetGuard, policyFromEnv } from '../../net/guarded-fetch.ts';

/** The advisory lock writers of alert events hold (ids in commit order). */
const EVENTS_LOCK = 0x7472_6101;
/** The channel a check that recorded events notifies (event streams of every server listen: ./service.ts). */
export const ALERTS_CHANNEL = 'tra_alert_events';
/** How long a claimed event is held by the server sending it before another may. */
export const LEASE_MS = 60_000;

/** What a check needs of the engine: daily trends of a query (one machine's engine, or the coordinator). */
export interface AsyncTrendsSource {
  trends(req: { query: string; interval: 'day'; from: string; to: string }): { buckets: { start: string; count: number }[] } | Promise<{ buckets: { start: string; count: number }[] }>;
}

const EVENT_COLUMNS = 'e.*, a.name, a.query, a.webhook, a.secret';
const nowIso = (ms: number) => new Date(ms).toISOString();

export class PgAlertStore {
  private readonly pool: Pool;
  constructor(pool: Pool) {
    this.pool = pool;
  }

  async add(spec: AlertSpec, now = Date.now()): Promise<Alert> {
    const { rows } = await this.pool.query<AlertRow>(
      'INSERT INTO alerts (name, query, kind, value, webhook, secret, created, owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *',
      [spec.name, spec.query, spec.kind, spec.value, spec.webhook ?? null, spec.secret ?? null, nowIso(now), spec.owner ?? null],
    );
    return toAlert(rows[0]);
  }

  async get(id: number): Promise<Alert | undefined> {
    const { rows } = await this.pool.query<AlertRow>('SELECT * FROM alerts WHERE id = $1', [id]);
    return rows[0] ? toAlert(rows[0]) : undefined;
  }

  async list(): Promise<Alert[]> {
    const { rows } = await this.pool.query<AlertRow>('SELECT * FROM alerts ORDER BY id');
    return rows.map(toAlert);
  }

  async remove(id: number): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM alerts WHERE id = $1', [id]);
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * Evaluate every alert on each day after the last one it checked, up to `untilDay`, in order
   * (the rule of src/observe/alerts.ts). Returns the events recorded by this call.
   */
  async check(engine: AsyncTrendsSource, counts: Pick<ObserveCounts, 'normalRange' | 'totals'>, untilDay: number, now = Date.now()): Promise<AlertEvent[]> {
    const dataFirst = counts.normalRange()?.first;
    const out: AlertEvent[] = [];
    for (const a of await this.list()) {
      const w = alertWindow(a, dataFirst, untilDay, now);
      if (!w) continue;
      const tr = await engine.trends({ query: a.query, interval: 'day', from: isoOfDay(w.from), to: isoOfDay(w.until) });
      const series = dailySeries(tr.buckets, w.from, w.until);
      const totals = counts.totals(w.from, w.until);
      const j = judgeDays(a, series, totals, w);
      const ids = await withTransaction(this.pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [EVENTS_LOCK]);
        const { rows } = await c.query<{ in_episode: boolean; last_checked_day: number | null }>('SELECT in_episode, last_checked_day FROM alerts WHERE id = $1 FOR UPDATE', [a.id]);
        // Removed meanwhile, or checked by another server since this one read it: nothing to add.
        if (!rows[0] || rows[0].in_episode !== a.inEpisode || rows[0].last_checked_day !== a.lastCheckedDay) return [];
        const made: number[] = [];
        for (const t of j.transitions) {
          const r = await c.query<{ id: string }>(
            'INSERT INTO alert_events (alert, type, day, count, expected, score, created, delivered, backtest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id',
            [a.id, t.type, t.day, t.count, t.expected, t.score ?? null, nowIso(now), t.sent ? 0 : 1, t.backtest],
          );
          made.push(Number(r.rows[0].id));
        }
        await c.query('UPDATE alerts SET in_episode = $1, last_checked_day = $2 WHERE id = $3', [j.inEpisode, w.until, a.id]);
        if (made.length) await c.query(`NOTIFY ${ALERTS_CHANNEL}`);
        return made;
      });
      for (const id of ids) out.push((await this.event(id))!);
    }
    return out;
  }

  async event(id: number): Promise<AlertEvent | undefined> {
    const { rows } = await this.pool.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM alert_events e JOIN alerts a ON a.id = e.alert WHERE e.id = $1`, [id]);
    return rows[0] ? toEvent(rows[0]) : undefined;
  }

  /** The id of the newest event (0 if none). */
  async lastEventId(): Promise<number> {
    const { rows } = await this.pool.query<{ id: string | null }>('SELECT max(id) AS id FROM alert_events');
    return Number(rows[0].id ?? 0);
  }

  /** Events after `id`, oldest first. */
  async eventsSince(id = 0, limit = 1000): Promise<AlertEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM alert_events e JOIN alerts a ON a.id = e.alert WHERE e.id > $1 ORDER BY e.id LIMIT $2`,
      [id, Math.max(0, Math.min(10_000, limit))],
    );
    return rows.map(toEvent);
  }

  /**
   * POST every waiting event whose next attempt is due (one machine's rules: DELIVERY bounds,
   * back-off, MAX_ATTEMPTS), claimed so that two servers never send one event at once.
   */
  async deliver(opts: DeliverOptions = {}): Promise<DeliveryReport> {
    const now = opts.now ?? Date.now();
    const report: DeliveryReport = { delivered: 0, failed: 0, gaveUp: 0 };
    const due = await withTransaction(this.pool, async (c) => {
      const { rows } = await c.query<EventRow>(
        `WITH due AS (
           SELECT e.id FROM alert_events e JOIN alerts a ON a.id = e.alert
           WHERE e.delivered = 0 AND e.next_attempt <= $1 AND a.webhook IS NOT NULL
           ORDER BY e.id LIMIT 500 FOR UPDATE OF e SKIP LOCKED
         ), leased AS (
           UPDATE alert_events e SET next_attempt = $2 FROM due WHERE e.id = due.id RETURNING e.*
         )
         SELECT leased.*, a.name, a.query, a.webhook, a.secret FROM leased JOIN alerts a ON a.id = leased.alert ORDER BY leased.id`,
        [now, now + LEASE_MS],
      );
      return rows;
    });
    if (!due.length) return report;
    const timeoutMs = opts.timeoutMs ?? DELIVERY.timeoutMs;
    const deadline = performance.now() + (opts.deadlineMs ?? DELIVERY.deadlineMs);
    const guard = new NetGuard(opts.policy ?? policyFromEnv(), { keepAlive: false });
    const unsent: number[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < due.length) {
        const r = due[next++];
        const left = deadline - performance.now();
        if (left <= 0) {
          unsent.push(Number(r.id));
          continue;
        }
        const error = await postEvent(toEvent(r), r.webhook!, r.secret, now, guard, Math.min(timeoutMs, left));
        const o = settlement(r, error, now, report);
        await this.pool.query('UPDATE alert_events SET delivered = $1, attempts = $2, next_attempt = $3, last_error = $4 WHERE id = $5', [o.delivered, o.attempts, o.nextAttempt, o.lastError, r.id]);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? DELIVERY.concurrency) }, lane));
    } finally {
      guard.close();
      // Not attempted before the deadline: due again at once, no attempt counted (as on one machine).
      if (unsent.length) await this.pool.query('UPDATE alert_events SET next_attempt = $1 WHERE id = ANY($2) AND delivered = 0', [now, unsent]).catch(() => undefined);
    }
    return report;
  }

  close(): void {
    // The pool belongs to the caller.
  }
}
