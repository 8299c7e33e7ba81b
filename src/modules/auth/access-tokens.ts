import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { UnauthorizedError } from '../../platform/errors/app-error';
import { roles, type Actor, type Role } from '../../platform/security/actor';

interface AccessClaims {
  sub: string;
  role: Role;
  sid: string;
  /** Issue time in milliseconds: revocation compares against it at sub-second precision. */
  ims: number;
}

export interface VerifiedAccess extends Actor {
  issuedAtMs: number;
  expiresAt: number;
}

/**
 * Short-lived HS256 access tokens. The secret is a KeyObject made once: jsonwebtoken rebuilds
 * the key on every verify when given a string, which costs ~30× more per request.
 */
export class AccessTokens {
  private readonly key: KeyObject;
  constructor(
    secret: string,
    readonly ttlSeconds: number,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  sign(actor: Actor): string {
    const claims: AccessClaims = { sub: actor.id, role: actor.role, sid: actor.sessionId, ims: Date.now() };
    return jwt.sign(claims, this.key, { algorithm: 'HS256', expiresIn: this.ttlSeconds });
  }

  verify(token: string): VerifiedAccess {
    let decoded: unknown;
    try {
      decoded = jwt.verify(token, this.key, { algorithms: ['HS256'] });
    } catch (err) {
      const expired = err instanceof jwt.TokenExpiredError;
      throw new UnauthorizedError(
        expired ? 'Access token expired' : 'Invalid access token',
        expired ? 'token_expired' : 'invalid_token',
      );
    }
    const c = decoded as Partial<AccessClaims> & { exp?: number };
    if (
      typeof c.sub !== 'string' ||
      typeof c.sid !== 'string' ||
      !roles.includes(c.role as Role) ||
      typeof c.ims !== 'number'
    ) {
      throw new UnauthorizedError('Invalid access token', 'invalid_token');
    }
    return {
      id: c.sub,
      role: c.role as Role,
      sessionId: c.sid,
      issuedAtMs: c.ims,
      expiresAt: (c.exp ?? 0) * 1000,
    };
  }
}
