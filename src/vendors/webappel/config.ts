/** `vendor: webappel` source config (Axialys WebAppel, docs/vendors/webappel.md). */
import { z } from 'zod';
import { DurationSchema } from '../../config/duration.js';
import { HttpUrlSchema, limitsSchema, sourceBase } from '../../config/common.js';
import { NameSchema } from '../../protocol/messages.js';

/** The two documented listings; both carry `id_tracking` first and `etat` last. */
export const WEBAPPEL_LISTINGS = ['appel_listing', 'appels_resume'] as const;
export type WebAppelListing = (typeof WEBAPPEL_LISTINGS)[number];

export const WebAppelSourceConfigSchema = z.strictObject({
  ...sourceBase,
  vendor: z.literal('webappel'),
  /** Full api.php URL, e.g. https://webservices.axialys.net/get/webappel/api.php */
  url: HttpUrlSchema,
  /** Extranet login. */
  email: z.string().min(1).max(256),
  /** Extranet password: sent in every query string, never logged. */
  pass: z.string().min(1).max(256),
  /** The one bridge tenant this account serves. */
  tenant: NameSchema,
  /** Popup ids (`id_popup`) commands may use. */
  popups: z
    .array(z.union([z.number().int().nonnegative(), z.string().regex(/^[A-Za-z0-9_-]{1,32}$/)]).transform(String))
    .min(1),
  /** Defaults for `appel`'s required parameters. */
  appel: z
    .strictObject({
      nbressais: z.number().int().min(0).max(9).default(1),
      rec: z.union([z.string().max(64), z.number().int()]).transform(String).default('0'),
      dureemaxi: z.number().int().min(0).max(100_000).default(3600),
    })
    .prefault({}),
  /** Which listing the poller reads per tracking id. */
  listing: z.enum(WEBAPPEL_LISTINGS).default('appel_listing'),
  /** Poll interval of the pending callbacks (`0` turns polling off). */
  poll: DurationSchema.prefault('5s'),
  /** With nothing pending, the credentials are checked (one listing request) this often. */
  idleCheck: DurationSchema.prefault('60s'),
  /** A callback without a final `etat` this long after its (delayed) start is reported failed. */
  giveUpAfter: DurationSchema.prefault('2h'),
  /** Most callbacks tracked at once; the oldest is dropped beyond. */
  maxTracked: z.number().int().min(1).max(100_000).default(1000),
  limits: limitsSchema({ concurrency: 2, perSecond: 5, queue: 100, timeout: '10s' }),
});
export type WebAppelSourceConfig = z.infer<typeof WebAppelSourceConfigSchema>;
