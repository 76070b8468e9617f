/** `vendor: xivo` source config (XiVO web services, HTTP Basic). See docs/vendors/xivo.md. */
import { z } from 'zod';
import { DurationSchema } from '../../config/duration.js';
import { HttpUrlSchema, limitsSchema, sourceBase } from '../../config/common.js';
import { NameSchema } from '../../protocol/messages.js';

/** The web services cap `limit` at 5000 (a larger or missing value becomes 5000). */
export const XIVO_MAX_CEL_PAGE = 5000;

export const XIVO_POLL_TOPICS = ['cel', 'queues', 'extensions'] as const;
export type XivoPollTopic = (typeof XIVO_POLL_TOPICS)[number];

const interval = (fallback: string) => DurationSchema.prefault(fallback);

export const XivoSourceConfigSchema = z.strictObject({
  ...sourceBase,
  vendor: z.literal('xivo'),
  /** Base URL of the XiVO web interface (`https://xivo.example.com`); the web-service paths are appended. */
  url: HttpUrlSchema,
  /** Web Services Access login ("Configuration > Web Services Access"). */
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(256),
  /** The one bridge tenant this XiVO serves. */
  tenant: NameSchema,
  cel: z
    .strictObject({
      /** Rows per `searchid` request (`limit`); the server caps it at 5000. */
      pageSize: z.number().int().min(1).max(XIVO_MAX_CEL_PAGE).default(1000),
      /** Full pages fetched in one poll at most; the rest waits for the next poll. */
      maxPagesPerPoll: z.number().int().min(1).max(1000).default(20),
      /**
       * Without a saved cursor: `latest` reads the backlog silently (only calls still in
       * progress are published); `beginning` publishes every call in the CEL table.
       */
      startAt: z.enum(['latest', 'beginning']).default('latest'),
    })
    .prefault({}),
  /** Optional directory where the last CEL id is saved, so a restart neither loses nor repeats rows. */
  dataDir: z.string().min(1).max(1024).optional(),
  /** Poll interval per topic; `0` turns a topic off. */
  poll: z
    .strictObject({
      cel: interval('2s'),
      queues: interval('60s'),
      extensions: interval('60s'),
    })
    .prefault({}),
  limits: limitsSchema({ concurrency: 2, perSecond: 5, queue: 100, timeout: '10s' }),
});
export type XivoSourceConfig = z.infer<typeof XivoSourceConfigSchema>;
