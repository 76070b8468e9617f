/** `vendor: pbxware` source config (Bicom PBXware HTTP API). See docs/vendors/pbxware.md. */
import { z } from 'zod';
import { DurationSchema } from '../../config/duration.js';
import { HttpUrlSchema, limitsSchema, sourceBase } from '../../config/common.js';
import { NameSchema } from '../../protocol/messages.js';

/** The largest `limit` the bridge asks `pbxware.cdr.download` for (third-party clients cap at 1000). */
export const PBXWARE_MAX_CDR_PAGE = 1000;
/** PBXware refuses API keys shorter than this (Admin Settings -> API Keys). */
export const PBXWARE_MIN_KEY_LENGTH = 10;

export const PBXWARE_POLL_TOPICS = ['extensions', 'cdr', 'packages'] as const;
export type PbxwarePollTopic = (typeof PBXWARE_POLL_TOPICS)[number];

const interval = (fallback: string) => DurationSchema.prefault(fallback);

/** A PBXware server (tenant) id: digits; YAML may give it as a number. */
const ServerIdSchema = z
  .union([z.number().int().nonnegative(), z.string()])
  .transform((value) => String(value).trim())
  .refine((value) => /^\d{1,10}$/.test(value), 'a PBXware server id (digits, from pbxware.tenant.list), not a tenant code');

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const PbxwareSourceConfigSchema = z.strictObject({
  ...sourceBase,
  vendor: z.literal('pbxware'),
  /** The PBXware web root (`https://pbx.example.com/` or `.../index.php`); the query is appended. */
  url: HttpUrlSchema,
  apiKey: z.string().min(PBXWARE_MIN_KEY_LENGTH, `at least ${PBXWARE_MIN_KEY_LENGTH} characters (PBXware's minimum)`).max(256),
  /** Bridge tenant -> PBXware server id (the key of `pbxware.tenant.list`, not the tenant code). */
  tenants: z.record(NameSchema, ServerIdSchema).refine((map) => Object.keys(map).length > 0, 'at least one tenant'),
  cdr: z
    .strictObject({
      /** Rows per `pbxware.cdr.download` page (`limit`). */
      pageSize: z.number().int().min(1).max(PBXWARE_MAX_CDR_PAGE).default(500),
      /** Pages read in one poll at most; the rest of the window is read by the next polls. */
      maxPagesPerPoll: z.number().int().min(1).max(1000).default(20),
      /**
       * How far back each poll re-reads. A CDR carries the call's start time but appears when the
       * call ends, so calls longer than this that end between two polls are missed.
       */
      lookback: DurationSchema.prefault('2h').refine((ms) => ms >= 60_000, 'at least 1m'),
      /**
       * Without a saved cursor: `latest` reads the last `lookback` silently and publishes only
       * CDRs that appear afterwards; `lookback` publishes that window's CDRs too.
       */
      startAt: z.enum(['latest', 'lookback']).default('latest'),
      /** The PBX's time zone (IANA name): `start`/`starttime` are its wall-clock time. */
      timeZone: z.string().min(1).max(64).default('UTC').refine(isTimeZone, 'an IANA time zone such as Europe/Paris'),
    })
    .prefault({}),
  /** Optional directory where the CDR cursor is saved, so a restart neither loses nor repeats CDRs. */
  dataDir: z.string().min(1).max(1024).optional(),
  /**
   * Poll interval per topic; `0` turns a topic off. `packages` also checks the server ids
   * (`pbxware.tenant.list`): turn it off for a tenant-scoped key, which cannot list tenants.
   */
  poll: z
    .strictObject({
      extensions: interval('30s'),
      cdr: interval('60s'),
      packages: interval('5m'),
    })
    .prefault({}),
  limits: limitsSchema({ concurrency: 2, perSecond: 5, queue: 100, timeout: '15s' }),
});
export type PbxwareSourceConfig = z.infer<typeof PbxwareSourceConfigSchema>;
