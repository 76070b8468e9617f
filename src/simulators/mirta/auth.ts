/**
 * MiRTA's key model: one admin key, and per tenant a read/write and a read-only key. Every
 * refusal is HTTP 200 with the same text, whatever went wrong (1COM-AUDIT A-48, GVOIPC-TS).
 */
import { AUTH_ERROR_BODY, text } from './formats.js';
import type { ApiResult } from './formats.js';
import type { MirtaModel } from './model.js';
import type { TenantRecord } from './model-types.js';
import type { ReplyTexts } from './options.js';
import type { MirtaKeys } from './seed.js';

export interface AccessRule {
  /** Refused to read-only keys; a function when it depends on the parameters (AGENT actions). */
  readonly write: boolean | ((params: Readonly<Record<string, string>>) => boolean);
  /** An admin key may leave `tenant` out to cover every tenant (PEERS, CHANNELS, COUNT*). */
  readonly tenantOptional: boolean;
  /** Admin-only: a tenant key gets this reply text instead (COUNTCHANNELS: `Wrong or missing tenant`). */
  readonly tenantKeyRefusal?: keyof ReplyTexts;
}

export type KeyRole =
  | { readonly kind: 'admin' }
  | { readonly kind: 'tenant'; readonly tenant: string; readonly readOnly: boolean };

export type AuthDecision =
  | { readonly ok: true; readonly tenant: TenantRecord | undefined }
  | { readonly ok: false; readonly result: ApiResult };

const REFUSED: AuthDecision = Object.freeze({ ok: false, result: text(AUTH_ERROR_BODY) });

/** Who a key belongs to, or undefined for an unknown key. */
export function roleOf(keys: MirtaKeys, key: string | undefined): KeyRole | undefined {
  if (!key) return undefined;
  if (key === keys.admin) return { kind: 'admin' };
  for (const [tenant, pair] of Object.entries(keys.tenants)) {
    if (key === pair.rw) return { kind: 'tenant', tenant, readOnly: false };
    if (key === pair.ro) return { kind: 'tenant', tenant, readOnly: true };
  }
  return undefined;
}

/**
 * Decides whether a request may run and for which tenant.
 * @example authorize(keys, model, { write: false, tenantOptional: true }, params, DEFAULT_REPLIES)
 */
export function authorize(
  keys: MirtaKeys,
  model: MirtaModel,
  rule: AccessRule,
  params: Readonly<Record<string, string>>,
  replies: ReplyTexts,
): AuthDecision {
  const role = roleOf(keys, params.key);
  if (!role) return REFUSED;
  const code = params.tenant;
  const tenant = code ? model.tenant(code) : undefined;
  if (role.kind === 'admin') {
    if (code) return tenant ? { ok: true, tenant } : REFUSED;
    return rule.tenantOptional ? { ok: true, tenant: undefined } : REFUSED;
  }
  if (rule.tenantKeyRefusal !== undefined) return { ok: false, result: text(replies[rule.tenantKeyRefusal]) };
  if (!tenant || tenant.code !== role.tenant) return REFUSED;
  const write = typeof rule.write === 'function' ? rule.write(params) : rule.write;
  if (write && role.readOnly) return REFUSED;
  return { ok: true, tenant };
}
