/**
 * Bearer tokens: HS256 JWTs signed with JWT_SECRET, carrying the role in a
 * `role` claim, the editor's id in `sub` and, optionally, the display name
 * bylines print in `name`. Expiry is always checked.
 */
import { SignJWT, errors, jwtVerify } from 'jose';
import { clientError } from '../errors.js';
import { forbiddenCharacter } from '../text-guard.js';
import type { Role, Viewer } from '../viewer.js';

export const ROLES: readonly Role[] = ['reader', 'editor', 'admin'];
const ISSUER = 'diretta';

const keyOf = (secret: string) => new TextEncoder().encode(secret);

export interface MintOptions {
  role: Role;
  subject: string;
  /** The display name bylines print, e.g. "Giulia Rossi" (the `name` claim). */
  name?: string;
  /** Lifetime in seconds. */
  expiresIn: number;
}

export async function mintToken(secret: string, options: MintOptions): Promise<string> {
  return new SignJWT({ role: options.role, ...(options.name ? { name: options.name } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.expiresIn)
    .sign(keyOf(secret));
}

export interface VerifiedToken {
  viewer: Viewer;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/**
 * 1 to 120 printable characters, no control characters (a NUL would fail every write that records it),
 * nothing the text guard refuses (the name becomes a byline, which feeds carry).
 */
const SUBJECT = { test: (value: string) => /^[^\p{Cc}]{1,120}$/u.test(value) && forbiddenCharacter(value) === null };
/** How far in the future an `iat` may be, for clocks a little apart. */
const CLOCK_SKEW_S = 60;

/** Verifies a token; throws UNAUTHENTICATED with the reason when it is not valid. */
export async function verifyToken(secret: string, token: string): Promise<VerifiedToken> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { algorithms: ['HS256'], issuer: ISSUER, requiredClaims: ['exp', 'sub'] });
    const role = payload.role;
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw new errors.JWTClaimValidationFailed('unknown role', payload, 'role', 'check_failed');
    // The subject becomes a byline and a rate-limit bucket: a short printable name, nothing else.
    if (typeof payload.sub !== 'string' || !SUBJECT.test(payload.sub)) throw new errors.JWTClaimValidationFailed('bad subject', payload, 'sub', 'check_failed');
    if (payload.name !== undefined && (typeof payload.name !== 'string' || !SUBJECT.test(payload.name))) throw new errors.JWTClaimValidationFailed('bad name', payload, 'name', 'check_failed');
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + CLOCK_SKEW_S) throw new errors.JWTClaimValidationFailed('issued in the future', payload, 'iat', 'check_failed');
    const name = typeof payload.name === 'string' ? payload.name : null;
    return { viewer: { role: role as Role, subject: payload.sub, name, expiresAt: payload.exp! }, expiresAt: payload.exp! };
  } catch (error) {
    const reason = error instanceof errors.JWTExpired ? 'the token has expired' : 'the token is not valid';
    throw clientError('UNAUTHENTICATED', `Authentication failed: ${reason}.`, { http: { status: 401 } });
  }
}

/** The token of an `Authorization: Bearer <token>` header value, or null when there is none. */
export function bearerToken(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw clientError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token>".', { http: { status: 401 } });
  return match[1]!;
}
