import type { Entity, Topic } from '../protocol/entities.js';
import type { BridgeEvent } from '../protocol/events.js';

/**
 * Current state per tenant + topic + key: what a snapshot returns and what the diff compares a
 * new poll against. Written only through `apply`, with the events the log has just numbered.
 */
export interface StateStore {
  apply(tenant: string, events: readonly BridgeEvent[]): Promise<void>;
  /** The entities of one topic, optionally only those of one source (the diff's "previous"). */
  entities(tenant: string, topic: Topic, source?: string): Promise<ReadonlyMap<string, Entity>>;
  /** One entity by key (no copy of the topic: event-driven sources read per event). */
  entity(tenant: string, topic: Topic, key: string): Promise<Entity | undefined>;
  /** The source whose entity holds `key` in tenant + topic, if any. */
  owner(tenant: string, topic: Topic, key: string): Promise<string | undefined>;
  /** Records that `source` confirmed every entity of tenant + topic at `at` (ISO). */
  confirm(tenant: string, topic: Topic, source: string, at: string): Promise<void>;
  /** Entities per topic, with `observedAt` brought up to the latest confirmation. */
  snapshot(tenant: string, topics: readonly Topic[]): Promise<Partial<Record<Topic, Entity[]>>>;
  /**
   * The snapshot and the `seq` its entities reflect, read atomically. Stores shared by several
   * nodes have it (another node may append between two reads); the bus then uses it instead of
   * pairing the log's cursor with `snapshot`.
   */
  snapshotWithCursor?(tenant: string, topics: readonly Topic[]): Promise<{ cursor: number; snapshot: Partial<Record<Topic, Entity[]>> }>;
  close(): Promise<void>;
}
