/**
 * A Kazoo source wired to a real simulator (HTTP + websocket on port 0) and a real Bus, with
 * captured logs and metrics. Short intervals so failures show in milliseconds.
 */
import { Bus } from '../../../src/bus/bus.js';
import { BridgeMetrics } from '../../../src/observability/metrics.js';
import type { Channel } from '../../../src/protocol/entities.js';
import type { BridgeEvent } from '../../../src/protocol/events.js';
import { VendorBudget } from '../../../src/sources/vendor-budget.js';
import { startKazooSimulator, type KazooSimulator, type KazooSimulatorOptions } from '../../../src/simulators/kazoo/index.js';
import { KazooSourceConfigSchema, createKazooSource, type KazooSource, type KazooSourceConfigInput } from '../../../src/vendors/kazoo/index.js';
import { collectEvents, type EventCollector } from '../../support/event-collector.js';
import { captureLogger, type CapturedLogger } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { memoryBus } from '../../support/memory-bus.js';

export const TENANT = 'acme';
export const SOURCE_ID = 'kazoo-test';

export interface Harness {
  sim: KazooSimulator;
  bus: Bus;
  events: EventCollector;
  log: CapturedLogger;
  metrics: BridgeMetrics;
  source: KazooSource;
  /** Waits until the source is subscribed and its first resync is done. */
  ready(): Promise<void>;
  channels(): Promise<Map<string, Channel>>;
  /** Events of topic `channels` for `key`, in order. */
  channelEvents(key: string): BridgeEvent[];
  close(): Promise<void>;
}

export async function startHarness(
  options: { sim?: KazooSimulatorOptions; config?: Partial<KazooSourceConfigInput>; start?: boolean } = {},
): Promise<Harness> {
  const sim = await startKazooSimulator({ quickcallAnswerMs: 30, actionDelayMs: 2, ...options.sim });
  const log = captureLogger('debug');
  const bus = memoryBus(log.logger);
  const events = collectEvents(bus);
  const metrics = new BridgeMetrics();
  const budget = new VendorBudget({ concurrency: 4, perSecond: 200, queue: 50 });
  const config = KazooSourceConfigSchema.parse({
    id: SOURCE_ID,
    vendor: 'kazoo',
    rest: sim.restUrl,
    websocket: sim.websocketUrl,
    accountId: sim.accountId,
    apiKey: sim.apiKey,
    tenant: TENANT,
    poll: { agents: '150ms', channels: 0 },
    liveness: { pingInterval: '150ms', pongTimeout: '300ms' },
    reconnect: { initialDelay: '40ms', maxDelay: '200ms' },
    limits: { timeout: '2s' },
    ...options.config,
  });
  const source = createKazooSource(config, { bus, logger: log.logger, budget, metrics });
  if (options.start !== false) await source.start();
  const harness: Harness = {
    sim,
    bus,
    events,
    log,
    metrics,
    source,
    async ready() {
      await events.next((e) => e.topic === 'sources' && e.type === 'source.up', { message: 'source never came up' });
      await waitFor(() => sim.requests.some((r) => r.method === 'GET' && r.path.endsWith('/channels') && r.status === 200), {
        message: 'no channel resync',
      });
      await source.settled();
    },
    async channels() {
      return (await bus.entities(TENANT, 'channels', SOURCE_ID)) as Map<string, Channel>;
    },
    channelEvents(key) {
      return events.events.filter((e) => e.topic === 'channels' && e.key === key);
    },
    async close() {
      events.stop();
      await source.stop();
      await sim.close();
      await bus.close();
    },
  };
  return harness;
}
