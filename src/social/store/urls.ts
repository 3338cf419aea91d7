/**
 * The public addresses of local things, made from the server's origin (`tra serve --origin`).
 * They follow Mastodon's layout, which other servers and apps recognise:
 *
 *   actor id        ORIGIN/users/USERNAME           profile page   ORIGIN/@USERNAME
 *   status id       ORIGIN/users/USERNAME/statuses/ID  status page ORIGIN/@USERNAME/ID
 *   hashtag page    ORIGIN/tags/NAME
 *
 * Local accounts and statuses store no uri/url of their own (a CLI that makes an account does
 * not know the origin); remote ones carry theirs. `accountUri`/`statusUri` give either.
 */
import type { AccountRow, StatusRow } from './rows.ts';

export class LocalUrls {
  readonly origin: string;
  readonly host: string;
  constructor(origin: string) {
    const u = new URL(origin);
    this.origin = u.origin;
    this.host = u.host;
  }

  actor(username: string): string {
    return `${this.origin}/users/${encodeURIComponent(username)}`;
  }

  profile(username: string): string {
    return `${this.origin}/@${encodeURIComponent(username)}`;
  }

  accountUri(a: AccountRow): string {
    return a.uri ?? this.actor(a.username);
  }

  accountUrl(a: AccountRow): string {
    return a.url ?? a.uri ?? this.profile(a.username);
  }

  /** `user` for local accounts, `user@domain` for remote ones (Mastodon's `acct`). */
  acct(a: AccountRow): string {
    return a.domain === null ? a.username : `${a.username}@${a.domain}`;
  }

  statusUri(s: StatusRow, author: AccountRow): string {
    return s.uri ?? `${this.actor(author.username)}/statuses/${s.id}`;
  }

  statusUrl(s: StatusRow, author: AccountRow): string {
    return s.url ?? s.uri ?? `${this.profile(author.username)}/${s.id}`;
  }

  tag(name: string): string {
    return `${this.origin}/tags/${encodeURIComponent(name)}`;
  }

  /** The local username an actor id or profile URL of ours names, or undefined. */
  usernameOf(uri: string): string | undefined {
    let u: URL;
    try {
      u = new URL(uri);
    } catch {
      return undefined;
    }
    if (u.origin !== this.origin) return undefined;
    const m = /^\/(?:users\/|@)([^/]+)\/?$/.exec(u.pathname);
    return m ? decodeURIComponent(m[1]) : undefined;
  }

  /** The local status id a status id or URL of ours names, or undefined. */
  statusIdOf(uri: string): string | undefined {
    let u: URL;
    try {
      u = new URL(uri);
    } catch {
      return undefined;
    }
    if (u.origin !== this.origin) return undefined;
    return /^\/(?:users\/[^/]+\/statuses|@[^/]+)\/(\d+)\/?$/.exec(u.pathname)?.[1];
  }
}
