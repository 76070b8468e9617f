/**
 * After a config reload (SIGHUP), the live sockets follow the new `auth` section: a socket whose
 * static token was removed from the file (or whose JWT was signed with a secret that changed) is
 * told `auth.expired` ("token revoked") and disconnected, exactly as at its token's expiry; one
 * whose token stays gets the token's new tenants and scopes, leaves the rooms they no longer
 * cover, and a fresh `hello`.
 */
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import { UnauthorizedError } from '../errors.js';
import type { SourceDirectory } from '../sources/source-directory.js';
import { emitToSocket } from './direct-emit.js';
import { buildHello } from './hello.js';
import type { BridgeNamespace } from './socket-types.js';
import { dropUncovered } from './subscriptions.js';

export interface RevalidateResult {
  readonly revoked: number;
  readonly updated: number;
}

/**
 * @example
 * const carry = verifier.reload(next.auth);
 * revalidateSockets(io.of('/v1'), carry, { sources, logger });
 */
export function revalidateSockets(
  nsp: BridgeNamespace,
  carry: (principal: Principal) => Principal | undefined,
  context: { sources: SourceDirectory; logger: Logger },
): RevalidateResult {
  let revoked = 0;
  let updated = 0;
  for (const socket of [...nsp.sockets.values()]) {
    const current = socket.data.principal;
    const next = carry(current);
    if (!next) {
      revoked++;
      context.logger.info({ socket: socket.id, principal: current.label }, 'token revoked by a config reload: disconnecting');
      emitToSocket(socket, 'auth.expired', new UnauthorizedError('token revoked').toWire());
      socket.disconnect(true);
      continue;
    }
    if (next === current) continue;
    socket.data.principal = next;
    // The same token re-read from the file: nothing to tell the client.
    if (sameRights(current, next)) continue;
    updated++;
    dropUncovered(socket, next);
    emitToSocket(socket, 'hello', buildHello(next, context.sources));
  }
  return { revoked, updated };
}

const sameSet = <T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean => a.size === b.size && [...a].every((item) => b.has(item));

function sameRights(a: Principal, b: Principal): boolean {
  return sameSet(a.tenants, b.tenants) && sameSet(a.scopes, b.scopes);
}
