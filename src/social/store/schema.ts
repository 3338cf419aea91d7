/**
 * The numbered migrations of DIR/social.sqlite. A migration is never edited once released: a
 * change to the schema is a new entry at the end. docs/SOCIAL.md describes every table.
 *
 * Conventions: ids of accounts, statuses, notifications, lists and follows are snowflake-like
 * decimal strings (ids.ts) that sort by creation time as text; times are milliseconds since the
 * epoch; text columns hold NFC text; secrets (passwords, tokens, codes, client secrets, session
 * ids) are stored only as hashes.
 */
export interface Migration {
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    name: 'accounts, oauth, statuses, follows, favourites, notifications, lists, settings',
    sql: `
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Local accounts have domain NULL (their ActivityPub ids are made from the server's origin);
-- remote accounts carry their actor id (uri), profile URL and inboxes.
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL,
  domain TEXT,
  username_key TEXT NOT NULL,
  uri TEXT UNIQUE,
  url TEXT,
  inbox_url TEXT,
  shared_inbox_url TEXT,
  display_name TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  note_html TEXT,
  avatar_url TEXT,
  header_url TEXT,
  locked INTEGER NOT NULL DEFAULT 0,
  bot INTEGER NOT NULL DEFAULT 0,
  discoverable INTEGER NOT NULL DEFAULT 1,
  indexable INTEGER NOT NULL DEFAULT 1,
  role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  verified INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER
);
CREATE UNIQUE INDEX accounts_handle ON accounts (username_key, ifnull(domain, ''));

CREATE TABLE credentials (
  account_id TEXT PRIMARY KEY REFERENCES accounts(id),
  password_hash TEXT NOT NULL,
  changed_at INTEGER NOT NULL
);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  user_agent TEXT,
  ip TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE invites (
  code_hash TEXT PRIMARY KEY,
  created_by TEXT REFERENCES accounts(id),
  max_uses INTEGER,
  uses INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER,
  created_at INTEGER NOT NULL
);

CREATE TABLE apps (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL UNIQUE,
  client_secret_hash TEXT NOT NULL,
  name TEXT NOT NULL,
  website TEXT,
  redirect_uris TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE authorization_codes (
  code_hash TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id),
  account_id TEXT NOT NULL REFERENCES accounts(id),
  redirect_uri TEXT NOT NULL,
  scopes TEXT NOT NULL,
  code_challenge TEXT,
  code_challenge_method TEXT,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);

CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  app_id TEXT NOT NULL REFERENCES apps(id),
  account_id TEXT REFERENCES accounts(id),
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX tokens_account ON tokens (account_id);

-- seq is the change sequence: every insert, edit or deletion gives the row the next number, so a
-- post index can follow the table with "WHERE seq > last ORDER BY seq".
CREATE TABLE statuses (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  uri TEXT UNIQUE,
  url TEXT,
  text TEXT NOT NULL DEFAULT '',
  content TEXT NOT NULL DEFAULT '',
  spoiler_text TEXT NOT NULL DEFAULT '',
  sensitive INTEGER NOT NULL DEFAULT 0,
  visibility TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
  language TEXT,
  in_reply_to_id TEXT,
  in_reply_to_account_id TEXT,
  reblog_of_id TEXT,
  app_id TEXT,
  created_at INTEGER NOT NULL,
  edited_at INTEGER,
  deleted_at INTEGER
);
CREATE INDEX statuses_account ON statuses (account_id, id);
CREATE INDEX statuses_reply ON statuses (in_reply_to_id);
CREATE INDEX statuses_reblog ON statuses (reblog_of_id, account_id);
CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);

CREATE TABLE status_tags (
  tag TEXT NOT NULL,
  status_id TEXT NOT NULL REFERENCES statuses(id),
  name TEXT NOT NULL,
  PRIMARY KEY (tag, status_id)
);
CREATE INDEX status_tags_status ON status_tags (status_id);

CREATE TABLE mentions (
  status_id TEXT NOT NULL REFERENCES statuses(id),
  account_id TEXT NOT NULL REFERENCES accounts(id),
  PRIMARY KEY (status_id, account_id)
);
CREATE INDEX mentions_account ON mentions (account_id, status_id);

CREATE TABLE follows (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  target_account_id TEXT NOT NULL REFERENCES accounts(id),
  state TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
  uri TEXT,
  show_reblogs INTEGER NOT NULL DEFAULT 1,
  notify INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE (account_id, target_account_id)
);
CREATE INDEX follows_target ON follows (target_account_id, state);

CREATE TABLE favourites (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  status_id TEXT NOT NULL REFERENCES statuses(id),
  uri TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status ON favourites (status_id);

CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  type TEXT NOT NULL,
  from_account_id TEXT NOT NULL REFERENCES accounts(id),
  status_id TEXT REFERENCES statuses(id),
  created_at INTEGER NOT NULL,
  dismissed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_account ON notifications (account_id, id);

CREATE TABLE lists (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  title TEXT NOT NULL,
  replies_policy TEXT NOT NULL DEFAULT 'list' CHECK (replies_policy IN ('followed', 'list', 'none')),
  exclusive INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX lists_account ON lists (account_id);
CREATE TABLE list_accounts (
  list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  PRIMARY KEY (list_id, account_id)
);

CREATE TABLE idempotency_keys (
  account_id TEXT NOT NULL REFERENCES accounts(id),
  key TEXT NOT NULL,
  status_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, key)
);
`,
  },
  {
    name: 'moderation: blocks, mutes, user domain blocks, instance domain policy, reports, moderation log',
    sql: `
-- One account blocking another (local or remote on either side: a remote Block is recorded too).
-- uri: the Block activity's id when it crossed servers.
CREATE TABLE blocks (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  target_account_id TEXT NOT NULL REFERENCES accounts(id),
  uri TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_target ON blocks (target_account_id);

-- A local account muting another: posts leave the muter's timelines and feeds; notifications
-- too when hide_notifications = 1. expires_at NULL: until unmuted.
CREATE TABLE mutes (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  target_account_id TEXT NOT NULL REFERENCES accounts(id),
  hide_notifications INTEGER NOT NULL DEFAULT 1,
  expires_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (account_id, target_account_id)
);

-- A local account hiding a whole server for itself (Mastodon's user-level domain_blocks).
CREATE TABLE account_domain_blocks (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  domain TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (account_id, domain)
);

-- The operator's policy for another server (no row: none). Shown publicly with its reason.
CREATE TABLE domain_policies (
  domain TEXT PRIMARY KEY,
  severity TEXT NOT NULL CHECK (severity IN ('silence', 'suspend')),
  public_comment TEXT NOT NULL DEFAULT '',
  private_comment TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Reports: made here (account_id local) or received as a Flag (account_id remote or NULL when
-- the reporting server hid who reported; uri = the Flag's id).
CREATE TABLE reports (
  id TEXT PRIMARY KEY,
  account_id TEXT REFERENCES accounts(id),
  target_account_id TEXT NOT NULL REFERENCES accounts(id),
  status_ids TEXT NOT NULL DEFAULT '[]',
  comment TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT 'other',
  rule_ids TEXT NOT NULL DEFAULT '[]',
  forwarded INTEGER NOT NULL DEFAULT 0,
  uri TEXT UNIQUE,
  created_at INTEGER NOT NULL,
  resolved_at INTEGER,
  resolved_by TEXT REFERENCES accounts(id),
  resolution_note TEXT
);
CREATE INDEX reports_open ON reports (resolved_at, id);

-- What the operator did (domain policy changes, takedowns, resolved reports): the public
-- transparency page lists it, without the removed content.
CREATE TABLE moderation_log (
  id TEXT PRIMARY KEY,
  action TEXT NOT NULL,
  operator_id TEXT REFERENCES accounts(id),
  domain TEXT,
  target_account_id TEXT,
  status_id TEXT,
  report_id TEXT,
  note TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
`,
  },
];
