/**
 * The OpenAPI 3.1 document of the REST API (protocol §5; docs/protocol.md "REST"): state, the SSE
 * event stream, commands, health, metrics, and the client bundle.
 */
import { HTTP_STATUS } from '../../src/errors.js';
import { COMMAND_TYPES } from '../../src/protocol/index.js';
import { CLIENT_BUNDLE_PATH } from '../../src/server/client-bundle.js';
import { commandRequestSchemaName, componentSchemas, type JsonSchema } from './components.js';
import { codesForStatus, errorCodeTable } from './error-codes.js';

const schemaRef = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema): JsonSchema => ({ 'application/json': { schema } });
const NO_AUTH: JsonSchema[] = [];

/** Statuses with a `Retry-After` header: the refusals that say nothing was done. */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([HTTP_STATUS.rate_limited, HTTP_STATUS.unavailable]);

function errorResponses(statuses: readonly number[]): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const status of [...new Set(statuses)].sort((a, b) => a - b)) {
    const codes = codesForStatus(status).map((code) => `\`${code}\``);
    const response: JsonSchema = { description: `Refused: ${codes.join(', ') || 'an error'}.`, content: json(schemaRef('AckError')) };
    if (RETRY_AFTER_STATUSES.has(status)) {
      response.headers = { 'Retry-After': { description: 'Seconds after which a retry may succeed.', schema: { type: 'integer', minimum: 0 } } };
    }
    if (status === HTTP_STATUS.unauthorized) {
      response.headers = { 'WWW-Authenticate': { description: '`Bearer`', schema: { type: 'string' } } };
    }
    out[String(status)] = response;
  }
  return out;
}

const tenantParameter: JsonSchema = { name: 'tenant', in: 'path', required: true, schema: schemaRef('Name') };
const topicsParameter: JsonSchema = {
  name: 'topics',
  in: 'query',
  required: false,
  description: 'Comma-separated topics (all when absent).',
  schema: { type: 'string', example: 'channels,agents' },
};
const READ_ERRORS = [HTTP_STATUS.invalid_argument, HTTP_STATUS.unauthorized, HTTP_STATUS.forbidden, HTTP_STATUS.internal];
/** GET /v1/tenants/{tenant}/sources/{source}: HelloSource's fields plus the status and `info`. */
const SOURCE_VIEW: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    vendor: { type: 'string' },
    status: { type: 'string', enum: ['up', 'degraded', 'down', 'starting'] },
    topics: { type: 'array', items: schemaRef('Topic') },
    commands: { type: 'array', items: { type: 'string', enum: [...COMMAND_TYPES] } },
    info: { type: 'object', additionalProperties: {} },
  },
  required: ['id', 'vendor', 'status', 'topics', 'commands'],
  additionalProperties: false,
};

