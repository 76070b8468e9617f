/**
 * The single-node bus the tests build their sources on: the in-memory log and state store, as
 * `startBridge` builds them without `redis`.
 */
import type { Logger } from 'pino';
import { Bus } from '../../src/bus/bus.js';
import { MemoryEventLog } from '../../src/bus/memory-event-log.js';
import { MemoryStateStore } from '../../src/bus/memory-state-store.js';

/** `maxEvents` events kept per tenant, for an hour unless `maxAgeMs` says otherwise. */
export function memoryBus(logger: Logger, maxEvents = 100_000, maxAgeMs = 3_600_000): Bus {
  return new Bus({ log: new MemoryEventLog({ maxEvents, maxAgeMs }), state: new MemoryStateStore(), logger });
}
