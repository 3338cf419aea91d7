/**
 * Blocks, mutes, a reader's domain blocks, reports, and the instance's public domain policy
 * (docs.joinmastodon.org/methods/accounts, /blocks, /mutes, /domain_blocks, /reports, /instance):
 *
 *   POST /api/v1/accounts/:id/block | unblock      write:blocks   → Relationship
 *   POST /api/v1/accounts/:id/mute | unmute        write:mutes    (notifications, duration) → Relationship
 *   GET  /api/v1/blocks                            read:blocks    accounts, Link paging
 *   GET  /api/v1/mutes                             read:mutes     accounts (+ mute_expires_at), Link paging
 *   GET/POST/DELETE /api/v1/domain_blocks          read/write:blocks  (domain)
 *   POST /api/v1/reports                           write:reports  (account_id, status_ids[], comment, category, rule_ids[], forward) → Report
 *   GET  /api/v1/instance/domain_blocks            public: every server the operator silenced or suspended, with the reason
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ApiOptions } from './routes.ts';
import type { AccountRow } from '../store/rows.ts';
import { notFound } from '../store/errors.ts';
import { requireUser } from './auth.ts';
import { bool, idParam, int, list, paging, paramsOf, str } from './params.ts';
import { pageIds, setLinkHeader } from './paging.ts';
import { moderationOf } from '../moderation/service.ts';
import type { ReportRow } from '../moderation/store.ts';

export async function moderationRoutes(app: FastifyInstance, { ctx, e }: ApiOptions): Promise<void> {
  const m = () => moderationOf(ctx);
  const live = (id: unknown): AccountRow => {
    const a = ctx.store.accounts.byId(idParam(id, 'Không tìm thấy tài khoản này'));
    if (!a || a.deletedAt !== null) throw notFound('Không tìm thấy tài khoản này');
    return a;
  };
  const target = (req: { params: unknown }) => live((req.params as { id: string }).id);

  app.post('/api/v1/accounts/:id/block', async (req) => {
    const { account } = requireUser(ctx, req, 'write:blocks');
    const t = target(req);
    m().block(account.id, t.id);
    return e.relationship(account.id, t.id);
  });

  app.post('/api/v1/accounts/:id/unblock', async (req) => {
    const { account } = requireUser(ctx, req, 'write:blocks');
    const t = target(req);
    m().unblock(account.id, t.id);
    return e.relationship(account.id, t.id);
  });

  app.post('/api/v1/accounts/:id/mute', async (req) => {
    const { account } = requireUser(ctx, req, 'write:mutes');
    const t = target(req);
    const p = paramsOf(req);
    m().mute(account.id, t.id, { notifications: bool(p, 'notifications'), durationSeconds: int(p, 'duration', 0, 10 * 365 * 86_400) });
    return e.relationship(account.id, t.id);
  });

  app.post('/api/v1/accounts/:id/unmute', async (req) => {
    const { account } = requireUser(ctx, req, 'write:mutes');
    const t = target(req);
    m().unmute(account.id, t.id);
    return e.relationship(account.id, t.id);
  });

  app.get('/api/v1/blocks', async (req, reply) => {
    const { account } = requireUser(ctx, req, 'read:blocks');
    const rows = m().store.blocks(account.id, paging(paramsOf(req), 40, 80));
    setLinkHeader(req, reply, ctx.urls.origin, pageIds(rows));
    return rows.map((r) => ctx.store.accounts.byId(r.targetAccountId)).filter((a): a is AccountRow => !!a && a.deletedAt === null).map((a) => e.account(a));
  });

  app.get('/api/v1/mutes', async (req, reply) => {
    const { account } = requireUser(ctx, req, 'read:mutes');
    const rows = m().store.mutes(account.id, paging(paramsOf(req), 40, 80));
    setLinkHeader(req, reply, ctx.urls.origin, pageIds(rows));
    const out = [];
    for (const r of rows) {
      const a = ctx.store.accounts.byId(r.targetAccountId);
      if (a && a.deletedAt === null) out.push({ ...e.account(a), mute_expires_at: r.expiresAt === null ? null : new Date(r.expiresAt).toISOString() });
    }
    return out;
  });

  app.get('/api/v1/domain_blocks', async (req, reply) => {
    const { account } = requireUser(ctx, req, 'read:blocks');
    const rows = m().store.domainBlocks(account.id, paging(paramsOf(req), 100, 200));
    setLinkHeader(req, reply, ctx.urls.origin, pageIds(rows));
    return rows.map((r) => r.domain);
  });

  app.post('/api/v1/domain_blocks', async (req) => {
    const { account } = requireUser(ctx, req, 'write:blocks');
    m().blockDomain(account.id, str(paramsOf(req), 'domain', 300) ?? '');
    return {};
  });

  app.delete('/api/v1/domain_blocks', async (req) => {
    const { account } = requireUser(ctx, req, 'write:blocks');
    m().unblockDomain(account.id, str(paramsOf(req), 'domain', 300) ?? '');
    return {};
  });

  const reportJson = (r: ReportRow) => {
    const t = ctx.store.accounts.byId(r.targetAccountId)!;
    return {
      id: r.id,
      action_taken: r.resolvedAt !== null,
      action_taken_at: r.resolvedAt === null ? null : new Date(r.resolvedAt).toISOString(),
      category: r.category,
      comment: r.comment,
      forwarded: r.forwarded,
      created_at: new Date(r.createdAt).toISOString(),
      status_ids: r.statusIds.length ? r.statusIds : null,
      rule_ids: r.ruleIds.length ? r.ruleIds : null,
      target_account: e.account(t),
    };
  };

  app.post('/api/v1/reports', async (req) => {
    const { account } = requireUser(ctx, req, 'write:reports');
    const p = paramsOf(req);
    const r = m().report(account.id, {
      accountId: live(str(p, 'account_id', 40)).id,
      statusIds: list(p, 'status_ids', 100).map((id) => idParam(id, `Không tìm thấy bài ${id}`)),
      comment: str(p, 'comment', 5000),
      category: str(p, 'category', 40),
      ruleIds: list(p, 'rule_ids', 20),
      forward: bool(p, 'forward'),
    });
    return reportJson(r);
  });

  // Transparency: what the operator decided about other servers, and why — readable by anyone.
  app.get('/api/v1/instance/domain_blocks', async () =>
    m().store.policies().map((p) => ({
      domain: p.domain,
      digest: createHash('sha256').update(p.domain).digest('hex'),
      severity: p.severity,
      comment: p.publicComment,
    })),
  );
}
