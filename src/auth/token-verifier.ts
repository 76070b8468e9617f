/**
 * Turns a bearer token (socket.io `auth.token`, REST `Authorization: Bearer`) into a Principal.
 * Two kinds: static tokens from the config and HS256 JWTs signed with `auth.jwtSecret`.
 * The token itself is never logged, echoed or kept: only its label travels on.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { jwtVerify } from 'jose';
import { z } from 'zod';
import type { Config, Scope } from '../config/schema.js';
import { ScopeSchema } from '../config/schema.js';
import { NameSchema } from '../protocol/messages.js';
import type { Principal } from './principal.js';

/** Longer strings are refused before hashing or parsing: no legitimate token is this big. */
const MAX_TOKEN_LENGTH = 4096;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The claims a bridge JWT must carry; anything malformed refuses the token as a whole. */
const JwtClaimsSchema = z.object({
  tenants: z.array(NameSchema).max(1000),
  scopes: z.array(ScopeSchema).max(32),
  exp: z.number().finite(),
  sub: z.string().max(128).optional(),
});

export type StaticTokenConfig = Config['auth']['tokens'][number];

export interface TokenVerifierOptions {
  readonly tokens: readonly StaticTokenConfig[];
  /** HS256 shared secret; without it every JWT is refused. */
  readonly jwtSecret?: string | undefined;
  /** Clock (epoch ms), injected by tests. */
  readonly now?: () => number;
}

interface StaticEntry {
  readonly digest: Buffer;
  readonly principal: Principal;
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Checks bearer tokens. Static tokens are looked up by their SHA-256 digest, so the lookup time
 * does not depend on how much of a guess matches a real token; JWTs are verified with `jose`
 * (HS256 only, `exp` required) and their claims checked with zod.
 *
 * @example
 * const verifier = TokenVerifier.fromConfig(config);
 * const principal = await verifier.verify(socket.handshake.auth.token);
 * if (!principal) return next(new Error('unauthorized'));
 */
export class TokenVerifier {
  readonly #byDigest = new Map<string, StaticEntry>();
  readonly #jwtKey: Uint8Array | undefined;
  readonly #now: () => number;

  constructor(options: TokenVerifierOptions) {
    options.tokens.forEach((entry, index) => {
      const digest = sha256(entry.token);
      const principal: Principal = Object.freeze({
        label: entry.name ?? `token#${index}`,
        tenants: new Set(entry.tenants),
        scopes: new Set<Scope>(entry.scopes),
      });
      // First entry wins on a duplicated token, as in the config file's order.
      if (!this.#byDigest.has(digest.toString('hex'))) this.#byDigest.set(digest.toString('hex'), { digest, principal });
    });
    this.#jwtKey = options.jwtSecret === undefined ? undefined : new TextEncoder().encode(options.jwtSecret);
    this.#now = options.now ?? Date.now;
  }

  static fromConfig(config: Pick<Config, 'auth'>, now?: () => number): TokenVerifier {
    return new TokenVerifier({
      tokens: config.auth.tokens,
      jwtSecret: config.auth.jwtSecret,
      ...(now ? { now } : {}),
    });
  }

  /** The principal for `token`, or null for a missing, unknown, expired or malformed token. */
  async verify(token: unknown): Promise<Principal | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    const found = this.#verifyStatic(token);
    if (found) return found;
    if (this.#jwtKey && JWT_SHAPE.test(token)) return this.#verifyJwt(token, this.#jwtKey);
    return null;
  }

  #verifyStatic(token: string): Principal | null {
    const digest = sha256(token);
    const entry = this.#byDigest.get(digest.toString('hex'));
    // The map lookup already matched; the constant-time compare documents the intent and guards
    // against a future change of the lookup key.
    return entry && timingSafeEqual(entry.digest, digest) ? entry.principal : null;
  }

  async #verifyJwt(token: string, key: Uint8Array): Promise<Principal | null> {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        requiredClaims: ['exp'],
        currentDate: new Date(this.#now()),
      });
      const claims = JwtClaimsSchema.safeParse(payload);
      if (!claims.success) return null;
      return Object.freeze({
        label: `jwt:${claims.data.sub ?? 'anonymous'}`,
        tenants: new Set(claims.data.tenants),
        scopes: new Set<Scope>(claims.data.scopes),
        expiresAt: claims.data.exp * 1000,
      });
    } catch {
      // Bad signature, expired, not a JWT at all: all the same to the caller, and not logged,
      // because the reason would say something about the token.
      return null;
    }
  }
}
