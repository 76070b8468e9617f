/**
 * The profile API's answers, shaped like the seed API operators know: `{ data, status: "success",
 * timestamp }`, and for errors `{ status: "error", timestamp, error: <HTTP status>, message }`.
 * The rest of callbridge's REST API keeps the protocol's ack shape; only these routes use this.
 */
import { z } from 'zod';
import { PROFILE_TYPE_NAMES } from './profile-types.js';

export const ProfileErrorEnvelopeSchema = z.object({
  status: z.literal('error'),
  /** ISO 8601, UTC. */
  timestamp: z.string(),
  /** The HTTP status again, as in the seed API. */
  error: z.number().int().min(400).max(599),
  /** Names the field for validation errors; never carries a secret. */
  message: z.string(),
});
export type ProfileErrorEnvelope = z.infer<typeof ProfileErrorEnvelopeSchema>;

/** A profile as answered: the profile's own fields, and the vendor's (secrets masked). */
export const ProfileDataSchema = z.looseObject({
  _type: z.enum(PROFILE_TYPE_NAMES),
  id: z.string(),
  name: z.string(),
  tenant: z.string(),
  enabled: z.boolean(),
  sourceStatus: z.enum(['up', 'degraded', 'down', 'starting', 'stopped']),
  problem: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const success = <T extends z.ZodType>(data: T) => z.object({ data, status: z.literal('success'), timestamp: z.string() });
export const ProfileEnvelopeSchema = success(ProfileDataSchema);
export const ProfileListEnvelopeSchema = success(z.array(ProfileDataSchema));

export interface SuccessEnvelope<T> {
  readonly data: T;
  readonly status: 'success';
  readonly timestamp: string;
}

export function successEnvelope<T>(data: T, now: Date): SuccessEnvelope<T> {
  return { data, status: 'success', timestamp: now.toISOString() };
}

export function errorEnvelope(httpStatus: number, message: string, now: Date): ProfileErrorEnvelope {
  return { status: 'error', timestamp: now.toISOString(), error: httpStatus, message };
}
