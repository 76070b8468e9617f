/**
 * What Kazoo sends, as zod schemas: blackhole frames, normalized call-event payloads, crossbar
 * envelopes, channel items and ACDC agent records (shared/vendors/README.md §2). Every frame and
 * body is parsed here before anything reads it. Descriptive fields are lenient (`catch`): one
 * odd field must not cost a whole call event; identifiers are strict.
 */
import { z } from 'zod';

/** The call events the bridge subscribes to, one `subscribe` per binding (4.3 has no plural). */
export const CALL_EVENT_NAMES = [
  'CHANNEL_CREATE',
  'CHANNEL_ANSWER',
  'CHANNEL_BRIDGE',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  'CHANNEL_DESTROY',
] as const;
export type CallEventName = (typeof CALL_EVENT_NAMES)[number];
export const CALL_BINDINGS: readonly string[] = CALL_EVENT_NAMES.map((name) => `call.${name}.*`);

export function isCallEventName(name: string): name is CallEventName {
  return (CALL_EVENT_NAMES as readonly string[]).includes(name);
}

const text = z.string().max(512).optional().catch(undefined);
/** Gregorian seconds; Kazoo sends numbers, some fields arrive as numeric strings. */
export const GregorianSchema = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)])
  .optional()
  .catch(undefined);
const direction = z.enum(['inbound', 'outbound']).optional().catch(undefined);
const flag = z.boolean().optional().catch(undefined);
const vars = z.record(z.string(), z.unknown()).optional().catch(undefined);

// ---- blackhole websocket -------------------------------------------------------------------

export const ReplyFrameSchema = z.looseObject({
  action: z.literal('reply'),
  request_id: z.string().min(1).max(256),
  status: z.string(),
  data: z.unknown().optional(),
});
export type ReplyFrame = z.infer<typeof ReplyFrameSchema>;

export const EventFrameSchema = z.looseObject({
  action: z.literal('event'),
  name: z.string().max(128).optional(),
  subscribed_key: z.string().max(512).optional(),
  routing_key: z.string().max(1024).optional(),
  data: z.record(z.string(), z.unknown()),
});
export type EventFrame = z.infer<typeof EventFrameSchema>;

export const FrameSchema = z.discriminatedUnion('action', [ReplyFrameSchema, EventFrameSchema]);

/** `{"errors":["..."]}` in an error reply. */
export const ReplyErrorsSchema = z.looseObject({ errors: z.array(z.string()) });

/** The normalized (snake_case) payload of a call event. */
export const CallEventDataSchema = z.looseObject({
  call_id: z.string().min(1).max(256),
  event_name: text,
  call_direction: direction,
  caller_id_name: text,
  caller_id_number: text,
  callee_id_name: text,
  callee_id_number: text,
  other_leg_call_id: text,
  presence_id: text,
  channel_answer_state: text,
  hangup_cause: text,
  timestamp: GregorianSchema,
  account_id: text,
  custom_channel_vars: z
    .looseObject({ account_id: text, username: text, owner_id: text, authorizing_id: text, authorizing_type: text })
    .optional()
    .catch(undefined),
  custom_application_vars: vars,
});
export type CallEventData = z.infer<typeof CallEventDataSchema>;

// ---- crossbar REST -------------------------------------------------------------------------

export const EnvelopeSchema = z.looseObject({
  status: z.string().optional(),
  data: z.unknown().optional(),
  error: z.union([z.string(), z.number()]).optional(),
  message: z.string().optional(),
});

export const ApiAuthResponseSchema = z.looseObject({
  auth_token: z.string().min(8),
  data: z.looseObject({ account_id: z.string().optional() }).optional(),
});

/** One item of `GET /v2/accounts/{id}/channels` (4.3 `cb_channels`). */
export const RestChannelSchema = z.looseObject({
  uuid: z.string().min(1).max(256),
  direction,
  answered: flag,
  is_onhold: flag,
  other_leg: text,
  destination: text,
  presence_id: text,
  username: text,
  owner_id: text,
  authorizing_id: text,
  authorizing_type: text,
  caller_id_name: text,
  caller_id_number: text,
  callee_id_name: text,
  callee_id_number: text,
  timestamp: GregorianSchema,
  custom_application_vars: vars,
});
export type RestChannel = z.infer<typeof RestChannelSchema>;
export const RestChannelListSchema = z.array(RestChannelSchema);

/** `GET .../agents`: users with a `queues` list (view `agents/crossbar_listing`). */
export const AgentListingSchema = z.array(
  z.looseObject({
    id: z.string().min(1).max(64),
    first_name: text,
    last_name: text,
    queues: z.array(z.string().max(64)).catch([]),
  }),
);
export type AgentListing = z.infer<typeof AgentListingSchema>;

/** `GET .../agents/status`: the most recent status per agent id (acdc_agent_util). */
export const AgentStatusesSchema = z.record(
  z.string().max(64),
  z.union([
    z.looseObject({ status: z.string().max(64), timestamp: GregorianSchema, pause_time: GregorianSchema }),
    // Older ACDC answers the bare status string.
    z.string().max(64).transform((status) => ({ status, timestamp: undefined, pause_time: undefined })),
  ]),
);
export type AgentStatuses = z.infer<typeof AgentStatusesSchema>;

/** Quickcall answers with the originate request; the device leg's id is in `endpoints`. */
export const QuickcallDataSchema = z.looseObject({
  endpoints: z.array(z.looseObject({ outbound_call_id: z.string().max(256).optional() })).optional().catch(undefined),
});

// ---- frame classification -------------------------------------------------------------------

export type IgnoreReason = 'garbage' | 'binary' | 'unknown_event' | 'unmatched_reply' | 'foreign_account';

export type ParsedFrame =
  | { kind: 'reply'; reply: ReplyFrame }
  | { kind: 'event'; name: CallEventName; data: CallEventData }
  | { kind: 'ignored'; reason: IgnoreReason };

/** One text frame from blackhole, validated; never throws. */
export function parseFrame(text: string): ParsedFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'ignored', reason: 'garbage' };
  }
  const frame = FrameSchema.safeParse(json);
  if (!frame.success) return { kind: 'ignored', reason: 'garbage' };
  if (frame.data.action === 'reply') return { kind: 'reply', reply: frame.data };
  const name = frame.data.name ?? frame.data.data.event_name;
  if (typeof name !== 'string' || !isCallEventName(name)) return { kind: 'ignored', reason: 'unknown_event' };
  const data = CallEventDataSchema.safeParse(frame.data.data);
  return data.success ? { kind: 'event', name, data: data.data } : { kind: 'ignored', reason: 'garbage' };
}
