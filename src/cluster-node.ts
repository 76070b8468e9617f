/**
 * The Redis side of one cluster node (docs/cluster.md), assembled from the blocks in
 * src/cluster/: the connection, the shared event log (with its feed, and its mirror into the
 * socket.io stream), the shared state, command ids, profiles, the socket.io adapter, and a lease
 * and a rate budget per source. `startBridge` builds one when the config has `redis`.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ClusterRateGate } from './cluster/cluster-rate-gate.js';
import { SourceLease } from './cluster/lease.js';
import { RedisConnection, createRedisClient } from './cluster/redis-connection.js';
import { RedisEventLog } from './cluster/redis-event-log.js';
import { RedisIdempotencyStore } from './cluster/redis-idempotency-store.js';
import { RedisStateStore } from './cluster/redis-state-store.js';
import type { Config, RedisConfig } from './config/schema.js';
import { RedisProfileStore } from './profiles/redis-profile-store.js';
import { ADAPTER_COMMAND_TIMEOUT_MS, clusterAdapter, type ClusterAdapter } from './server/cluster-adapter.js';
import { socketEventMirror } from './server/cluster-broadcast.js';
import type { Lease } from './sources/leased-source.js';
import type { SourceCluster } from './sources/source-manager.js';

/** A node does not start without Redis: it could neither number nor deliver events. */
export const REDIS_START_TIMEOUT_MS = 10_000;

export interface ClusterNode {
  /** This process's name in Redis: lease holder, client names. */
  readonly nodeId: string;
  readonly connection: RedisConnection;
  readonly log: RedisEventLog;
  readonly state: RedisStateStore;
  readonly idempotency: RedisIdempotencyStore;
  readonly profiles: RedisProfileStore;
  /** The socket.io adapter (its own Redis client). */
  readonly sockets: ClusterAdapter;
  /** The commands client, for the public route's limit counters. */
  readonly redis: Redis;
  /** Leases and rate budgets for the SourceManager. */
  readonly sources: SourceCluster;
  /** Starts the event feed; call once the bus listens to it. */
  start(): Promise<void>;
  /** Stops the feed and the stores, then closes every Redis client. Sockets must be gone first. */
  close(): Promise<void>;
}

/** `host-pid-random`: unique per process, readable in `CLIENT LIST` and lease values. */
export function defaultNodeId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64) || 'node';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * Connects to Redis (waiting for it at most REDIS_START_TIMEOUT_MS) and builds the node's
 * shared stores. Nothing is started that would deliver events yet: see `start`.
 *
 * @example
 * const node = await connectClusterNode(config.redis, config, logger);
 * const bus = new Bus({ log: node.log, state: node.state, logger, feed: node.log });
 * await node.start();
 */
export async function connectClusterNode(redisConfig: RedisConfig, config: Config, logger: Logger): Promise<ClusterNode> {
  const nodeId = redisConfig.nodeId ?? defaultNodeId();
  const log = logger.child({ component: 'cluster', node: nodeId });
  const connection = new RedisConnection({ url: redisConfig.url, keyPrefix: redisConfig.keyPrefix, name: nodeId, logger: log });
  // Touch the subscriber so readiness covers both clients from the start.
  const subscriber = connection.subscriber;
  const adapterClient = createRedisClient({ url: redisConfig.url, name: `${nodeId}:sockets`, commandTimeoutMs: ADAPTER_COMMAND_TIMEOUT_MS });
  try {
    await connection.waitUntilReady(REDIS_START_TIMEOUT_MS);
  } catch (err) {
    adapterClient.disconnect();
    await connection.close();
    throw err;
  }
  const { keys, client } = connection;
  const eventLog = new RedisEventLog({
    redis: client,
    subscriber,
    keys,
    maxEvents: config.bus.logSize,
    maxAgeMs: config.bus.logAge,
    writeState: true,
    mirror: socketEventMirror(keys),
    logger: log,
  });
  const sockets = clusterAdapter({ redis: adapterClient, keys, logger: log });
  const idempotency = new RedisIdempotencyStore({ redis: client, subscriber, keys, logger: log });
  const leaseTtl = redisConfig.leaseTtl;
  // A released lease is announced: the other nodes' leases of that source try at once.
  const leases = new Map<string, Set<SourceLease>>();
  const releasedChannel = keys.leaseReleased();
  const onReleased = (channel: string, source: string): void => {
    if (channel === releasedChannel) for (const lease of leases.get(source) ?? []) lease.nudge();
  };
  subscriber.on('message', onReleased);
  subscriber.subscribe(releasedChannel).catch((err: unknown) => log.warn({ err }, 'lease announcements: could not subscribe'));
  const newLease = (source: string): Lease => {
    const lease = new SourceLease({ redis: client, keys, source, nodeId, ttlMs: leaseTtl, announce: releasedChannel, logger: log });
    let set = leases.get(source);
    if (!set) leases.set(source, (set = new Set()));
    set.add(lease);
    return {
      get held() {
        return lease.held;
      },
      on: lease.on.bind(lease) as Lease['on'],
      start: () => lease.start(),
      release: async () => {
        leases.get(source)?.delete(lease);
        await lease.release();
      },
    };
  };
  log.info({ keyPrefix: keys.prefix, leaseTtlMs: leaseTtl }, 'cluster mode: connected to Redis');

  let closed: Promise<void> | undefined;
  return {
    nodeId,
    connection,
    log: eventLog,
    state: new RedisStateStore({ redis: client, keys }),
    idempotency,
    profiles: new RedisProfileStore({ redis: client, subscriber, keys, logger: log }),
    sockets,
    redis: client,
    sources: {
      lease: newLease,
      rateGate: (source, perSecond) => new ClusterRateGate({ redis: client, keys, name: source, ...ClusterRateGate.budget(perSecond), logger: log }),
    },
    start: () => eventLog.start(),
    close() {
      closed ??= (async () => {
        subscriber.off('message', onReleased);
        await eventLog.close();
        await idempotency.close();
        await sockets.close();
        // QUIT lets the sessions of the sockets just dropped reach Redis; without Redis, just go.
        const quitAdapter =
          adapterClient.status === 'ready'
            ? adapterClient.quit().then(
                () => undefined,
                () => adapterClient.disconnect(),
              )
            : Promise.resolve(adapterClient.disconnect());
        await Promise.all([connection.close(), quitAdapter]);
      })();
      return closed;
    },
  };
}
