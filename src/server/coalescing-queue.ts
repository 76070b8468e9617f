/**
 * What a slow client has not been sent yet, coalesced (protocol §3 "Slow consumers"): only the
 * latest event per topic + key is kept, so the queue is bounded by the number of entities, not
 * by the event rate. Removals (`channel.hungup`, `*.removed`: `removed: true`) and records
 * (`call.recorded`, whose keys are unique anyway) are lifecycle events and are kept as they are:
 * a client must learn that a call ended even if it never saw it ring.
 *
 * Flushed in `seq` order with `coalesced: true` on each event: the `seq` values skipped belong
 * to events superseded by one that follows, so the client's state is exact once the flush is
 * applied, and an SDK does not mistake the jump for a lost event.
 */
import type { BridgeEvent } from '../protocol/events.js';

const isLifecycle = (event: BridgeEvent): boolean => event.removed === true || event.type === 'channel.hungup' || event.type === 'call.recorded';

export class CoalescingQueue {
  /** Latest state event per topic + key. */
  readonly #latest = new Map<string, BridgeEvent>();
  /** Lifecycle events, in arrival (= seq) order. */
  #kept: BridgeEvent[] = [];
  /** Events offered since the last flush (for metrics and tests). */
  #offered = 0;

  /** Events waiting (after coalescing). */
  get size(): number {
    return this.#latest.size + this.#kept.length;
  }

  /** Events offered since the last take, before coalescing. */
  get offered(): number {
    return this.#offered;
  }

  offer(event: BridgeEvent): void {
    this.#offered++;
    const id = `${event.topic}\0${event.key}`;
    if (isLifecycle(event)) {
      // The removal supersedes the state it ends.
      this.#latest.delete(id);
      this.#kept.push(event);
      return;
    }
    // Re-inserted so that iteration stays in arrival order.
    this.#latest.delete(id);
    this.#latest.set(id, event);
  }

  /** Everything waiting, in `seq` order, marked `coalesced`; the queue is then empty. */
  take(): BridgeEvent[] {
    const events = [...this.#kept, ...this.#latest.values()].sort((a, b) => a.seq - b.seq);
    this.#kept = [];
    this.#latest.clear();
    this.#offered = 0;
    return events.map((event) => ({ ...event, coalesced: true }));
  }
}
