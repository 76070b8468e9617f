/**
 * A 3CX source wired to a real simulator (HTTP + websocket on port 0) and a real Bus, with
 * captured logs and metrics. Short intervals so failures show in milliseconds.
 */
import { Bus } from '../../../src/bus/bus.js';
import { BridgeMetrics } from '../../../src/observability/metrics.js';
import type { Channel, Peer } from '../../../src/protocol/entities.js';
import type { BridgeEvent } from '../../../src/protocol/events.js';
import { VendorBudget } from '../../../src/sources/vendor-budget.js';
import { startThreeCxSimulator, type ThreeCxSimulator, type ThreeCxSimulatorOptions } from '../../../src/simulators/threecx/index.js';
import { ThreeCxSourceConfigSchema, createThreeCxSource, type ThreeCxSource, type ThreeCxSourceConfigInput } from '../../../src/vendors/threecx/index.js';
import { collectEvents, type EventCollector } from '../../support/event-collector.js';
import { captureLogger, type CapturedLogger } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { memoryBus } from '../../support/memory-bus.js';

export const TENANT = 'acme';
export const SOURCE_ID = 'threecx-test';

export interface Harness {
  sim: ThreeCxSimulator;
  bus: Bus;
  events: EventCollector;
  log: CapturedLogger;
  metrics: BridgeMetrics;
  source: ThreeCxSource;
  /** Waits until the source is up and its first snapshot is published. */
  ready(): Promise<void>;
  channels(): Promise<Map<string, Channel>>;
  peers(): Promise<Map<string, Peer>>;
  /** The simulator's live participants as channel keys. */
  liveKeys(): Set<string>;
  /** Events of topic `channels` for `key`, in order. */
  channelEvents(key: string): BridgeEvent[];
  close(): Promise<void>;
}

export async function startHarness(
  options: { sim?: ThreeCxSimulatorOptions; config?: Partial<ThreeCxSourceConfigInput>; start?: boolean } = {},
): Promise<Harness> {
  const sim = await startThreeCxSimulator({ answerMs: 30, ...options.sim });
  const log = captureLogger('debug');
  const bus = memoryBus(log.logger);
  const events = collectEvents(bus);
  const metrics = new BridgeMetrics();
  const budget = new VendorBudget({ concurrency: 4, perSecond: 500, queue: 50 });
  const config = ThreeCxSourceConfigSchema.parse({
    id: SOURCE_ID,
    vendor: '3cx',
    url: sim.url,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    tenant: TENANT,
    poll: { snapshot: 0 },
    // Generous pong timeout: a loaded CI machine can stall the event loop for a few hundred ms.
    liveness: { pingInterval: '250ms', pongTimeout: '2s' },
    reconnect: { initialDelay: '40ms', maxDelay: '200ms' },
    limits: { timeout: '3s' },
    ...options.config,
  });
  const source = createThreeCxSource(config, { bus, logger: log.logger, budget, metrics });
  if (options.start !== false) await source.start();
  const harness: Harness = {
    sim,
    bus,
    events,
    log,
    metrics,
    source,
    async ready() {
      await events.next((e) => e.topic === 'sources' && e.type === 'source.up', { timeout: 10_000, message: 'source never came up' });
      await waitFor(() => sim.requests.filter('GET', '/callcontrol').some((r) => r.status === 200), { timeout: 10_000, message: 'no snapshot' });
      await source.settled();
    },
    async channels() {
      return (await bus.entities(TENANT, 'channels', SOURCE_ID)) as Map<string, Channel>;
    },
    async peers() {
      return (await bus.entities(TENANT, 'peers', SOURCE_ID)) as Map<string, Peer>;
    },
    liveKeys() {
      return new Set(sim.model.participants().map((p) => `${p.dn}/${p.id}`));
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

/** The channel types published for `key`, in order. */
export const typesOf = (events: readonly BridgeEvent[], key: string): string[] =>
  events.filter((e) => e.topic === 'channels' && e.key === key).map((e) => e.type);
