/**
 * The cluster's schema, as numbered migrations. A migration is never edited once released: a
 * change is a new migration (`migrate.ts` refuses a database whose applied migration no longer
 * matches its text here). docs/SCALE.md ("Schema") explains each table.
 *
 * Conventions: times are `timestamptz` and compared with the database's clock (`now()`), never a
 * worker's, so machines with skewed clocks agree on leases and politeness; write sequence numbers
 * and epochs are `bigint`; content hashes are raw SHA-256 (`bytea`); nothing relies on
 * SERIALIZABLE — rows are locked (`FOR UPDATE [SKIP LOCKED]`), unique keys refuse duplicates, and
 * fenced writes compare an epoch (compare-and-set).
 */
import { ALERTS_SQL } from '../alerts/schema.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const initial = `
-- Outlets' feeds and sitemaps that the crawl reads.
CREATE TABLE sources (
  id bigserial PRIMARY KEY,
  url text NOT NULL UNIQUE CHECK (length(url) <= 2048),
  kind text NOT NULL DEFAULT 'feed' CHECK (kind IN ('feed', 'sitemap', 'page')),
  name text,
  added_at timestamptz NOT NULL DEFAULT now(),
  next_check_at timestamptz NOT NULL DEFAULT now(),
  last_checked_at timestamptz,
  last_error text
);

-- Documents: one row per id pointing at its current version; every version kept.
CREATE SEQUENCE document_version_seq;
CREATE SEQUENCE ingest_batch_seq;
CREATE TABLE documents (
  id text PRIMARY KEY,
  current_seq bigint NOT NULL,
  content_hash bytea NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE document_versions (
  seq bigint PRIMARY KEY DEFAULT nextval('document_version_seq'),
  doc_id text NOT NULL REFERENCES documents (id),
  content_hash bytea NOT NULL,
  body json,                        -- the document as given, without "id"; NULL: deleted
  published_at timestamptz,         -- "published" read as a time: the shard key
  batch bigint NOT NULL,            -- the ingest transaction that wrote it (its index job names it)
  written_at timestamptz NOT NULL DEFAULT now()
);
ALTER SEQUENCE document_version_seq OWNED BY document_versions.seq;
CREATE INDEX document_versions_doc ON document_versions (doc_id, seq);
CREATE INDEX document_versions_batch ON document_versions (batch);
CREATE INDEX document_versions_published ON document_versions (published_at);

-- The crawl frontier: hosts with their politeness state and fetcher lease, URLs with their state.
CREATE TABLE hosts (
  host text PRIMARY KEY CHECK (length(host) <= 300),   -- name[:port], lower case (archive's hostKey)
  crawl_delay_ms integer NOT NULL DEFAULT 1000 CHECK (crawl_delay_ms >= 0),
  next_allowed_at timestamptz NOT NULL DEFAULT now(),
  retry_after_until timestamptz,
  robots_status integer,
  robots_txt text,
  robots_fetched_at timestamptz,
  robots_expires_at timestamptz,
  lease_owner text,
  lease_expires_at timestamptz,
  lease_epoch bigint NOT NULL DEFAULT 0,
  consecutive_errors integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hosts_next_allowed ON hosts (next_allowed_at);
CREATE TABLE urls (
  url text PRIMARY KEY CHECK (length(url) <= 2048),
  host text NOT NULL REFERENCES hosts (host),
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'fetched', 'failed', 'disallowed')),
  next_fetch_at timestamptz NOT NULL DEFAULT now(),   -- due once it has come; 'infinity': never again
  priority smallint NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  discovered_at timestamptz NOT NULL DEFAULT now(),
  fetched_at timestamptz,
  status integer,
  digest text,
  error text
);
CREATE INDEX urls_due ON urls (host, next_fetch_at) WHERE next_fetch_at <> 'infinity';

-- Captures: the CDXJ index of the WARC records in blob storage.
CREATE TABLE captures (
  id bigserial PRIMARY KEY,
  url text NOT NULL,
  urlkey text NOT NULL,             -- SURT form, the CDXJ sort key
  captured_at timestamptz NOT NULL,
  status integer,
  mime text,
  digest text NOT NULL,             -- payload digest, as WARC-Payload-Digest writes it
  blob_key text NOT NULL,
  blob_offset bigint NOT NULL CHECK (blob_offset >= 0),
  blob_length bigint NOT NULL CHECK (blob_length > 0),
  host text,
  lease_epoch bigint,               -- the fetcher lease it was committed under
  UNIQUE (blob_key, blob_offset)
);
CREATE INDEX captures_urlkey ON captures (urlkey, captured_at);

-- The job queue (claimed with FOR UPDATE SKIP LOCKED under a lease; see queue/queue.ts).
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  dedupe_key text,
  state text NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'running', 'failed')),
  priority integer NOT NULL DEFAULT 0,
  run_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 10 CHECK (max_attempts > 0),
  lease_owner text,
  lease_expires_at timestamptz,
  lease_epoch bigint NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_ready ON jobs (kind, priority DESC, run_at, id) WHERE state = 'ready';
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE state = 'running';
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE state IN ('ready', 'running');

