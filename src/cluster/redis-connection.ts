/**
 * ioredis clients for cluster mode, with options chosen for a bridge rather than ioredis's
 * defaults, and the ready state that `/readyz` reports.
 *
 * ioredis's defaults queue a command through 20 reconnect attempts and never time it out: with
 * Redis down, a lease renewal or a command's idempotency claim would hang instead of failing.
 * Here a command fails after `maxRetriesPerRequest` failed reconnects or `commandTimeoutMs`,
 * whichever comes first, and the client keeps reconnecting (capped exponential backoff with
 * jitter, so restarted nodes do not reconnect in lockstep). The offline queue stays on so that
 * commands sent while the first connection is still being made wait for it; both bounds above
 * apply to queued commands too.
 */
import type { Logger } from 'pino';
import { Redis } from 'ioredis';
import { DEFAULT_KEY_PREFIX, RedisKeys } from './keys.js';

export interface RedisConnectionOptions {
  /** `redis://[[user]:password@]host[:port][/db]` (or `rediss://`). */
  readonly url: string;
  /** Prepended to every key and channel; tests pass a unique one. Default `callbridge:`. */
  readonly keyPrefix?: string;
  /** `CLIENT SETNAME` (the node id is a good one): shows in `CLIENT LIST`. */
  readonly name?: string;
  /** Failed reconnects after which a queued command is rejected. Default 1. */
  readonly maxRetriesPerRequest?: number;
  /** A command without a reply after this long is rejected (ms). Default 5000. */
  readonly commandTimeoutMs?: number;
  /** Giving up on one connection attempt (ms). Default 5000. */
  readonly connectTimeoutMs?: number;
  /** Longest wait between reconnect attempts (ms). Default 2000. */
  readonly maxReconnectDelayMs?: number;
  readonly logger?: Logger;
}

export const REDIS_DEFAULTS = Object.freeze({
  maxRetriesPerRequest: 1,
  commandTimeoutMs: 5_000,
  connectTimeoutMs: 5_000,
  maxReconnectDelayMs: 2_000,
});

const FIRST_RECONNECT_DELAY_MS = 50;

/** Capped exponential backoff with +-25 % jitter; never gives up (`attempt` counts from 1). */
export function reconnectDelay(attempt: number, maxDelayMs: number = REDIS_DEFAULTS.maxReconnectDelayMs): number {
  const base = Math.min(maxDelayMs, FIRST_RECONNECT_DELAY_MS * 2 ** Math.min(attempt - 1, 16));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * One ioredis client with the bridge's options. An `error` listener is always attached (without
 * one ioredis prints every reconnect failure to the console); pass `onError` to see them.
 *
 * @example
 * const redis = createRedisClient({ url: 'redis://127.0.0.1:6390', name: 'node-a' });
 */
export function createRedisClient(options: RedisConnectionOptions, onError?: (err: Error) => void): Redis {
  const maxDelay = options.maxReconnectDelayMs ?? REDIS_DEFAULTS.maxReconnectDelayMs;
  const client = new Redis(options.url, {
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? REDIS_DEFAULTS.maxRetriesPerRequest,
    commandTimeout: options.commandTimeoutMs ?? REDIS_DEFAULTS.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs ?? REDIS_DEFAULTS.connectTimeoutMs,
    retryStrategy: (attempt) => reconnectDelay(attempt, maxDelay),
    enableOfflineQueue: true,
    enableReadyCheck: true,
    // A command whose reply was lost with the connection fails (commandTimeout bounds it)
    // rather than running again after the reconnect, when its caller may have given up on it
    // and moved on: an append would number the same events twice.
    autoResendUnfulfilledCommands: false,
    ...(options.name === undefined ? {} : { connectionName: options.name }),
  });
  client.on('error', (err: Error) => onError?.(err));
  return client;
}

export type RedisConnectionListener = (ready: boolean) => void;

