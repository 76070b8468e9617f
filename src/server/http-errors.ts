/**
 * REST errors in the protocol's shape `{ ok: false, error: { code, message, retryable } }`, with
 * the status from HTTP_STATUS, for our own errors and fastify's (bad JSON, body too large,
 * unknown route) alike; and the bearer check every non-health route runs.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { HTTP_STATUS, InvalidArgumentError, NotFoundError, RateLimitedError, UnauthorizedError, isBridgeError, type WireError } from '../errors.js';
import { toWireError } from './ack.js';

const BEARER = /^Bearer +([^\s]+) *$/i;

/** The caller's principal, or `unauthorized` (no detail about the token is given). */
export async function authenticate(request: FastifyRequest, verifier: TokenVerifier): Promise<Principal> {
  const header = request.headers.authorization;
  const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
  const principal = token === undefined ? null : await verifier.verify(token);
  if (!principal) throw new UnauthorizedError();
  return principal;
}

/** Sends a wire error with its status (and `Retry-After` when known). */
export function sendError(reply: FastifyReply, error: WireError, retryAfterSec?: number): FastifyReply {
  if (retryAfterSec !== undefined) reply.header('retry-after', String(Math.max(0, Math.ceil(retryAfterSec))));
  if (error.code === 'unauthorized') reply.header('www-authenticate', 'Bearer');
  return reply.code(HTTP_STATUS[error.code]).send({ ok: false, error });
}

/**
 * fastify's own 4xx errors, as protocol errors. Their messages are replaced by fixed ones: a JSON
 * parse error quotes the body, which may hold anything.
 */
export function fromFastify(err: FastifyError): Error | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new InvalidArgumentError('body: too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new InvalidArgumentError('content-type: must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidArgumentError('body: empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidArgumentError('body: not valid JSON');
    default:
      break;
  }
  if (err.statusCode === 404) return new NotFoundError('not found');
  // secure-json-parse refuses `__proto__` / `constructor.prototype` with a plain 400.
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new InvalidArgumentError(err.validation ? 'request: does not match the schema' : 'body: not acceptable');
  }
  return undefined;
}

export function installErrorHandling(fastify: FastifyInstance, logger: Logger): void {
  fastify.setNotFoundHandler((request, reply) => {
    sendError(reply, new NotFoundError(`no route for ${request.method} ${request.url.split('?')[0] ?? ''}`.slice(0, 200)).toWire());
  });
  fastify.setErrorHandler((err: FastifyError, request, reply) => {
    const mapped = isBridgeError(err) ? err : fromFastify(err);
    const wire = toWireError(mapped ?? err, logger, { method: request.method, route: request.routeOptions.url });
    sendError(reply, wire, err instanceof RateLimitedError ? err.retryAfterSec : undefined);
  });
}
