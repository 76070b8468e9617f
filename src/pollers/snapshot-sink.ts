/**
 * Where a source's samples land: compares them with the bus's current state (the source's own
 * entities only) and publishes one event per change. Sources never build events themselves.
 */
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { EventDraft } from '../bus/event-log.js';
import type { Entity, Topic } from '../protocol/entities.js';
import type { BridgeEvent } from '../protocol/events.js';
import { eventTypeFor } from './event-types.js';
import { diffSnapshots, type EntityChange } from './snapshot-diff.js';

/** A key another source already holds: reported once per tenant + topic + key. */
export type KeyConflictHandler = (conflict: { tenant: string; topic: Topic; key: string; owner: string }) => void;

/** The usual handler: one warning naming both sources (no vendor data in it). */
export function warnOnKeyConflict(logger: Logger, source: string): KeyConflictHandler {
  return (conflict) =>
    logger.warn({ ...conflict, source }, 'entity key already held by another source of this tenant; this source\'s entity is ignored');
}

export class SnapshotSink {
  readonly #bus: Bus;
  readonly #source: string;
  readonly #now: () => Date;
  readonly #onConflict: KeyConflictHandler | undefined;
  readonly #reported = new Set<string>();

  constructor(options: { bus: Bus; source: string; now?: () => Date; onConflict?: KeyConflictHandler }) {
    this.#bus = options.bus;
    this.#source = options.source;
    this.#now = options.now ?? (() => new Date());
    this.#onConflict = options.onConflict;
  }

  get source(): string {
    return this.#source;
  }

  /** The source's current entities of tenant + topic, as the bus holds them. */
  current(tenant: string, topic: Topic): Promise<ReadonlyMap<string, Entity>> {
    return this.#bus.entities(tenant, topic, this.#source);
  }

  /** This source's entity under `key`, if it holds one. */
  async get(tenant: string, topic: Topic, key: string): Promise<Entity | undefined> {
    const entity = await this.#bus.entity(tenant, topic, key);
    return entity?.source === this.#source ? entity : undefined;
  }

  /**
   * Replaces the source's whole view of tenant + topic with what `build` returns from the
   * previous view. `build` may throw (a suspicious sample): then nothing changes.
   */
  async replace(
    tenant: string,
    topic: Topic,
    build: (previous: ReadonlyMap<string, Entity>) => ReadonlyMap<string, Entity>,
  ): Promise<BridgeEvent[]> {
    const previous = await this.current(tenant, topic);
    const next = build(previous);
    const changes = await this.#withoutForeignKeys(tenant, topic, diffSnapshots(previous, next));
    const events = await this.#publish(tenant, topic, changes);
    await this.#bus.confirm(tenant, topic, this.#source, this.#now().toISOString());
    return events;
  }

  /** Event-driven sources: upserts some entities and removes some keys, leaving the rest. */
  async patch(
    tenant: string,
    topic: Topic,
    upserts: ReadonlyMap<string, Entity>,
    removals: readonly string[] = [],
  ): Promise<BridgeEvent[]> {
    // Keyed reads only: a websocket source patches one entity per event, and copying the whole
    // topic per event made its cost grow with the number of live calls (bench/kazoo-relay.ts).
    const changes: EntityChange[] = [];
    const before = new Map<string, Entity>();
    const after = new Map<string, Entity>();
    for (const [key, entity] of upserts) {
      const old = await this.get(tenant, topic, key);
      if (old) before.set(key, old);
      after.set(key, entity);
    }
    changes.push(...(await this.#withoutForeignKeys(tenant, topic, diffSnapshots(before, after))));
    for (const key of removals) {
      if (upserts.has(key)) continue;
      const old = await this.get(tenant, topic, key);
      if (old) changes.push({ kind: 'removed', key, entity: old });
    }
    return this.#publish(tenant, topic, changes);
  }

  /**
   * Drops additions whose key another source of the tenant already holds. Keys are unique per
   * tenant + topic (protocol §2); two vendors reporting the same key (two PBXs with the same
   * queue ids) would otherwise overwrite each other on every poll. The first owner keeps it.
   */
  async #withoutForeignKeys(tenant: string, topic: Topic, changes: EntityChange[]): Promise<EntityChange[]> {
    if (!changes.some((change) => change.kind === 'added')) return changes;
    const kept: EntityChange[] = [];
    for (const change of changes) {
      if (change.kind === 'added') {
        const owner = await this.#bus.owner(tenant, topic, change.key);
        if (owner !== undefined && owner !== this.#source) {
          const id = `${tenant}\u0000${topic}\u0000${change.key}`;
          if (!this.#reported.has(id)) {
            this.#reported.add(id);
            this.#onConflict?.({ tenant, topic, key: change.key, owner });
          }
          continue;
        }
      }
      kept.push(change);
    }
    return kept;
  }

  #publish(tenant: string, topic: Topic, changes: readonly EntityChange[]): Promise<BridgeEvent[]> {
    if (changes.length === 0) return Promise.resolve([]);
    const ts = this.#now().toISOString();
    const drafts: EventDraft[] = changes.map((change) => {
      const draft: EventDraft = {
        topic,
        type: eventTypeFor(topic, change),
        key: change.key,
        source: this.#source,
        ts,
        data: change.entity,
      };
      if (change.changed) draft.changed = change.changed;
      if (change.kind === 'removed') draft.removed = true;
      return draft;
    });
    return this.#bus.publish(tenant, drafts);
  }
}
