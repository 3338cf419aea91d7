/**
 * The social store: DIR/social.sqlite and its tables, one repository per concern.
 *
 *   accounts       local and remote accounts, passwords          accounts.ts
 *   sessions       browser sessions and their CSRF tokens        sessions.ts
 *   oauth          apps, authorization codes, access tokens      oauth.ts
 *   statuses       posts, tags, mentions, favourites, timelines  statuses.ts
 *   follows        follows and follow requests                   follows.ts
 *   notifications                                                 notifications.ts
 *   lists                                                         lists.ts
 *   invites        sign-up by invitation                         invites.ts
 *   settings       instance settings and the server's secret     settings.ts
 *
 * The writes that touch several tables at once and tell federation (posting, following,
 * favouriting, deleting an account) are in actions.ts.
 */
import { openSocialDb, type Db } from './db.ts';
import { Accounts } from './accounts.ts';
import { Sessions } from './sessions.ts';
import { OAuthStore } from './oauth.ts';
import { Statuses } from './statuses.ts';
import { Follows } from './follows.ts';
import { Notifications } from './notifications.ts';
import { Lists } from './lists.ts';
import { Invites } from './invites.ts';
import { Settings } from './settings.ts';

export class SocialStore {
  readonly db: Db;
  readonly accounts: Accounts;
  readonly sessions: Sessions;
  readonly oauth: OAuthStore;
  readonly statuses: Statuses;
  readonly follows: Follows;
  readonly notifications: Notifications;
  readonly lists: Lists;
  readonly invites: Invites;
  readonly settings: Settings;

  constructor(db: Db) {
    this.db = db;
    this.accounts = new Accounts(db);
    this.sessions = new Sessions(db);
    this.oauth = new OAuthStore(db);
    this.statuses = new Statuses(db);
    this.follows = new Follows(db);
    this.notifications = new Notifications(db);
    this.lists = new Lists(db);
    this.invites = new Invites(db);
    this.settings = new Settings(db);
  }

  /** Run `fn` in one transaction. */
  tx<T>(fn: () => T): T {
    return this.db.tx(fn);
  }

  close(): void {
    this.db.close();
  }
}

/** Open DIR/social.sqlite (created and migrated as needed). */
export function openSocialStore(dir: string): SocialStore {
  return new SocialStore(openSocialDb(dir));
}

export { SOCIAL_FILE, SchemaTooNew } from './db.ts';
export type * from './rows.ts';
export { UsernameTaken } from './accounts.ts';
export type { Paging } from './statuses.ts';
export type { SocialEvents } from './events.ts';
export type { InstanceSettings, RegistrationMode } from './settings.ts';
