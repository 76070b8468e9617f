/**
 * `/v1/tenants/{tenant}/pbxs`: PBX connection profiles over REST (docs/profiles.md). Every route
 * checks, in this order: the bearer token (401), the tenant's syntax (400), that the token holds
 * the tenant (403, worded as for a tenant that does not exist) and the `profiles:admin` scope
 * (403). Answers and errors use the profile envelope (profile-envelope.ts).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { hasScope, type Principal } from '../auth/principal.js';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Scope } from '../config/schema.js';
import { ForbiddenError, HTTP_STATUS, InvalidArgumentError, UnsupportedError, isBridgeError } from '../errors.js';
import { NameSchema } from '../protocol/messages.js';
import { toWireError } from '../server/ack.js';
import { authenticate, fromFastify } from '../server/http-errors.js';
import { assertTenant } from '../server/subscriptions.js';
import { errorEnvelope, successEnvelope } from './profile-envelope.js';
import type { ProfileService } from './profile-service.js';

/** The scope every profile route needs (or `*`). */
export const PROFILES_SCOPE: Scope = 'profiles:admin';
export const PROFILES_PATH = '/v1/tenants/:tenant/pbxs';
const PROFILE_PATH = `${PROFILES_PATH}/:id`;
/** RFC 7396's media type, accepted for PATCH beside application/json. */
const MERGE_PATCH_TYPE = 'application/merge-patch+json';

export interface ProfileRoutesOptions {
  readonly verifier: TokenVerifier;
  /** Absent: every profile route answers 400 `unsupported` (after the auth checks). */
  readonly profiles?: ProfileService | undefined;
  /** Receives unexpected errors, with the correlation id the answer gives. */
  readonly logger: Logger;
  readonly now?: (() => Date) | undefined;
}

interface TenantParams {
  tenant: string;
}
interface ProfileParams extends TenantParams {
  id: string;
}

/** Where a profile can be read again (the `Location` of a 201). */
export function profileLocation(tenant: string, id: string): string {
  return `/v1/tenants/${encodeURIComponent(tenant)}/pbxs/${encodeURIComponent(id)}`;
}

/**
 * Registers the five routes in their own encapsulated scope (their own error format).
 *
 * @example
 * registerProfileRoutes(fastify, { verifier, profiles, logger });
 * // POST /v1/tenants/acme/pbxs { "_type": "KazooPbxConnectionProfile", ... } -> 201, Location: /v1/tenants/acme/pbxs/pbx-3f9a2c1d07
 */
export function registerProfileRoutes(fastify: FastifyInstance, options: ProfileRoutesOptions): void {
  const { verifier, profiles, logger } = options;
  const now = options.now ?? (() => new Date());

  const admit = async (request: FastifyRequest<{ Params: TenantParams }>): Promise<{ service: ProfileService; tenant: string; principal: Principal }> => {
    const principal = await authenticate(request, verifier);
    const tenant = request.params.tenant;
    if (!NameSchema.safeParse(tenant).success) throw new InvalidArgumentError(`tenant: "${tenant.slice(0, 64)}" is not a valid tenant id`);
    assertTenant(principal, tenant);
    if (!hasScope(principal, PROFILES_SCOPE)) throw new ForbiddenError(`this token lacks the "${PROFILES_SCOPE}" scope`);
    if (!profiles) throw new UnsupportedError('PBX profiles are not available on this bridge');
    return { service: profiles, tenant, principal };
  };
  const ok = <T>(reply: FastifyReply, data: T, status = 200): FastifyReply => reply.code(status).send(successEnvelope(data, now()));

  void fastify.register(async (scope) => {
    scope.addContentTypeParser(MERGE_PATCH_TYPE, { parseAs: 'string' }, scope.getDefaultJsonParser('error', 'error'));
    scope.setErrorHandler((err: FastifyError, request, reply) => {
      const mapped = isBridgeError(err) ? err : fromFastify(err);
      const wire = toWireError(mapped ?? err, logger, { method: request.method, route: request.routeOptions.url });
      const status = HTTP_STATUS[wire.code];
      if (wire.code === 'unauthorized') reply.header('www-authenticate', 'Bearer');
      return reply.code(status).send(errorEnvelope(status, wire.message, now()));
    });

    scope.post<{ Params: TenantParams }>(PROFILES_PATH, async (request, reply) => {
      const { service, tenant, principal } = await admit(request);
      const view = await service.create(tenant, request.body, principal);
      reply.header('location', profileLocation(tenant, view.id));
      return ok(reply, view, 201);
    });

    scope.get<{ Params: TenantParams }>(PROFILES_PATH, async (request, reply) => {
      const { service, tenant } = await admit(request);
      return ok(reply, await service.list(tenant));
    });

    scope.get<{ Params: ProfileParams }>(PROFILE_PATH, async (request, reply) => {
      const { service, tenant } = await admit(request);
      return ok(reply, await service.get(tenant, request.params.id));
    });

    scope.patch<{ Params: ProfileParams }>(PROFILE_PATH, async (request, reply) => {
      const { service, tenant, principal } = await admit(request);
      return ok(reply, await service.update(tenant, request.params.id, request.body, principal));
    });

    scope.delete<{ Params: ProfileParams }>(PROFILE_PATH, async (request, reply) => {
      const { service, tenant, principal } = await admit(request);
      return ok(reply, await service.delete(tenant, request.params.id, principal));
    });
  });
}
