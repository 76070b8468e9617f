/**
 * Assembles one bridge node from a validated config: bus, sources, command layer, HTTP and
 * socket.io server. `startBridge` is what the CLI, the demo and the end-to-end tests run.
 *
 * With `redis` in the config the node is a cluster member (docs/cluster.md): the bus, the state,
 * command ids, profiles, socket.io broadcasts and rate budgets live in Redis, and each source is
 * polled only by the node holding its lease. Without it everything stays in this process.
 */
import type { Logger } from 'pino';
import { Bus } from './bus/bus.js';
import { MemoryEventLog } from './bus/memory-event-log.js';
import { MemoryStateStore } from './bus/memory-state-store.js';
import { REDIS_START_TIMEOUT_MS, connectClusterNode, type ClusterNode } from './cluster-node.js';
import { CommandDispatcher } from './commands/command-dispatcher.js';
import { MemoryIdempotencyStore } from './commands/memory-idempotency-store.js';
import type { Config } from './config/schema.js';
import { BridgeMetrics } from './observability/metrics.js';
import { FileProfileStore } from './profiles/file-profile-store.js';
import { MemoryProfileStore } from './profiles/memory-profile-store.js';
import { ProfileService } from './profiles/profile-service.js';
import type { ProfileStore } from './profiles/profile-store.js';
import { createServer, type BridgeServer } from './server/create-server.js';
import type { BridgeIo } from './server/socket-types.js';
import type { SourceDirectory } from './sources/source-directory.js';
import { SourceManager } from './sources/source-manager.js';
import { createLogger } from './util/logger.js';
import { Demand } from './demand/demand.js';

/** How long a shutdown lets commands under way finish before aborting them. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

export interface BridgeOptions {
  logger?: Logger;
  /** Directory served at `/` (the wallboard). */
  staticDir?: string;
  /** Collect Node's default process metrics (off in tests: one registry per bridge). */
  defaultMetrics?: boolean;
  /** How long `close()` waits for commands under way before aborting them (ms). */
  shutdownGraceMs?: number;
  /**
   * True when profiles are meant to be throwaway (the demo): a missing `dataDir` is then said at
   * `info`, not warned about on every start.
   */
  ephemeral?: boolean;
}

export interface Bridge {
  readonly url: string;
  readonly port: number;
  readonly config: Config;
  readonly bus: Bus;
  readonly sources: SourceDirectory;
  /** Starts and stops sources: the config file's, and the PBX profiles'. */
  readonly sourceManager: SourceManager;
  /** PBX profiles (REST `/v1/tenants/{tenant}/pbxs`). */
  readonly profiles: ProfileService;
  readonly metrics: BridgeMetrics;
  readonly logger: Logger;
  /** Cluster mode: this node's Redis side (undefined on a single node). */
  readonly cluster: ClusterNode | undefined;
  /** The socket.io server (namespace `/v1` holds the clients). */
  readonly io: BridgeIo;
  /**
   * Shuts down gracefully: `/readyz` fails first, new commands are refused and those under way
   * finish (within `shutdownGraceMs`), sources stop and their leases are released (another node
   * takes over at once), sockets and streams are closed, then Redis.
   */
  /**
   * Applies the `auth` section of a reloaded config (SIGHUP) to live connections; the rest of
   * the config needs a restart. Removed tokens are cut off, changed ones narrowed.
   */
  reloadAuth(next: Config): { revoked: number; updated: number; streamsClosed: number };
  close(): Promise<void>;
}

/**
 * Starts a bridge node and resolves once it listens and its sources are started.
 *
 * @example
 * const bridge = await startBridge(await loadConfig('bridge.yaml'));
 * console.log(`listening on ${bridge.url}`);
 * process.on('SIGTERM', () => void bridge.close());
 */
