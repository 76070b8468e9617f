/**
 * A socket.io client for tests: connects to `/v1`, records `hello` and every `event` from the
 * first moment (listeners are attached before the connection opens), and wraps acked calls.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { BridgeEvent, CommandUpdateEvent } from '../../src/protocol/events.js';
import type { Hello } from '../../src/protocol/messages.js';
import { waitFor } from './wait-for.js';

export type ReceivedEvent = BridgeEvent | CommandUpdateEvent;
export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

export interface BridgeClient {
  readonly socket: Socket;
  readonly hello: Hello;
  /** Every `event` received, in order. */
  readonly events: ReceivedEvent[];
  /** Emits `name` with `payload` and resolves with the ack (rejects after `timeout` ms). */
  call<T = Record<string, unknown>>(name: string, payload?: unknown, timeout?: number): Promise<T>;
  /** Waits until `count` events have arrived. */
  waitForEvents(count: number, timeout?: number): Promise<ReceivedEvent[]>;
  close(): void;
}

/** The client as tests configure it: websocket only, no automatic reconnection. */
function open(url: string, auth: Record<string, unknown> | undefined, options: ClientOptions): Socket {
  return io(`${url}/v1`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 5_000,
    ...(auth ? { auth } : {}),
    ...options,
  });
}

/**
 * Connects with `token` and resolves once `hello` has arrived.
 *
 * @example
 * const client = await connectClient(url, TOKENS.acme);
 * const ack = await client.call('subscribe', { tenant: 'acme' });
 */
export function connectClient(url: string, token: string, options: ClientOptions = {}): Promise<BridgeClient> {
  const socket = open(url, { token }, options);
  const events: ReceivedEvent[] = [];
  socket.on('event', (event: ReceivedEvent) => events.push(event));
  return new Promise((resolve, reject) => {
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
    socket.once('hello', (hello: Hello) => {
      resolve({
        socket,
        hello,
        events,
        call<T>(name: string, payload?: unknown, timeout = 5_000): Promise<T> {
          const args = payload === undefined ? [] : [payload];
          return socket.timeout(timeout).emitWithAck(name, ...args) as Promise<T>;
        },
        async waitForEvents(count: number, timeout = 5_000) {
          await waitFor(() => events.length >= count, { timeout, message: `expected ${count} events, got ${events.length}` });
          return events;
        },
        close: () => socket.close(),
      });
    });
  });
}

/** Tries to connect with `auth` and resolves with the `connect_error` (rejects on success). */
export function connectError(url: string, auth?: Record<string, unknown>): Promise<Error & { data?: unknown }> {
  const socket = open(url, auth, {});
  return new Promise((resolve, reject) => {
    socket.once('connect_error', (err) => {
      socket.close();
      resolve(err);
    });
    socket.once('connect', () => {
      socket.close();
      reject(new Error('connected, but a connect_error was expected'));
    });
  });
}