-- Shards (time partitions by published_at), their checkpoints and the segment manifest.
CREATE TABLE shards (
  shard text PRIMARY KEY,
  published_from timestamptz,       -- [from, to); NULL: unbounded on that side
  published_to timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE shard_checkpoints (
  shard text PRIMARY KEY REFERENCES shards (shard),
  generation bigint NOT NULL DEFAULT 0,     -- the manifest generation; +1 on every publish or merge
  indexed_seq bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE segments (
  id bigserial PRIMARY KEY,
  shard text NOT NULL REFERENCES shards (shard),
  segment_key text NOT NULL UNIQUE,         -- blob key
  checksum text NOT NULL,
  bytes bigint NOT NULL CHECK (bytes >= 0),
  doc_count integer NOT NULL CHECK (doc_count >= 0),
  min_seq bigint NOT NULL,
  max_seq bigint NOT NULL CHECK (max_seq >= min_seq),
  state text NOT NULL CHECK (state IN ('live', 'retired')),
  published_generation bigint NOT NULL,
  retired_generation bigint,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX segments_live ON segments (shard) WHERE state = 'live';

-- Searchers that serve segments to the coordinator.
CREATE TABLE searchers (
  id text PRIMARY KEY,
  url text NOT NULL,
  replica_group text NOT NULL DEFAULT 'default',
  shards text[] NOT NULL DEFAULT '{}',
  generations jsonb NOT NULL DEFAULT '{}',  -- shard → manifest generation it serves
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);
`;

// Part 2 (indexers, searchers): where each document version is published, and its deletion.
const publishing = `
-- The live segment holding a version (NULL: not published yet), its shard, and the manifest
-- generation of its shard that marked it deleted (replaced by a newer version), if any.
ALTER TABLE document_versions ADD COLUMN segment_id bigint REFERENCES segments (id);
ALTER TABLE document_versions ADD COLUMN shard text;
ALTER TABLE document_versions ADD COLUMN deleted_generation bigint;
CREATE INDEX document_versions_segment ON document_versions (segment_id);
CREATE INDEX document_versions_deleted ON document_versions (shard, deleted_generation) WHERE deleted_generation IS NOT NULL;
ALTER TABLE segments ADD COLUMN sum_len bigint[] NOT NULL DEFAULT '{0,0,0}';
ALTER TABLE searchers ADD COLUMN pid integer;
`;

// Part 3 (fetchers): what a frontier URL is, so a fetcher knows a list from an article.
const fetching = `
-- 'feed': a feed or sitemap (read for the URLs it lists, re-read on a schedule); 'article': a page.
ALTER TABLE urls ADD COLUMN kind text NOT NULL DEFAULT 'article' CHECK (kind IN ('feed', 'article'));
`;

// Part 4 (the observatory): the daily counts of src/observe/counts.ts, kept in PostgreSQL by the
// indexers' \`observe\` jobs (src/cluster/observe/). docs/SCALE.md ("The observatory in a cluster").
const observing = `
-- Every write to the observe_* tables takes the next number here; writers hold one advisory lock
-- (src/cluster/observe/write.ts), so numbers follow commit order and a reader that copied up to n
-- misses nothing by asking for change > n next time.
CREATE SEQUENCE observe_change_seq;
-- 'version': the counting rules' version (src/observe/counts.ts COUNTS_VERSION) the rows follow.
CREATE TABLE observe_meta (key text PRIMARY KEY, value text NOT NULL);
-- The term dictionary: ids dense from 0 in order of first sight (assigned under the lock, never
-- from a sequence, so a rolled-back write leaves no gap), with each term's document frequency.
CREATE TABLE observe_terms (
  id integer PRIMARY KEY CHECK (id >= 0),
  term text NOT NULL UNIQUE,
  df integer NOT NULL DEFAULT 0 CHECK (df >= 0),
  change bigint NOT NULL
);
CREATE INDEX observe_terms_change ON observe_terms (change);
-- Per day (days since 1970-01-01, Vietnam time): documents counted, their (term id, documents)
-- pairs and the document_versions.seq counted, both as src/observe/day-terms.ts encodes them.
CREATE TABLE observe_days (
  day integer PRIMARY KEY,
  docs integer NOT NULL CHECK (docs >= 0),
  terms bytea NOT NULL,
  seqs bytea NOT NULL,
  change bigint NOT NULL
);
CREATE INDEX observe_days_change ON observe_days (change);
CREATE TABLE observe_source_days (
  source text NOT NULL,
  day integer NOT NULL,
  docs integer NOT NULL CHECK (docs >= 0),
  change bigint NOT NULL,
  PRIMARY KEY (source, day)
);
CREATE INDEX observe_source_days_change ON observe_source_days (change);
-- The version of each document the counts hold. day NULL: that version is not counted (no
-- plausible date, deleted, or its article key already counted under another document). dated:
-- the day the version is dated to (NULL: no plausible date, or deleted); key_hash: its article
-- key when dated. Of the dated versions sharing a key, the one with the smallest seq is counted
-- (as one machine counting the documents in write order), the others wait here with day NULL.
CREATE TABLE observe_docs (
  doc_id text PRIMARY KEY REFERENCES documents (id),
  seq bigint NOT NULL,
  day integer,
  key_hash bigint,
  dated integer
);
CREATE INDEX observe_docs_key ON observe_docs (key_hash, seq) WHERE key_hash IS NOT NULL;
-- Article keys counted (canonical URL, else the id; a 53-bit hash as in counts.ts) and the
-- document holding each: one article under two ids is counted once.
CREATE TABLE observe_keys (key_hash bigint PRIMARY KEY, doc_id text NOT NULL);
-- Ingest batches counted: an observe job run twice (its first run's completion lost) adds nothing.
CREATE TABLE observe_batches (batch bigint PRIMARY KEY, counted_at timestamptz NOT NULL DEFAULT now());
-- Batches written before this migration are counted by jobs enqueued now.
INSERT INTO jobs (kind, payload, dedupe_key, max_attempts)
SELECT 'observe', jsonb_build_object('batch', batch), 'observe:' || batch, 20
FROM (SELECT DISTINCT batch FROM document_versions) b;
`;

// Pruning retired segments (src/cluster/blob/prune.ts): when a segment left the manifest, and
// when its blob was deleted once no searcher could still need it.
const pruning = `
-- retired_at: when the segment was retired — the start of the transaction that retired it, or
-- later (the pruner stamps rows retired without it); NULL while live. pruned_at: when its blob was
-- deleted; the row stays (deleted versions still name it) and its key names no stored blob.
ALTER TABLE segments ADD COLUMN retired_at timestamptz;
ALTER TABLE segments ADD COLUMN pruned_at timestamptz;
CREATE INDEX segments_retired ON segments (shard, retired_generation) WHERE state = 'retired' AND pruned_at IS NULL;
`;

// Conditional GETs in fetchers (src/cluster/fetcher/fetcher.ts): the validators of each URL's last
// 200. No CHECK on their length: one would scan the whole frontier under an exclusive lock; the
// fetchers' commit keeps at most 256 characters (frontier/commit.ts, MAX_VALIDATOR_CHARS).
const validators = `
-- etag, last_modified: the ETag and Last-Modified headers of the URL's last 200, as sent (NULL:
-- none, or too long to keep). A fetcher asks again with If-None-Match / If-Modified-Since, and
-- records a 304 as a revisit of the last capture (digest and validators kept).
ALTER TABLE urls ADD COLUMN etag text, ADD COLUMN last_modified text;
`;

// A source's latest articles and the list of sources over a cluster (src/cluster/archive/):
// each version's source in a column of its own, written at ingest (write.ts sourceOf), so neither
// parses bodies — nor fails on one: PostgreSQL cannot turn a JSON body holding \u0000 or a lone
// surrogate escape into text (an index on an expression of the body would refuse such a document).
// Existing versions are filled here, except those whose body holds such an escape (left without a
// source). Runs in the migration's transaction: minutes for millions of versions, writes waiting.
const browsing = `
ALTER TABLE document_versions ADD COLUMN source text;
UPDATE document_versions SET source = CASE
  WHEN body IS NULL OR body::text ~* '\\\\u(0000|d[89a-f])' THEN NULL
  WHEN json_typeof(body -> 'source') = 'string' THEN nullif(body ->> 'source', '')
END;
CREATE INDEX document_versions_source ON document_versions (source, published_at DESC NULLS LAST, doc_id) WHERE source IS NOT NULL;
`;

// Which segment holds each published version, in a narrow table of its own (publish.ts,
// merge.ts). Migration 2 kept these three columns in document_versions, whose rows carry the body
// and seven indexes: a publish rewrote each of its versions' rows whole (no HOT update: the
// columns are indexed) and a merge rewrote every version of its inputs, under the shard's lock.
// A publish now inserts one narrow row per version (its primary key refuses a second publish) and
// a merge updates narrow rows. No foreign keys: only publish and merge write here, the versions
// and the segment named are read or inserted in the same transaction, and versions and segment
// rows are never deleted; per-row referential checks cost a publish ~1,000 trigger calls.
// Runs in the migration's transaction: the copy takes seconds per million versions.
const membership = `
CREATE TABLE version_segments (
  seq bigint PRIMARY KEY,           -- document_versions.seq
  segment_id bigint NOT NULL,       -- segments.id: the live (or, once merged away, retired) segment holding it
  shard text NOT NULL,
  deleted_generation bigint         -- the shard's generation that deleted it (a newer version replaced it)
);
INSERT INTO version_segments (seq, segment_id, shard, deleted_generation)
  SELECT seq, segment_id, shard, deleted_generation FROM document_versions WHERE segment_id IS NOT NULL;
CREATE INDEX version_segments_segment ON version_segments (segment_id);
CREATE INDEX version_segments_deleted ON version_segments (shard, deleted_generation) WHERE deleted_generation IS NOT NULL;
DROP INDEX document_versions_segment;
DROP INDEX document_versions_deleted;
ALTER TABLE document_versions DROP COLUMN segment_id, DROP COLUMN shard, DROP COLUMN deleted_generation;
ANALYZE version_segments;
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'cluster: documents, frontier, captures, jobs, segments, searchers', sql: initial },
  { version: 2, name: 'cluster: published versions, deletions, segment statistics', sql: publishing },
  { version: 3, name: 'cluster: kinds of frontier URLs', sql: fetching },
  { version: 4, name: 'cluster: the observatory daily counts', sql: observing },
  { version: 5, name: 'cluster: saved searches (alerts) and their events', sql: ALERTS_SQL },
  { version: 6, name: 'cluster: pruning retired segments', sql: pruning },
  { version: 7, name: 'cluster: validators of fetched URLs', sql: validators },
  { version: 8, name: "cluster: a source's latest articles", sql: browsing },
  { version: 9, name: 'cluster: published versions in a narrow table', sql: membership },
];

/** The schema version this program needs. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
