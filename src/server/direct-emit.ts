/**
 * Sending to one socket. With connection state recovery on (cluster mode), socket.io routes even
 * a plain `socket.emit` through the adapter: with Redis Streams that is an XADD, and the packet
 * reaches the socket only after that round trip. Replayed events would then trail the live ones
 * that follow the subscribe ack, `auth.expired` would arrive after the disconnect it announces,
 * and every ack-side message would cost Redis a write. So direct messages go out from this node
 * at once (`local`), as `socket.emit` does without recovery; recovery does not replay them
 * (`since`, and command ids, cover what a reconnecting client needs).
 */
import type { BridgeSocket, ServerToClientEvents } from './socket-types.js';

/**
 * @example
 * emitToSocket(socket, 'hello', buildHello(principal, sources));
 */
export function emitToSocket<E extends keyof ServerToClientEvents>(socket: BridgeSocket, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
  if (socket.nsp.server._opts.connectionStateRecovery) {
    socket.nsp.local.to(socket.id).emit(event, ...args);
  } else {
    socket.emit(event, ...args);
  }
}
