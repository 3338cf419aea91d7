/** The rows of DIR/social.sqlite as the code sees them (booleans as booleans, schema.ts has the columns). */

export type Visibility = 'public' | 'unlisted' | 'private' | 'direct';
export const VISIBILITIES: readonly Visibility[] = ['public', 'unlisted', 'private', 'direct'];
export type Role = 'user' | 'admin';

export interface AccountRow {
  id: string;
  username: string;
  /** null for accounts of this server. */
  domain: string | null;
  /** ActivityPub actor id (remote accounts; local ones are made from the origin). */
  uri: string | null;
  url: string | null;
  inboxUrl: string | null;
  sharedInboxUrl: string | null;
  displayName: string;
  /** The bio as its author typed it (local) or '' (remote, see noteHtml). */
  note: string;
  /** The bio as HTML: made from `note` for local accounts, as received for remote ones. */
  noteHtml: string | null;
  avatarUrl: string | null;
  headerUrl: string | null;
  locked: boolean;
  bot: boolean;
  discoverable: boolean;
  indexable: boolean;
  role: Role;
  verified: boolean;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

export interface StatusRow {
  id: string;
  seq: number;
  accountId: string;
  uri: string | null;
  url: string | null;
  /** The text as written (NFC); '' for reblogs and for remote posts that came only as HTML. */
  text: string;
  content: string;
  spoilerText: string;
  sensitive: boolean;
  visibility: Visibility;
  language: string | null;
  inReplyToId: string | null;
  inReplyToAccountId: string | null;
  reblogOfId: string | null;
  appId: string | null;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
}

export interface FollowRow {
  id: string;
  accountId: string;
  targetAccountId: string;
  state: 'pending' | 'accepted';
  /** The Follow activity's id, for follows that crossed servers. */
  uri: string | null;
  showReblogs: boolean;
  notify: boolean;
  createdAt: number;
}

export interface FavouriteRow {
  id: string;
  accountId: string;
  statusId: string;
  uri: string | null;
  createdAt: number;
}

export type NotificationType = 'mention' | 'status' | 'reblog' | 'follow' | 'follow_request' | 'favourite' | 'update';

export interface NotificationRow {
  id: string;
  accountId: string;
  type: NotificationType;
  fromAccountId: string;
  statusId: string | null;
  createdAt: number;
}

export interface ListRow {
  id: string;
  accountId: string;
  title: string;
  repliesPolicy: 'followed' | 'list' | 'none';
  exclusive: boolean;
  createdAt: number;
}

export interface AppRow {
  id: string;
  clientId: string;
  name: string;
  website: string | null;
  redirectUris: string[];
  scopes: string[];
  createdAt: number;
}

export interface TokenRow {
  id: string;
  appId: string;
  accountId: string | null;
  scopes: string[];
  createdAt: number;
}
