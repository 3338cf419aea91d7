/** What every route plugin is given: the backend and the server's settings. */
import type { FastifyRequest } from 'fastify';
import type { Backend } from './backend.ts';

/** A signed-in account of the social layer, as the pages outside it need to know it. */
export interface PageAccount {
  /** The account's id in DIR/social.sqlite. */
  id: string;
  username: string;
  /** The instance's administrator (role `admin`). */
  admin: boolean;
  /** The session's CSRF token: forms of this session carry it. */
  csrf: string;
}

export interface ServerContext {
  backend: Backend;
  /** Hits per results page. */
  pageSize: number;
  /** Record the engine time of one search (set by the ops plugin). */
  observeSearch: (ms: number) => void;
  /**
   * The account signed in on this request (the social layer's session cookie); set by app.ts
   * only when the social layer is served, so absent means a server without accounts.
   */
  accountOf?(req: FastifyRequest): PageAccount | undefined;
}

export interface PluginOptions {
  ctx: ServerContext;
}
