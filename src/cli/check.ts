/**
 * `callbridge check`: starts each configured source once against its vendor, on a private bus,
 * and prints one line per source with the status its first polls give. Nothing listens.
 */
import { Bus } from '../bus/bus.js';
import { MemoryEventLog } from '../bus/memory-event-log.js';
import { MemoryStateStore } from '../bus/memory-state-store.js';
import type { Config } from '../config/schema.js';
import { VendorBudget } from '../sources/vendor-budget.js';
import { createLogger } from '../util/logger.js';
import { buildSource } from '../vendors/source-registry.js';

const POLL_CHECK_INTERVAL_MS = 50;

export async function checkSources(config: Config, print: (line: string) => void): Promise<boolean> {
  // Quiet logs: the lines printed here are the output.
  const logger = createLogger({ level: 'silent', pretty: false });
  const bus = new Bus({ log: new MemoryEventLog({ maxEvents: 1000, maxAgeMs: 60_000 }), state: new MemoryStateStore(), logger });
  print(`config ok: ${config.sources.length} source(s)`);
  let allUp = true;
  await Promise.all(
    config.sources.map(async (sourceConfig) => {
      const source = buildSource(sourceConfig, { bus, logger, budget: new VendorBudget(sourceConfig.limits) });
      const deadline = Date.now() + sourceConfig.limits.timeout + 2_000;
      await source.start();
      while (source.status === undefined && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, POLL_CHECK_INTERVAL_MS));
      }
      const entity = (await bus.entities(source.tenants[0] ?? '', 'sources')).get(source.id) as { lastError?: string } | undefined;
      await source.stop();
      const status = source.status ?? 'no answer';
      if (status !== 'up') allUp = false;
      const detail = status === 'up' ? '' : ` (${entity?.lastError ?? 'no answer within the timeout'})`;
      print(`${sourceConfig.id} [${sourceConfig.vendor}]: ${status}${detail}`);
    }),
  );
  await bus.close();
  return allUp;
}
