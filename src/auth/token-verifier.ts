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
  #byDigest = new Map<string, StaticEntry>();
  #jwtKey: Uint8Array | undefined;
  #jwtSecret: string | undefined;
  readonly #now: () => number;
  /** Where each principal came from, to carry live connections over a reload. */
  #digestOf = new WeakMap<Principal, string>();
  readonly #fromJwt = new WeakSet<Principal>();

  constructor(options: TokenVerifierOptions) {
    this.#now = options.now ?? Date.now;
    this.#load(options);
  }

  #load(options: Pick<TokenVerifierOptions, 'tokens' | 'jwtSecret'>): void {
    const byDigest = new Map<string, StaticEntry>();
    const digestOf = new WeakMap<Principal, string>();
    options.tokens.forEach((entry, index) => {
      const digest = sha256(entry.token);
      const hex = digest.toString('hex');
      const principal: Principal = Object.freeze({
        label: entry.name ?? `token#${index}`,
        tenants: new Set(entry.tenants),
        scopes: new Set<Scope>(entry.scopes),
      });
      // First entry wins on a duplicated token, as in the config file's order.
      if (!byDigest.has(hex)) {
        byDigest.set(hex, { digest, principal });
        digestOf.set(principal, hex);
      }
    });
    this.#byDigest = byDigest;
    this.#digestOf = digestOf;
    this.#jwtSecret = options.jwtSecret;
    this.#jwtKey = options.jwtSecret === undefined ? undefined : new TextEncoder().encode(options.jwtSecret);
  }

  /**
   * Takes the `auth` part of a reloaded config. Returns what each principal handed out so far
   * becomes: the new principal of the same static token (its tenants and scopes may have
   * changed), the same JWT principal while `jwtSecret` is unchanged, or undefined when its
   * credential is gone — a static token removed from the file, or any JWT after a new secret
   * (the token itself is never kept, so it cannot be checked again).
   *
   * @example
   * const carry = verifier.reload({ tokens: next.auth.tokens, jwtSecret: next.auth.jwtSecret });
   * for (const socket of sockets) if (!carry(socket.data.principal)) socket.disconnect(true);
   */
  reload(options: Pick<TokenVerifierOptions, 'tokens' | 'jwtSecret'>): (principal: Principal) => Principal | undefined {
    const previousDigestOf = this.#digestOf;
    const secretKept = options.jwtSecret !== undefined && options.jwtSecret === this.#jwtSecret;
    this.#load(options);
    return (principal) => {
      const digest = previousDigestOf.get(principal) ?? this.#digestOf.get(principal);
      if (digest !== undefined) return this.#byDigest.get(digest)?.principal;
      if (this.#fromJwt.has(principal)) return secretKept ? principal : undefined;
      return undefined;
    };
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
      const principal: Principal = Object.freeze({
        label: `jwt:${claims.data.sub ?? 'anonymous'}`,
        tenants: new Set(claims.data.tenants),
        scopes: new Set<Scope>(claims.data.scopes),
        expiresAt: claims.data.exp * 1000,
      });
      this.#fromJwt.add(principal);
      return principal;
    } catch {
      // Bad signature, expired, not a JWT at all: all the same to the caller, and not logged,
      // because the reason would say something about the token.
      return null;
    }
  }
}
