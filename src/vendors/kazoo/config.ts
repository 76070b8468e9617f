/** `vendor: kazoo` source config (protocol §6): crossbar REST + blackhole websocket of one account. */
import { z } from 'zod';
import { DurationSchema } from '../../config/duration.js';
import { HttpUrlSchema, limitsSchema, sourceBase } from '../../config/common.js';
import { NameSchema } from '../../protocol/messages.js';

const duration = (fallback: string) => DurationSchema.prefault(fallback);
/** A timer period: 0 would spin. */
const period = (fallback: string) => DurationSchema.pipe(z.number().min(10, 'at least 10ms')).prefault(fallback);

/** The blackhole listens on its own port (5555 by default); ws:// or wss:// (HAProxy in front). */
export const WsUrlSchema = z.url({ protocol: /^wss?$/, error: 'a ws:// or wss:// URL' });

/** Kazoo document ids (accounts, users, devices) are 32 lower-case hex characters. */
export const KazooIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'a Kazoo id: 32 lower-case hex characters');

export const KazooSourceConfigSchema = z.strictObject({
  ...sourceBase,
  vendor: z.literal('kazoo'),
  /** Crossbar base URL, without `/v2` (`https://kazoo.example.com:8443`). */
  rest: HttpUrlSchema,
  /** Blackhole websocket URL (`wss://kazoo.example.com:5555`). */
  websocket: WsUrlSchema,
  accountId: KazooIdSchema,
  /** The account's API key (`PUT /v2/api_auth`). Never logged. */
  apiKey: z.string().min(1).max(256),
  /** The bridge tenant this account is. */
  tenant: NameSchema,
  /** What `dial.from` names: a device id (rings that phone) or a user id (rings all their devices). */
  quickcallVia: z.enum(['devices', 'users']).default('devices'),
  /** ACDC `pause` needs an integer `timeout` in seconds; 0 pauses until resumed. */
  pauseTimeoutSec: z.number().int().min(0).max(86_400).default(0),
  poll: z
    .strictObject({
      /** ACDC agents status poll (`0` turns it off: no `agents` topic). */
      agents: duration('2s'),
      /**
       * Safety resync of the REST channel list while the socket is up (4.3 drops events when a
       * session queue overflows). `0` = only after each (re)subscribe.
       */
      channels: duration('60s'),
    })
    .prefault({}),
  liveness: z
    .strictObject({
      /** A blackhole `ping` action this often. */
      pingInterval: period('10s'),
      /** No pong (or subscribe reply) within this: the socket is dead, reconnect. */
      pongTimeout: period('5s'),
    })
    .prefault({}),
  reconnect: z
    .strictObject({
      initialDelay: period('500ms'),
      maxDelay: period('30s'),
    })
    .prefault({}),
  /** Re-authenticate this long before the token's `exp` (Kazoo default lifetime: 1 h). */
  tokenRefreshMargin: duration('5m'),
  limits: limitsSchema({ concurrency: 4, perSecond: 10, queue: 100, timeout: '10s' }),
});
export type KazooSourceConfig = z.infer<typeof KazooSourceConfigSchema>;
/** What callers write (durations as strings, defaults optional). */
export type KazooSourceConfigInput = z.input<typeof KazooSourceConfigSchema>;
