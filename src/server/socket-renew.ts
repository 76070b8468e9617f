/**
 * `auth.renew` (an addition to protocol §4): a live socket swaps its token for a fresh one and
 * keeps its subscriptions, so a short-lived JWT never costs a reconnection and a resync.
 */
import type { Logger } from 'pino';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { UnauthorizedError } from '../errors.js';
import { RenewSchema, type RenewOk } from '../protocol/messages.js';
import type { SourceDirectory } from '../sources/source-directory.js';
import { parseOrThrow } from './ack.js';
import { buildHello } from './hello.js';
import type { TokenLifetime } from './socket-expiry.js';
import type { BridgeSocket } from './socket-types.js';
import { dropUncovered } from './subscriptions.js';
import { emitToSocket } from './direct-emit.js';

export interface RenewContext {
  readonly verifier: TokenVerifier;
  readonly sources: SourceDirectory;
  readonly lifetime: TokenLifetime;
  readonly logger: Logger;
}

/**
 * Handles one `auth.renew`. A valid token becomes the socket's principal: the rooms it does not
 * cover are left (and listed in the ack), the expiry timers follow its `exp`, and a fresh `hello`
 * follows the ack. A refused token answers `unauthorized` and changes nothing: the old token
 * still expires on its own `exp`.
 *
 * Callers serialize the calls of one socket, so that a slow verification of an older token
 * cannot overwrite a newer one.
 */
export async function renew(socket: BridgeSocket, payload: unknown, context: RenewContext, reply: (ack: RenewOk) => void): Promise<void> {
  const request = parseOrThrow(RenewSchema, payload);
  const principal = await context.verifier.verify(request.token);
  if (!principal) throw new UnauthorizedError('token refused; the current one stays in force until it expires');
  // Gone while the token was checked: nothing to renew, and no timer to arm.
  if (!socket.connected) return;
  const previous = socket.data.principal.label;
  socket.data.principal = principal;
  const dropped = dropUncovered(socket, principal);
  context.lifetime.arm(principal.expiresAt);
  context.logger.debug(
    { socket: socket.id, principal: principal.label, previous, dropped: dropped.map((entry) => entry.tenant) },
    'token renewed',
  );
  const ack: RenewOk = { ok: true, dropped };
  if (principal.expiresAt !== undefined) ack.expiresAt = new Date(principal.expiresAt).toISOString();
  reply(ack);
  emitToSocket(socket, 'hello', buildHello(principal, context.sources));
}
