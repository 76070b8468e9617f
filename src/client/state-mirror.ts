/**
 * One tenant's local copy of the bridge's state: a map per topic, keyed like the server's events.
 * Events are applied as they come (`removed: true` deletes); a snapshot replaces the topics it
 * carries, and what differs from the mirror comes out as changes, so a listener that keeps its
 * own view stays right across a resync.
 */
import type { Entity, Topic } from '../protocol/entities.js';
import type { BridgeEvent } from '../protocol/events.js';
import type { Snapshot } from '../protocol/messages.js';
// Pure and type-only in its imports: the server's own rule for which event a change is.
import { eventTypeFor } from '../pollers/event-types.js';
import { TOPICS, entityKey } from './topics.js';
import type { ChangeEvent, TenantState } from './types.js';

/** Bookkeeping fields: a difference in them alone is not a change (as on the server). */
const NON_STATE_FIELDS: ReadonlySet<string> = new Set(['observedAt', 'raw']);

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** State fields whose values differ between two versions of an entity. */
export function changedFields(previous: Entity, next: Entity): string[] {
  const before = previous as Record<string, unknown>;
  const after = next as Record<string, unknown>;
  const changed: string[] = [];
  for (const field of Object.keys(after)) {
    if (!NON_STATE_FIELDS.has(field) && !sameValue(before[field], after[field])) changed.push(field);
  }
  for (const field of Object.keys(before)) {
    if (!NON_STATE_FIELDS.has(field) && !(field in after) && before[field] !== undefined) changed.push(field);
  }
  return changed;
}

/** Builds a change; the one place where the per-topic typing is asserted. */
function change(fields: {
  tenant: string;
  topic: Topic;
  key: string;
  type: string;
  entity: Entity;
  previous: Entity | undefined;
  removed: boolean;
  changed: readonly string[] | undefined;
  origin: 'event' | 'snapshot';
  seq: number | undefined;
  ts: string | undefined;
}): ChangeEvent {
  return fields as ChangeEvent;
}

export class StateMirror {
  readonly tenant: string;
  readonly #maps: Record<Topic, Map<string, Entity>>;
  /** The same maps, typed per topic and read-only for users. */
  readonly state: TenantState;

  constructor(tenant: string) {
    this.tenant = tenant;
    this.#maps = Object.fromEntries(TOPICS.map((topic) => [topic, new Map<string, Entity>()])) as Record<Topic, Map<string, Entity>>;
    this.state = Object.freeze({ ...this.#maps }) as unknown as TenantState;
  }

  /**
   * Applies one event of the tenant sequence and returns the change it makes.
   *
   * @example
   * const change = mirror.apply(event); // event.removed -> the key is gone from mirror.state
   */
  apply(event: BridgeEvent): ChangeEvent {
    const map = this.#maps[event.topic];
    const previous = map.get(event.key);
    const removed = event.removed === true;
    if (removed) map.delete(event.key);
    else map.set(event.key, event.data);
    return change({
      tenant: this.tenant,
      topic: event.topic,
      key: event.key,
      type: event.type,
      entity: event.data,
      previous,
      removed,
      changed: event.changed,
      origin: 'event',
      seq: event.seq,
      ts: event.ts,
    });
  }

  /** True when the mirror already shows `event`'s outcome (its entity, or its absence). */
  reflects(event: BridgeEvent): boolean {
    const current = this.#maps[event.topic].get(event.key);
    if (event.removed === true) return current === undefined;
    return current !== undefined && changedFields(current, event.data).length === 0;
  }

  /**
   * Replaces `topics` with the snapshot's entities; returns what differs from before (additions
   * and updates in the snapshot's order, then removals). Entities whose state fields are equal
   * are replaced silently (their `observedAt` may be newer).
   */
  replace(topics: readonly Topic[], snapshot: Snapshot): ChangeEvent[] {
    const changes: ChangeEvent[] = [];
    for (const topic of topics) {
      const map = this.#maps[topic];
      const next = new Map<string, Entity>();
      for (const entity of snapshot[topic] ?? []) next.set(entityKey(topic, entity as never), entity);
      for (const [key, entity] of next) {
        const previous = map.get(key);
        if (previous === undefined) {
          changes.push(this.#found(topic, { kind: 'added', key, entity }));
          continue;
        }
        const changed = changedFields(previous, entity);
        if (changed.length > 0) changes.push(this.#found(topic, { kind: 'updated', key, entity, previous, changed }));
      }
      for (const [key, entity] of map) {
        if (!next.has(key)) changes.push(this.#found(topic, { kind: 'removed', key, entity }));
      }
      map.clear();
      for (const [key, entity] of next) map.set(key, entity);
    }
    return changes;
  }

  #found(
    topic: Topic,
    diff: { kind: 'added' | 'updated' | 'removed'; key: string; entity: Entity; previous?: Entity; changed?: string[] },
  ): ChangeEvent {
    return change({
      tenant: this.tenant,
      topic,
      key: diff.key,
      type: eventTypeFor(topic, diff),
      entity: diff.entity,
      previous: diff.kind === 'added' ? undefined : (diff.previous ?? diff.entity),
      removed: diff.kind === 'removed',
      changed: diff.changed,
      origin: 'snapshot',
      seq: undefined,
      ts: undefined,
    });
  }
}
