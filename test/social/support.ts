/**
 * Test support for the social layer: the real server (buildServer, with the social plugin) on a
 * free loopback port over a fresh data directory, a cookie jar for driving the account pages with
 * plain HTTP, and the OAuth code + PKCE flow done the way a browser and an app would do it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/app.ts';
import { openEngineBackend } from '../../src/server/engine-backend.ts';
import { openEngine } from '../../src/engine/index.ts';
import { createSocialContext, type SocialContext } from '../../src/social/http.ts';
import type { SignInLimits } from '../../src/social/accounts/service.ts';

export interface SocialServer {
  app: FastifyInstance;
  dir: string;
  base: string;
  social: SocialContext;
  close(): Promise<void>;
}

/** An empty data directory with an (empty) index, as `tra serve` needs one. */
export async function emptyDataDir(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-social-'));
  const engine = await openEngine(dir);
  engine.close();
  return dir;
}

export async function startSocialServer(o: { dir?: string; signInLimits?: SignInLimits } = {}): Promise<SocialServer> {
  const dir = o.dir ?? (await emptyDataDir());
  const backend = await openEngineBackend(dir, { workers: 0 });
  let base = '';
  const options = { dataDir: dir, origin: () => base, signInLimits: o.signInLimits };
  const social = createSocialContext(options);
  const app = await buildServer({ logger: false, rateLimit: { max: 0, windowMs: 60_000 }, backend, social: { ...options, context: social } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    app,
    dir,
    base,
    social,
    close: async () => {
      await app.close();
      social.store.close();
      await backend.close();
      if (!o.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser's cookies, enough for our own pages: name=value, no attributes honoured. */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (/Max-Age=0/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', this.header());
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.take(res);
    return res;
  }
}

/** The CSRF token of the first form on a page. */
export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF field on the page:\n' + html.slice(0, 2000));
  return m[1];
}

export const form = (o: Record<string, string>): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(o).toString() });

/** Sign up through the page, as a browser would; the jar ends up signed in. */
export async function signUp(base: string, jar: CookieJar, username: string, password: string): Promise<Response> {
  const page = await jar.fetch(`${base}/dang-ky`);
  const csrf = csrfOf(await page.text());
  return jar.fetch(`${base}/dang-ky`, form({ csrf, username, password, password_confirmation: password, display_name: '' }));
}

export async function signIn(base: string, jar: CookieJar, username: string, password: string): Promise<Response> {
  const page = await jar.fetch(`${base}/dang-nhap`);
  const csrf = csrfOf(await page.text());
  return jar.fetch(`${base}/dang-nhap`, form({ csrf, username, password }));
}

export interface RegisteredApp {
  client_id: string;
  client_secret: string;
  redirect_uri: string;
}

export async function registerApp(base: string, scopes = 'read write follow', redirect = 'http://127.0.0.1:9/callback'): Promise<RegisteredApp> {
  const res = await fetch(`${base}/api/v1/apps`, form({ client_name: 'Ứng dụng thử', redirect_uris: redirect, scopes, website: 'https://example.org' }));
  if (res.status !== 200) throw new Error(`apps: ${res.status} ${await res.text()}`);
  return (await res.json()) as RegisteredApp;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * The authorization-code flow with PKCE, driven like a browser: open /oauth/authorize with the
 * session cookie, read the consent form's CSRF token, allow, follow the redirect's code to
 * /oauth/token. Returns the token response.
 */
export async function authorize(base: string, jar: CookieJar, app: RegisteredApp, scope: string): Promise<{ access_token: string; scope: string; token_type: string }> {
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: app.redirect_uri, scope, state: 'trang-thai-1', code_challenge: challenge, code_challenge_method: 'S256' });
  const consent = await jar.fetch(`${base}/oauth/authorize?${q}`);
  if (consent.status !== 200) throw new Error(`authorize: ${consent.status} ${consent.headers.get('location')}`);
  const html = await consent.text();
  const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'")]));
  const answer = await jar.fetch(`${base}/oauth/authorize`, form({ ...fields, decision: 'allow' }));
  if (answer.status !== 303) throw new Error(`consent: ${answer.status} ${await answer.text()}`);
  const loc = new URL(answer.headers.get('location')!);
  if (loc.searchParams.get('state') !== 'trang-thai-1') throw new Error('state not returned');
  const code = loc.searchParams.get('code')!;
  const res = await fetch(`${base}/oauth/token`, form({ grant_type: 'authorization_code', code, client_id: app.client_id, client_secret: app.client_secret, redirect_uri: app.redirect_uri, code_verifier: verifier }));
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  return (await res.json()) as { access_token: string; scope: string; token_type: string };
}
