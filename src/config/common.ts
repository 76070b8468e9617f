/** Config pieces every source shares: identity, limits, health. Vendor folders build on these. */
import { z } from 'zod';
import { NameSchema } from '../protocol/messages.js';
import { DurationSchema } from './duration.js';

export interface LimitsDefaults {
  concurrency: number;
  perSecond: number;
  queue: number;
  timeout: string;
}

/** `limits` (protocol §6): the vendor's budget, shared by polls and commands. */
export function limitsSchema(defaults: LimitsDefaults) {
  return z
    .strictObject({
      concurrency: z.number().int().min(1).max(64).default(defaults.concurrency),
      perSecond: z.number().positive().max(10_000).default(defaults.perSecond),
      queue: z.number().int().min(0).max(100_000).default(defaults.queue),
      timeout: DurationSchema.prefault(defaults.timeout),
      /** Consecutive failed commands that open the circuit. */
      breakerThreshold: z.number().int().min(1).max(1000).default(5),
      /** How long an open circuit refuses before one probe goes through. */
      breakerCooldown: DurationSchema.prefault('10s'),
    })
    .prefault({});
}
export type Limits = z.infer<ReturnType<typeof limitsSchema>>;

/** How many consecutive failed polls move a source from `degraded` to `down`. */
export const HealthSchema = z
  .strictObject({
    downAfter: z.number().int().min(1).max(1000).default(3),
  })
  .prefault({});

/** A vendor URL: http(s) only; secrets go in their own fields, never in the URL itself. */
export const HttpUrlSchema = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });

export const sourceBase = {
  id: NameSchema,
  health: HealthSchema,
};

/** `${tenant}` map: bridge tenant -> vendor tenant id. */
export const TenantMapSchema = z
  .record(NameSchema, z.string().min(1).max(128))
  .refine((m) => Object.keys(m).length > 0, 'at least one tenant');
