/** Who may send which command to which tenant (protocol §1). */
import { hasScope, holdsTenant, type Principal } from '../auth/principal.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { COMMAND_SCOPE, type ValidatedCommand } from '../protocol/commands.js';
import type { Scope } from '../config/schema.js';

/**
 * Throws unless `principal` holds the command's tenant and the scope its type needs.
 *
 * A tenant the token does not hold gets the very message a nonexistent tenant would, and the
 * tenant check runs before the scope check, so neither the message nor the order of checks
 * tells a caller whether a tenant exists.
 *
 * @param now epoch ms, to refuse a JWT that expired while its socket stayed open.
 * @example
 * authorize(principal, command, Date.now()); // throws ForbiddenError('forbidden: tenant "acme"')
 */
export function authorize(principal: Principal, command: ValidatedCommand, now: number): void {
  if (principal.expiresAt !== undefined && principal.expiresAt <= now) throw new UnauthorizedError();
  if (!holdsTenant(principal, command.tenant)) {
    throw new ForbiddenError(`forbidden: tenant "${command.tenant}"`);
  }
  // COMMAND_SCOPE values are the protocol's scope names, a subset of Scope.
  const scope = COMMAND_SCOPE[command.type] as Scope;
  if (!hasScope(principal, scope)) {
    throw new ForbiddenError(`forbidden: "${command.type}" needs the scope ${scope}`);
  }
}
