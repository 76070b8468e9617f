/** Command types and their argument schemas (protocol §4, "command"). */
import { z } from 'zod';
import { NameSchema } from './messages.js';

/** Phone numbers and extensions as users type them: digits and the usual dial characters. */
const Dialable = z
  .string()
  .min(1)
  .max(40)
  .regex(/^\+?[0-9*#A-Za-z_.-]+$/, 'a dialable number or extension');
const ChannelId = z.string().min(1).max(200);
const ShortText = z.string().max(200);

export const COMMAND_ARGS = {
  dial: z.strictObject({
    from: Dialable,
    to: Dialable,
    callerId: ShortText.optional(),
    timeoutSec: z.number().int().min(1).max(600).optional(),
    record: z.boolean().optional(),
  }),
  hangup: z.strictObject({ channel: ChannelId }),
  transfer: z.strictObject({
    channel: ChannelId,
    to: Dialable,
    extraChannel: ChannelId.optional(),
  }),
  attended_transfer: z.strictObject({ channel: ChannelId, to: Dialable }),
  'agent.pause': z.strictObject({
    queue: z.string().min(1).max(64),
    agent: z.string().min(1).max(64),
    reason: ShortText.optional(),
  }),
  'agent.unpause': z.strictObject({
    queue: z.string().min(1).max(64),
    agent: z.string().min(1).max(64),
  }),
  'flow.set': z.strictObject({
    number: z.string().min(1).max(40),
    state: z.enum(['INUSE', 'NOT_INUSE', 'UNAVAILABLE', 'RINGING']).optional(),
    value: ShortText.optional(),
  }),
  'callback.request': z.strictObject({
    popup: z.union([z.string().min(1).max(32), z.number().int().nonnegative()]).transform(String),
    number: Dialable,
    name: ShortText.optional(),
    delaySec: z.number().int().min(0).max(86_400).optional(),
    fields: z.record(z.string().max(32), z.string().max(200)).optional(),
  }),
  'callback.cancel': z.strictObject({
    popup: z.union([z.string().min(1).max(32), z.number().int().nonnegative()]).transform(String),
    trackingId: z.string().min(1).max(64),
  }),
} as const;

export type CommandType = keyof typeof COMMAND_ARGS;
export const COMMAND_TYPES = Object.keys(COMMAND_ARGS) as CommandType[];
export type CommandArgs<T extends CommandType> = z.infer<(typeof COMMAND_ARGS)[T]>;

/** The scope each command needs (protocol §1). `*` grants all. */
export const COMMAND_SCOPE: Readonly<Record<CommandType, string>> = Object.freeze({
  dial: 'commands:call',
  hangup: 'commands:call',
  transfer: 'commands:call',
  attended_transfer: 'commands:call',
  'agent.pause': 'commands:agent',
  'agent.unpause': 'commands:agent',
  'flow.set': 'commands:admin',
  'callback.request': 'commands:callback',
  'callback.cancel': 'commands:callback',
});

/** The envelope; `args` is checked against the type's schema once `type` is known. */
export const CommandEnvelopeSchema = z.strictObject({
  id: z.string().min(1).max(128),
  tenant: NameSchema,
  type: z.enum(COMMAND_TYPES as [CommandType, ...CommandType[]]),
  source: NameSchema.optional(),
  args: z.record(z.string(), z.unknown()),
});

/** A command after validation: args parsed by the schema of its type. */
export type ValidatedCommand = {
  [T in CommandType]: {
    id: string;
    tenant: string;
    type: T;
    source?: string;
    args: CommandArgs<T>;
  };
}[CommandType];

/** Vendor-neutral command result, e.g. `{ callId }` or `{ trackingId }`. */
export type CommandResult = Record<string, string | number | boolean | undefined>;
