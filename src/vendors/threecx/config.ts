/** `vendor: 3cx` source config (protocol §6): the v20 Call Control API of one PBX, as one tenant. */
import { z } from 'zod';
import { DurationSchema } from '../../config/duration.js';
import { HttpUrlSchema, limitsSchema, sourceBase } from '../../config/common.js';
import { NameSchema } from '../../protocol/messages.js';

const duration = (fallback: string) => DurationSchema.prefault(fallback);
/** A timer period: 0 would spin. */
const period = (fallback: string) => DurationSchema.pipe(z.number().min(10, 'at least 10ms')).prefault(fallback);

export const ThreeCxSourceConfigSchema = z.strictObject({
  ...sourceBase,
  vendor: z.literal('3cx'),
  /**
   * The PBX's web address (`https://pbx.example.com`, a path prefix is kept). REST is under
   * `/callcontrol`, the token endpoint is `/connect/token`, and the websocket is the same origin
   * with `ws(s)://` and `/callcontrol/ws`.
   */
  url: HttpUrlSchema,
  /** The API application's id (3CX admin: Integrations > API). */
  clientId: z.string().min(1).max(256),
  /** The API application's key. Never logged. */
  clientSecret: z.string().min(1).max(1024),
  /** The bridge tenant this PBX is. */
  tenant: NameSchema,
  /**
   * `dial` from a DN: `device` uses the DN's first registered device (what 3CX recommends;
   * falls back to the DN when it has none), `dn` always asks the DN itself (route points).
   */
  dialVia: z.enum(['device', 'dn']).default('device'),
  poll: z
    .strictObject({
      /** Safety resync of the whole `GET /callcontrol` tree while the socket is up. `0` = only after each (re)connect. */
      snapshot: duration('60s'),
    })
    .prefault({}),
  liveness: z
    .strictObject({
      /** A websocket ping frame this often. */
      pingInterval: period('15s'),
      /** No pong (nor any other frame) within this: the socket is dead, reconnect. Also bounds the handshake. */
      pongTimeout: period('5s'),
    })
    .prefault({}),
  reconnect: z
    .strictObject({
      initialDelay: period('500ms'),
      maxDelay: period('30s'),
    })
    .prefault({}),
  /** Get a new token (and reopen the socket with it) this long before `expires_in` runs out. */
  tokenRefreshMargin: duration('5m'),
  limits: limitsSchema({ concurrency: 4, perSecond: 10, queue: 100, timeout: '10s' }),
});
export type ThreeCxSourceConfig = z.infer<typeof ThreeCxSourceConfigSchema>;
/** What callers write (durations as strings, defaults optional). */
export type ThreeCxSourceConfigInput = z.input<typeof ThreeCxSourceConfigSchema>;

/** The websocket URL of a PBX: same origin and prefix, `ws(s)://`, `/callcontrol/ws`. */
export function callControlWsUrl(url: string): string {
  const parsed = new URL(url);
  const scheme = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  const prefix = parsed.pathname.replace(/\/+$/, '');
  return `${scheme}//${parsed.host}${prefix}/callcontrol/ws`;
}
