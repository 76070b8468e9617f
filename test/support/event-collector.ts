/** Records every event a Bus publishes, for assertions on what (and how many) came out. */
import type { Bus } from '../../src/bus/bus.js';
import type { BridgeEvent } from '../../src/protocol/events.js';
import { waitFor } from './wait-for.js';

export interface EventCollector {
  /** Everything since the collector started, in publication order. */
  readonly events: readonly BridgeEvent[];
  /** A position in `events`, to look at what came after it. */
  mark(): number;
  /** Events published after `mark`. */
  since(mark: number): BridgeEvent[];
  /** Waits (real time) for an event after `mark` that `predicate` accepts, and returns it. */
  next(predicate: (event: BridgeEvent) => boolean, options?: { from?: number; timeout?: number; message?: string }): Promise<BridgeEvent>;
  stop(): void;
}

/**
 * @example
 * const events = collectEvents(bus);
 * const mark = events.mark();
 * await events.next((e) => e.type === 'peer.unregistered', { from: mark });
 */
export function collectEvents(bus: Bus): EventCollector {
  const events: BridgeEvent[] = [];
  const stop = bus.onEvent((event) => events.push(event));
  return {
    events,
    mark: () => events.length,
    since: (mark) => events.slice(mark),
    async next(predicate, options = {}) {
      const from = options.from ?? 0;
      let found: BridgeEvent | undefined;
      await waitFor(
        () => {
          found = events.slice(from).find(predicate);
          return found !== undefined;
        },
        { timeout: options.timeout ?? 5_000, message: options.message ?? 'expected event did not arrive' },
      );
      return found as BridgeEvent;
    },
    stop,
  };
}
