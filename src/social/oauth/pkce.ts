/**
 * PKCE (RFC 7636): the client sends SHA-256(verifier) when it asks for a code, and the verifier
 * itself when it exchanges the code, so a stolen code is useless. Only S256 is accepted; `plain`
 * protects nothing against a code seen in transit.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 §4.1: 43–128 characters from the unreserved set. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

export function validChallenge(challenge: string): boolean {
  return CHALLENGE.test(challenge);
}

export function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier)) return false;
  const a = Buffer.from(challengeOf(verifier));
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
