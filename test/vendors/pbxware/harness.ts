/** A PbxwareSource on a real Bus, polling a real PBXware simulator fast over loopback HTTP. */
import { Bus } from '../../../src/bus/bus.js';
import { BridgeMetrics } from '../../../src/observability/metrics.js';
import { startPbxwareSimulator, type PbxwareSimulator, type PbxwareSimulatorOptions } from '../../../src/simulators/pbxware/index.js';
import { VendorBudget } from '../../../src/sources/vendor-budget.js';
import { PbxwareSourceConfigSchema, createPbxwareSource, type PbxwareSource } from '../../../src/vendors/pbxware/index.js';
import { collectEvents, type EventCollector } from '../../support/event-collector.js';
import type { CapturedLogger } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { memoryBus } from '../../support/memory-bus.js';

export const SOURCE_ID = 'pbxware-test';
/** Generous: the suite must pass on a loaded 2-core machine. */
export const WAIT = { timeout: 15_000 } as const;

export interface SourceHarness {
  bus: Bus;
  events: EventCollector;
  source: PbxwareSource;
  metrics: BridgeMetrics;
  stop(): Promise<void>;
}

export interface SourceOptions {
  apiKey?: string;
  tenants?: Record<string, string>;
  pageSize?: number;
  maxPagesPerPoll?: number;
  startAt?: 'latest' | 'lookback';
  dataDir?: string;
  downAfter?: number;
  poll?: Partial<Record<'extensions' | 'cdr' | 'packages', number>>;
}

export function startSim(options: PbxwareSimulatorOptions = {}): Promise<PbxwareSimulator> {
  return startPbxwareSimulator(options);
}

export async function startSource(sim: PbxwareSimulator, log: CapturedLogger, options: SourceOptions = {}): Promise<SourceHarness> {
  const bus = memoryBus(log.logger);
  const events = collectEvents(bus);
  const config = PbxwareSourceConfigSchema.parse({
    id: SOURCE_ID,
    vendor: 'pbxware',
    url: sim.url,
    apiKey: options.apiKey ?? sim.apiKey,
    tenants: options.tenants ?? { acme: '2' },
    cdr: { pageSize: options.pageSize ?? 100, maxPagesPerPoll: options.maxPagesPerPoll ?? 20, startAt: options.startAt ?? 'lookback', lookback: '2h' },
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    poll: { extensions: 40, cdr: 40, packages: 150, ...options.poll },
    limits: { concurrency: 2, perSecond: 1000, queue: 100, timeout: 2000 },
    health: { downAfter: options.downAfter ?? 2 },
  });
  const metrics = new BridgeMetrics();
  const source = createPbxwareSource(config, { bus, logger: log.logger, budget: new VendorBudget({ concurrency: 2, perSecond: 1000, queue: 100 }), metrics });
  await source.start();
  return {
    bus,
    events,
    source,
    metrics,
    async stop() {
      await source.stop();
      events.stop();
      await bus.close();
    },
  };
}

/** Waits until the simulator has answered `count` more requests of `action` (whole polls went by). */
export async function morePolls(sim: PbxwareSimulator, action: string, count = 3): Promise<void> {
  const target = sim.requests.count(action) + count;
  await waitFor(() => sim.requests.count(action) >= target, { ...WAIT, message: `${action} was not polled ${count} more times` });
}
