/**
 * Accounts as people use them: sign up (open, by invite or closed — an instance setting), sign in
 * (rate-limited per address and per account, same time whether or not the account exists),
 * change the password (ending the other sessions), delete the account (with the password).
 */
import type { SocialStore } from '../store/index.ts';
import type { SocialActions } from '../store/actions.ts';
import type { AccountRow, Role } from '../store/rows.ts';
import { SocialError } from '../store/errors.ts';
import { UsernameTaken } from '../store/accounts.ts';
import { decoyHash, hashPassword, needsRehash, verifyPassword } from './password.ts';
import { passwordProblem, usernameProblem } from './rules.ts';
import { AttemptLimiter, type LimitRule } from './rate-limit.ts';

export interface SignInLimits {
  perIp: LimitRule;
  perAccount: LimitRule;
}

/** 10 attempts per address and 5 per account in 15 minutes. */
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  perIp: { max: 10, windowMs: 15 * 60_000 },
  perAccount: { max: 5, windowMs: 15 * 60_000 },
};

export interface SignUpInput {
  username: string;
  password: string;
  inviteCode?: string;
  displayName?: string;
}

const wait = (ms: number): string => {
  const min = Math.ceil(ms / 60_000);
  return min > 1 ? `${min} phút` : `${Math.ceil(ms / 1000)} giây`;
};

export class AccountService {
  private readonly store: SocialStore;
  private readonly actions: SocialActions;
  private readonly byIp: AttemptLimiter;
  private readonly byAccount: AttemptLimiter;

  constructor(store: SocialStore, actions: SocialActions, limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS) {
    this.store = store;
    this.actions = actions;
    this.byIp = new AttemptLimiter(limits.perIp);
    this.byAccount = new AttemptLimiter(limits.perAccount);
  }

  /**
   * Make a local account. `operator` (the CLI) skips the instance's registration mode and may set
   * the role and the verified flag.
   */
  async signUp(input: SignUpInput, operator?: { role?: Role; verified?: boolean }): Promise<AccountRow> {
    const username = input.username.trim();
    const bad = usernameProblem(username);
    if (bad) throw new SocialError(422, bad, { field: 'username' });
    const weak = passwordProblem(input.password, username);
    if (weak) throw new SocialError(422, weak, { field: 'password' });
    const mode = this.store.settings.get().registrations;
    if (!operator) {
      if (mode === 'closed') throw new SocialError(403, 'Máy chủ này đang đóng đăng ký; hãy liên hệ người vận hành');
      if (mode === 'invite' && !(input.inviteCode && this.store.invites.valid(input.inviteCode))) {
        throw new SocialError(403, 'Máy chủ này chỉ nhận đăng ký bằng mã mời: mã mời thiếu, sai, đã dùng hết hoặc đã hết hạn', { field: 'invite' });
      }
    }
    if (this.store.accounts.local(username)) throw new SocialError(409, `tên người dùng "${username}" đã có người dùng; hãy chọn tên khác`, { field: 'username' });
    const hash = await hashPassword(input.password);
    try {
      return this.store.tx(() => {
        if (!operator && mode === 'invite' && !this.store.invites.consume(input.inviteCode ?? '')) {
          throw new SocialError(403, 'Mã mời vừa được dùng hết; hãy xin mã khác', { field: 'invite' });
        }
        return this.store.accounts.createLocal({ username, passwordHash: hash, role: operator?.role, verified: operator?.verified, displayName: input.displayName });
      });
    } catch (err) {
      if (err instanceof UsernameTaken) throw new SocialError(409, err.message, { field: 'username' });
      throw err;
    }
  }

  /** Check a username and password; throws 429 when rate-limited and 401 when they do not match. */
  async signIn(username: string, password: string, ip: string): Promise<AccountRow> {
    const ipKey = `ip:${ip}`;
    const accountKey = `account:${username.trim().toLowerCase()}`;
    const retry = Math.max(this.byIp.retryAfter(ipKey), this.byAccount.retryAfter(accountKey));
    if (retry > 0) {
      throw new SocialError(429, `Đăng nhập sai quá nhiều lần; hãy thử lại sau ${wait(retry)}`, { retryAfter: Math.ceil(retry / 1000) });
    }
    this.byIp.hit(ipKey);
    const a = this.store.accounts.local(username.trim());
    const stored = a && a.deletedAt === null ? this.store.accounts.passwordHash(a.id) : undefined;
    const ok = await verifyPassword(password, stored ?? (await decoyHash()));
    if (!a || !stored || !ok) {
      this.byAccount.hit(accountKey);
      throw new SocialError(401, 'Tên người dùng hoặc mật khẩu không đúng', { field: 'password' });
    }
    this.byAccount.clear(accountKey);
    if (needsRehash(stored)) this.store.accounts.setPasswordHash(a.id, await hashPassword(password));
    return a;
  }

  /** Change the password after checking the current one; the other sessions end. */
  async changePassword(accountId: string, current: string, next: string, keepSession?: string): Promise<void> {
    const a = this.store.accounts.byId(accountId);
    const stored = a ? this.store.accounts.passwordHash(a.id) : undefined;
    if (!a || !stored || !(await verifyPassword(current, stored))) throw new SocialError(401, 'Mật khẩu hiện tại không đúng', { field: 'current_password' });
    const weak = passwordProblem(next, a.username);
    if (weak) throw new SocialError(422, weak, { field: 'password' });
    this.store.accounts.setPasswordHash(a.id, await hashPassword(next));
    this.store.sessions.deleteAll(a.id, keepSession);
  }

  /** Set a password without the current one (the operator's CLI). */
  async setPassword(accountId: string, next: string): Promise<void> {
    const a = this.store.accounts.byId(accountId);
    if (!a) throw new SocialError(404, 'Không tìm thấy tài khoản này');
    const weak = passwordProblem(next, a.username);
    if (weak) throw new SocialError(422, weak, { field: 'password' });
    this.store.accounts.setPasswordHash(a.id, await hashPassword(next));
    this.store.sessions.deleteAll(a.id);
  }

  /** Delete one's own account, confirmed with the password. */
  async deleteAccount(accountId: string, password: string): Promise<void> {
    const stored = this.store.accounts.passwordHash(accountId);
    if (!stored || !(await verifyPassword(password, stored))) throw new SocialError(401, 'Mật khẩu không đúng; tài khoản chưa bị xoá', { field: 'password' });
    this.actions.deleteAccount(accountId);
  }
}
