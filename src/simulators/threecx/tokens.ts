/**
 * Bearer tokens of `/connect/token`: opaque random strings with a lifetime, checked by lookup.
 * The lifetime is configurable so tests can watch a token expire mid-stream (3CX: about an
 * hour [K]).
 */
import { randomBytes } from 'node:crypto';

export const DEFAULT_TOKEN_TTL_MS = 3_600_000;

export type TokenCheck = { ok: true; expiresAt: number } | { ok: false; reason: 'unknown' | 'expired' };

export class TokenStore {
  readonly #tokens = new Map<string, number>();
  readonly ttlMs: number;
  /** Every token handed out, newest last (bounded): tests check none of them reaches a log. */
  readonly issued: string[] = [];

  constructor(options: { ttlMs?: number } = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_TOKEN_TTL_MS;
  }

  issue(): { token: string; expiresInSec: number } {
    const now = Date.now();
    const token = randomBytes(32).toString('base64url');
    this.#tokens.set(token, now + this.ttlMs);
    this.issued.push(token);
    if (this.issued.length > 1_000) this.issued.shift();
    this.#sweep(now);
    // Whole seconds, rounded down: a client trusting `expires_in` never outlives the token.
    return { token, expiresInSec: Math.max(1, Math.floor(this.ttlMs / 1000)) };
  }

  check(token: string): TokenCheck {
    const expiresAt = this.#tokens.get(token);
    if (expiresAt === undefined) return { ok: false, reason: 'unknown' };
    if (Date.now() >= expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, expiresAt };
  }

  /** Forgets every token (tests: "the PBX restarted" or "the API key was regenerated"). */
  revokeAll(): void {
    this.#tokens.clear();
  }

  #sweep(now: number): void {
    for (const [token, expiresAt] of this.#tokens) {
      if (expiresAt + 60_000 < now) this.#tokens.delete(token);
    }
  }
}
