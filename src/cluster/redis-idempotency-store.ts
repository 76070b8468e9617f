/**
 * Command ids shared by every node, mapped onto Redis as idempotency-store.ts lays out: the claim
 * or outcome is one string `cmd:{tenant}:{id}` holding `{"fp":…,"ack":…}` with a TTL, and
 * outcomes are announced on `done:cmd:{tenant}:{id}`, so a retry that lands on another node
 * while the first is still in flight waits for it instead of dialing twice.
 *
 * Each method is one script (or one SUBSCRIBE then one read), so of any number of concurrent
 * `reserve` calls on any nodes exactly one gets `new`. A waiter registers before it subscribes
 * and reads the key after the subscription is acknowledged: an outcome published in between
 * is either heard or read. After a subscriber reconnect (pub/sub drops what was published
 * meanwhile) every waited key is read again.
 *
 * Redis failures in `reserve` and `wait` become `UnavailableError`: the command was not sent,
 * and the client may retry. Failures in `complete` and `release` reach the dispatcher, which
 * logs them (the caller already has its ack).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CommandAck } from '../commands/command-service.js';
import type { IdempotencyStore, Reservation } from '../commands/idempotency-store.js';
import { UnavailableError } from '../errors.js';
import type { RedisKeys } from './keys.js';
import { LuaScript } from './lua-script.js';

/** KEYS: the id's key. ARGV: claim JSON, pending TTL. Returns nil when claimed, else the value held. */
const RESERVE = new LuaScript(
  'reserve',
  `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return nil end
return redis.call('GET', KEYS[1])
`,
);

/** KEYS: the id's key. ARGV: outcome JSON, TTL, channel, ack JSON. */
const COMPLETE = new LuaScript(
  'complete',
  `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`,
);

/** KEYS: the id's key. ARGV: channel, ack JSON. Drops a pending claim only (an outcome stays). */
const RELEASE = new LuaScript(
  'release',
  `
local held = redis.call('GET', KEYS[1])
if not held then return 0 end
if cjson.decode(held)['ack'] ~= nil then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`,
);

interface Stored {
  fp: string;
  ack?: CommandAck;
}

type Settle = (ack: CommandAck | undefined) => void;

interface Waiter {
  key: string;
  settle: Settle;
}

/** Re-reading a lapsing claim this long after its PTTL, so the key is surely gone. */
const LAPSE_MARGIN_MS = 20;

export interface RedisIdempotencyStoreOptions {
  readonly redis: Redis;
  /** A client for pub/sub only (may be shared with the event feed). */
  readonly subscriber: Redis;
  readonly keys: RedisKeys;
  readonly logger?: Logger;
}

