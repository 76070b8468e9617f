/** A WebAppelSource on a real Bus, polling a real WebAppel simulator fast. */
import { Bus } from '../../../src/bus/bus.js';
import { BridgeMetrics } from '../../../src/observability/metrics.js';
import { startWebAppelSimulator, type WebAppelSimulator, type WebAppelSimulatorOptions } from '../../../src/simulators/webappel/index.js';
import { VendorBudget } from '../../../src/sources/vendor-budget.js';
import { WebAppelSourceConfigSchema } from '../../../src/vendors/webappel/config.js';
import { createWebAppelSource, type WebAppelSource } from '../../../src/vendors/webappel/index.js';
import { collectEvents, type EventCollector } from '../../support/event-collector.js';
import type { CapturedLogger } from '../../support/log-capture.js';
import { memoryBus } from '../../support/memory-bus.js';

export const SOURCE_ID = 'webappel-test';
/** A whole callback in ~120 ms; `delais` seconds count as 10 ms. */
export const FAST_TIMINGS = { callingAfterMs: 30, connectedAfterMs: 60, endedAfterMs: 120, delayScale: 0.01 } as const;

export interface SourceHarness {
  bus: Bus;
  events: EventCollector;
  source: WebAppelSource;
  stop(): Promise<void>;
}

export function startSim(options: WebAppelSimulatorOptions = {}): Promise<WebAppelSimulator> {
  return startWebAppelSimulator({ timings: FAST_TIMINGS, ...options });
}

export function startSource(
  sim: WebAppelSimulator,
  log: CapturedLogger,
  options: { pass?: string; popups?: (string | number)[]; listing?: 'appel_listing' | 'appels_resume'; downAfter?: number; giveUpAfter?: number } = {},
): SourceHarness {
  const bus = memoryBus(log.logger, 10_000);
  const events = collectEvents(bus);
  const config = WebAppelSourceConfigSchema.parse({
    id: SOURCE_ID,
    vendor: 'webappel',
    url: sim.url,
    email: sim.email,
    pass: options.pass ?? sim.pass,
    tenant: 'acme',
    popups: options.popups ?? [77, 78],
    listing: options.listing ?? 'appel_listing',
    poll: 30,
    idleCheck: 30,
    giveUpAfter: options.giveUpAfter ?? 60_000,
    limits: { concurrency: 4, perSecond: 1000, queue: 100, timeout: 400 },
    health: { downAfter: options.downAfter ?? 2 },
  });
  const budget = new VendorBudget({ concurrency: 4, perSecond: 1000, queue: 100 });
  const source = createWebAppelSource(config, { bus, logger: log.logger, budget, metrics: new BridgeMetrics() });
  return {
    bus,
    events,
    source,
    async stop() {
      await source.stop();
      events.stop();
      await bus.close();
    },
  };
}
