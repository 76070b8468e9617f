/** Which protocol event type a change of a topic's entity becomes (protocol §3). */
import type { Entity, Topic } from '../protocol/entities.js';
import type { EventType } from '../protocol/events.js';
import type { EntityChange } from './snapshot-diff.js';

const field = (entity: Entity | undefined, name: string): unknown =>
  entity === undefined ? undefined : (entity as Record<string, unknown>)[name];

function peerEvent(change: EntityChange): EventType {
  if (change.kind === 'removed') return 'peer.removed';
  const now = field(change.entity, 'status');
  const before = field(change.previous, 'status');
  if (now === 'registered' && before !== 'registered') return 'peer.registered';
  if (now !== 'registered' && (before === 'registered' || (change.kind === 'added' && now === 'unregistered'))) {
    return 'peer.unregistered';
  }
  return 'peer.updated';
}

function agentEvent(change: EntityChange): EventType {
  if (change.kind === 'added') return 'agent.added';
  if (change.kind === 'removed') return 'agent.removed';
  const now = field(change.entity, 'paused');
  const before = field(change.previous, 'paused');
  if (now === true && before !== true) return 'agent.paused';
  if (now !== true && before === true) return 'agent.unpaused';
  return 'agent.updated';
}

function sourceEvent(change: EntityChange): EventType {
  const status = field(change.entity, 'status');
  if (status === 'up') return 'source.up';
  if (status === 'degraded') return 'source.degraded';
  return 'source.down';
}

const BY_KIND = {
  channels: { added: 'channel.created', updated: 'channel.updated', removed: 'channel.hungup' },
  extensions: { added: 'extension.added', updated: 'extension.updated', removed: 'extension.removed' },
} as const satisfies Partial<Record<Topic, Record<EntityChange['kind'], EventType>>>;

const ALWAYS = {
  blfs: 'blf.changed',
  flows: 'flow.changed',
  queues: 'queue.updated',
  callbacks: 'callback.updated',
  calls: 'call.recorded',
} as const satisfies Partial<Record<Topic, EventType>>;

/** The event type for one change of `topic`. */
export function eventTypeFor(topic: Topic, change: EntityChange): EventType {
  switch (topic) {
    case 'peers':
      return peerEvent(change);
    case 'agents':
      return agentEvent(change);
    case 'sources':
      return sourceEvent(change);
    case 'channels':
    case 'extensions':
      return BY_KIND[topic][change.kind];
    default:
      return ALWAYS[topic];
  }
}
