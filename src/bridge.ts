/**
 * Assembles one bridge node from a validated config: bus, sources, command layer, HTTP and
 * socket.io server. `startBridge` is what the CLI, the demo and the end-to-end tests run.
 */
import type { Logger } from 'pino';
import { Bus } from './bus/bus.js';
import { MemoryEventLog } from './bus/memory-event-log.js';
import { MemoryStateStore } from './bus/memory-state-store.js';
import { CommandDispatcher } from './commands/command-dispatcher.js';
import { MemoryIdempotencyStore } from './commands/memory-idempotency-store.js';
import type { Config } from './config/schema.js';
import { BridgeMetrics } from './observability/metrics.js';
import { FileProfileStore } from './profiles/file-profile-store.js';
import { MemoryProfileStore } from './profiles/memory-profile-store.js';
import { ProfileService } from './profiles/profile-service.js';
import { createServer, type BridgeServer } from './server/create-server.js';
import type { SourceDirectory } from './sources/source-directory.js';
import { SourceManager } from './sources/source-manager.js';
import { createLogger } from './util/logger.js';
import { Demand } from './demand/demand.js';

export interface BridgeOptions {
  logger?: Logger;
  /** Directory served at `/` (the wallboard). */
  staticDir?: string;
  /** Collect Node's default process metrics (off in tests: one registry per bridge). */
  defaultMetrics?: boolean;
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
  const bus = new Bus({
    log: new MemoryEventLog({ maxEvents: config.bus.logSize, maxAgeMs: config.bus.logAge }),
    state: new MemoryStateStore(),
    logger,
  });
  const metrics = new BridgeMetrics({ eventLogSize: () => bus.logSize(), defaultMetrics: options.defaultMetrics ?? false });
  bus.onEvent((event) => metrics.events.inc({ type: event.type }));

  // Who watches what: the server counts subscriptions, the pollers slow down what nobody reads.
  const demand = new Demand();
  const sourceManager = new SourceManager({ bus, logger, metrics, demand, idlePollMs: config.polling.idleInterval });
  const sources = sourceManager.directory;
  const commands = new CommandDispatcher({
    sources,
    budgets: (id) => sourceManager.budget(id),
    limits: (id) => sourceManager.limits(id),
    store: new MemoryIdempotencyStore(),
    bus,
    logger,
    metrics,
    idempotencyTtlMs: config.commands.idempotencyTtl,
  });
  const profiles = new ProfileService({
    store: config.dataDir === undefined ? new MemoryProfileStore() : new FileProfileStore({ dir: config.dataDir, logger }),
    manager: sourceManager,
    logger,
    fileSources: config.sources,
    dataDir: config.dataDir,
  });
  if (config.dataDir === undefined) {
    logger.warn('no dataDir in the config: PBX profiles created through the API are kept in memory and lost at restart');
  }

  let server: BridgeServer | undefined;
  let address: { url: string; port: number };
  try {
    server = await createServer({ config, bus, sources, commands, metrics, logger, staticDir: options.staticDir, profiles, demand });
    // Sources start before the port opens, so the first hello already lists them all.
    await Promise.all(config.sources.map((sourceConfig) => sourceManager.add(sourceConfig, { origin: 'config' })));
    await profiles.start();
    address = await server.listen();
  } catch (err) {
    await sourceManager.close();
    await server?.close();
    await commands.close();
    await bus.close();
    throw err;
  }
  const listening = server;
  logger.info({ url: address.url, sources: sources.list().map((s) => s.id) }, 'callbridge listening');

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
    close() {
      closing ??= (async () => {
        await sourceManager.close();
        await listening.close();
        await commands.close();
        await bus.close();
      })();
      return closing;
    },
  };
}
