/** Server -> client events (protocol §3). */
import { z } from 'zod';
import { TopicSchema, type Entity, type Topic } from './entities.js';

export const EVENT_TYPES = [
  'peer.registered',
  'peer.unregistered',
  'peer.updated',
  'peer.removed',
  'channel.created',
  'channel.updated',
  'channel.hungup',
  'blf.changed',
  'flow.changed',
  'agent.added',
  'agent.paused',
  'agent.unpaused',
  'agent.updated',
  'agent.removed',
  'queue.updated',
  'callback.updated',
  'call.recorded',
  'extension.added',
  'extension.updated',
  'extension.removed',
  'source.up',
  'source.degraded',
  'source.down',
] as const;
export const EventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventTypeSchema>;

export const BridgeEventSchema = z.object({
  seq: z.number().int().positive(),
  tenant: z.string(),
  topic: TopicSchema,
  type: EventTypeSchema,
  key: z.string(),
  source: z.string(),
  ts: z.string(),
  data: z.record(z.string(), z.unknown()),
  changed: z.array(z.string()).optional(),
  /** Added in v1 (optional field): true when the entity is gone; `data` is its last state. */
  removed: z.literal(true).optional(),
  /**
   * Added in v1 (optional field): sent to a slow client from its coalesced queue. The `seq`
   * values skipped since the previous event were superseded by events that follow (same topic +
   * key): not a gap.
   */
  coalesced: z.literal(true).optional(),
});

/** One event on the tenant sequence. `data` is the entity as it is now (or was, if removed). */
export interface BridgeEvent {
  seq: number;
  tenant: string;
  topic: Topic;
  type: EventType;
  key: string;
  source: string;
  ts: string;
  data: Entity;
  changed?: string[];
  removed?: true;
  /** From a slow client's coalesced queue: skipped `seq` values were superseded, not lost. */
  coalesced?: true;
}

export const COMMAND_STATES = ['queued', 'sent', 'succeeded', 'failed', 'observed'] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

/** `command.updated`: sent only to the socket that sent the command, outside the sequence. */
export interface CommandUpdateEvent {
  tenant: string;
  topic: 'commands';
  type: 'command.updated';
  key: string;
  source: string;
  ts: string;
  data: {
    id: string;
    type: string;
    state: CommandState;
    result?: Record<string, unknown>;
    error?: { code: string; message: string; retryable: boolean };
    /** With `observed`: the topic and key of the entity the command produced. */
    observed?: { topic: Topic; key: string };
  };
}

export const SOURCE_STATUS_EVENT = {
  up: 'source.up',
  degraded: 'source.degraded',
  down: 'source.down',
} as const satisfies Record<string, EventType>;
