/**
 * The `channels` view of one Kazoo account, fed by two streams that must not overtake each
 * other: websocket events (patches) and REST resyncs (full replaces). Both go through one
 * queue, in arrival order. A resync is queued when a connection opens, before its subscribes,
 * and waits in the queue for the subscriptions; events of that session queue up behind it and
 * land on top of the REST snapshot. So the snapshot ⊕ later events is the account's state, and
 * a call that began or ended while the socket was down yields its event exactly once.
 *
 * Two guards cover Kazoo's REST lagging its own events: a leg destroyed by an event is never
 * resurrected by a snapshot that still lists it (tombstones), and a leg this session announced
 * moments before the GET is not removed because the GET does not list it yet (grace).
 */
import type { Logger } from 'pino';
import type { Channel, Entity } from '../../protocol/entities.js';
import type { SnapshotSink } from '../../pollers/snapshot-sink.js';
import type { CallEvent } from './blackhole-client.js';
import { applyCallEvent, channelFromRest, commandIdOf } from './normalizer.js';
import type { RestChannel } from './wire.js';

/** How long a leg announced by an event is kept although a REST list omits it. */
export const RESYNC_GRACE_MS = 2_000;
/** Destroyed call ids remembered (Kazoo never reuses a call id). */
const TOMBSTONES = 5_000;
/** Call id -> command id links kept for `observed` (a bound, oldest dropped first). */
const COMMAND_LINKS = 2_000;

export interface ChannelTrackerOptions {
  sink: SnapshotSink;
  tenant: string;
  source: string;
  logger: Logger;
  now?: () => Date;
}

export interface ResyncOptions {
  /** Connection generation the resync belongs to. */
  generation: number;
  /** Awaited inside the queue before fetching (the session's subscriptions). */
  ready?: Promise<void>;
}

function remember<K, V>(map: Map<K, V>, key: K, value: V, bound: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > bound) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

export class ChannelTracker {
  readonly #options: ChannelTrackerOptions;
  readonly #now: () => Date;
  readonly #tombstones = new Map<string, true>();
  readonly #lastEvent = new Map<string, { at: number; generation: number }>();
  readonly #commandIds = new Map<string, string>();
  #queue: Promise<void> = Promise.resolve();

  constructor(options: ChannelTrackerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** The bridge command (quickcall CAV) that produced this leg, if any. */
  commandIdFor(callId: string): string | undefined {
    return this.#commandIds.get(callId);
  }

  /** Resolves when everything queued so far has been applied. */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** Queues one websocket event. Never rejects: a failed publish is logged. */
  event(event: CallEvent): void {
    void this.#enqueue(() => this.#applyEvent(event)).catch((err: unknown) => {
      this.#options.logger.error({ err, source: this.#options.source }, 'applying a Kazoo call event failed');
    });
  }

  /**
   * Queues a full resync from `fetch` (the REST channel list). Rejects when `ready` or the
   * fetch fails; then nothing changed.
   */
  resync(fetch: () => Promise<RestChannel[]>, options: ResyncOptions): Promise<void> {
    return this.#enqueue(async () => {
      if (options.ready) await options.ready;
      const requestedAt = Date.now();
      const items = await fetch();
      await this.#options.sink.replace(this.#options.tenant, 'channels', (previous) =>
        this.#build(previous, items, requestedAt, options.generation),
      );
    });
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  #build(previous: ReadonlyMap<string, Entity>, items: readonly RestChannel[], requestedAt: number, generation: number): Map<string, Entity> {
    const context = { source: this.#options.source, observedAt: this.#now().toISOString() };
    const next = new Map<string, Entity>();
    for (const item of items) {
      if (this.#tombstones.has(item.uuid)) continue;
      const commandId = commandIdOf(item.custom_application_vars);
      if (commandId) remember(this.#commandIds, item.uuid, commandId, COMMAND_LINKS);
      next.set(item.uuid, channelFromRest(item, previous.get(item.uuid) as Channel | undefined, context));
    }
    for (const [key, entity] of previous) {
      if (next.has(key)) continue;
      const last = this.#lastEvent.get(key);
      if (last && last.generation === generation && last.at >= requestedAt - RESYNC_GRACE_MS) {
        next.set(key, entity);
        continue;
      }
      // Gone while the bridge was not listening: this resync is its hangup.
      remember(this.#tombstones, key, true, TOMBSTONES);
      this.#lastEvent.delete(key);
    }
    return next;
  }

  async #applyEvent(event: CallEvent): Promise<void> {
    const key = event.data.call_id;
    // A late event of a leg already hung up (or a duplicate DESTROY) changes nothing.
    if (this.#tombstones.has(key)) return;
    const commandId = commandIdOf(event.data.custom_application_vars);
    if (commandId) remember(this.#commandIds, key, commandId, COMMAND_LINKS);
    const { sink, tenant } = this.#options;
    if (event.name === 'CHANNEL_DESTROY') {
      remember(this.#tombstones, key, true, TOMBSTONES);
      this.#lastEvent.delete(key);
      await sink.patch(tenant, 'channels', new Map(), [key]);
      return;
    }
    remember(this.#lastEvent, key, { at: Date.now(), generation: event.generation }, TOMBSTONES);
    const previous = await sink.get(tenant, 'channels', key);
    const context = { source: this.#options.source, observedAt: this.#now().toISOString() };
    const entity = applyCallEvent(previous as Channel | undefined, event.name, event.data, context);
    if (entity) await sink.patch(tenant, 'channels', new Map<string, Entity>([[key, entity]]));
  }
}
