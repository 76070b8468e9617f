/**
 * Room names and the `raw` field. A socket subscribed to tenant + topic is in exactly one of the
 * two rooms: `t:<tenant>:<topic>` (entities without `raw`) or `t:<tenant>:<topic>:raw`. Tenant
 * names cannot hold `:` (NameSchema), so the names cannot collide.
 */
import type { Entity, Topic } from '../protocol/entities.js';
import type { BridgeEvent } from '../protocol/events.js';
import type { Snapshot } from '../protocol/messages.js';

export function roomFor(tenant: string, topic: Topic, raw: boolean): string {
  return raw ? `t:${tenant}:${topic}:raw` : `t:${tenant}:${topic}`;
}

/** The entity without its vendor record; the same object when it has none (no copy). */
export function withoutRaw<T extends Entity>(entity: T): T {
  if (!Object.prototype.hasOwnProperty.call(entity, 'raw')) return entity;
  const { raw: _raw, ...rest } = entity;
  return rest as T;
}

/** The event without `data.raw`; the same object when there is nothing to strip. */
export function eventWithoutRaw(event: BridgeEvent): BridgeEvent {
  const data = withoutRaw(event.data);
  return data === event.data ? event : { ...event, data };
}

export function snapshotWithoutRaw(snapshot: Snapshot): Snapshot {
  const out: Snapshot = {};
  for (const [topic, entities] of Object.entries(snapshot) as [Topic, Entity[]][]) {
    out[topic] = entities.map(withoutRaw);
  }
  return out;
}
