/**
 * A source's `perSecond` for the whole cluster: the vendor never sees more than `permits`
 * requests in ANY rolling `intervalMs`, whichever nodes they come from. It sits beside the
 * node's own RateGate in VendorBudget and keeps RateGate's rule: a permit is held from the
 * request's start until `intervalMs` after it COMPLETES (a request started 1 s after another can
 * reach the vendor less than 1 s after it, if the first one was slow to connect).
 *
 * Why not rate-limiter-flexible, which stack.md suggests: its RateLimiterRedis counts points in
 * fixed windows (INCRBY on a key that expires `duration` after the window's first hit), so 5 at
 * the end of one window and 5 at the start of the next are 10 within one rolling second; it
 * also has no notion of a permit held until a request ends. Hence a sliding log in one Lua
 * script: a sorted set of permits scored by the time they free up, `now + maxHoldMs` while the
 * request runs, `end + intervalMs` once it ended. A permit is free once its score is past.
 *
 * Time is Redis's (`TIME` inside the scripts): one clock for every node, so clock skew between
 * nodes cannot widen the window. A node that dies mid-request never reports the end: its
 * permit lapses after `maxHoldMs` (keep it above the longest request timeout).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { UnavailableError } from '../errors.js';
import { raceAbort } from '../util/race-abort.js';
import type { RedisKeys } from './keys.js';
import { LuaScript } from './lua-script.js';

const NOW_MS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/**
 * KEYS: the budget's sorted set. ARGV: permits, maxHoldMs, permit id, intervalMs.
 * Returns {1, 0} when the permit is taken, else {0, ms until the earliest permit frees}.
 */
const ACQUIRE = new LuaScript(
  'rate-acquire',
  `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], string.format('%d', now + tonumber(ARGV[2])), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], string.format('%d', tonumber(ARGV[2]) + tonumber(ARGV[4])))
  return { 1, 0 }
end
local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { 0, tonumber(earliest[2]) - now }
`,
);

/** KEYS: the budget's sorted set. ARGV: permit id, ms. The permit frees that long from now. */
const RELEASE = new LuaScript(
  'rate-release',
  `${NOW_MS}
return redis.call('ZADD', KEYS[1], 'XX', 'CH', string.format('%d', now + tonumber(ARGV[2])), ARGV[1])
`,
);

export const DEFAULT_MAX_HOLD_MS = 60_000;
/** Longest pause between two attempts of a waiting request (permits held by running requests have no known end). */
const DEFAULT_POLL_MS = 50;
const MIN_WAIT_MS = 2;

export interface ClusterRateGateOptions {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  /** The budget's name, shared by every node: the source id. */
  readonly name: string;
  readonly permits: number;
  readonly intervalMs: number;
  /** A permit whose request never reports its end lapses after this (ms). Default 60 s. */
  readonly maxHoldMs?: number;
  /** Longest wait between two attempts while no permit is free (ms). Default 50. */
  readonly pollMs?: number;
  readonly logger?: Logger;
}

/** Gives the permit back; resolves once Redis has it (never rejects: a lost release lapses). */
export type PermitRelease = () => Promise<void>;

/**
 * @example
 * const gate = new ClusterRateGate({ redis: conn.client, keys: conn.keys, name: 'mirta-main', ...ClusterRateGate.budget(5) });
 * const release = await gate.acquire(signal);
 * try { await callVendor(); } finally { void release(); }
 */
export class ClusterRateGate {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #permits: number;
  readonly #intervalMs: number;
  readonly #maxHoldMs: number;
  readonly #pollMs: number;
  readonly #logger: Logger | undefined;
  /** Local waiters queue here, so a node asks Redis for one permit at a time, in FIFO order. */
  #lane: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** `perSecond` as permits per interval, exactly as VendorBudget converts it for its RateGate. */
  static budget(perSecond: number): { permits: number; intervalMs: number } {
    if (!(perSecond > 0)) throw new RangeError(`perSecond: expected > 0, received ${perSecond}`);
    return perSecond >= 1 ? { permits: Math.floor(perSecond), intervalMs: 1_000 } : { permits: 1, intervalMs: Math.round(1_000 / perSecond) };
  }

  constructor(options: ClusterRateGateOptions) {
    if (!(options.permits >= 1)) throw new RangeError(`permits: expected >= 1, received ${options.permits}`);
    if (!(options.intervalMs > 0)) throw new RangeError(`intervalMs: expected > 0, received ${options.intervalMs}`);
    this.#redis = options.redis;
    this.#key = options.keys.rate(options.name);
    this.#permits = Math.floor(options.permits);
    this.#intervalMs = options.intervalMs;
    this.#maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#logger = options.logger;
  }

  /**
   * Resolves with the permit's release once the cluster budget allows one more request; call
   * the release when the request ends. Rejects with the signal's reason if aborted first, and
   * with UnavailableError when Redis cannot be asked (the request must not go out unbudgeted).
   */
  acquire(signal?: AbortSignal): Promise<PermitRelease> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.#closed) return Promise.reject(new UnavailableError('rate gate closed'));
    const turn = this.#lane.then(() => this.#take(signal));
    this.#lane = turn.catch(() => undefined);
    // Leave the queue at once on abort; the turn, when it comes, sees the signal and takes nothing.
    return signal ? raceAbort(turn, signal) : turn;
  }

  /** Stops answering new acquires; waiting ones reject. Permits held stay until released. */
  close(): void {
    this.#closed = true;
  }

  async #take(signal: AbortSignal | undefined): Promise<PermitRelease> {
    const id = randomUUID();
    for (;;) {
      if (signal?.aborted) throw signal.reason as Error;
      if (this.#closed) throw new UnavailableError('rate gate closed');
      let reply: unknown;
      try {
        reply = await ACQUIRE.run(this.#redis, [this.#key], [this.#permits, this.#maxHoldMs, id, this.#intervalMs]);
      } catch (err) {
        throw new UnavailableError(`cluster rate budget unreachable: ${err instanceof Error ? err.message : String(err)}`);
      }
      const [granted, untilFree] = Array.isArray(reply) ? (reply as number[]) : [0, 0];
      if (granted === 1) {
        if (!signal?.aborted) return this.#releaser(id, this.#intervalMs);
        // Aborted while Redis granted it: nothing was sent, so the permit frees at once.
        void this.#releaser(id, 0)();
        throw signal.reason as Error;
      }
      const wait = Math.min(this.#pollMs, Math.max(MIN_WAIT_MS, untilFree ?? this.#pollMs));
      await pause(wait * (0.8 + Math.random() * 0.4), signal);
    }
  }

  #releaser(id: string, freeAfterMs: number): PermitRelease {
    let released: Promise<void> | undefined;
    return () => {
      released ??= RELEASE.run(this.#redis, [this.#key], [id, freeAfterMs]).then(
        () => undefined,
        (err: unknown) => this.#logger?.warn({ err }, `rate permit not released; it lapses after ${this.#maxHoldMs} ms`),
      );
      return released;
    };
  }
}

/** Sleeps `ms`, waking early (and rejecting) when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
