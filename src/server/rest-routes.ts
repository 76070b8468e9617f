/**
 * The REST twin of the socket calls (protocol §5): state, commands, health, readiness, metrics.
 * The SSE stream lives in sse.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Bus } from '../bus/bus.js';
import type { CommandService } from '../commands/command-service.js';
import { InvalidArgumentError, NotFoundError, UnsupportedError } from '../errors.js';
import type { BridgeMetrics } from '../observability/metrics.js';
import type { SourceDirectory } from '../sources/source-directory.js';
import { authenticate, sendError } from './http-errors.js';
import { parseTopics } from './query.js';
import { snapshotWithoutRaw } from './rooms.js';
import { assertCanRead, assertTenant } from './subscriptions.js';

export interface RestRoutesOptions {
  bus: Bus;
  sources: SourceDirectory;
  verifier: TokenVerifier;
  metrics: BridgeMetrics;
  commands?: CommandService | undefined;
  /** True once the bridge is closing: /readyz answers 503 so load balancers stop sending. */
  isClosing: () => boolean;
  /** Cluster mode: whether Redis is reachable. A node without Redis cannot serve (503). */
  redisReady?: (() => boolean) | undefined;
}

interface TenantParams {
  tenant: string;
}

interface SourceParams extends TenantParams {
  source: string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Registers the routes.
 *
 * @example
 * registerRestRoutes(fastify, { bus, sources, verifier, metrics, commands, isClosing: () => closing });
 */
export function registerRestRoutes(fastify: FastifyInstance, options: RestRoutesOptions): void {
  const { bus, sources, verifier, metrics, commands } = options;

  fastify.get('/healthz', async () => ({ ok: true }));

  // Ready means "this node can serve clients". A vendor that is down does not make it unready:
  // every node sees the same vendor, so taking nodes out of rotation would not help; the
  // sources' statuses are listed for operators instead.
  // In cluster mode Redis is the node's bus: without it, it can neither number nor deliver events.
  fastify.get('/readyz', async (_request, reply) => {
    const redisUp = options.redisReady?.();
    const ready = !options.isClosing() && redisUp !== false;
    const list = sources.list().map((source) => ({ id: source.id, vendor: source.vendor, status: source.status ?? 'starting' }));
    const body = redisUp === undefined ? { ready, sources: list } : { ready, redis: redisUp ? 'up' : 'down', sources: list };
    return reply.code(ready ? 200 : 503).send(body);
  });

  fastify.get('/metrics', async (_request, reply) => {
    const text = await metrics.text();
    return reply.header('content-type', metrics.contentType).send(text);
  });

  fastify.get<{ Params: TenantParams; Querystring: Record<string, unknown> }>(
    '/v1/tenants/:tenant/state',
    async (request) => {
      const principal = await authenticate(request, verifier);
      assertCanRead(principal);
      const { tenant } = request.params;
      assertTenant(principal, tenant);
      const topics = parseTopics(request.query.topics);
      const { cursor, snapshot } = await bus.exclusive(tenant, () => bus.snapshot(tenant, topics));
      // REST never carries the vendor's `raw` record: it has no subscription to ask for it.
      return { cursor, snapshot: snapshotWithoutRaw(snapshot) };
    },
  );

  // One source as this tenant sees it, with its vendor's read-only details (`info`). A source of
  // another tenant answers exactly like one that does not exist, so ids cannot be probed.
  fastify.get<{ Params: SourceParams }>('/v1/tenants/:tenant/sources/:source', async (request) => {
    const principal = await authenticate(request, verifier);
    assertCanRead(principal);
    const { tenant } = request.params;
    assertTenant(principal, tenant);
    const source = sources.get(request.params.source);
    if (!source || !source.tenants.includes(tenant)) throw new NotFoundError(`source: no such source for tenant "${tenant}"`);
    const info = source.info?.(tenant);
    const view = { id: source.id, vendor: source.vendor, status: source.status ?? 'starting', topics: source.topics, commands: source.commands };
    return info === undefined ? view : { ...view, info };
  });

  fastify.post<{ Params: TenantParams }>('/v1/tenants/:tenant/commands', async (request, reply) => {
    const principal = await authenticate(request, verifier);
    const { tenant } = request.params;
    assertTenant(principal, tenant);
    if (!commands) throw new UnsupportedError('commands are not available on this bridge');
    const raw: unknown = request.body;
    if (!isPlainObject(raw)) throw new InvalidArgumentError('(root): expected a JSON object');
    if (raw.tenant !== undefined && raw.tenant !== tenant) throw new InvalidArgumentError('tenant: does not match the path');
    const body = { ...raw, tenant };
    const key = request.headers['idempotency-key'];
    if (Array.isArray(key)) throw new InvalidArgumentError('Idempotency-Key: given more than once');
    // Scripts retry POSTs: without a key a retry could dial twice, so the key is required.
    if (key === undefined && raw.id === undefined) {
      throw new InvalidArgumentError('id: required: send an Idempotency-Key header (or an id in the body)');
    }
    const ack = await commands.execute(principal, body, key === undefined ? {} : { idempotencyKey: key });
    if (ack.ok) return ack;
    return sendError(reply, ack.error, ack.retryAfterSec);
  });
}
