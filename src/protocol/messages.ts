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