/**
 * A node's Redis: one client for commands and, created on first use, one for pub/sub (a
 * subscribed ioredis client can run nothing else). `ready` is true while every client it made is
 * connected; that is what a readiness probe reports.
 *
 * @example
 * const redis = new RedisConnection({ url: config.redis, keyPrefix: 'callbridge:', name: nodeId, logger });
 * await redis.waitUntilReady(10_000);
 * const log = new RedisEventLog({ redis: redis.client, subscriber: redis.subscriber, keys: redis.keys, ... });
 * readiness.add('redis', () => redis.ready);
 */
export class RedisConnection {
  readonly keys: RedisKeys;
  readonly client: Redis;
  readonly #options: RedisConnectionOptions;
  readonly #listeners = new Set<RedisConnectionListener>();
  #subscriber: Redis | undefined;
  #ready = false;
  #lastError: Error | undefined;
  #closed = false;

  constructor(options: RedisConnectionOptions) {
    this.#options = options;
    this.keys = new RedisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.client = this.#create('commands');
  }

  /** The pub/sub client (created on first access, so a node that never subscribes has none). */
  get subscriber(): Redis {
    if (this.#closed) throw new Error('RedisConnection: closed');
    if (!this.#subscriber) {
      this.#subscriber = this.#create('subscriber');
      this.#update();
    }
    return this.#subscriber;
  }

  /** Every client connected and past its ready check. */
  get ready(): boolean {
    return this.#ready;
  }

  /** The last connection error, for a readiness probe's detail (never holds the URL). */
  get lastError(): string | undefined {
    return this.#lastError?.message;
  }

  /** Called with the new state whenever `ready` flips; returns the unsubscribe function. */
  onChange(listener: RedisConnectionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once `ready`; rejects after `timeoutMs` (a node should not start without Redis). */
  waitUntilReady(timeoutMs: number): Promise<void> {
    if (this.#ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`Redis not ready within ${timeoutMs} ms${this.#lastError ? `: ${this.#lastError.message}` : ''}`));
      }, timeoutMs);
      const off = this.onChange((ready) => {
        if (!ready) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /** Closes every client: QUIT (pending replies first), then a hard disconnect if that fails. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const clients = [this.client, this.#subscriber].filter((c): c is Redis => c !== undefined);
    await Promise.all(clients.map((client) => closeClient(client)));
    this.#update();
  }

  #create(role: 'commands' | 'subscriber'): Redis {
    const name = this.#options.name === undefined ? undefined : `${this.#options.name}:${role}`;
    const client = createRedisClient({ ...this.#options, ...(name === undefined ? {} : { name }) }, (err) => {
      this.#lastError = err;
    });
    for (const event of ['ready', 'close', 'end', 'reconnecting'] as const) client.on(event, () => this.#update());
    return client;
  }

  #update(): void {
    const clients = [this.client, this.#subscriber].filter((c): c is Redis => c !== undefined);
    const ready = !this.#closed && clients.every((client) => client.status === 'ready');
    if (ready === this.#ready) return;
    this.#ready = ready;
    if (ready) this.#options.logger?.info('redis ready');
    else if (!this.#closed) this.#options.logger?.warn({ err: this.#lastError?.message }, 'redis connection lost; reconnecting');
    for (const listener of [...this.#listeners]) {
      try {
        listener(ready);
      } catch (err) {
        this.#options.logger?.error({ err }, 'redis state listener failed');
      }
    }
  }
}

const CLOSE_TIMEOUT_MS = 2_000;

/** QUIT then wait for the socket to end; disconnect hard when Redis does not answer in time. */
async function closeClient(client: Redis): Promise<void> {
  const status = client.status;
  if (status === 'ready') {
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    const timer = setTimeout(() => client.disconnect(), CLOSE_TIMEOUT_MS);
    await client.quit().catch(() => client.disconnect());
    await ended;
    clearTimeout(timer);
    return;
  }
  // Between connections (reconnecting, wait, close) there is no socket to end: just stop the
  // reconnect timer. A connection being made is dropped the same way.
  client.disconnect();
}
