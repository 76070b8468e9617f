/**
 * zod schemas for the wire payloads that `src/protocol/` declares as TypeScript interfaces only
 * (acks, `hello`, `command.updated`, REST bodies), so the documents can carry JSON Schema for
 * them too. They are built from the protocol's own schemas and constants, and the compiler
 * checks each against its interface: a field renamed in `src/protocol/` breaks this file.
 */
import { z } from 'zod';
import type { CommandAck } from '../../src/commands/command-service.js';
import { ScopeSchema } from '../../src/config/schema.js';
import { ERROR_CODES, type ErrorCode, type WireError } from '../../src/errors.js';
import {
  COMMAND_ARGS,
  COMMAND_STATES,
  COMMAND_TYPES,
  CommandEnvelopeSchema,
  ENTITY_SCHEMAS,
  TOPICS,
  TopicSchema,
  type CommandType,
  type CommandUpdateEvent,
  type Hello,
  type HelloSource,
  type SubscribeOk,
  type Topic,
} from '../../src/protocol/index.js';

/** True when A and B are assignable both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

/** What each error code means (protocol §4); a code without a line here does not compile. */
export const ERROR_MEANINGS: Readonly<Record<ErrorCode, string>> = {
  invalid_argument: 'the payload does not match the schema; `message` names the field',
  unauthorized: 'no valid token',
  forbidden: 'the token lacks the tenant or the scope (an unknown tenant looks the same)',
  not_found: 'unknown source, channel, queue, popup...',
  unsupported: "the source's vendor cannot do this command",
  duplicate: 'the idempotency key was used with another body',
  rate_limited: "the source's queue is full; the command was not sent",
  unavailable: 'the vendor is down or its circuit is open; the command was not sent',
  vendor_error: 'the vendor answered and refused; `message` carries its reason, without secrets',
  timeout: 'no answer in time; the command may or may not have been carried out',
  internal: 'a bug; logged with the correlation id that `message` gives',
};

export const WireErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  retryable: z.boolean(),
});
export const AckErrorSchema = z.object({
  ok: z.literal(false),
  error: WireErrorSchema,
  /** Added field: seconds after which a retry may succeed (`rate_limited`, `unavailable`). */
  retryAfterSec: z.number().nonnegative().optional(),
});

const snapshotShape = Object.fromEntries(TOPICS.map((topic) => [topic, z.array(ENTITY_SCHEMAS[topic]).optional()])) as {
  [T in Topic]: z.ZodOptional<z.ZodArray<(typeof ENTITY_SCHEMAS)[T]>>;
};
export const SnapshotSchema = z.object(snapshotShape);

export const SubscribeOkSchema = z.object({
  ok: z.literal(true),
  cursor: z.number().int().nonnegative(),
  snapshot: SnapshotSchema.optional(),
  replayed: z.number().int().nonnegative().optional(),
  resync: z.literal(true).optional(),
});
export const UnsubscribeOkSchema = z.object({ ok: z.literal(true) });

export const HelloSourceSchema = z.object({
  id: z.string(),
  vendor: z.string(),
  tenant: z.string(),
  topics: z.array(TopicSchema),
  commands: z.array(z.enum(COMMAND_TYPES as [CommandType, ...CommandType[]])),
});
export const HelloSchema = z.object({
  protocol: z.literal(1),
  tenants: z.array(z.string()),
  scopes: z.array(ScopeSchema),
  sources: z.array(HelloSourceSchema),
});

export const CommandResultSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
export const CommandOkSchema = z.object({ ok: z.literal(true), result: CommandResultSchema });

export const CommandUpdateSchema = z.object({
  tenant: z.string(),
  topic: z.literal('commands'),
  type: z.literal('command.updated'),
  key: z.string(),
  source: z.string(),
  ts: z.string(),
  data: z.object({
    id: z.string(),
    type: z.string(),
    state: z.enum(COMMAND_STATES),
    result: z.record(z.string(), z.unknown()).optional(),
    error: WireErrorSchema.optional(),
    observed: z.object({ topic: TopicSchema, key: z.string() }).optional(),
  }),
});

/** One command per type, as sent on the socket: the envelope with `type` fixed and its args. */
export const socketCommandSchema = <T extends CommandType>(type: T) =>
  CommandEnvelopeSchema.extend({ type: z.literal(type), args: COMMAND_ARGS[type] });
/** The same over REST: the tenant is in the path and the id may come as `Idempotency-Key`. */
export const restCommandSchema = <T extends CommandType>(type: T) => socketCommandSchema(type).partial({ id: true, tenant: true });

export const StateResponseSchema = z.object({ cursor: z.number().int().nonnegative(), snapshot: SnapshotSchema });
export const HealthzSchema = z.object({ ok: z.literal(true) });
export const ReadyzSchema = z.object({
  ready: z.boolean(),
  /** Cluster mode only: whether this node reaches Redis (down: not ready). */
  redis: z.enum(['up', 'down']).optional(),
  sources: z.array(z.object({ id: z.string(), vendor: z.string(), status: z.enum(['up', 'degraded', 'down', 'starting']) })),
});

// The interfaces in src/protocol (and the command service) stay the reference: these schemas
// must describe exactly them.
export type Checks = [
  Assert<Same<z.infer<typeof WireErrorSchema>, WireError>>,
  Assert<Same<z.infer<typeof HelloSourceSchema>['topics'], HelloSource['topics']>>,
  Assert<Same<keyof z.infer<typeof HelloSourceSchema>, keyof HelloSource>>,
  Assert<Same<keyof z.infer<typeof HelloSchema>, keyof Hello>>,
  Assert<Same<keyof z.infer<typeof SubscribeOkSchema>, keyof SubscribeOk>>,
  Assert<Same<keyof z.infer<typeof SnapshotSchema>, Topic>>,
  Assert<Same<keyof z.infer<typeof CommandUpdateSchema>, keyof CommandUpdateEvent>>,
  Assert<Same<keyof z.infer<typeof CommandUpdateSchema>['data'], keyof CommandUpdateEvent['data']>>,
  Assert<Same<z.infer<typeof CommandUpdateSchema>['data']['state'], CommandUpdateEvent['data']['state']>>,
  Assert<Same<keyof z.infer<typeof AckErrorSchema>, keyof Extract<CommandAck, { ok: false }>>>,
  Assert<Same<keyof z.infer<typeof CommandOkSchema>, keyof Extract<CommandAck, { ok: true }>>>,
];
