/**
 * The PBX profile routes of the OpenAPI document (docs/profiles.md). Their bodies are the
 * profile envelope, not the protocol's ack shape, so they carry their own schemas, inline (the
 * document's `components.schemas` are the protocol's and stay exactly those): one request body
 * per `_type` whose vendor is installed, built from that vendor's config schema as the API
 * validates it, and the envelopes from src/profiles/profile-envelope.ts.
 */
import { z } from 'zod';
import { HTTP_STATUS } from '../../src/errors.js';
import { NameSchema } from '../../src/protocol/messages.js';
import { ProfileEnvelopeSchema, ProfileErrorEnvelopeSchema, ProfileListEnvelopeSchema } from '../../src/profiles/profile-envelope.js';
import { PROFILES_SCOPE } from '../../src/profiles/profile-routes.js';
import { PROFILE_TYPES, availableProfileTypes, type ProfileTypeName } from '../../src/profiles/profile-types.js';
import { SOURCE_CONFIG_SCHEMAS } from '../../src/vendors/config-registry.js';
import type { JsonSchema } from './components.js';

/** Vendor fields the bridge fills in itself (or only the config file may set). */
const BRIDGE_FIELDS = ['id', 'vendor', 'tenant', 'dataDir'] as const;

const toJson = (schema: z.ZodType): JsonSchema => {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' }) as JsonSchema;
  return rest;
};
const json = (schema: JsonSchema): JsonSchema => ({ 'application/json': { schema } });

/** The POST body of one profile type: the profile's own fields and the vendor's. */
function createBodySchema(type: ProfileTypeName): z.ZodType | undefined {
  const vendor = SOURCE_CONFIG_SCHEMAS.find((schema) => schema.shape.vendor.value === PROFILE_TYPES[type].vendor);
  if (!vendor) return undefined;
  const shape: Record<string, z.ZodType> = { ...(vendor.shape as Record<string, z.ZodType>) };
  for (const field of BRIDGE_FIELDS) delete shape[field];
  return z
    .strictObject({
      _type: z.literal(type),
      id: NameSchema.optional().describe('The profile id, also its source id; `pbx-` + 10 hex digits when absent.'),
      name: z.string().min(1).max(128).optional().describe('A label; the id when absent.'),
      enabled: z.boolean().optional().describe('Start the source now; `false` by default.'),
      tenant: NameSchema.optional().describe('If sent, must be the path\'s tenant.'),
      ...shape,
    })
    .describe(`${type}: the fields of a \`vendor: ${PROFILE_TYPES[type].vendor}\` source of the config file (secrets: ${PROFILE_TYPES[type].secrets.map((s) => `\`${s}\``).join(', ')}).`);
}

function errorResponses(statuses: readonly number[]): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const status of statuses) out[String(status)] = { description: PROFILE_ERRORS[status] ?? 'Refused.', content: json(toJson(ProfileErrorEnvelopeSchema)) };
  return out;
}

const PROFILE_ERRORS: Readonly<Record<number, string>> = {
  [HTTP_STATUS.invalid_argument]: 'Invalid tenant or body (`message` names the field), or a `_type` whose vendor is not installed.',
  [HTTP_STATUS.unauthorized]: 'No valid bearer token.',
  [HTTP_STATUS.forbidden]: `The token does not hold the tenant (an unknown tenant looks the same), or lacks \`${PROFILES_SCOPE}\`.`,
  [HTTP_STATUS.not_found]: 'No such profile in this tenant.',
  [HTTP_STATUS.duplicate]: 'The id is taken, or names a source of the config file (the API cannot change those).',
  [HTTP_STATUS.internal]: 'A bug; `message` gives the correlation id of the log line.',
};

const BASE = [HTTP_STATUS.invalid_argument, HTTP_STATUS.unauthorized, HTTP_STATUS.forbidden, HTTP_STATUS.internal];

/**
 * The `paths` entries of the profile routes.
 *
 * @example
 * Object.keys(profilePaths()); // ['/v1/tenants/{tenant}/pbxs', '/v1/tenants/{tenant}/pbxs/{id}']
 */
export function profilePaths(): Record<string, JsonSchema> {
  const tenant: JsonSchema = { name: 'tenant', in: 'path', required: true, schema: { $ref: '#/components/schemas/Name' } };
  const id: JsonSchema = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const types = availableProfileTypes();
  const bodies = types.map((type) => createBodySchema(type)).filter((schema): schema is z.ZodType => schema !== undefined).map(toJson);
  const one = { description: 'The profile, secrets masked (`••••1234`).', content: json(toJson(ProfileEnvelopeSchema)) };
  return {
    '/v1/tenants/{tenant}/pbxs': {
      post: {
        operationId: 'createPbxProfile',
        summary: `Adds a PBX connection profile (needs \`${PROFILES_SCOPE}\`). Disabled unless \`enabled: true\`.`,
        parameters: [tenant],
        requestBody: {
          required: true,
          // One body per `_type` (each a `const`), so exactly one matches.
          content: json({ oneOf: bodies }),
        },
        responses: {
          '201': {
            description: 'Created.',
            headers: { Location: { description: 'The profile\'s URL path.', schema: { type: 'string' } } },
            content: json(toJson(ProfileEnvelopeSchema)),
          },
          ...errorResponses([...BASE, HTTP_STATUS.duplicate].sort((a, b) => a - b)),
        },
      },
      get: {
        operationId: 'listPbxProfiles',
        summary: 'The tenant\'s PBX profiles.',
        parameters: [tenant],
        responses: { '200': { description: 'The profiles, secrets masked.', content: json(toJson(ProfileListEnvelopeSchema)) }, ...errorResponses(BASE) },
      },
    },
    '/v1/tenants/{tenant}/pbxs/{id}': {
      get: {
        operationId: 'getPbxProfile',
        summary: 'One PBX profile, with its source\'s status.',
        parameters: [tenant, id],
        responses: { '200': one, ...errorResponses([...BASE, HTTP_STATUS.not_found].sort((a, b) => a - b)) },
      },
      patch: {
        operationId: 'updatePbxProfile',
        summary: 'Changes a profile: a JSON merge patch (RFC 7396). `enabled` starts or stops its source; new credentials reconnect it.',
        parameters: [tenant, id],
        requestBody: {
          required: true,
          content: Object.fromEntries(
            ['application/json', 'application/merge-patch+json'].map((type) => [
              type,
              {
                schema: {
                  type: 'object',
                  description:
                    'Any fields of the profile: objects merge, `null` removes a field, a masked secret (`••••…`) keeps the stored one. `_type`, `id` and `tenant` cannot change.',
                  properties: { name: { type: 'string', minLength: 1, maxLength: 128 }, enabled: { type: 'boolean' } },
                },
              },
            ]),
          ),
        },
        responses: { '200': one, ...errorResponses([...BASE, HTTP_STATUS.not_found, HTTP_STATUS.duplicate].sort((a, b) => a - b)) },
      },
      delete: {
        operationId: 'deletePbxProfile',
        summary: 'Deletes a profile; its source stops and `source.down` is published.',
        parameters: [tenant, id],
        responses: { '200': { ...one, description: 'The deleted profile.' }, ...errorResponses([...BASE, HTTP_STATUS.not_found, HTTP_STATUS.duplicate].sort((a, b) => a - b)) },
      },
    },
  };
}
