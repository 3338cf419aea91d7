/**
 * Password hashing with argon2id (node:crypto's `argon2`, Node 24), stored as a PHC string that
 * carries its own parameters — `$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH` (salt and hash in
 * unpadded base64) — so stronger parameters can be adopted later while old hashes still verify
 * (`needsRehash` says when to re-hash at the next sign-in). The defaults are OWASP's minimum for
 * argon2id: 19 MiB of memory, 2 passes, 1 lane. Hashes are compared in constant time.
 */
import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Argon2Params {
  /** Memory in KiB. */
  m: number;
  /** Passes. */
  t: number;
  /** Lanes. */
  p: number;
}

export const DEFAULT_PARAMS: Argon2Params = { m: 19_456, t: 2, p: 1 };
/** Longest password accepted (the KDF takes any length; this keeps a request from being a work bomb). */
export const MAX_PASSWORD_BYTES = 1024;
const TAG_BYTES = 32;
const SALT_BYTES = 16;
/** Parameters we would never have written: a stored string asking for more is refused, not run. */
const LIMITS: Argon2Params = { m: 1 << 20, t: 16, p: 16 };

const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');

function derive(password: string, salt: Buffer, params: Argon2Params, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    argon2('argon2id', { message: Buffer.from(password, 'utf8'), nonce: salt, parallelism: params.p, tagLength: length, memory: params.m, passes: params.t }, (err, key) => {
      if (err) reject(err);
      else resolve(Buffer.from(key));
    });
  });
}

/** Passwords are hashed as NFC: the same password typed on a phone that sends NFD still matches. */
const canonical = (password: string): string => password.normalize('NFC');

export async function hashPassword(password: string, params: Argon2Params = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(canonical(password), salt, params, TAG_BYTES);
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

interface Parsed {
  params: Argon2Params;
  salt: Buffer;
  hash: Buffer;
}

export function parseHash(stored: string): Parsed | undefined {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(stored);
  if (!m) return undefined;
  const params = { m: Number(m[1]), t: Number(m[2]), p: Number(m[3]) };
  if (params.m > LIMITS.m || params.t > LIMITS.t || params.p > LIMITS.p || params.p < 1 || params.t < 1 || params.m < 8 * params.p) return undefined;
  return { params, salt: Buffer.from(m[4], 'base64'), hash: Buffer.from(m[5], 'base64') };
}

/** Whether `password` matches the stored hash (false for a hash we cannot read). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const p = parseHash(stored);
  if (!p || p.hash.length < 16 || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return false;
  const got = await derive(canonical(password), p.salt, p.params, p.hash.length);
  return timingSafeEqual(got, p.hash);
}

/** True when the stored hash used weaker parameters than the current ones. */
export function needsRehash(stored: string, params: Argon2Params = DEFAULT_PARAMS): boolean {
  const p = parseHash(stored);
  return !p || p.params.m < params.m || p.params.t < params.t;
}

/**
 * A hash of nothing anyone knows, verified when the account does not exist, so that a sign-in for
 * an unknown username takes as long as one for a known username with a wrong password.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}
