/**
 * The public click-to-call face (protocol §5): `POST /v1/public/callback` for website buttons,
 * the per-callback status (JSON and SSE) that the button shows, their CORS preflights, and
 * `/widget.js`, the button itself.
 *
 * Order of the checks on a request, each a protocol error the button can show:
 * body size and shape -> widget key -> page origin -> per-IP limit -> number (E.164, patterns)
 * -> per-number limit -> `callback.request` through the command layer (authorization, the
 * source's queue and rate limit, its circuit breaker) as a principal that holds nothing but
 * `commands:callback` on the widget's tenant.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { Bus } from '../bus/bus.js';
import type { CommandService } from '../commands/command-service.js';
import { BridgeError, ForbiddenError, InvalidArgumentError, NotFoundError, RateLimitedError, UnavailableError, type WireError } from '../errors.js';
import { sendError } from '../server/http-errors.js';
import { maskPhone } from '../util/mask.js';
import { zodMessage } from '../util/zod-message.js';
import type { AbuseLimits } from './abuse-limits.js';
import { acceptNumber } from './phone-number.js';
import type { StatusTokens } from './status-token.js';
import { publicStatus, type StatusStreams } from './status-streams.js';
import type { WidgetConfig } from './widget-config.js';
import type { RequestOrigin, WidgetRegistry } from './widget-registry.js';
import { widgetScript } from './widget-script.js';

/** A widget request is three short strings; anything bigger is not one. */
export const PUBLIC_BODY_LIMIT_BYTES = 2048;
const PREFLIGHT_MAX_AGE_SEC = 600;

const CallbackRequestBodySchema = z.strictObject({
  widgetKey: z.string().min(1).max(64),
  number: z.string().max(64),
  name: z
    .string()
    .max(64)
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters')
    .optional(),
});

export interface PublicCallbackRoutesOptions {
  widgets: WidgetRegistry;
  limits: AbuseLimits;
  tokens: StatusTokens;
  streams: StatusStreams;
  bus: Bus;
  commands?: CommandService | undefined;
  logger: Logger;
}

function requestOrigin(request: FastifyRequest): RequestOrigin {
  const origin = request.headers.origin;
  return { origin: typeof origin === 'string' ? origin : undefined, self: `${request.protocol}://${request.host}` };
}

function corsHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

/** The public sees the code, a fixed message per code, and never a vendor's or a config's text. */
function publicError(error: WireError): WireError {
  const messages: Partial<Record<WireError['code'], string>> = {
    vendor_error: 'the callback service refused this request',
    unavailable: 'the callback service is unavailable; try again shortly',
    timeout: 'the callback service did not answer in time',
    internal: 'something went wrong; try again later',
    not_found: 'this button is not configured correctly',
    forbidden: 'this button is not configured correctly',
    unsupported: 'this button is not configured correctly',
    duplicate: 'this request was already made',
  };
  const message = messages[error.code];
  return message === undefined ? error : { ...error, message };
}

/**
 * Registers the routes.
 *
 * @example
 * registerPublicCallbackRoutes(fastify, { widgets, limits, tokens, streams, bus, commands, logger });
 */
