/**
 * The ordering half of the event feed, with no Redis in it: batches of a tenant's events arrive
 * from pub/sub (every node's appends), from this node's own appends (without waiting for the
 * round trip) and from catch-up reads; listeners get each event once, in `seq` order, with no
 * gap. A gap (pub/sub drops messages while a subscriber reconnects) is filled from the log
 * before anything newer goes out; when the log no longer holds the missing events, the batch is
 * flagged `resync` so the consumers can resend snapshots instead of pretending nothing was lost.
 */
import type { Logger } from 'pino';
import { KeyedLock } from '../bus/keyed-lock.js';
import type { BridgeEvent } from '../protocol/events.js';

export interface FeedBatch {
  readonly tenant: string;
  /** Contiguous, in `seq` order, following the previous batch of the tenant. */
  readonly events: readonly BridgeEvent[];
  /** Events between the previous batch and this one are gone from the log (too old). */
  readonly resync?: true;
}

export type FeedListener = (batch: FeedBatch) => void;

/** What the log still holds after `after`, and whether that starts right at `after + 1`. */
export interface FeedFill {
  readonly events: readonly BridgeEvent[];
  readonly complete: boolean;
}

export interface FeedSequencerOptions {
  /** Reads the tenant's events with `seq > after` from the log. */
  fill(tenant: string, after: number): Promise<FeedFill>;
  logger?: Logger;
}

/**
 * @example
 * const feed = new FeedSequencer({ fill: (tenant, after) => log.held(tenant, after) });
 * feed.onBatch(({ tenant, events }) => fanOut(tenant, events));
 * feed.baseline('acme', await log.cursor('acme')); // events up to here are not delivered
 * await feed.offer('acme', events);
 */
export class FeedSequencer {
  readonly #fill: FeedSequencerOptions['fill'];
  readonly #logger: Logger | undefined;
  readonly #lock = new KeyedLock();
  readonly #last = new Map<string, number>();
  readonly #listeners = new Set<FeedListener>();

  constructor(options: FeedSequencerOptions) {
    this.#fill = options.fill;
    this.#logger = options.logger;
  }

  /** Adds a listener; returns the function that removes it. */
  onBatch(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The last `seq` delivered (or skipped as baseline) for `tenant`; 0 when unknown. */
  last(tenant: string): number {
    return this.#last.get(tenant) ?? 0;
  }

  /** Events up to `seq` are history, not news: never delivered. Only ever moves forward. */
  baseline(tenant: string, seq: number): void {
    if (seq > this.last(tenant)) this.#last.set(tenant, seq);
  }

  /** A batch of `tenant`'s events (contiguous, ascending). Resolves once handled. */
  offer(tenant: string, events: readonly BridgeEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.#lock.run(tenant, async () => {
      const last = this.last(tenant);
      const fresh = events.filter((event) => event.seq > last);
      const first = fresh[0];
      if (!first) return; // already delivered: our own append, heard again through pub/sub
      if (first.seq === last + 1) {
        this.#deliver({ tenant, events: fresh });
        return;
      }
      await this.#catchUp(tenant, last, fresh, fresh.at(-1)?.seq ?? last);
    });
  }

  /** The log's cursor for `tenant` is `cursor`: delivers whatever this node missed. */
  reconcile(tenant: string, cursor: number): Promise<void> {
    return this.#lock.run(tenant, async () => {
      const last = this.last(tenant);
      if (cursor > last) await this.#catchUp(tenant, last, [], cursor);
    });
  }

  /** Reads the log after `last`, then delivers it (and `fresh` beyond it); `upTo` is known appended. */
  async #catchUp(tenant: string, last: number, fresh: readonly BridgeEvent[], upTo: number): Promise<void> {
    let filled: FeedFill;
    try {
      filled = await this.#fill(tenant, last);
    } catch (err) {
      // Nothing goes out of order: the next batch or reconcile tries again.
      this.#logger?.warn({ err, tenant, after: last }, 'event feed could not read the log to fill a gap');
      return;
    }
    const events = filled.events.filter((event) => event.seq > last);
    // The log was read after `fresh` was appended, so it normally holds it; keep what it did not.
    for (const event of fresh) {
      const tail = events.at(-1)?.seq;
      if (tail === undefined || event.seq === tail + 1) events.push(event);
    }
    const complete = filled.complete && (events[0] === undefined || events[0].seq === last + 1);
    if (complete) {
      if (events.length > 0) this.#deliver({ tenant, events });
      return;
    }
    this.#logger?.warn({ tenant, after: last, from: events[0]?.seq }, 'event feed lost events the log no longer holds');
    this.#deliver({ tenant, events, resync: true });
    // Nothing left to wait for below `upTo`: the lost events will not come back.
    this.baseline(tenant, upTo);
  }

  #deliver(batch: FeedBatch): void {
    const lastEvent = batch.events.at(-1);
    if (lastEvent) this.#last.set(batch.tenant, lastEvent.seq);
    for (const listener of [...this.#listeners]) {
      // One failing consumer must not keep the batch from the others.
      try {
        listener(batch);
      } catch (err) {
        this.#logger?.error({ err, tenant: batch.tenant }, 'event feed listener failed');
      }
    }
  }
}
