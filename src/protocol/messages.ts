/** Client -> server call payloads (protocol §4) and the acks. */
import { z } from 'zod';
import { TopicSchema, TOPICS, type Entity, type Topic } from './entities.js';
import type { WireError } from '../errors.js';

/** Bridge names (tenants, sources): short, printable, no separators used in room names. */
export const NameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." or "-" only');

export const SubscribeSchema = z.strictObject({
  tenant: NameSchema,
  topics: z.array(TopicSchema).min(1).max(TOPICS.length).optional(),
  since: z.number().int().nonnegative().optional(),
  raw: z.boolean().optional(),
});
export type SubscribeRequest = z.infer<typeof SubscribeSchema>;

export const UnsubscribeSchema = z.strictObject({
  tenant: NameSchema,
  topics: z.array(TopicSchema).min(1).max(TOPICS.length).optional(),
});
export type UnsubscribeRequest = z.infer<typeof UnsubscribeSchema>;

export type Snapshot = Partial<Record<Topic, Entity[]>>;

export interface SubscribeOk {
  ok: true;
  cursor: number;
  snapshot?: Snapshot;
  replayed?: number;
  resync?: true;
}
export interface AckOk<T extends object = Record<string, never>> {
  ok: true;
  result?: T;
}
export interface AckError {
  ok: false;
  error: WireError;
}
export type Ack<T extends object = Record<string, unknown>> = ({ ok: true } & T) | AckError;

export interface HelloSource {
  id: string;
  vendor: string;
  tenant: string;
  topics: Topic[];
  commands: string[];
}
export interface Hello {
  protocol: 1;
  tenants: string[];
  scopes: string[];
  sources: HelloSource[];
}

/**
 * `auth.renew` (an addition to protocol §4): a fresh token for a live socket, so a JWT can be
 * replaced before its `exp` without a reconnection. Any string is checked by the token verifier;
 * only a non-string is `invalid_argument`, so nothing about a refused token is told apart.
 */
export const RenewSchema = z.strictObject({
  token: z.string(),
});
export type RenewRequest = z.infer<typeof RenewSchema>;

/** Subscriptions a renewal ended: the new token lacks the tenant (or `events:read`). */
export interface DroppedSubscription {
  tenant: string;
  topics: Topic[];
}
export interface RenewOk {
  ok: true;
  /** When the new token expires (ISO 8601); absent for a token without expiry. */
  expiresAt?: string;
  /** Subscriptions left because the new token does not cover them; empty when none. */
  dropped: DroppedSubscription[];
}

/** `auth.expiring`: the socket's token expires at `expiresAt` (ISO 8601); renew before then. */
export interface AuthExpiring {
  expiresAt: string;
}
/** `auth.expired`: sent just before the bridge closes a socket whose token expired. */
export type AuthExpired = WireError;
