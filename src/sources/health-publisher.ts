import type { Logger } from 'pino';
import type { Entity, SourceEntity } from '../protocol/entities.js';
import type { SnapshotSink } from '../pollers/snapshot-sink.js';
import { SourceHealth } from '../pollers/source-health.js';

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
      options.logger.info({ source: options.sink.source, status: change.status, lastError: change.lastError }, 'source status');
      const upsert = new Map<string, Entity>([[options.sink.source, entity]]);
      for (const tenant of options.tenants) {
        options.sink.patch(tenant, 'sources', upsert).catch((err: unknown) => {
          options.logger.error({ err, source: options.sink.source }, 'publishing source status failed');
        });
      }
    },
  });
}
