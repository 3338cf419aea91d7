/**
 * /api/v1/instance and /api/v2/instance (what the server is and what it allows), and the
 * endpoints of features this server does not have yet, which answer with valid empty values so
 * apps work: custom emojis, filters, announcements, trends, bookmarks,
 * conversations, suggestions, followed tags, scheduled statuses, preferences, markers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiOptions } from './routes.ts';
import { MASTODON_VERSION } from './entities.ts';
import { MAX_STATUS_CHARS } from '../store/actions.ts';
import { URL_LENGTH } from '../store/content.ts';
import { requireUser, viewerOf } from './auth.ts';
import { paramsOf } from './params.ts';
import { SocialError } from '../store/errors.ts';

const SOURCE_URL = 'https://github.com/tra-vn/tra';

export async function instanceRoutes(app: FastifyInstance, { ctx }: ApiOptions): Promise<void> {
  const limits = {
    accounts: { max_featured_tags: 0, max_pinned_statuses: 0 },
    statuses: { max_characters: MAX_STATUS_CHARS, max_media_attachments: 0, characters_reserved_per_url: URL_LENGTH },
    media_attachments: { supported_mime_types: [], image_size_limit: 0, image_matrix_limit: 0, video_size_limit: 0, video_frame_rate_limit: 0, video_matrix_limit: 0, description_limit: 1500 },
    polls: { max_options: 0, max_characters_per_option: 0, min_expiration: 300, max_expiration: 2_629_746 },
  };
  const contact = () => {
    const s = ctx.store.settings.get();
    return s.contactEmail;
  };

  app.get('/api/v1/instance', async () => {
    const s = ctx.store.settings.get();
    const u = ctx.urls;
    return {
      uri: u.host,
      title: s.title,
      short_description: s.description,
      description: s.description,
      email: contact(),
      version: MASTODON_VERSION,
      urls: { streaming_api: u.origin.replace(/^http/, 'ws') },
      stats: { user_count: ctx.store.accounts.localCount(), status_count: ctx.store.statuses.localCount(), domain_count: ctx.store.accounts.domainCount() },
      thumbnail: null,
      languages: ['vi'],
      registrations: s.registrations !== 'closed',
      approval_required: false,
      invites_enabled: s.registrations === 'invite',
      configuration: limits,
      contact_account: null,
      rules: [],
    };
  });

  app.get('/api/v2/instance', async () => {
    const s = ctx.store.settings.get();
    const u = ctx.urls;
    return {
      domain: u.host,
      title: s.title,
      version: MASTODON_VERSION,
      source_url: SOURCE_URL,
      description: s.description,
      usage: { users: { active_month: ctx.store.accounts.localCount() } },
      thumbnail: { url: `${u.origin}/static/favicon.svg` },
      icon: [],
      languages: ['vi'],
      configuration: {
        urls: { streaming: u.origin.replace(/^http/, 'ws'), status: null, about: `${u.origin}/`, privacy_policy: null, terms_of_service: null },
        vapid: { public_key: '' },
        ...limits,
        accounts: { ...limits.accounts, max_display_name_length: 30, max_note_length: 500 },
        translation: { enabled: false },
        timelines_access: { live_feeds: { local: 'public', remote: 'public' }, hashtag_feeds: { local: 'public', remote: 'public' }, trending_link_feeds: { local: 'public', remote: 'public' } },
      },
      registrations: { enabled: s.registrations !== 'closed', approval_required: false, reason_required: false, message: s.registrations === 'invite' ? 'Chỉ đăng ký bằng mã mời.' : null, url: `${u.origin}/dang-ky` },
      api_versions: { mastodon: 2 },
      contact: { email: contact(), account: null },
      rules: [],
    };
  });

  app.get('/api/v1/instance/peers', async () => []);
  app.get('/api/v1/instance/activity', async () => []);
  app.get('/api/v1/instance/rules', async () => []);
  app.get('/api/v1/instance/languages', async () => [{ code: 'vi', name: 'Tiếng Việt' }]);
  app.get('/api/v1/instance/extended_description', async () => ({ updated_at: new Date(0).toISOString(), content: `<p>${ctx.store.settings.get().description}</p>` }));

  // Empty but valid: what this server does not have (yet).
  const empty = (scope: string | undefined) => async (req: FastifyRequest) => {
    if (scope) requireUser(ctx, req, scope);
    return [];
  };
  app.get('/api/v1/custom_emojis', empty(undefined));
  app.get('/api/v1/announcements', empty('read'));
  app.get('/api/v1/trends', empty(undefined));
  app.get('/api/v1/trends/tags', empty(undefined));
  app.get('/api/v1/trends/statuses', empty(undefined));
  app.get('/api/v1/trends/links', empty(undefined));
  app.get('/api/v1/filters', empty('read:filters'));
  app.get('/api/v2/filters', empty('read:filters'));
  app.get('/api/v1/bookmarks', empty('read:bookmarks'));
  app.get('/api/v1/conversations', empty('read:statuses'));
  app.get('/api/v1/followed_tags', empty('read:follows'));
  app.get('/api/v1/suggestions', empty('read'));
  app.get('/api/v2/suggestions', empty('read'));
  app.get('/api/v1/endorsements', empty('read:accounts'));
  app.get('/api/v1/featured_tags', empty('read:accounts'));
  app.get('/api/v1/scheduled_statuses', empty('read:statuses'));
  app.get('/api/v1/directory', async (req) => {
    viewerOf(ctx, req, 'read');
    return [];
  });
  app.get('/api/v1/push/subscription', async (req) => {
    requireUser(ctx, req, 'push');
    throw new SocialError(404, 'Chưa có đăng ký thông báo đẩy nào');
  });

  app.get('/api/v1/preferences', async (req) => {
    requireUser(ctx, req, 'read:accounts');
    return { 'posting:default:visibility': 'public', 'posting:default:sensitive': false, 'posting:default:language': 'vi', 'reading:expand:media': 'default', 'reading:expand:spoilers': false };
  });

  // Markers are not kept yet: reads are empty, writes are acknowledged with what was sent.
  app.get('/api/v1/markers', async (req) => {
    requireUser(ctx, req, 'read:statuses');
    return {};
  });
  app.post('/api/v1/markers', async (req) => {
    requireUser(ctx, req, 'write:statuses');
    const p = paramsOf(req);
    const out: Record<string, unknown> = {};
    for (const tl of ['home', 'notifications']) {
      const v = p[tl] as Record<string, unknown> | undefined;
      const id = (v && typeof v === 'object' ? v.last_read_id : p[`${tl}[last_read_id]`]) as string | undefined;
      if (typeof id === 'string') out[tl] = { last_read_id: id, version: 0, updated_at: new Date().toISOString() };
    }
    return out;
  });

}
