import type { Entity, Topic } from '../protocol/entities.js';
import type { BridgeEvent } from '../protocol/events.js';
import { KeyedSnapshot } from '../pollers/keyed-snapshot.js';
import type { StateStore } from './state-store.js';

const scopeKey = (tenant: string, topic: Topic): string => `${tenant}\u0000${topic}`;

/** The single-node state: maps in memory. */
export class MemoryStateStore implements StateStore {
  readonly #entities = new Map<string, Map<string, Entity>>();
  /** tenant+topic -> source -> last confirmation (ISO). */
  readonly #confirmed = new Map<string, Map<string, string>>();

  #scope(tenant: string, topic: Topic): Map<string, Entity> {
    const key = scopeKey(tenant, topic);
    let scope = this.#entities.get(key);
    if (!scope) {
      scope = new Map();
      this.#entities.set(key, scope);
    }
    return scope;
  }

  async apply(tenant: string, events: readonly BridgeEvent[]): Promise<void> {
    for (const event of events) {
      const scope = this.#scope(tenant, event.topic);
      if (event.removed) scope.delete(event.key);
      else scope.set(event.key, event.data);
    }
  }

  /**
   * A copy in arrays, not a Map: every poll reads its source's whole topic here, and hashing
   * 50,000 keys into a Map the diff only walks cost as much as the diff (bench/diff.ts).
   */
  async entities(tenant: string, topic: Topic, source?: string): Promise<ReadonlyMap<string, Entity>> {
    const scope = this.#entities.get(scopeKey(tenant, topic));
    const keys: string[] = [];
    const values: Entity[] = [];
    scope?.forEach((entity, key) => {
      if (source !== undefined && entity.source !== source) return;
      keys.push(key);
      values.push(entity);
    });
    return new KeyedSnapshot(keys, values);
  }

  async entity(tenant: string, topic: Topic, key: string): Promise<Entity | undefined> {
    return this.#entities.get(scopeKey(tenant, topic))?.get(key);
  }

  async owner(tenant: string, topic: Topic, key: string): Promise<string | undefined> {
    return this.#entities.get(scopeKey(tenant, topic))?.get(key)?.source;
  }

  async confirm(tenant: string, topic: Topic, source: string, at: string): Promise<void> {
    const key = scopeKey(tenant, topic);
    let bySource = this.#confirmed.get(key);
    if (!bySource) {
      bySource = new Map();
      this.#confirmed.set(key, bySource);
    }
    bySource.set(source, at);
  }

  async snapshot(tenant: string, topics: readonly Topic[]): Promise<Partial<Record<Topic, Entity[]>>> {
    const out: Partial<Record<Topic, Entity[]>> = {};
    for (const topic of topics) {
      const key = scopeKey(tenant, topic);
      const confirmed = this.#confirmed.get(key);
      const list: Entity[] = [];
      for (const entity of this.#entities.get(key)?.values() ?? []) {
        const at = confirmed?.get(entity.source);
        list.push(at !== undefined && at > entity.observedAt ? { ...entity, observedAt: at } : entity);
      }
      out[topic] = list;
    }
    return out;
  }

  async close(): Promise<void> {
    this.#entities.clear();
    this.#confirmed.clear();
  }
}
