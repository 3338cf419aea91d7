/** What every route plugin is given: the backend and the server's settings. */
import type { Backend } from './backend.ts';

export interface ServerContext {
  backend: Backend;
  /** Hits per results page. */
  pageSize: number;
  /** Record the engine time of one search (set by the ops plugin). */
  observeSearch: (ms: number) => void;
}

export interface PluginOptions {
  ctx: ServerContext;
}
