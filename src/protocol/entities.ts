/**
 * The protocol's topics and entities (protocol §2), as zod schemas so that the server, the
 * client SDK and the generated API documents share one definition.
 */
import { z } from 'zod';

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
] as const;
export const TopicSchema = z.enum(TOPICS);
export type Topic = z.infer<typeof TopicSchema>;

/** Fields the bridge adds to every entity, whatever the vendor. */
const base = {
  source: z.string(),
  /** ISO time the bridge last confirmed this entity with the vendor. */
  observedAt: z.string(),
  /** The vendor's own record, secrets stripped; only sent to subscriptions with `raw: true`. */
  raw: z.unknown().optional(),
};

export const PeerSchema = z.looseObject({
  ...base,
  name: z.string(),
  status: z.enum(['registered', 'unregistered', 'unreachable', 'unknown']),
  address: z.string().optional(),
  userAgent: z.string().optional(),
  latencyMs: z.number().optional(),
});

export const ChannelSchema = z.looseObject({
  ...base,
  channel: z.string(),
  state: z.enum(['ringing', 'up', 'held', 'down', 'dialing']),
  direction: z.enum(['inbound', 'outbound', 'internal']).optional(),
  callerNumber: z.string().optional(),
  callerName: z.string().optional(),
  calleeNumber: z.string().optional(),
  peer: z.string().optional(),
  linkedKey: z.string().optional(),
  startedAt: z.string(),
  answeredAt: z.string().optional(),
});

export const BlfSchema = z.looseObject({
  ...base,
  extension: z.string(),
  state: z.enum(['idle', 'inuse', 'busy', 'ringing', 'onhold', 'unavailable', 'unknown']),
});

export const FlowSchema = z.looseObject({
  ...base,
  number: z.string(),
  state: z.enum(['INUSE', 'NOT_INUSE', 'UNAVAILABLE', 'RINGING']),
  value: z.string().optional(),
});

export const AgentSchema = z.looseObject({
  ...base,
  queue: z.string(),
  agent: z.string(),
  status: z.enum(['available', 'paused', 'busy', 'unavailable']),
  paused: z.boolean(),
  pauseReason: z.string().optional(),
  callsTaken: z.number().optional(),
  lastCallAt: z.string().optional(),
});

export const QueueSchema = z.looseObject({
  ...base,
  queue: z.string(),
  name: z.string().optional(),
  waiting: z.number(),
  agentsAvailable: z.number().optional(),
  longestWaitSec: z.number().optional(),
});

export const CallbackSchema = z.looseObject({
  ...base,
  trackingId: z.string(),
  popup: z.string(),
  number: z.string(),
  state: z.enum(['requested', 'calling', 'connected', 'completed', 'failed', 'cancelled']),
  reason: z.string().optional(),
});

export const CallRecordSchema = z.looseObject({
  ...base,
  uniqueId: z.string(),
  startedAt: z.string(),
  durationSec: z.number().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  disposition: z.string().optional(),
});

export const ExtensionSchema = z.looseObject({
  ...base,
  number: z.string(),
  name: z.string().optional(),
  tech: z.string().optional(),
  enabled: z.boolean().optional(),
});

export const SourceStatusSchema = z.enum(['up', 'degraded', 'down']);
export type SourceStatus = z.infer<typeof SourceStatusSchema>;

export const SourceEntitySchema = z.looseObject({
  ...base,
  vendor: z.string(),
  status: SourceStatusSchema,
  lastOkAt: z.string().optional(),
  lastError: z.string().optional(),
});

export const ENTITY_SCHEMAS = {
  peers: PeerSchema,
  channels: ChannelSchema,
  blfs: BlfSchema,
  flows: FlowSchema,
  agents: AgentSchema,
  queues: QueueSchema,
  callbacks: CallbackSchema,
  calls: CallRecordSchema,
  extensions: ExtensionSchema,
  sources: SourceEntitySchema,
} as const satisfies Record<Topic, z.ZodType>;

export type Peer = z.infer<typeof PeerSchema>;
export type Channel = z.infer<typeof ChannelSchema>;
export type Blf = z.infer<typeof BlfSchema>;
export type Flow = z.infer<typeof FlowSchema>;
export type Agent = z.infer<typeof AgentSchema>;
export type Queue = z.infer<typeof QueueSchema>;
export type Callback = z.infer<typeof CallbackSchema>;
export type CallRecord = z.infer<typeof CallRecordSchema>;
export type Extension = z.infer<typeof ExtensionSchema>;
export type SourceEntity = z.infer<typeof SourceEntitySchema>;

export interface EntityByTopic {
  peers: Peer;
  channels: Channel;
  blfs: Blf;
  flows: Flow;
  agents: Agent;
  queues: Queue;
  callbacks: Callback;
  calls: CallRecord;
  extensions: Extension;
  sources: SourceEntity;
}
/** Any entity: every one carries `source` and `observedAt`. */
export type Entity = EntityByTopic[Topic];

/** Fields that never count as a change: bookkeeping, not vendor state. */
export const NON_STATE_FIELDS: ReadonlySet<string> = new Set(['observedAt', 'raw']);
