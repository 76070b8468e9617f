import type { Logger } from 'pino';
import type { Entity, SourceEntity } from '../protocol/entities.js';
import type { Bus } from '../bus/bus.js';
import { SnapshotSink, warnOnKeyConflict } from '../pollers/snapshot-sink.js';
import { SourceHealth } from '../pollers/source-health.js';
import { childWith } from '../util/logger.js';

/**
 * A SourceHealth whose transitions are published as `sources` entities (`source.up` /
 * `source.degraded` / `source.down`) to every tenant the source serves.
 */
export function createPublishedHealth(options: {
  sink: SnapshotSink;
  vendor: string;
  tenants: readonly string[];
  downAfter: number;
  logger: Logger;
  now?: () => Date;
}): SourceHealth {
  const now = options.now ?? (() => new Date());
  const logger = childWith(options.logger, { source: options.sink.source });
  return new SourceHealth({
    downAfter: options.downAfter,
    now,
    onChange: (change) => {
      const entity: SourceEntity = {
        source: options.sink.source,
        observedAt: now().toISOString(),
        vendor: options.vendor,
        status: change.status,
      };
      if (change.lastOkAt !== undefined) entity.lastOkAt = change.lastOkAt;
      if (change.lastError !== undefined) entity.lastError = change.lastError;
      logger.info({ status: change.status, lastError: change.lastError }, 'source status');
      const upsert = new Map<string, Entity>([[options.sink.source, entity]]);
      for (const tenant of options.tenants) {
        options.sink.patch(tenant, 'sources', upsert).catch((err: unknown) => {
          logger.error({ err }, 'publishing source status failed');
        });
      }
    },
  });
}

/**
 * What every source writes to: its SnapshotSink (with the usual key-conflict warning) and its
 * published health, built the same way for every vendor.
 *
 * @example
 * const { sink, health } = createSourceOutputs({ bus, source: config.id, vendor: 'mirta', tenants, downAfter: 3, logger });
 */
export function createSourceOutputs(options: {
  bus: Bus;
  source: string;
  vendor: string;
  tenants: readonly string[];
  downAfter: number;
  logger: Logger;
  now?: () => Date;
}): { sink: SnapshotSink; health: SourceHealth } {
  const sinkOptions: ConstructorParameters<typeof SnapshotSink>[0] = {
    bus: options.bus,
    source: options.source,
    onConflict: warnOnKeyConflict(options.logger, options.source),
  };
  if (options.now) sinkOptions.now = options.now;
  const sink = new SnapshotSink(sinkOptions);
  const health = createPublishedHealth({
    sink,
    vendor: options.vendor,
    tenants: options.tenants,
    downAfter: options.downAfter,
    logger: options.logger,
    ...(options.now ? { now: options.now } : {}),
  });
  return { sink, health };
}
