/**
 * /api/v2/search: accounts by username or display name for now. Statuses (through the engine's
 * match set, with Vietnamese folding) and hashtags come with the post index; until then they
 * answer empty lists, and `resolve=true` (fetching a remote account or post) waits for federation.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiOptions } from './routes.ts';
import { SocialError } from '../store/errors.ts';
import { requireUser } from './auth.ts';
import { int, paramsOf, str } from './params.ts';

const TYPES = ['accounts', 'statuses', 'hashtags'];

export async function searchRoutes(app: FastifyInstance, { ctx, e }: ApiOptions): Promise<void> {
  app.get('/api/v2/search', async (req) => {
    requireUser(ctx, req, 'read:search');
    const p = paramsOf(req);
    const q = (str(p, 'q', 500) ?? '').trim().normalize('NFC');
    const type = str(p, 'type', 20);
    if (type !== undefined && type !== '' && !TYPES.includes(type)) throw new SocialError(400, `type phải là một trong: ${TYPES.join(', ')}`);
    const limit = int(p, 'limit', 1, 40) ?? 20;
    const offset = int(p, 'offset', 0, 10_000) ?? 0;
    const out = { accounts: [] as unknown[], statuses: [] as unknown[], hashtags: [] as unknown[] };
    if (!q) return out;
    if (!type || type === 'accounts') {
      const handle = q.replace(/^@/, '');
      const [username, domain] = handle.split('@');
      const exact = domain !== undefined ? ctx.store.accounts.byHandle(username, domain.toLowerCase() === ctx.urls.host.toLowerCase() ? null : domain) : undefined;
      const found = exact && exact.deletedAt === null ? [exact] : ctx.store.accounts.search(username, limit, offset);
      out.accounts = found.map((a) => e.account(a));
    }
    return out;
  });
}
