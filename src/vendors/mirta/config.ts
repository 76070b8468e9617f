/** `vendor: mirta` source config. */
import { z } from 'zod';
import { DurationSchema } from '../../config/duration.js';
import { HttpUrlSchema, TenantMapSchema, limitsSchema, sourceBase } from '../../config/common.js';

export const MIRTA_POLL_TOPICS = ['peers', 'channels', 'blfs', 'flows', 'agents', 'queues', 'extensions'] as const;
export type MirtaPollTopic = (typeof MIRTA_POLL_TOPICS)[number];

const interval = (fallback: string) => DurationSchema.prefault(fallback);

export const MirtaSourceConfigSchema = z.strictObject({
  ...sourceBase,
  vendor: z.literal('mirta'),
  /** Full proxyapi.php URL, path included (`/pbx/proxyapi.php` or `/mirtapbx/proxyapi.php`). */
  url: HttpUrlSchema,
  key: z.string().min(1).max(256),
  /** An admin key may poll every mapped tenant in one request where the API allows it. */
  admin: z.boolean().default(false),
  /** Restricts CHANNELS to one cluster node: about 20x faster on big clusters. */
  nodename: z.string().min(1).max(64).optional(),
  tenants: TenantMapSchema,
  /** Poll interval per topic; `0` turns a topic off. */
  poll: z
    .strictObject({
      peers: interval('5s'),
      channels: interval('1s'),
      blfs: interval('1s'),
      flows: interval('5s'),
      agents: interval('2s'),
      queues: interval('5s'),
      extensions: interval('60s'),
    })
    .prefault({}),
  limits: limitsSchema({ concurrency: 2, perSecond: 10, queue: 100, timeout: '10s' }),
});
export type MirtaSourceConfig = z.infer<typeof MirtaSourceConfigSchema>;
