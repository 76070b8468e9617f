/** The typed event maps of the `/v1` namespace, shared by every server module. */
import type { DefaultEventsMap, Namespace, Server, Socket } from 'socket.io';
import type { Principal } from '../auth/principal.js';
import type { BridgeEvent, CommandUpdateEvent } from '../protocol/events.js';
import type { AuthExpired, AuthExpiring, Hello } from '../protocol/messages.js';

/** The namespace every client connects to (protocol §1). */
export const NAMESPACE = '/v1';

/**
 * Client calls carry one payload and an ack callback. They are typed loosely on purpose: the
 * payload is untrusted until zod has parsed it, and the ack may be missing.
 */
type Call = (...args: unknown[]) => void;

export interface ClientToServerEvents {
  subscribe: Call;
  unsubscribe: Call;
  command: Call;
  /** A fresh token for this socket (docs/protocol.md, "Tokens on live sockets"). */
  'auth.renew': Call;
}

export interface ServerToClientEvents {
  hello: (hello: Hello) => void;
  event: (event: BridgeEvent | CommandUpdateEvent) => void;
  /** The token expires soon: `auth.renew` before `expiresAt` keeps the socket. */
  'auth.expiring': (notice: AuthExpiring) => void;
  /** The token expired; the bridge closes the socket right after. */
  'auth.expired': (error: AuthExpired) => void;
}

/** No server-to-server events yet (one node); a cluster adapter may add some. */
export type InterServerEvents = DefaultEventsMap;

export interface SocketData {
  /** Who the socket acts as; `auth.renew` replaces it, so calls read it when they run. */
  principal: Principal;
}

export type BridgeIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type BridgeNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type BridgeSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
