/**
 * OAuth 2 clients (Mastodon's "apps"), authorization codes and access tokens. Client secrets,
 * codes and tokens are returned once, when made, and stored only as SHA-256 hashes.
 */
import type { Db, Row } from './db.ts';
import { newId } from './ids.ts';
import { hashSecret, newSecret, sameSecret } from './secrets.ts';
import type { AppRow, TokenRow } from './rows.ts';

/** How long an authorization code may wait to be exchanged (RFC 6749 recommends ≤ 10 minutes). */
export const CODE_TTL_MS = 10 * 60_000;

const words = (v: unknown): string[] => String(v ?? '').split(/\s+/).filter(Boolean);

function appFromRow(r: Row): AppRow {
  return {
    id: String(r.id),
    clientId: String(r.client_id),
    name: String(r.name),
    website: r.website === null ? null : String(r.website),
    redirectUris: String(r.redirect_uris).split('\n').filter(Boolean),
    scopes: words(r.scopes),
    createdAt: Number(r.created_at),
  };
}

function tokenFromRow(r: Row): TokenRow {
  return { id: String(r.id), appId: String(r.app_id), accountId: r.account_id === null ? null : String(r.account_id), scopes: words(r.scopes), createdAt: Number(r.created_at) };
}

export interface CodeGrant {
  appId: string;
  accountId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
}

export class OAuthStore {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  createApp(o: { name: string; website?: string | null; redirectUris: string[]; scopes: string[] }): { app: AppRow; clientSecret: string } {
    const id = newId();
    const clientId = newSecret(24);
    const clientSecret = newSecret();
    this.db.run('INSERT INTO apps (id, client_id, client_secret_hash, name, website, redirect_uris, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      id, clientId, hashSecret(clientSecret), o.name, o.website ?? null, o.redirectUris.join('\n'), o.scopes.join(' '), Date.now(),
    ]);
    return { app: this.app(id)!, clientSecret };
  }

  app(id: string): AppRow | undefined {
    const r = this.db.get('SELECT * FROM apps WHERE id = ?', [id]);
    return r ? appFromRow(r) : undefined;
  }

  appByClientId(clientId: string): AppRow | undefined {
    const r = this.db.get('SELECT * FROM apps WHERE client_id = ?', [clientId]);
    return r ? appFromRow(r) : undefined;
  }

  /** The app when the client id and secret match (constant-time on the secret). */
  authenticateClient(clientId: string, clientSecret: string): AppRow | undefined {
    const r = this.db.get('SELECT * FROM apps WHERE client_id = ?', [clientId]);
    if (!r) return undefined;
    return sameSecret(hashSecret(clientSecret), String(r.client_secret_hash)) ? appFromRow(r) : undefined;
  }

  /** A named app of our own (the CLI's), made the first time it is needed. */
  ownApp(name: string): AppRow {
    return this.db.tx(() => {
      const r = this.db.get("SELECT * FROM apps WHERE name = ? AND redirect_uris = 'urn:ietf:wg:oauth:2.0:oob' ORDER BY id LIMIT 1", [name]);
      if (r) return appFromRow(r);
      return this.createApp({ name, redirectUris: ['urn:ietf:wg:oauth:2.0:oob'], scopes: ['read', 'write', 'follow', 'push'] }).app;
    });
  }

  createCode(g: CodeGrant, now = Date.now()): string {
    const code = newSecret();
    this.db.run('INSERT INTO authorization_codes (code_hash, app_id, account_id, redirect_uri, scopes, code_challenge, code_challenge_method, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      hashSecret(code), g.appId, g.accountId, g.redirectUri, g.scopes.join(' '), g.codeChallenge, g.codeChallengeMethod, now + CODE_TTL_MS,
    ]);
    return code;
  }

  /**
   * Use a code once. A code presented a second time is refused and the tokens made from it are
   * revoked (RFC 6749 §4.1.2: it may have been stolen).
   */
  consumeCode(code: string, now = Date.now()): { grant: CodeGrant } | { error: 'unknown' | 'expired' | 'reused' } {
    return this.db.tx(() => {
      const h = hashSecret(code);
      const r = this.db.get('SELECT * FROM authorization_codes WHERE code_hash = ?', [h]);
      if (!r) return { error: 'unknown' as const };
      if (r.used_at !== null) {
        this.db.run('UPDATE tokens SET revoked_at = ? WHERE id IN (SELECT id FROM tokens WHERE app_id = ? AND account_id = ? AND created_at >= ?) AND revoked_at IS NULL', [now, r.app_id, r.account_id, Number(r.used_at)]);
        return { error: 'reused' as const };
      }
      this.db.run('UPDATE authorization_codes SET used_at = ? WHERE code_hash = ?', [now, h]);
      if (Number(r.expires_at) <= now) return { error: 'expired' as const };
      return {
        grant: {
          appId: String(r.app_id),
          accountId: String(r.account_id),
          redirectUri: String(r.redirect_uri),
          scopes: words(r.scopes),
          codeChallenge: r.code_challenge === null ? null : String(r.code_challenge),
          codeChallengeMethod: r.code_challenge_method === null ? null : String(r.code_challenge_method),
        },
      };
    });
  }

  /** Delete codes that expired more than a day ago. */
  purgeCodes(now = Date.now()): void {
    this.db.run('DELETE FROM authorization_codes WHERE expires_at < ?', [now - 86_400_000]);
  }

  createToken(o: { appId: string; accountId: string | null; scopes: string[] }, now = Date.now()): { token: string; row: TokenRow } {
    const token = newSecret();
    const id = newId(now);
    this.db.run('INSERT INTO tokens (id, token_hash, app_id, account_id, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)', [id, hashSecret(token), o.appId, o.accountId, o.scopes.join(' '), now]);
    return { token, row: tokenFromRow(this.db.get('SELECT * FROM tokens WHERE id = ?', [id])!) };
  }

  /** The live token for a bearer value (not revoked, its account not deleted). */
  token(bearer: string): TokenRow | undefined {
    const r = this.db.get(
      'SELECT t.* FROM tokens t LEFT JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.account_id IS NULL OR a.deleted_at IS NULL)',
      [hashSecret(bearer)],
    );
    return r ? tokenFromRow(r) : undefined;
  }

  /** Revoke a token if it belongs to this app; true when something was revoked. */
  revoke(bearer: string, appId: string, now = Date.now()): boolean {
    return this.db.run('UPDATE tokens SET revoked_at = ? WHERE token_hash = ? AND app_id = ? AND revoked_at IS NULL', [now, hashSecret(bearer), appId]).changes > 0;
  }

  /** The apps an account has authorised, with their live tokens (for the settings page). */
  authorizedApps(accountId: string): Array<{ app: AppRow; tokens: number; lastUsedAt: number | null }> {
    return this.db
      .all<Row & { n: number; last: number | null }>('SELECT a.*, count(t.id) AS n, max(t.last_used_at) AS last FROM tokens t JOIN apps a ON a.id = t.app_id WHERE t.account_id = ? AND t.revoked_at IS NULL GROUP BY a.id ORDER BY a.name', [accountId])
      .map((r) => ({ app: appFromRow(r), tokens: Number(r.n), lastUsedAt: r.last === null ? null : Number(r.last) }));
  }

  revokeApp(accountId: string, appId: string, now = Date.now()): number {
    return this.db.run('UPDATE tokens SET revoked_at = ? WHERE account_id = ? AND app_id = ? AND revoked_at IS NULL', [now, accountId, appId]).changes;
  }

  touch(tokenId: string, now = Date.now()): void {
    this.db.run('UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)', [now, tokenId, now - 60_000]);
  }
}
