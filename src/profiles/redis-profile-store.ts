/**
 * Profiles in Redis (cluster mode): one hash `{p}profiles`, id -> the stored profile's JSON, so
 * every node sees the same profiles. Each change is announced on `{p}profiles:changed` (the id)
 * in the same step as it is written, and every node reconciles what it runs with what is stored
 * (ProfileService.reconcile); the announcement is only a hint to do it now: a node that missed
 * it (pub/sub drops messages while a subscriber reconnects) catches up at its next periodic
 * reconcile, or at once after the reconnect (`watch` reports `undefined` then).
 *
 * Like the file store, profiles are stored as sent, vendor secrets in clear: protect Redis
 * (a password or ACL user, TLS with `rediss://`, no public interface).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisKeys } from '../cluster/keys.js';
import { LuaScript } from '../cluster/lua-script.js';
import { StoredProfileSchema, type ProfileStore, type StoredProfile } from './profile-store.js';

/** KEYS: profiles hash. ARGV: id, JSON, channel. */
const PUT = new LuaScript(
  'profile-put',
  `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1
`,
);

/** KEYS: profiles hash. ARGV: id, tenant, channel. Deletes only the tenant's own profile. */
const DELETE = new LuaScript(
  'profile-delete',
  `
local held = redis.call('HGET', KEYS[1], ARGV[1])
if not held then return 0 end
if cjson.decode(held)['tenant'] ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1
`,
);

export interface RedisProfileStoreOptions {
  readonly redis: Redis;
  /** The pub/sub client (shared with the event feed); without it `watch` is not available. */
  readonly subscriber?: Redis | undefined;
  readonly keys: RedisKeys;
  readonly logger?: Logger | undefined;
}

/**
 * @example
 * const store = new RedisProfileStore({ redis: conn.client, subscriber: conn.subscriber, keys: conn.keys });
 * const stop = store.watch((id) => void profiles.reconcile());
 */
export class RedisProfileStore implements ProfileStore {
  readonly persistent = true;
  readonly #redis: Redis;
  readonly #subscriber: Redis | undefined;
  readonly #keys: RedisKeys;
  readonly #logger: Logger | undefined;

  constructor(options: RedisProfileStoreOptions) {
    this.#redis = options.redis;
    this.#subscriber = options.subscriber;
    this.#keys = options.keys;
    this.#logger = options.logger;
  }

  /** Nothing to read ahead: every call reads Redis. */
  async load(): Promise<void> {}

  async all(): Promise<StoredProfile[]> {
    const hash = await this.#redis.hgetall(this.#keys.profiles());
    return Object.values(hash).flatMap((json) => {
      const profile = this.#parse(json);
      return profile ? [profile] : [];
    });
  }

  async list(tenant: string): Promise<StoredProfile[]> {
    return (await this.all()).filter((profile) => profile.tenant === tenant);
  }

  async get(tenant: string, id: string): Promise<StoredProfile | undefined> {
    const json = await this.#redis.hget(this.#keys.profiles(), id);
    const profile = json === null ? undefined : this.#parse(json);
    return profile?.tenant === tenant ? profile : undefined;
  }

  async has(id: string): Promise<boolean> {
    return (await this.#redis.hexists(this.#keys.profiles(), id)) === 1;
  }

  async put(profile: StoredProfile): Promise<void> {
    await PUT.run(this.#redis, [this.#keys.profiles()], [profile.id, JSON.stringify(profile), this.#keys.profilesChanged()]);
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    return (await DELETE.run(this.#redis, [this.#keys.profiles()], [id, tenant, this.#keys.profilesChanged()])) === 1;
  }

  watch(listener: (id: string | undefined) => void): () => void {
    const subscriber = this.#subscriber;
    if (!subscriber) throw new Error('RedisProfileStore: watch needs the `subscriber` option');
    const channel = this.#keys.profilesChanged();
    const onMessage = (from: string, message: string): void => {
      if (from === channel) listener(message);
    };
    // Messages published while the subscriber was away are lost: look at everything again.
    const onReady = (): void => {
      subscriber.subscribe(channel).then(
        () => listener(undefined),
        (err: unknown) => this.#logger?.warn({ err }, 'profile changes: could not resubscribe'),
      );
    };
    subscriber.on('message', onMessage);
    subscriber.on('ready', onReady);
    subscriber.subscribe(channel).catch((err: unknown) => this.#logger?.warn({ err }, 'profile changes: could not subscribe'));
    return () => {
      subscriber.off('message', onMessage);
      subscriber.off('ready', onReady);
      if (subscriber.status === 'ready') subscriber.unsubscribe(channel).catch(() => undefined);
    };
  }

  #parse(json: string): StoredProfile | undefined {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      value = undefined;
    }
    const parsed = StoredProfileSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    this.#logger?.error('a stored profile in Redis is not valid; it is ignored');
    return undefined;
  }
}
