/**
 * Instance settings, kept in the `settings` table as text: who may sign up, whether only verified
 * accounts may post, the instance's title and description, and the server's own secret (for
 * CSRF tokens of visitors without a session), made once and kept.
 */
import type { Db } from './db.ts';
import { newSecret } from './secrets.ts';

export type RegistrationMode = 'open' | 'invite' | 'closed';
export const REGISTRATION_MODES: readonly RegistrationMode[] = ['open', 'invite', 'closed'];

export interface InstanceSettings {
  registrations: RegistrationMode;
  /** Decree 147/2024/NĐ-CP: only accounts the operator has verified may post. */
  verifiedOnlyPosting: boolean;
  title: string;
  description: string;
  contactEmail: string;
}

export const DEFAULT_SETTINGS: InstanceSettings = {
  registrations: 'open',
  verifiedOnlyPosting: false,
  title: 'Tra',
  description: 'Mạng xã hội mở của Tra: đọc, bàn luận tin tức tiếng Việt và theo dõi nhau trên fediverse.',
  contactEmail: '',
};

export class Settings {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  private raw(key: string): string | undefined {
    return this.db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key])?.value;
  }

  private put(key: string, value: string): void {
    this.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  get(): InstanceSettings {
    const reg = this.raw('registrations');
    return {
      registrations: REGISTRATION_MODES.includes(reg as RegistrationMode) ? (reg as RegistrationMode) : DEFAULT_SETTINGS.registrations,
      verifiedOnlyPosting: this.raw('verified_only_posting') === '1',
      title: this.raw('title') ?? DEFAULT_SETTINGS.title,
      description: this.raw('description') ?? DEFAULT_SETTINGS.description,
      contactEmail: this.raw('contact_email') ?? DEFAULT_SETTINGS.contactEmail,
    };
  }

  update(c: Partial<InstanceSettings>): InstanceSettings {
    this.db.tx(() => {
      if (c.registrations !== undefined) this.put('registrations', c.registrations);
      if (c.verifiedOnlyPosting !== undefined) this.put('verified_only_posting', c.verifiedOnlyPosting ? '1' : '0');
      if (c.title !== undefined) this.put('title', c.title);
      if (c.description !== undefined) this.put('description', c.description);
      if (c.contactEmail !== undefined) this.put('contact_email', c.contactEmail);
    });
    return this.get();
  }

  /** The server's secret, made the first time it is asked for. */
  secret(): string {
    return this.db.tx(() => {
      const have = this.raw('secret');
      if (have) return have;
      const s = newSecret();
      this.put('secret', s);
      return s;
    });
  }
}
