/**
 * One node polls each source: `SET lease:{source} {nodeId} NX PX ttl`, renewed every ttl/3 with
 * a compare-and-PEXPIRE script, released with compare-and-DEL (stack.md's pattern; not Redlock:
 * the lease saves the vendor from double polling, and events are idempotent anyway).
 *
 * The rule that keeps two nodes from polling at once: the holder gives the lease up in its own
 * mind BEFORE Redis could give it to someone else. A renewal that fails, errs or has no answer
 * within ttl/3 reports `lost` at once, at most 2/3 of a ttl after the last renewal that
 * succeeded, while the key still has at least ttl/3 to live. `held` also checks the clock
 * against the last confirmed renewal, in case timers ran late (a long GC pause).
 *
 * After a loss the lease keeps trying to acquire again, at the moment the other holder's key
 * expires (its PTTL) or every ttl/3 while Redis is unreachable; a dead holder is thus replaced
 * within one ttl (plus a round trip) of its last renewal.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisKeys } from './keys.js';
import { LuaScript } from './lua-script.js';
import { childWith } from '../util/logger.js';

export const LEASE_TTL_MS = 15_000;
/** Never retry faster than this, whatever PTTL says. */
const MIN_RETRY_MS = 10;
/** Retry just after the other holder's key expires. */
const EXPIRY_MARGIN_MS = 5;

/** KEYS: lease. ARGV: nodeId, ttl. Returns {1} when this node holds it now, else {0, pttl}. */
const ACQUIRE = new LuaScript(
  'lease-acquire',
  `
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return { 1 }
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return { 1 }
end
return { 0, redis.call('PTTL', KEYS[1]) }
`,
);

/** KEYS: lease. ARGV: nodeId, ttl. 1 when renewed, 0 when another node (or nobody) holds it. */
const RENEW = new LuaScript(
  'lease-renew',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`,
);

/**
 * KEYS: lease. ARGV: nodeId, channel ('' = none), source. Deletes the key only if this node holds
 * it, and then announces it on the channel so the other nodes try at once.
 */
const RELEASE = new LuaScript(
  'lease-release',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
  return 1
end
return 0
`,
);

/**
 * Why a lease was lost: `taken` (Redis says another node or nobody holds it), `unreachable`
 * (the renewal failed or had no answer in time), `released` (`release()`).
 */
export type LeaseLossReason = 'taken' | 'unreachable' | 'released';

export interface SourceLeaseEvents {
  acquired: () => void;
  lost: (reason: LeaseLossReason) => void;
}

export interface SourceLeaseOptions {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly source: string;
  /** Unique per process: two leases with one node id would both believe they hold the key. */
  readonly nodeId: string;
  /** Default LEASE_TTL_MS (15 s). */
  readonly ttlMs?: number;
  /**
   * A channel a release is announced on (the source's name), so that the other nodes, told by
   * whoever listens there, `nudge()` their leases instead of waiting for their next try.
   */
  readonly announce?: string;
  readonly logger?: Logger;
}

/**
 * @example
 * const lease = new SourceLease({ redis: conn.client, keys: conn.keys, source: 'mirta-main', nodeId });
 * lease.on('acquired', () => source.start());
 * lease.on('lost', () => source.stop()); // at once: another node may poll within ttl/3
 * lease.start();
 * // shutdown: await source.stop(); await lease.release();
 */
export class SourceLease {
  readonly source: string;
  readonly nodeId: string;
  readonly ttlMs: number;
  readonly #redis: Redis;
  readonly #key: string;
  readonly #announce: string;
  readonly #logger: Logger | undefined;
  readonly #listeners: { [E in keyof SourceLeaseEvents]: Set<SourceLeaseEvents[E]> } = { acquired: new Set(), lost: new Set() };
  #held = false;
  /** Local time until which the last confirmed SET/PEXPIRE keeps the key ours. */
  #validUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #inFlight: Promise<void> = Promise.resolve();
  /** An acquire or renewal is waiting for Redis. */
  #asking = false;

  constructor(options: SourceLeaseOptions) {
    this.ttlMs = options.ttlMs ?? LEASE_TTL_MS;
    if (!(this.ttlMs >= 30)) throw new RangeError(`ttlMs: expected >= 30, received ${this.ttlMs}`);
    this.source = options.source;
    this.nodeId = options.nodeId;
    this.#redis = options.redis;
    this.#key = options.keys.lease(options.source);
    this.#announce = options.announce ?? '';
    this.#logger = options.logger && childWith(options.logger, { source: options.source });
  }

