import type { Logger } from 'pino';
import type { Entity, Topic } from '../protocol/entities.js';
import type { BridgeEvent } from '../protocol/events.js';
import type { EventBatch, EventDraft, EventFeed, EventLog } from './event-log.js';
import { KeyedLock } from './keyed-lock.js';
import type { StateStore } from './state-store.js';

export type EventListener = (event: BridgeEvent) => void;
/** A tenant's subscribers on this node missed events (cluster mode): they need a fresh snapshot. */
export type ResyncListener = (tenant: string) => void;

export interface BusOptions {
  log: EventLog;
  state: StateStore;
  logger: Logger;
  /**
   * Cluster mode: every node's batches, this node's included, in `seq` order per tenant. The bus
   * then hands listeners what the feed delivers (instead of what it appended itself), and
   * leaves the state to the log, which writes it in the same step as it numbers the events
   * (`RedisEventLog` with `writeState`).
   */
  feed?: EventFeed | undefined;
}

/**
 * Numbers events per tenant, records them in the replay log and the current state, and hands
 * them to listeners (the socket.io fan-out, SSE, metrics), all under a per-tenant lock.
 *
 * With a `feed` (cluster mode), listeners get every tenant's events whichever node published
 * them, each once, in `seq` order, still under the per-tenant lock, so `exclusive` sections keep
 * their meaning on every node.
 *
 * @example
 * const bus = new Bus({ log, state, logger });
 * bus.onEvent((e) => io.to(`t:${e.tenant}:${e.topic}`).emit('event', e));
 * await bus.publish('acme', [{ topic: 'blfs', type: 'blf.changed', key: '100-ACME', ... }]);
 */
export class Bus {
  readonly #log: EventLog;
  readonly #state: StateStore;
  readonly #logger: Logger;
  readonly #lock = new KeyedLock();
  readonly #listeners = new Set<EventListener>();
  readonly #resyncListeners = new Set<ResyncListener>();
  readonly #shared: boolean;
  readonly #stopFeed: (() => void) | undefined;

  constructor(options: BusOptions) {
    this.#log = options.log;
    this.#state = options.state;
    this.#logger = options.logger;
    this.#shared = options.feed !== undefined;
    this.#stopFeed = options.feed?.onEvents((batch) => this.#deliver(batch));
  }

  /** True when the log and state are shared with other nodes (cluster mode). */
  get shared(): boolean {
    return this.#shared;
  }

  /** Adds a listener; returns the function that removes it. Listeners run synchronously. */
  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Called when this node's feed lost events of a tenant that the log no longer holds (cluster
   * mode only): subscribers of that tenant must be resynchronized. Runs inside the tenant's lock,
   * after the batch's events: do not call `exclusive` synchronously from it.
   */
  onResync(listener: ResyncListener): () => void {
    this.#resyncListeners.add(listener);
    return () => this.#resyncListeners.delete(listener);
  }

  /** Numbers, stores and fans out a batch of events for one tenant; returns them numbered. */
  publish(tenant: string, drafts: readonly EventDraft[]): Promise<BridgeEvent[]> {
    if (drafts.length === 0) return Promise.resolve([]);
    // Shared: the append stores the state too, and the feed brings the batch back to every node.
    if (this.#shared) return this.#log.append(tenant, drafts);
    return this.#lock.run(tenant, async () => {
      const events = await this.#log.append(tenant, drafts);
      await this.#state.apply(tenant, events);
      for (const event of events) this.#emit(event);
      return events;
    });
  }

  #deliver(batch: EventBatch): void {
    void this.#lock.run(batch.tenant, () => {
      for (const event of batch.events) this.#emit(event);
      if (batch.resync) {
        for (const listener of this.#resyncListeners) {
          try {
            listener(batch.tenant);
          } catch (err) {
            this.#logger.error({ err, tenant: batch.tenant }, 'resync listener failed');
          }
        }
      }
    });
  }

  #emit(event: BridgeEvent): void {
    for (const listener of this.#listeners) {
      // A throwing listener must not keep the event from the others (eventemitter3 would abort).
      try {
        listener(event);
      } catch (err) {
        this.#logger.error({ err, tenant: event.tenant, seq: event.seq }, 'event listener failed');
      }
    }
  }

  /**
   * Runs `section` while no event of `tenant` is handed to listeners: what it reads (snapshot,
   * replay, cursor) and what it sends stay in order with the live stream. Do not publish inside
   * it. In cluster mode another node may append meanwhile: readers then see events that
   * listeners get after the section (a `seq` at or below what was read; skip those).
   */
  exclusive<T>(tenant: string, section: () => Promise<T> | T): Promise<T> {
    return this.#lock.run(tenant, section);
  }

  /** Current state and the cursor it corresponds to. Call inside `exclusive` for consistency. */
  async snapshot(tenant: string, topics: readonly Topic[]): Promise<{ cursor: number; snapshot: Partial<Record<Topic, Entity[]>> }> {
    if (this.#state.snapshotWithCursor) return this.#state.snapshotWithCursor(tenant, topics);
    const [cursor, snapshot] = await Promise.all([this.#log.cursor(tenant), this.#state.snapshot(tenant, topics)]);
    return { cursor, snapshot };
  }

  /** Events after `since`, or null when `since` is out of the log's window. */
  replay(tenant: string, since: number): Promise<BridgeEvent[] | null> {
    return this.#log.since(tenant, since);
  }

  cursor(tenant: string): Promise<number> {
    return this.#log.cursor(tenant);
  }

  entities(tenant: string, topic: Topic, source?: string): Promise<ReadonlyMap<string, Entity>> {
    return this.#state.entities(tenant, topic, source);
  }

  entity(tenant: string, topic: Topic, key: string): Promise<Entity | undefined> {
    return this.#state.entity(tenant, topic, key);
  }

  owner(tenant: string, topic: Topic, key: string): Promise<string | undefined> {
    return this.#state.owner(tenant, topic, key);
  }

  confirm(tenant: string, topic: Topic, source: string, at: string): Promise<void> {
    return this.#state.confirm(tenant, topic, source, at);
  }

  logSize(): number {
    return this.#log.size();
  }

  async close(): Promise<void> {
    this.#stopFeed?.();
    this.#listeners.clear();
    this.#resyncListeners.clear();
    await Promise.all([this.#log.close(), this.#state.close()]);
  }
}
