/**
 * A live socket's token lifetime (JWT `exp`). Before `exp` the socket gets `auth.expiring`, so a
 * client can send `auth.renew`; at `exp` it gets `auth.expired` and the connection is closed, a
 * reason the client can tell apart from a restart or a slow-consumer drop. `auth.renew` re-arms
 * both timers for the new token.
 */
import { UnauthorizedError } from '../errors.js';
import { dropConnection } from './slow-consumers.js';
import type { BridgeSocket } from './socket-types.js';
import { emitToSocket } from './direct-emit.js';

/** `auth.expiring` comes this long before `exp`... */
export const EXPIRY_WARNING_MS = 60_000;
/**
 * ...or at half the remaining lifetime for shorter-lived tokens: warning them at once would have a
 * client that renews with equally short tokens renew in a tight loop.
 */
const WARNING_SHARE = 0.5;
/**
 * engine.io sends what is buffered (`auth.expired`) before it closes; a client that reads
 * nothing would hold that close forever, so it is cut after this.
 */
const EXPIRED_CLOSE_GRACE_MS = 5_000;
/** setTimeout's ceiling; longer token lifetimes are waited for in steps. */
const MAX_TIMER_MS = 2_147_483_647;

export interface TokenLifetime {
  /** (Re)arms the timers for a token expiring at `expiresAt` (epoch ms); none for undefined. */
  arm(expiresAt: number | undefined): void;
  /** Stops the timers (the socket is gone). */
  cancel(): void;
}

/** Runs `run` at `when` (epoch ms), never synchronously; returns the canceller. */
function at(when: number, run: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const step = (): void => {
    const left = when - Date.now();
    if (left <= 0) {
      run();
      return;
    }
    timer = setTimeout(step, Math.min(left, MAX_TIMER_MS));
  };
  timer = setTimeout(step, Math.max(0, Math.min(when - Date.now(), MAX_TIMER_MS)));
  return () => clearTimeout(timer);
}

/** The `auth.expired` notice, then the close: the packet is flushed before the transport closes. */
function expire(socket: BridgeSocket): void {
  if (!socket.connected) return;
  emitToSocket(socket, 'auth.expired', new UnauthorizedError('token expired').toWire());
  const conn = socket.conn;
  socket.disconnect(true);
  if (conn.readyState === 'closed') return;
  const grace = setTimeout(() => dropConnection(socket), EXPIRED_CLOSE_GRACE_MS);
  grace.unref();
  conn.once('close', () => clearTimeout(grace));
}

/**
 * Watches `socket`'s token; the timers stop when the socket disconnects.
 *
 * @example
 * const lifetime = watchTokenLifetime(socket);
 * lifetime.arm(socket.data.principal.expiresAt);
 * // after auth.renew:
 * lifetime.arm(renewed.expiresAt);
 */
export function watchTokenLifetime(socket: BridgeSocket): TokenLifetime {
  let cancellers: Array<() => void> = [];
  const cancel = (): void => {
    for (const stop of cancellers) stop();
    cancellers = [];
  };
  socket.once('disconnect', cancel);
  return {
    arm(expiresAt) {
      cancel();
      if (expiresAt === undefined || !socket.connected) return;
      const lead = Math.min(EXPIRY_WARNING_MS, Math.max(0, expiresAt - Date.now()) * WARNING_SHARE);
      cancellers = [
        at(expiresAt - lead, () => {
          if (socket.connected) emitToSocket(socket, 'auth.expiring', { expiresAt: new Date(expiresAt).toISOString() });
        }),
        at(expiresAt, () => expire(socket)),
      ];
    },
    cancel,
  };
}
