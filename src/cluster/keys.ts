/**
 * Every Redis key and channel callbridge uses, built in one place from one prefix, so that two
 * deployments (or two test files) sharing a Redis never see each other's data.
 *
 * Tenant, topic and source names cannot contain `:` (the config's NameSchema), so the keys below
 * are unambiguous. The prefix is applied here rather than with ioredis's `keyPrefix` option:
 * ioredis does not prefix pub/sub channels nor SCAN patterns, and half-prefixed names are the
 * kind of bug that only shows with two deployments on one Redis.
 */
import type { Topic } from '../protocol/entities.js';

export const DEFAULT_KEY_PREFIX = 'callbridge:';

/** Glob characters would break `SCAN MATCH` on `seq:*`; nothing else is refused. */
const PREFIX_PATTERN = /^[A-Za-z0-9_.:{}-]*$/;

export class RedisKeys {
  readonly prefix: string;

  constructor(prefix: string = DEFAULT_KEY_PREFIX) {
    if (!PREFIX_PATTERN.test(prefix)) {
      throw new RangeError(`keyPrefix: expected letters, digits and _ . : { } -, received "${prefix}"`);
    }
    this.prefix = prefix;
  }

  /** String: the tenant's last `seq`. Never expires: a sequence number is never given twice. */
  seq(tenant: string): string {
    return `${this.prefix}seq:${tenant}`;
  }

  /** `SCAN MATCH` pattern of every `seq` key. */
  seqPattern(): string {
    return `${this.prefix}seq:*`;
  }

  /** The tenant named by a key that `seqPattern()` matched. */
  tenantOfSeqKey(key: string): string {
    return key.slice(`${this.prefix}seq:`.length);
  }

  /** Stream: the tenant's replay log; entry id `<seq>-0`. */
  log(tenant: string): string {
    return `${this.prefix}log:${tenant}`;
  }

  /** Channel: every appended batch of every tenant (the event feed). */
  feed(): string {
    return `${this.prefix}feed`;
  }

  /** String: the highest `seq` whose event is in the state hashes. */
  applied(tenant: string): string {
    return `${this.prefix}applied:${tenant}`;
  }

  /** Hash: entity key -> entity JSON, for tenant + topic. */
  state(tenant: string, topic: Topic): string {
    return `${this.prefix}state:${tenant}:${topic}`;
  }

  /** Hash: source -> ISO time it last confirmed tenant + topic. */
  confirmed(tenant: string, topic: Topic): string {
    return `${this.prefix}confirmed:${tenant}:${topic}`;
  }

  /** String: a command id's claim or outcome; `key` is `commandKey(tenant, id)`. */
  command(key: string): string {
    return `${this.prefix}${key}`;
  }

  /** Channel: the outcome of the command claimed under `key`. */
  commandDone(key: string): string {
    return `${this.prefix}done:${key}`;
  }

  /** String: the node polling `source`, with a TTL. */
  lease(source: string): string {
    return `${this.prefix}lease:${source}`;
  }

  /** Channel: a lease was released (message: the source), so other nodes take it at once. */
  leaseReleased(): string {
    return `${this.prefix}lease-released`;
  }

  /** Sorted set: the permits of a cluster-wide rate budget, scored by expiry. */
  rate(name: string): string {
    return `${this.prefix}rate:${name}`;
  }

  /**
   * Stream of the socket.io Redis Streams adapter (its `streamName`): every broadcast, and what
   * connection state recovery replays. The event log's APPEND script writes tenant events here.
   */
  socketStream(): string {
    return `${this.prefix}socket.io`;
  }

  /** Pub/sub channel prefix of the socket.io adapter (its `channelPrefix`). */
  socketChannelPrefix(): string {
    return `${this.prefix}socket.io`;
  }

  /** Key prefix of the socket.io sessions kept for recovery (the adapter's `sessionKeyPrefix`). */
  socketSessionPrefix(): string {
    return `${this.prefix}sio:session:`;
  }

  /** Hash: PBX profile id -> stored profile JSON (every tenant's). */
  profiles(): string {
    return `${this.prefix}profiles`;
  }

  /** Channel: a profile was created, changed or deleted (message: its id). */
  profilesChanged(): string {
    return `${this.prefix}profiles:changed`;
  }

  /** Cluster-wide abuse-limit counters of the public callback route (rate-limiter-flexible's keyPrefix root). */
  publicLimits(): string {
    return `${this.prefix}cb`;
  }
}
