/**
 * The schema of the cluster's alert store (./store.ts): migration 5 of src/cluster/pg/migrations.ts.
 * Kept here, beside the store that reads it; never edited once released (a change is a new migration).
 */
export const ALERTS_SQL = `
-- Saved searches: the columns of one machine's alerts.sqlite (src/observe/alerts.ts).
CREATE TABLE alerts (
  id bigserial PRIMARY KEY,
  name text NOT NULL CHECK (length(name) <= 200),
  query text NOT NULL CHECK (length(query) <= 1000),
  kind text NOT NULL CHECK (kind IN ('threshold', 'emerging')),
  value double precision NOT NULL,
  webhook text CHECK (length(webhook) <= 2048),
  secret text,
  in_episode boolean NOT NULL DEFAULT false,
  last_checked_day integer,
  created text NOT NULL,
  owner text
);
-- The outbox. delivered: 0 waiting, 1 delivered (or never to be sent), -1 given up.
-- next_attempt: milliseconds since 1970 (the server's clock, as on one machine).
CREATE TABLE alert_events (
  id bigserial PRIMARY KEY,
  alert bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('start', 'end')),
  day integer NOT NULL,
  count double precision NOT NULL,
  expected double precision NOT NULL,
  score double precision,
  created text NOT NULL,
  delivered smallint NOT NULL DEFAULT 0 CHECK (delivered IN (-1, 0, 1)),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt bigint NOT NULL DEFAULT 0,
  last_error text,
  backtest boolean NOT NULL DEFAULT false
);
CREATE INDEX alert_events_alert ON alert_events (alert);
CREATE INDEX alert_events_due ON alert_events (next_attempt) WHERE delivered = 0;
`;
