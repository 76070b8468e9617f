/**
 * What 3CX sends, as zod schemas (shared/vendors/README.md §6): the token answer, the
 * `/callcontrol` tree (DNs, devices, participants), action results and websocket frames.
 * Every body and frame is parsed here before anything reads it. Identifiers are strict (a
 * snapshot with a participant without an id must fail whole, or the bridge would hang up a
 * call that is still there); descriptive fields are lenient, one odd field costs only itself.
 */
import { z } from 'zod';

const text = z
  .string()
  .max(512)
  .nullish()
  .transform((value) => value ?? undefined)
  .catch(undefined);
/** 3CX numbers (participant, call and leg ids) as numbers; numeric strings are accepted too. */
const integer = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,15}$/).transform(Number)]);
const optionalInteger = integer.nullish().transform((value) => value ?? undefined).catch(undefined);

// ---- token endpoint --------------------------------------------------------------------------

/** `POST /connect/token` (OAuth2 client credentials). */
export const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(8).max(16_384),
  token_type: text,
  /** Seconds; about 3600 on 3CX [K]. */
  expires_in: z.union([z.number().positive(), z.string().regex(/^\d+$/).transform(Number)]).optional().catch(undefined),
});

/** OAuth2 error body (`{"error":"invalid_client"}`). */
export const OAuthErrorSchema = z.looseObject({ error: z.string().max(128), error_description: text });

// ---- /callcontrol -----------------------------------------------------------------------------

export const DeviceSchema = z.looseObject({
  dn: text,
  device_id: z.string().min(1).max(512),
  user_agent: text,
});
export type Device = z.infer<typeof DeviceSchema>;

export const ParticipantSchema = z.looseObject({
  id: integer,
  /** `Dialing`, `Ringing`, `Connected` seen; anything else is kept as the vendor status. */
  status: text,
  dn: text,
  party_caller_name: text,
  party_dn: text,
  party_caller_id: text,
  party_dn_type: text,
  device_id: text,
  direct_control: z.boolean().optional().catch(undefined),
  callid: optionalInteger,
  legid: optionalInteger,
});
export type Participant = z.infer<typeof ParticipantSchema>;

const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((value) => value ?? []);

export const DnInfoSchema = z.looseObject({
  dn: z.string().min(1).max(64),
  type: text,
  devices: list(DeviceSchema),
  participants: list(ParticipantSchema),
});
export type DnInfo = z.infer<typeof DnInfoSchema>;

export const DnListSchema = z.array(DnInfoSchema);
export const DeviceListSchema = z.array(DeviceSchema);
export const ParticipantListSchema = z.array(ParticipantSchema);

export type FinalStatus = 'Success' | 'Failed' | 'Rejected' | 'Unknown';
const FINAL_BY_NUMBER: Readonly<Record<number, FinalStatus>> = { [-1]: 'Failed', 0: 'Rejected', 1: 'Success' };

/** `{finalstatus: -1|0|1 (Failed|Rejected|Success), reason, reasontext, result}`: both spellings accepted. */
export const CallControlResultSchema = z.looseObject({
  finalstatus: z.union([z.number(), z.string().max(64)]).transform((value): FinalStatus => {
    if (typeof value === 'number') return FINAL_BY_NUMBER[value] ?? 'Unknown';
    const known = (['Success', 'Failed', 'Rejected'] as const).find((name) => name.toLowerCase() === value.toLowerCase());
    return known ?? 'Unknown';
  }),
  reason: z.union([z.string().max(128), z.number()]).optional().catch(undefined),
  reasontext: text,
  result: ParticipantSchema.optional().catch(undefined),
});
export type CallControlResult = z.infer<typeof CallControlResultSchema>;

// ---- websocket --------------------------------------------------------------------------------

export const EVENT_TYPE = { upsert: 0, remove: 1, dtmf: 2, promptPlaybackFinished: 3, response: 4 } as const;

const NotificationFrameSchema = z.looseObject({
  sequence: z.number().optional().catch(undefined),
  event: z.looseObject({
    event_type: z.number().int(),
    entity: z.string().min(1).max(1024),
    attached_data: z.unknown().optional(),
  }),
});

/** Answers to requests a client sends over the socket (the bridge sends none). */
const ResponseFrameSchema = z.union([z.looseObject({ RequestID: z.unknown() }), z.looseObject({ request_id: z.unknown() })]);

export type IgnoreReason = 'garbage' | 'binary' | 'unused_event' | 'unknown_event' | 'unknown_entity' | 'response';

export type ParsedFrame =
  | { kind: 'notification'; type: 'upsert' | 'remove'; entity: string; sequence: number | undefined }
  | { kind: 'ignored'; reason: IgnoreReason };

/** One text frame from `/callcontrol/ws`, validated; never throws. */
export function parseFrame(raw: string): ParsedFrame {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: 'ignored', reason: 'garbage' };
  }
  const frame = NotificationFrameSchema.safeParse(json);
  if (!frame.success) {
    return ResponseFrameSchema.safeParse(json).success ? { kind: 'ignored', reason: 'response' } : { kind: 'ignored', reason: 'garbage' };
  }
  const { event_type: eventType, entity } = frame.data.event;
  if (eventType === EVENT_TYPE.upsert || eventType === EVENT_TYPE.remove) {
    return { kind: 'notification', type: eventType === EVENT_TYPE.upsert ? 'upsert' : 'remove', entity, sequence: frame.data.sequence };
  }
  // DTMF and prompt playback are for IVR apps on route points; a Response answers a WS request.
  if (eventType === EVENT_TYPE.dtmf || eventType === EVENT_TYPE.promptPlaybackFinished) return { kind: 'ignored', reason: 'unused_event' };
  if (eventType === EVENT_TYPE.response) return { kind: 'ignored', reason: 'response' };
  return { kind: 'ignored', reason: 'unknown_event' };
}
