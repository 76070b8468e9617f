/**
 * Per-client abuse limits of the socket.io API (the config's `clients` block): connections per
 * client IP, calls per socket per second, subscriptions per socket. Over a limit a call is
 * answered `rate_limited` (protocol §4); nothing here ever throws into socket.io or keeps state
 * for a client that is gone.
 */
import { z } from 'zod';

export const DEFAULT_CONNECTIONS_PER_IP = 1_000;
export const DEFAULT_CALLS_PER_SECOND = 20;
export const DEFAULT_CALLS_BURST = 40;
export const DEFAULT_MAX_SUBSCRIPTIONS = 200;

/**
 * The `clients` block. The per-IP default is high on purpose: a call centre behind NAT is one
 * address for hundreds of agents' screens, and so is a reverse proxy without `listen.trustProxy`.
 */
export const ClientLimitsSchema = z
  .strictObject({
    /** socket.io connections open at once from one client IP; beyond, the handshake is refused. */
    connectionsPerIp: z.number().int().min(1).max(1_000_000).default(DEFAULT_CONNECTIONS_PER_IP),
    /** Sustained `subscribe` / `unsubscribe` / `command` / `auth.renew` calls per socket per second. */
    callsPerSecond: z.number().positive().max(100_000).default(DEFAULT_CALLS_PER_SECOND),
    /** Calls a socket may make at once after a quiet period (the token bucket's size). */
    callsBurst: z.number().int().min(1).max(1_000_000).default(DEFAULT_CALLS_BURST),
    /** Tenant x topic subscriptions one socket may hold. */
    maxSubscriptions: z.number().int().min(1).max(1_000_000).default(DEFAULT_MAX_SUBSCRIPTIONS),
  })
  .prefault({});
export type ClientLimits = z.infer<typeof ClientLimitsSchema>;

/** The limits when the config has no `clients` block. */
export const DEFAULT_CLIENT_LIMITS: Readonly<ClientLimits> = Object.freeze(ClientLimitsSchema.parse(undefined));

/** Why a client was refused: the `reason` label of `callbridge_client_refusals_total`. */
export type RefusalReason = 'connections_per_ip' | 'call_rate' | 'subscriptions';

/**
 * A token bucket: `burst` calls at once, refilled at `perSecond`. State is two numbers, updated
 * lazily when a call comes (no timer), so an idle or vanished client costs nothing.
 *
 * @example
 * const bucket = new TokenBucket(20, 40);
 * const waitMs = bucket.take();
 * if (waitMs > 0) refuse(new RateLimitedError('too many calls', Math.ceil(waitMs / 1000)));
 */
export class TokenBucket {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(perSecond: number, burst: number, now: () => number = () => performance.now()) {
    this.#perMs = perSecond / 1000;
    this.#burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#last = now();
  }

  /** Takes one token: 0 when there was one, else the milliseconds until the next one. */
  take(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) / this.#perMs);
  }
}

/**
 * Open connections per key (client IP). Keys are deleted at zero, so the map holds only the
 * addresses that have a connection open now.
 */
export class ConnectionCounter {
  readonly #counts = new Map<string, number>();

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  add(key: string): number {
    const next = this.count(key) + 1;
    this.#counts.set(key, next);
    return next;
  }

  remove(key: string): void {
    const next = this.count(key) - 1;
    if (next > 0) this.#counts.set(key, next);
    else this.#counts.delete(key);
  }

  /** Addresses with at least one connection (tests check that nothing leaks). */
  get size(): number {
    return this.#counts.size;
  }
}
