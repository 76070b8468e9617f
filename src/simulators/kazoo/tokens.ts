/**
 * Crossbar auth tokens: JWT-shaped (header.claims.signature, `exp` in Unix seconds like
 * kz_auth_jwt), but checked by lookup, never by signature. The lifetime is configurable so
 * tests can watch a token expire mid-stream (Kazoo's default is 3600 s).
 */
import { randomBytes } from 'node:crypto';

export const DEFAULT_TOKEN_TTL_MS = 3_600_000;

interface Issued {
  accountId: string;
  expiresAt: number;
}

export type TokenCheck = { ok: true; accountId: string } | { ok: false; reason: 'unknown' | 'expired' };

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export class TokenStore {
  readonly #tokens = new Map<string, Issued>();
  readonly #ttlMs: number;
  readonly #now: () => number;
  /** Every token handed out, newest last (bounded): tests check none of them reaches a log. */
  readonly issued: string[] = [];

  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_TOKEN_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  issue(accountId: string): string {
    const now = this.#now();
    const expiresAt = now + this.#ttlMs;
    const claims = {
      account_id: accountId,
      iat: Math.floor(now / 1000),
      // Rounded up, as a whole-second claim would be: the server's own check is exact.
      exp: Math.ceil(expiresAt / 1000),
      jti: randomBytes(8).toString('hex'),
    };
    const token = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.${randomBytes(32).toString('base64url')}`;
    this.#tokens.set(token, { accountId, expiresAt });
    this.issued.push(token);
    if (this.issued.length > 1_000) this.issued.shift();
    this.#sweep(now);
    return token;
  }

  check(token: string): TokenCheck {
    const issued = this.#tokens.get(token);
    if (!issued) return { ok: false, reason: 'unknown' };
    if (this.#now() >= issued.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, accountId: issued.accountId };
  }

  /** Forgets every token (tests: "the server restarted"). */
  revokeAll(): void {
    this.#tokens.clear();
  }

  #sweep(now: number): void {
    // Long-expired tokens are dropped so a long demo does not grow without bound.
    for (const [token, issued] of this.#tokens) {
      if (issued.expiresAt + 60_000 < now) this.#tokens.delete(token);
    }
  }
}
