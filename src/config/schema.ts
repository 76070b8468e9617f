/** The configuration file (protocol §6), validated once at start and then frozen. */
import { z } from 'zod';
import { NameSchema } from '../protocol/messages.js';
import { DurationSchema } from './duration.js';
import { SOURCE_CONFIG_SCHEMAS } from '../vendors/config-registry.js';
import { WidgetConfigSchema } from '../public-callback/widget-config.js';
import { ClientLimitsSchema } from '../server/client-limits.js';

export const SCOPES = [
  'events:read',
  'commands:call',
  'commands:agent',
  'commands:callback',
  'commands:admin',
  /** PBX profiles over REST (docs/profiles.md): adds vendor connections, with their credentials. */
  'profiles:admin',
  '*',
] as const;
export const ScopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof ScopeSchema>;

const StaticTokenSchema = z.strictObject({
  token: z.string().min(16, 'at least 16 characters').max(512),
  /** A label for logs and metrics: the token itself is never logged. */
  name: z.string().max(64).optional(),
  tenants: z.array(NameSchema).min(1),
  scopes: z.array(ScopeSchema).min(1),
});

const RedisUrlSchema = z.string().regex(/^rediss?:\/\//, 'a redis:// URL');

/** Lease TTLs below this would renew several times a second per source. */
const MIN_LEASE_TTL_MS = 300;

/** `redis: "redis://..."` is shorthand for `redis: { url: "redis://..." }`. */
export const RedisConfigSchema = z
  .union([
    RedisUrlSchema,
    z.strictObject({
      url: RedisUrlSchema,
      /** Prepended to every key and channel, so deployments can share one Redis. */
      keyPrefix: z
        .string()
        .max(64)
        .regex(/^[A-Za-z0-9_.:{}-]*$/, 'letters, digits and _ . : { } - only')
        .default('callbridge:'),
      /** A source's lease: how long a silent poller keeps it (takeover within about this long). */
      leaseTtl: DurationSchema.prefault('15s').refine((ms) => ms >= MIN_LEASE_TTL_MS, `at least ${MIN_LEASE_TTL_MS}ms`),
      /** This node's name in Redis (leases, client names); unique per process. Default: host-pid-random. */
      nodeId: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only').optional(),
    }),
  ])
  .transform((value) => (typeof value === 'string' ? { url: value, keyPrefix: 'callbridge:', leaseTtl: 15_000 } : value));

export type RedisConfig = z.infer<typeof RedisConfigSchema>;

export const ConfigSchema = z
  .strictObject({
    listen: z
      .strictObject({
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65_535).default(8080),
        /**
         * Behind a load balancer: which proxies' X-Forwarded-For to believe (fastify's
         * `trustProxy`: true, or addresses/CIDRs), so per-IP limits see visitors.
         */
        trustProxy: z.union([z.boolean(), z.string().min(1), z.array(z.string().min(1)).min(1)]).default(false),
      })
      .prefault({}),
    auth: z.strictObject({
      tokens: z.array(StaticTokenSchema).default([]),
      jwtSecret: z.string().min(32, 'at least 32 characters for HS256').optional(),
    }),
    /**
     * Cluster mode (docs/cluster.md): a `redis://` URL, or the same with options. Absent: one
     * node, everything in memory.
     */
    redis: RedisConfigSchema.optional(),
    /**
     * Where the bridge keeps its own data (PBX profiles created through the API). Absent: kept
     * in memory and lost at restart, as everything is without `redis` (docs/profiles.md).
     */
    dataDir: z.string().min(1).max(1024).optional(),
    bus: z
      .strictObject({
        /** Events kept per tenant for `since` replay. */
        logSize: z.number().int().min(10).max(10_000_000).default(10_000),
        /** Events older than this are dropped from the replay log. */
        logAge: DurationSchema.prefault('1h'),
      })
      .prefault({}),
    polling: z
      .strictObject({
        /**
         * Demand-driven polling: a polled topic that no client watches (no socket subscribed, no
         * SSE stream, for any tenant of the poll) is polled this often instead; `0` = always at
         * the configured intervals.
         */
        idleInterval: DurationSchema.prefault(0),
      })
      .prefault({}),
    commands: z
      .strictObject({
        /** How long a command id is remembered for idempotency. */
        idempotencyTtl: DurationSchema.prefault('24h'),
      })
      .prefault({}),
    sources: z.array(z.discriminatedUnion('vendor', SOURCE_CONFIG_SCHEMAS)).default([]),
    /** Public click-to-call buttons (protocol §5, docs/widget.md). */
    widgets: z.array(WidgetConfigSchema).default([]),
    /** Abuse limits per socket.io client (docs/configuration.md). */
    clients: ClientLimitsSchema,
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.sources.forEach((source, index) => {
      const first = seen.get(source.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', index, 'id'],
          message: `duplicate source id "${source.id}" (also sources[${first}])`,
        });
      } else seen.set(source.id, index);
    });
    checkWidgets(config, ctx);
    if (config.auth.tokens.length === 0 && config.auth.jwtSecret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: 'needs at least one token or a jwtSecret' });
    }
  });

/** Each widget must point at a WebAppel source that serves its tenant and owns its popup. */
function checkWidgets(
  config: { sources: readonly { id: string; vendor: string; tenant?: unknown; popups?: readonly string[] }[]; widgets: readonly { key: string; tenant: string; source: string; popup: string }[] },
  ctx: z.RefinementCtx,
): void {
  const keys = new Map<string, number>();
  config.widgets.forEach((widget, index) => {
    const first = keys.get(widget.key);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['widgets', index, 'key'], message: `duplicate widget key (also widgets[${first}])` });
    else keys.set(widget.key, index);
    const source = config.sources.find((candidate) => candidate.id === widget.source);
    if (!source) {
      ctx.addIssue({ code: 'custom', path: ['widgets', index, 'source'], message: `no source "${widget.source}" in sources` });
    } else if (source.vendor !== 'webappel') {
      ctx.addIssue({ code: 'custom', path: ['widgets', index, 'source'], message: `"${widget.source}" is a ${source.vendor} source; widgets need a webappel source` });
    } else if (source.tenant !== widget.tenant) {
      ctx.addIssue({ code: 'custom', path: ['widgets', index, 'tenant'], message: `source "${widget.source}" serves tenant "${String(source.tenant)}", not "${widget.tenant}"` });
    } else if (!source.popups?.includes(widget.popup)) {
      ctx.addIssue({ code: 'custom', path: ['widgets', index, 'popup'], message: `popup ${widget.popup} is not one of source "${widget.source}"'s popups` });
    }
  });
}

export type Config = z.infer<typeof ConfigSchema>;
export type SourceConfig = Config['sources'][number];
