/**
 * The bridge's network face for the slow-client bench: `createServer` (fastify + socket.io, the
 * fan-out, the slow-consumer sweep, the per-client limits) on a real in-memory Bus, as
 * `startBridge` assembles it, but without sources: events are published into the bus, as in
 * the fan-out bench's controlled phases. Built here rather than with `startBridge` because the
 * bench reads the socket.io namespace (`slowConsumersOf(nsp)`), which a Bridge does not expose.
 */
import type { Logger } from 'pino';
import { Bus } from '../../src/bus/bus.js';
import { MemoryEventLog } from '../../src/bus/memory-event-log.js';
import { MemoryStateStore } from '../../src/bus/memory-state-store.js';
import { parseConfig } from '../../src/config/load.js';
import { BridgeMetrics } from '../../src/observability/metrics.js';
import { createServer, type BridgeServer } from '../../src/server/create-server.js';
import type { BridgeNamespace } from '../../src/server/socket-types.js';
import { SourceDirectory } from '../../src/sources/source-directory.js';

export const SLOW_BENCH_TOKEN = 'slow-client-bench-token-0123456789';
/** The tenant every client reads. */
export const READ_TENANT = 'bench';
/** A tenant only the stalled client follows: big events there fill its buffers without costing the others. */
export const STALL_TENANT = 'stall';
/** Every bench client comes from 127.0.0.1: far above any CLIENTS value. */
const CONNECTIONS_PER_IP = 100_000;
/** Events kept per tenant for `since` replay; nobody reconnects in this bench. */
const REPLAY_LOG_SIZE = 100;

export interface BenchNode {
  readonly url: string;
  readonly bus: Bus;
  readonly nsp: BridgeNamespace;
  close(): Promise<void>;
}

export interface BenchNodeOptions {
  readonly logger: Logger;
  /** `maxSocketBacklog` (soft bound = a tenth, hard bound = 10x); undefined = the server's default. */
  readonly maxSocketBacklog: number | undefined;
}

/**
 * @example
 * const node = await startBenchNode({ logger, maxSocketBacklog: undefined });
 * await node.bus.publish('bench', drafts);
 */
export async function startBenchNode(options: BenchNodeOptions): Promise<BenchNode> {
  const config = parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    auth: { tokens: [{ token: SLOW_BENCH_TOKEN, name: 'slow-client-bench', tenants: [READ_TENANT, STALL_TENANT], scopes: ['events:read'] }] },
    clients: { connectionsPerIp: CONNECTIONS_PER_IP },
    // The replay log would keep every filler event of the stall tenant (16 KB each, the default
    // 10,000 per tenant): kept short, so the RSS shows the slow consumer, not the filler.
    bus: { logSize: REPLAY_LOG_SIZE },
  });
  const bus = new Bus({
    log: new MemoryEventLog({ maxEvents: config.bus.logSize, maxAgeMs: config.bus.logAge }),
    state: new MemoryStateStore(),
    logger: options.logger,
  });
  const metrics = new BridgeMetrics({ eventLogSize: () => bus.logSize(), defaultMetrics: false });
  let server: BridgeServer;
  try {
    server = await createServer({ config, bus, sources: new SourceDirectory(), metrics, logger: options.logger, maxSocketBacklog: options.maxSocketBacklog });
  } catch (err) {
    await bus.close();
    throw err;
  }
  const { url } = await server.listen();
  return {
    url,
    bus,
    nsp: server.io.of('/v1') as BridgeNamespace,
    async close() {
      await server.close();
      await bus.close();
    },
  };
}