function paths(): Record<string, JsonSchema> {
  return {
    '/healthz': {
      get: { operationId: 'healthz', summary: 'The process serves.', security: NO_AUTH, responses: { '200': { description: 'Up.', content: json(schemaRef('Healthz')) } } },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        summary: 'Ready to serve clients (also while a vendor is down); each source\'s status.',
        security: NO_AUTH,
        responses: {
          '200': { description: 'Ready.', content: json(schemaRef('Readyz')) },
          '503': { description: 'Shutting down, or (cluster mode) Redis is unreachable.', content: json(schemaRef('Readyz')) },
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics.',
        security: NO_AUTH,
        responses: { '200': { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    [CLIENT_BUNDLE_PATH]: {
      get: {
        operationId: 'clientBundle',
        summary: 'The client SDK as one browser ES module (`import { connect } from "/client.js"`).',
        security: NO_AUTH,
        responses: {
          '200': { description: 'The module; cacheable, with an ETag.', content: { 'application/javascript': { schema: { type: 'string' } } } },
          '304': { description: 'Not modified (If-None-Match).' },
        },
      },
    },
    '/v1/tenants/{tenant}/state': {
      get: {
        operationId: 'getState',
        summary: 'The tenant\'s current state and the cursor it corresponds to.',
        parameters: [tenantParameter, topicsParameter],
        responses: { '200': { description: 'The snapshot (without `raw`).', content: json(schemaRef('StateResponse')) }, ...errorResponses(READ_ERRORS) },
      },
    },
    '/v1/tenants/{tenant}/events': {
      get: {
        operationId: 'streamEvents',
        summary: 'Server-Sent Events: the same event payloads as socket.io, `id:` = `seq`.',
        description:
          'Default `message` events carry one event each (see the AsyncAPI document). Without a position the stream opens with ' +
          '`event: snapshot` (`StateResponse`); a position out of the replay log gets `event: resync` with the same plus `resync: true`. ' +
          '`Last-Event-ID` wins over `since`.',
        parameters: [
          tenantParameter,
          topicsParameter,
          { name: 'since', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
          { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string', pattern: '^\\d+$' } },
        ],
        responses: {
          '200': { description: 'The stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...errorResponses(READ_ERRORS),
        },
      },
    },
    '/v1/tenants/{tenant}/sources/{source}': {
      get: {
        operationId: 'getSource',
        summary: 'One source of the tenant: its status, topics, commands and read-only vendor details (`info`, e.g. PBXware package limits).',
        parameters: [tenantParameter, { name: 'source', in: 'path', required: true, schema: schemaRef('Name') }],
        responses: {
          '200': { description: 'The source (`info` only when its vendor has details; never secrets).', content: json(SOURCE_VIEW) },
          ...errorResponses([...READ_ERRORS, HTTP_STATUS.not_found]),
        },
      },
    },
    '/v1/tenants/{tenant}/commands': {
      post: {
        operationId: 'sendCommand',
        summary: 'A command, with the same semantics as the socket.io `command` call.',
        parameters: [
          tenantParameter,
          { name: 'Idempotency-Key', in: 'header', required: false, description: 'The command id (a body `id` must then match).', schema: { type: 'string', minLength: 1, maxLength: 128 } },
        ],
        requestBody: {
          required: true,
          content: json({
            oneOf: COMMAND_TYPES.map((type) => schemaRef(commandRequestSchemaName(type))),
            discriminator: {
              propertyName: 'type',
              mapping: Object.fromEntries(COMMAND_TYPES.map((type) => [type, `#/components/schemas/${commandRequestSchemaName(type)}`])),
            },
          }),
        },
        responses: { '200': { description: 'Done: the vendor-neutral result.', content: json(schemaRef('CommandOk')) }, ...errorResponses(Object.values(HTTP_STATUS)) },
      },
    },
    ...publicCallbackPaths(),
  };
}

/** The public click-to-call routes (docs/widget.md): no bearer, CORS per widget. */
function publicCallbackPaths(): Record<string, JsonSchema> {
  const handle: JsonSchema = { name: 'handle', in: 'path', required: true, description: 'The signed status handle from the POST answer.', schema: { type: 'string', maxLength: 512 } };
  const status: JsonSchema = {
    type: 'object',
    properties: {
      state: { type: 'string', enum: ['requested', 'calling', 'connected', 'completed', 'failed', 'cancelled'] },
      reason: { type: 'string' },
      observedAt: { type: 'string', format: 'date-time' },
    },
    required: ['state'],
    additionalProperties: false,
  };
  const preflight = (operationId: string, parameters: JsonSchema[] = []): JsonSchema => ({
    operationId,
    summary: 'CORS preflight: 204 for an origin some widget lists, 403 otherwise.',
    security: NO_AUTH,
    ...(parameters.length > 0 ? { parameters } : {}),
    responses: { '204': { description: 'Allowed: `Access-Control-Allow-*` headers.' }, ...errorResponses([HTTP_STATUS.forbidden]) },
  });
  return {
    '/v1/public/callback': {
      options: preflight('publicCallbackPreflight'),
      post: {
        operationId: 'requestPublicCallback',
        summary: 'A website visitor asks to be called back (`callback.request` on the widget\'s WebAppel popup).',
        description:
          'Checks in order: body (at most 2 KB, no other field), widget key, page `Origin`, per-IP limit, number (normalized to E.164, matched against the ' +
          'widget\'s patterns), per-number limit; then the command layer. A widget key is not a bearer token and can do nothing else.',
        security: NO_AUTH,
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            properties: { widgetKey: { type: 'string', maxLength: 64 }, number: { type: 'string', maxLength: 64 }, name: { type: 'string', maxLength: 64 } },
            required: ['widgetKey', 'number'],
            additionalProperties: false,
          }),
        },
        responses: {
          '202': {
            description: 'Requested; `Location` is the status handle\'s URL.',
            headers: { Location: { schema: { type: 'string' } } },
            content: json({
              type: 'object',
              properties: {
                ok: { const: true },
                callback: {
                  type: 'object',
                  properties: { state: { const: 'requested' }, status: { type: 'string' }, events: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
                  required: ['state', 'status', 'events', 'expiresAt'],
                },
              },
              required: ['ok', 'callback'],
            }),
          },
          ...errorResponses([HTTP_STATUS.invalid_argument, HTTP_STATUS.forbidden, HTTP_STATUS.rate_limited, HTTP_STATUS.unavailable, HTTP_STATUS.vendor_error, HTTP_STATUS.timeout]),
        },
      },
    },
    '/v1/public/callback/{handle}': {
      options: preflight('publicCallbackStatusPreflight', [handle]),
      get: {
        operationId: 'publicCallbackStatus',
        summary: 'The callback\'s state, for the visitor\'s page (no number, no vendor record).',
        security: NO_AUTH,
        parameters: [handle],
        responses: {
          '200': { description: 'Its state.', content: json({ type: 'object', properties: { ok: { const: true }, callback: status }, required: ['ok', 'callback'] }) },
          ...errorResponses([HTTP_STATUS.forbidden, HTTP_STATUS.not_found]),
        },
      },
    },
    '/v1/public/callback/{handle}/events': {
      options: preflight('publicCallbackEventsPreflight', [handle]),
      get: {
        operationId: 'publicCallbackEvents',
        summary: 'Server-Sent Events `status` with the same object, first the current state, then each change; ends at a final state.',
        security: NO_AUTH,
        parameters: [handle],
        responses: {
          '200': { description: 'The stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...errorResponses([HTTP_STATUS.forbidden, HTTP_STATUS.not_found, HTTP_STATUS.rate_limited]),
        },
      },
    },
    '/widget.js': {
      get: {
        operationId: 'widgetScript',
        summary: 'The embeddable "call me back" button (`<script src=".../widget.js" data-widget-key="...">`).',
        security: NO_AUTH,
        responses: { '200': { description: 'The script.', content: { 'application/javascript': { schema: { type: 'string' } } } } },
      },
    },
    '/widget/try': {
      get: {
        operationId: 'widgetTryPage',
        summary: 'A page with the button, for a widget whose `origins` include `self`.',
        security: NO_AUTH,
        parameters: [{ name: 'key', in: 'query', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } }, ...errorResponses([HTTP_STATUS.not_found]) },
      },
    },
  };
}

/**
 * @example
 * const doc = openApiDocument('0.1.0'); // { openapi: '3.1.0', paths: { '/healthz': ... }, ... }
 */
export function openApiDocument(version: string): JsonSchema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'callbridge REST API',
      version,
      description: `The REST twin of the socket.io API, for servers and scripts. Errors use the acknowledgement shape \`{ ok: false, error: { code, message, retryable } }\`:\n\n${errorCodeTable()}\n`,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: 'http://localhost:8080' }],
    security: [{ bearer: [] }],
    paths: paths(),
    components: {
      schemas: componentSchemas('draft-2020-12'),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A static token or an HS256 JWT.' } },
    },
  };
}