  /** This node holds the lease now (and its last renewal still covers the present). */
  get held(): boolean {
    return this.#held && Date.now() < this.#validUntil;
  }

  /** Adds a listener; returns the function that removes it. */
  on<E extends keyof SourceLeaseEvents>(event: E, listener: SourceLeaseEvents[E]): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  /** Starts contending for the lease (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /**
   * Stops contending and deletes the key if this node holds it, so another node takes over at
   * once instead of after the TTL. Reports `lost` (`released`) if it was held.
   */
  async release(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#inFlight;
    const wasHeld = this.#held;
    this.#held = false;
    try {
      // Compare-and-DEL even when not held here: an acquire whose reply was lost may have won.
      await this.#withTimeout(RELEASE.run(this.#redis, [this.#key], [this.nodeId, this.#announce, this.source]));
    } catch (err) {
      this.#logger?.warn({ err }, 'lease release failed; it expires by itself');
    }
    if (wasHeld) this.#emit('lost', 'released');
  }

  /** Another node released the lease: try to take it now rather than at the next scheduled try. */
  nudge(): void {
    if (this.#running && !this.#held && !this.#asking) this.#schedule(0);
  }

  /** The node holding the lease according to Redis (diagnostics and tests). */
  async holder(): Promise<string | null> {
    return this.#redis.get(this.#key);
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#asking = true;
      this.#inFlight = (this.#held ? this.#renew() : this.#acquire()).finally(() => {
        this.#asking = false;
      });
    }, delayMs);
  }

  async #acquire(): Promise<void> {
    const sentAt = Date.now();
    let reply: unknown;
    try {
      reply = await this.#withTimeout(ACQUIRE.run(this.#redis, [this.#key], [this.nodeId, this.ttlMs]));
    } catch (err) {
      this.#logger?.debug({ err }, 'lease acquire failed');
      this.#schedule(this.ttlMs / 3);
      return;
    }
    if (!this.#running) return; // release() runs compare-and-DEL next
    const [won, pttl] = Array.isArray(reply) ? (reply as number[]) : [0, -2];
    if (won === 1) {
      this.#held = true;
      this.#validUntil = sentAt + this.ttlMs;
      this.#logger?.info({ nodeId: this.nodeId }, 'lease acquired');
      this.#emit('acquired');
      this.#schedule(this.ttlMs / 3);
      return;
    }
    const untilExpiry = typeof pttl === 'number' && pttl >= 0 ? pttl + EXPIRY_MARGIN_MS : this.ttlMs / 3;
    this.#schedule(Math.max(MIN_RETRY_MS, Math.min(this.ttlMs / 3, untilExpiry)));
  }

  async #renew(): Promise<void> {
    const sentAt = Date.now();
    let renewed: boolean;
    let reason: LeaseLossReason = 'taken';
    try {
      renewed = (await this.#withTimeout(RENEW.run(this.#redis, [this.#key], [this.nodeId, this.ttlMs]))) === 1;
    } catch (err) {
      this.#logger?.warn({ err }, 'lease renewal failed');
      renewed = false;
      reason = 'unreachable';
    }
    if (!this.#running) return;
    if (renewed && Date.now() < this.#validUntil) {
      this.#validUntil = sentAt + this.ttlMs;
      this.#schedule(this.ttlMs / 3);
      return;
    }
    // Also when the answer came after the last renewal ran out: the key may have changed hands.
    if (renewed) reason = 'unreachable';
    this.#held = false;
    this.#logger?.warn({ reason }, 'lease lost');
    this.#emit('lost', reason);
    this.#schedule(0);
  }

  /** A reply later than ttl/3 is as good as none: the lease must be given up while still valid. */
  #withTimeout<T>(promise: Promise<T>): Promise<T> {
    promise.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from Redis within ${Math.round(this.ttlMs / 3)} ms`)), this.ttlMs / 3);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  #emit<E extends keyof SourceLeaseEvents>(event: E, ...args: Parameters<SourceLeaseEvents[E]>): void {
    for (const listener of [...this.#listeners[event]]) {
      try {
        (listener as (...a: Parameters<SourceLeaseEvents[E]>) => void)(...args);
      } catch (err) {
        this.#logger?.error({ err, event }, 'lease listener failed');
      }
    }
  }
}
