import type { Scope } from '../config/schema.js';

/**
 * Who is calling, after the token was checked. Carries no secret: `label` names the token for
 * logs (its config `name`, or `jwt:<sub>`), never its value.
 */
export interface Principal {
  readonly label: string;
  readonly tenants: ReadonlySet<string>;
  readonly scopes: ReadonlySet<Scope>;
  /** Epoch ms after which the credential is no longer valid (JWT `exp`). */
  readonly expiresAt?: number;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has('*') || principal.scopes.has(scope);
}

export function holdsTenant(principal: Principal, tenant: string): boolean {
  return principal.tenants.has(tenant);
}