export async function startBridge(config: Config, options: BridgeOptions = {}): Promise<Bridge> {
  const logger = options.logger ?? createLogger();
  const cluster = config.redis ? await connectClusterNode(config.redis, config, logger) : undefined;
  const bus = cluster
    ? new Bus({ log: cluster.log, state: cluster.state, logger, feed: cluster.log })
    : new Bus({
        log: new MemoryEventLog({ maxEvents: config.bus.logSize, maxAgeMs: config.bus.logAge }),
        state: new MemoryStateStore(),
        logger,
      });
  const metrics = new BridgeMetrics({ eventLogSize: () => bus.logSize(), defaultMetrics: options.defaultMetrics ?? false });
  bus.onEvent((event) => metrics.events.inc({ type: event.type }));

  // Who watches what: the server counts subscriptions, the pollers slow down what nobody reads.
  // In a cluster the poller cannot see the other nodes' watchers: every topic counts as watched.
  const demand = new Demand();
  if (cluster && config.polling.idleInterval > 0) {
    logger.warn('polling.idleInterval is ignored in cluster mode: a node cannot see who watches on the others');
  }
  const sourceManager = new SourceManager({
    bus,
    logger,
    metrics,
    demand,
    idlePollMs: cluster ? undefined : config.polling.idleInterval,
    cluster: cluster?.sources,
  });
  const sources = sourceManager.directory;
  const commands = new CommandDispatcher({
    sources,
    budgets: (id) => sourceManager.budget(id),
    limits: (id) => sourceManager.limits(id),
    store: cluster?.idempotency ?? new MemoryIdempotencyStore(),
    bus,
    logger,
    metrics,
    idempotencyTtlMs: config.commands.idempotencyTtl,
  });
  const profileStore: ProfileStore =
    cluster?.profiles ?? (config.dataDir === undefined ? new MemoryProfileStore() : new FileProfileStore({ dir: config.dataDir, logger }));
  const profiles = new ProfileService({
    store: profileStore,
    manager: sourceManager,
    logger,
    fileSources: config.sources,
    dataDir: config.dataDir,
  });
  if (!cluster && config.dataDir === undefined) {
    logger[options.ephemeral === true ? 'info' : 'warn']('no dataDir in the config: PBX profiles created through the API are kept in memory and lost at restart');
  }

  let server: BridgeServer | undefined;
  let address: { url: string; port: number };
  try {
    // The feed starts before anything publishes: this node's own first events come back through it.
    await cluster?.start();
    server = await createServer({
      config,
      bus,
      sources,
      commands,
      metrics,
      logger,
      staticDir: options.staticDir,
      profiles,
      demand,
      cluster: cluster && {
        sockets: { adapter: cluster.sockets.factory },
        redis: cluster.redis,
        limitsPrefix: cluster.connection.keys.publicLimits(),
        redisReady: () => cluster.connection.ready,
      },
    });
    // Sources start before the port opens, so the first hello already lists them all.
    await Promise.all(config.sources.map((sourceConfig) => sourceManager.add(sourceConfig, { origin: 'config' })));
    await profiles.start();
    await cluster?.sockets.ready(REDIS_START_TIMEOUT_MS);
    address = await server.listen();
  } catch (err) {
    profiles.close();
    await sourceManager.close();
    await server?.close();
    await commands.close();
    await bus.close();
    await cluster?.close();
    throw err;
  }
  const listening = server;
  logger.info({ url: address.url, sources: sources.list().map((s) => s.id), node: cluster?.nodeId }, 'callbridge listening');

  const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  let closing: Promise<void> | undefined;
  return {
    url: address.url,
    port: address.port,
    config,
    bus,
    sources,
    sourceManager,
    profiles,
    metrics,
    logger,
    cluster,
    io: listening.io,
    reloadAuth(next) {
      return listening.reloadAuth(next.auth);
    },
    close() {
      closing ??= (async () => {
        listening.stopAccepting();
        const unfinished = await commands.drain(graceMs);
        if (unfinished > 0) logger.warn({ commands: unfinished }, 'shutting down with commands still under way: they answer timeout');
        profiles.close();
        // Stops polling and releases the leases: another node takes the sources over at once.
        await sourceManager.close();
        await listening.close();
        await commands.close();
        await bus.close();
        await cluster?.close();
      })();
      return closing;
    },
  };
}
