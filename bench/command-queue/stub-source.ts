/**
 * A source whose vendor answers at once, with no I/O: a dispatcher in front of it costs only
 * its own work (validation, idempotency, breaker, budget, timers, audit, metrics).
 */
import type { CommandType } from '../../src/protocol/commands.js';
import type { CommandOutcome, Source } from '../../src/sources/source.js';

export function stubSource(id: string, tenants: readonly string[], commands: readonly CommandType[]): Source {
  return {
    id,
    vendor: 'stub',
    tenants,
    topics: [],
    commands,
    status: 'up',
    start: async () => undefined,
    stop: async () => undefined,
    execute: async (): Promise<CommandOutcome> => ({ result: { message: 'done' } }),
  };
}
