/**
 * The protocol's topics at run time, and how an entity's key is found. The browser bundle must
 * not pull zod in, so the list is a copy of `src/protocol/entities.ts`'s, and the compiler
 * checks the two are the same: a topic added, removed or renamed on the server breaks the
 * client's type-check, not a user's screen.
 */
import type { Entity, EntityByTopic, Topic } from '../protocol/entities.js';
import type { EventType } from '../protocol/events.js';

/** Every topic (protocol §2), in the protocol's order. */
export const TOPICS = [
  'peers',
  'channels',
  'blfs',
  'flows',
  'agents',
  'queues',
  'callbacks',
  'calls',
  'extensions',
  'sources',
] as const satisfies readonly Topic[];

type Assert<T extends true> = T;
/** Fails to compile when the protocol has a topic this list lacks. */
export type TopicsAreComplete = Assert<[Exclude<Topic, (typeof TOPICS)[number]>] extends [never] ? true : false>;

/** `peers` -> `peer`: event types are named after the topic in the singular. */
type Singular<T extends Topic> = T extends `${infer S}s` ? S : never;

/**
 * The event types a topic's events can have, derived from the schemas' `EVENT_TYPES`.
 *
 * @example
 * type AgentEvents = EventTypeOf<'agents'>; // 'agent.added' | 'agent.paused' | ...
 */
export type EventTypeOf<T extends Topic> = Extract<EventType, `${Singular<T>}.${string}`>;

/** Fails to compile when the protocol has an event type no topic accounts for. */
export type EventTypesAreMapped = Assert<[Exclude<EventType, EventTypeOf<Topic>>] extends [never] ? true : false>;

const KEY_OF: { readonly [T in Topic]: (entity: EntityByTopic[T]) => string } = {
  peers: (entity) => entity.name,
  channels: (entity) => entity.channel,
  // MiRTA keys a BLF by its hint (`100-DEMO`) and fills `extension` with the bare number.
  blfs: (entity) => (typeof entity.hint === 'string' && entity.hint !== '' ? entity.hint : entity.extension),
  flows: (entity) => entity.number,
  agents: (entity) => `${entity.queue}/${entity.agent}`,
  queues: (entity) => entity.queue,
  callbacks: (entity) => entity.trackingId,
  calls: (entity) => entity.uniqueId,
  extensions: (entity) => entity.number,
  sources: (entity) => entity.source,
};

/**
 * The key the server uses for `entity` in `topic` (the `key` of its events). Snapshots carry
 * entities without their keys, so the mirror derives them with the protocol's table (§2).
 *
 * @example
 * entityKey('agents', { queue: '281', agent: '101-DEMO', ... }); // '281/101-DEMO'
 */
export function entityKey<T extends Topic>(topic: T, entity: EntityByTopic[T]): string {
  return (KEY_OF[topic] as (entity: Entity) => string)(entity);
}

const TOPIC_SET: ReadonlySet<string> = new Set(TOPICS);

/** True when `value` names a topic. */
export function isTopic(value: unknown): value is Topic {
  return typeof value === 'string' && TOPIC_SET.has(value);
}
