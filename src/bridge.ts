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
import type { Config, SourceConfig } from './config/schema.js';
import { BridgeMetrics } from './observability/metrics.js';
import { createServer } from './server/create-server.js';
import { SourceDirectory } from './sources/source-directory.js';
import type { Source } from './sources/source.js';
import { VendorBudget } from './sources/vendor-budget.js';
import { createLogger } from './util/logger.js';
import { buildSource } from './vendors/source-registry.js';

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

  const sources = new SourceDirectory();
  const budgets = new Map<string, VendorBudget>();
  const limits = new Map<string, SourceConfig['limits']>();
  for (const sourceConfig of config.sources) {
    const budget = new VendorBudget(sourceConfig.limits);
    budgets.set(sourceConfig.id, budget);
    limits.set(sourceConfig.id, sourceConfig.limits);
    sources.add(buildSource(sourceConfig, { bus, logger: logger.child({ source: sourceConfig.id }), budget, metrics }));
  }

  const commands = new CommandDispatcher({
    sources,
    budgets,
    limits: (id) => limits.get(id),
    store: new MemoryIdempotencyStore(),
    bus,
    logger,
    metrics,
    idempotencyTtlMs: config.commands.idempotencyTtl,
  });

  const server = await createServer({ config, bus, sources, commands, metrics, logger, staticDir: options.staticDir });
  let address: { url: string; port: number };
  try {
    address = await server.listen();
  } catch (err) {
    await server.close();
    throw err;
  }
  await Promise.all(sources.list().map((source: Source) => source.start()));
  logger.info({ url: address.url, sources: sources.list().map((s) => s.id) }, 'callbridge listening');

  let closing: Promise<void> | undefined;
  return {
    url: address.url,
    port: address.port,
    config,
    bus,
    sources,
    metrics,
    logger,
    close() {
      closing ??= (async () => {
        await Promise.allSettled(sources.list().map((source) => source.stop()));
        await server.close();
        await commands.close();
        for (const budget of budgets.values()) budget.close();
        await bus.close();
      })();
      return closing;
    },
  };
}