/**
 * @example
 * const store = new RedisIdempotencyStore({ redis: conn.client, subscriber: conn.subscriber, keys: conn.keys });
 * const r = await store.reserve(commandKey('acme', 'c1'), fingerprint, 15_000);
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #keys: RedisKeys;
  readonly #logger: Logger | undefined;
  /** channel -> waiters on it. */
  readonly #waiters = new Map<string, Set<Waiter>>();
  /** channel -> its SUBSCRIBE, acknowledged or not: every waiter reads only after it. */
  readonly #subscribed = new Map<string, Promise<unknown>>();
  #closed = false;
  readonly #onMessage = (channel: string, message: string): void => this.#heard(channel, message);
  readonly #onReady = (): void => void this.#recheckAll();

  constructor(options: RedisIdempotencyStoreOptions) {
    this.#redis = options.redis;
    this.#subscriber = options.subscriber;
    this.#keys = options.keys;
    this.#logger = options.logger;
    this.#subscriber.on('message', this.#onMessage);
    this.#subscriber.on('ready', this.#onReady);
  }

  async reserve(key: string, fingerprint: string, pendingTtlMs: number): Promise<Reservation> {
    const claim = JSON.stringify({ fp: fingerprint } satisfies Stored);
    const held = await unavailableOnError(RESERVE.run(this.#redis, [this.#keys.command(key)], [claim, Math.max(1, Math.ceil(pendingTtlMs))]));
    if (held === null) return { status: 'new' };
    const stored = typeof held === 'string' ? parseStored(held) : undefined;
    if (!stored || stored.fp !== fingerprint) return { status: 'mismatch' };
    return stored.ack ? { status: 'completed', ack: stored.ack } : { status: 'pending' };
  }

  async complete(key: string, fingerprint: string, ack: CommandAck, ttlMs: number): Promise<void> {
    const ackJson = JSON.stringify(ack);
    const value = JSON.stringify({ fp: fingerprint, ack } satisfies Stored);
    await COMPLETE.run(this.#redis, [this.#keys.command(key)], [value, Math.max(1, Math.ceil(ttlMs)), this.#keys.commandDone(key), ackJson]);
  }

  async release(key: string, ack: CommandAck): Promise<void> {
    await RELEASE.run(this.#redis, [this.#keys.command(key)], [this.#keys.commandDone(key), JSON.stringify(ack)]);
  }

  async wait(key: string, timeoutMs: number): Promise<CommandAck | undefined> {
    if (this.#closed) return undefined;
    // Settled already (the usual case for a retry): answer without subscribing.
    const [settled] = await unavailableOnError(this.#read(key));
    if (settled === undefined || settled.ack) return settled?.ack;
    const channel = this.#keys.commandDone(key);
    let settle!: Settle;
    const outcome = new Promise<CommandAck | undefined>((resolve) => (settle = resolve));
    let lapse: NodeJS.Timeout | undefined;
    const waiter: Waiter = {
      key,
      settle: (ack) => {
        clearTimeout(timer);
        clearTimeout(lapse);
        this.#forget(channel, waiter);
        settle(ack);
      },
    };
    const timer = setTimeout(() => waiter.settle(undefined), timeoutMs);
    timer.unref();
    let waiters = this.#waiters.get(channel);
    if (!waiters) this.#waiters.set(channel, (waiters = new Set()));
    waiters.add(waiter);
    let subscribed = this.#subscribed.get(channel);
    if (!subscribed) this.#subscribed.set(channel, (subscribed = this.#subscriber.subscribe(channel)));
    try {
      await subscribed;
      // A pending claim may lapse (its owner died): read again then, so the waiter learns it
      // at once rather than at its own timeout. Another node may have claimed it again by then
      // with the same body: keep waiting for that outcome.
      const check = async (): Promise<void> => {
        const [held, ttl] = await this.#read(key);
        if (!this.#isWaiting(channel, waiter)) return;
        if (held === undefined) return waiter.settle(undefined);
        if (held.ack) return waiter.settle(held.ack);
        if (ttl > 0) {
          lapse = setTimeout(() => void check().catch(() => undefined), ttl + LAPSE_MARGIN_MS);
          lapse.unref();
        }
      };
      await check();
    } catch (err) {
      waiter.settle(undefined);
      throw new UnavailableError(`idempotency store unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    return outcome;
  }

  /** Settles every waiter with `undefined` and stops listening; the clients are the caller's. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#subscriber.off('message', this.#onMessage);
    this.#subscriber.off('ready', this.#onReady);
    for (const waiters of [...this.#waiters.values()]) for (const waiter of [...waiters]) waiter.settle(undefined);
  }

  async #read(key: string): Promise<[Stored | undefined, number]> {
    const replies = await this.#redis.multi().get(this.#keys.command(key)).pttl(this.#keys.command(key)).exec();
    if (!replies) throw new Error('wait: transaction aborted');
    for (const [err] of replies) if (err) throw err;
    const held = replies[0]?.[1];
    return [typeof held === 'string' ? parseStored(held) : undefined, Number(replies[1]?.[1] ?? -2)];
  }

  #isWaiting(channel: string, waiter: Waiter): boolean {
    return this.#waiters.get(channel)?.has(waiter) ?? false;
  }

  #forget(channel: string, waiter: Waiter): void {
    const waiters = this.#waiters.get(channel);
    if (!waiters?.delete(waiter) || waiters.size > 0) return;
    this.#waiters.delete(channel);
    this.#subscribed.delete(channel);
    if (this.#subscriber.status === 'ready') {
      this.#subscriber.unsubscribe(channel).catch((err: unknown) => this.#logger?.debug({ err }, 'unsubscribe failed'));
    }
  }

  #heard(channel: string, message: string): void {
    const waiters = this.#waiters.get(channel);
    if (!waiters) return;
    let ack: CommandAck;
    try {
      ack = JSON.parse(message) as CommandAck;
    } catch {
      this.#logger?.warn('idempotency store: malformed outcome message ignored');
      return;
    }
    for (const waiter of [...waiters]) waiter.settle(ack);
  }

  /** After a subscriber reconnect: subscribe again (acknowledged), then read every waited key. */
  async #recheckAll(): Promise<void> {
    const channels = [...this.#waiters.keys()];
    if (channels.length === 0) return;
    try {
      await this.#subscriber.subscribe(...channels);
    } catch (err) {
      this.#logger?.warn({ err }, 'idempotency store could not resubscribe');
      return;
    }
    for (const channel of channels) {
      const waiters = [...(this.#waiters.get(channel) ?? [])];
      const key = waiters[0]?.key;
      if (key === undefined) continue;
      try {
        const [held] = await this.#read(key);
        if (held === undefined || held.ack) for (const waiter of waiters) waiter.settle(held?.ack);
      } catch (err) {
        this.#logger?.warn({ err }, 'idempotency store could not re-read a waited key');
      }
    }
  }
}

function parseStored(json: string): Stored | undefined {
  try {
    const value = JSON.parse(json) as Partial<Stored> | null;
    return value && typeof value.fp === 'string' ? (value as Stored) : undefined;
  } catch {
    return undefined;
  }
}

async function unavailableOnError<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw new UnavailableError(`idempotency store unreachable: ${err instanceof Error ? err.message : String(err)}`);
  }
}