export function registerPublicCallbackRoutes(fastify: FastifyInstance, options: PublicCallbackRoutesOptions): void {
  const { widgets, limits, tokens, streams, bus, commands } = options;
  const logger = options.logger.child({ component: 'public-callback' });

  // CORS on every answer of these routes (errors included: the button must be able to read why
  // it was refused), but only for origins some widget admits; the handlers then check the exact
  // widget. Set in onRequest so even a body-too-large refusal carries it.
  const allowOrigin = async (request: FastifyRequest, reply: FastifyReply) => {
    const from = requestOrigin(request);
    if (from.origin !== undefined && widgets.admitsAny(from)) reply.headers(corsHeaders(from.origin));
  };

  const preflight = async (request: FastifyRequest, reply: FastifyReply) => {
    const from = requestOrigin(request);
    if (from.origin === undefined || !widgets.admitsAny(from)) {
      return sendError(reply, new ForbiddenError('origin not allowed').toWire());
    }
    return reply
      .code(204)
      .headers({
        ...corsHeaders(from.origin),
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': String(PREFLIGHT_MAX_AGE_SEC),
      })
      .send();
  };
  for (const url of ['/v1/public/callback', '/v1/public/callback/:handle', '/v1/public/callback/:handle/events']) {
    fastify.options(url, preflight);
  }

  fastify.post('/v1/public/callback', { bodyLimit: PUBLIC_BODY_LIMIT_BYTES, onRequest: allowOrigin }, async (request, reply) => {
    let widget: WidgetConfig | undefined;
    let number: string | undefined;
    try {
      const parsed = CallbackRequestBodySchema.safeParse(request.body);
      if (!parsed.success) throw new InvalidArgumentError(zodMessage(parsed.error));
      const body = parsed.data;
      widget = widgets.get(body.widgetKey);
      if (!widget) throw new ForbiddenError('widgetKey: unknown widget');
      if (!widgets.admits(widget, requestOrigin(request))) throw new ForbiddenError('origin: this page may not use this widget');
      await limits.consumeIp(widget.key, request.ip);
      number = acceptNumber(body.number, widget);
      await limits.consumeNumber(widget.key, number);
      if (!commands) throw new UnavailableError('commands are not available on this bridge');

      const principal: Principal = {
        label: `widget:${widget.key}`,
        tenants: new Set([widget.tenant]),
        scopes: new Set(['commands:callback']),
      };
      const ack = await commands.execute(principal, {
        id: randomUUID(),
        tenant: widget.tenant,
        type: 'callback.request',
        source: widget.source,
        args: { popup: widget.popup, number, ...(body.name ? { name: body.name } : {}) },
      });
      if (!ack.ok) {
        // Refused before the vendor saw it: the number's budget is given back.
        if (ack.error.code === 'rate_limited' || ack.error.code === 'unavailable') await limits.refundNumber(widget.key, number);
        logger.info({ widget: widget.key, number: maskPhone(number), code: ack.error.code }, 'public callback refused');
        return sendError(reply, publicError(ack.error), ack.retryAfterSec);
      }
      const trackingId = typeof ack.result.trackingId === 'string' ? ack.result.trackingId : undefined;
      if (trackingId === undefined) throw new UnavailableError('the callback service gave no tracking id');
      const { token, expiresAt } = tokens.issue({ tenant: widget.tenant, trackingId, widgetKey: widget.key });
      const statusPath = `/v1/public/callback/${token}`;
      logger.info({ widget: widget.key, number: maskPhone(number), trackingId }, 'public callback requested');
      return reply
        .code(202)
        .header('location', statusPath)
        .send({
          ok: true,
          callback: { state: 'requested', status: statusPath, events: `${statusPath}/events`, expiresAt: new Date(expiresAt).toISOString() },
        });
    } catch (err) {
      if (!(err instanceof BridgeError)) throw err;
      logger.info({ widget: widget?.key, number: number === undefined ? undefined : maskPhone(number), code: err.code, reason: err.message }, 'public callback refused');
      return sendError(reply, err.code === 'invalid_argument' || err.code === 'rate_limited' || err.code === 'forbidden' ? err.toWire() : publicError(err.toWire()), err instanceof RateLimitedError ? err.retryAfterSec : undefined);
    }
  });

  /** The token's callback, after checking the page may read it; undefined = answered already. */
  const resolveHandle = (request: FastifyRequest<{ Params: { handle: string } }>, reply: FastifyReply) => {
    const handle = tokens.verify(request.params.handle);
    const widget = handle === undefined ? undefined : widgets.get(handle.widgetKey);
    if (!handle || !widget) {
      sendError(reply, new NotFoundError('unknown or expired callback').toWire());
      return undefined;
    }
    const from = requestOrigin(request);
    // Without Origin (a direct visit) the token alone is the capability; a page must be admitted.
    if (from.origin !== undefined && !widgets.admits(widget, from)) {
      sendError(reply, new ForbiddenError('origin: this page may not use this widget').toWire());
      return undefined;
    }
    return { handle, headers: from.origin === undefined ? {} : corsHeaders(from.origin) };
  };

  fastify.get<{ Params: { handle: string } }>('/v1/public/callback/:handle', { onRequest: allowOrigin }, async (request, reply) => {
    const resolved = resolveHandle(request, reply);
    if (!resolved) return reply;
    const entity = await bus.entity(resolved.handle.tenant, 'callbacks', resolved.handle.trackingId);
    return reply.headers({ ...resolved.headers, 'cache-control': 'no-store' }).send({ ok: true, callback: publicStatus(entity) });
  });

  fastify.get<{ Params: { handle: string } }>('/v1/public/callback/:handle/events', { onRequest: allowOrigin }, async (request, reply) => {
    const resolved = resolveHandle(request, reply);
    if (!resolved) return reply;
    if (streams.full) return sendError(reply, new RateLimitedError('too many status streams open; poll the status instead', 5).toWire(), 5);
    reply.hijack();
    await streams.open(reply.raw, resolved.handle, resolved.headers);
    return reply;
  });

  // A page with the button, for operators to try a widget served by the bridge itself (only
  // widgets that admit `self` work here, exactly as they would on the customer's site).
  fastify.get<{ Querystring: { key?: string } }>('/widget/try', async (request, reply) => {
    const key = typeof request.query.key === 'string' ? request.query.key : '';
    const widget = widgets.get(key);
    if (!widget || !widget.origins.includes('self')) {
      return sendError(reply, new NotFoundError('no widget with this key admits pages served by the bridge ("self" in its origins)').toWire());
    }
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(tryPage(widget.key));
  });

  fastify.get('/widget.js', async (_request, reply) =>
    reply
      .header('content-type', 'application/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      // Any page may load the script; what it may do is decided per widget key at the route.
      .header('cross-origin-resource-policy', 'cross-origin')
      .send(await widgetScript()),
  );
}

/** `key` matched `[A-Za-z0-9_-]` at config time: safe inside an attribute as it is. */
function tryPage(key: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>callbridge: try widget ${key}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}code{background:#f6f8fa;padding:1px 4px;border-radius:4px}pre{overflow-x:auto}</style></head>
<body>
<h1>Try the callback button</h1>
<p>This page uses widget <code>${key}</code> exactly as a customer's site would, with one script tag:</p>
<pre><code>&lt;script src="https://<i>this-bridge</i>/widget.js" data-widget-key="${key}" defer&gt;&lt;/script&gt;</code></pre>
<div data-callbridge-callback></div>
<script src="/widget.js" data-widget-key="${key}" data-name="true" defer></script>
</body>
</html>
`;
}
