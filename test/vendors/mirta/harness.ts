/** A MirtaSource on a real Bus, polling a real MiRTA simulator fast. */
import { Bus } from '../../../src/bus/bus.js';
import { BridgeMetrics } from '../../../src/observability/metrics.js';
import { startMirtaSimulator, type MirtaSimulator, type MirtaSimulatorOptions } from '../../../src/simulators/mirta/index.js';
import { VendorBudget } from '../../../src/sources/vendor-budget.js';
import { MirtaSourceConfigSchema, type MirtaPollTopic } from '../../../src/vendors/mirta/config.js';
import { createMirtaSource, type MirtaSource } from '../../../src/vendors/mirta/index.js';
import { collectEvents, type EventCollector } from '../../support/event-collector.js';
import type { CapturedLogger } from '../../support/log-capture.js';
import { memoryBus } from '../../support/memory-bus.js';

export const SOURCE_ID = 'mirta-test';
/** A whole DIAL in ~100 ms. */
export const FAST_TIMINGS = { originateMs: 20, sourceAnswerMs: 40, destAnswerMs: 40, commandMs: 5 } as const;

export interface SourceHarness {
  bus: Bus;
  events: EventCollector;
  source: MirtaSource;
  metrics: BridgeMetrics;
  key: string;
  stop(): Promise<void>;
}

export function startSim(options: MirtaSimulatorOptions = {}): Promise<MirtaSimulator> {
  return startMirtaSimulator({ timings: FAST_TIMINGS, ...options });
}

export function startSource(
  sim: MirtaSimulator,
  log: CapturedLogger,
  options: {
    key?: string;
    admin?: boolean;
    tenants?: Record<string, string>;
    poll?: Partial<Record<MirtaPollTopic, number>>;
    downAfter?: number;
    timeout?: number;
  } = {},
): SourceHarness {
  const bus = memoryBus(log.logger, 10_000);
  const events = collectEvents(bus);
  const key = options.key ?? sim.keys.tenants.DEMO?.rw ?? '';
  const config = MirtaSourceConfigSchema.parse({
    id: SOURCE_ID,
    vendor: 'mirta',
    url: sim.url,
    key,
    admin: options.admin ?? false,
    tenants: options.tenants ?? { acme: 'DEMO' },
    poll: { peers: 50, channels: 50, blfs: 0, flows: 50, agents: 50, queues: 0, extensions: 0, ...options.poll },
    limits: { concurrency: 4, perSecond: 1000, queue: 100, timeout: options.timeout ?? 400 },
    health: { downAfter: options.downAfter ?? 2 },
  });
  const metrics = new BridgeMetrics();
  const budget = new VendorBudget({ concurrency: 4, perSecond: 1000, queue: 100 });
  const source = createMirtaSource(config, { bus, logger: log.logger, budget, metrics });
  return {
    bus,
    events,
    source,
    metrics,
    key,
    async stop() {
      await source.stop();
      events.stop();
      await bus.close();
    },
  };
}
