/**
 * The client behind `connect()`: one socket.io connection to `/v1`, a session per tenant that
 * keeps its mirror right across gaps, reconnections and bridge restarts, the command sender, and
 * the status. The token travels in the handshake's `auth` only: never in a URL, never logged.
 */
import { io, type Socket } from 'socket.io-client';
import type { CommandType } from '../protocol/commands.js';
import type { BridgeEvent, CommandUpdateEvent } from '../protocol/events.js';
import type { AuthExpired, AuthExpiring, Hello, RenewRequest, SubscribeRequest } from '../protocol/messages.js';
import type { ResolvedOptions } from './client-options.js';
import { newCommandId } from './command-id.js';
import { CommandSender, type CommandEnvelope } from './command-sender.js';
import { Emitter } from './emitter.js';
import { CallbridgeError } from './errors.js';
import { sourceHealth } from './source-health.js';
import { TenantSession } from './tenant-session.js';
import { TokenKeeper } from './token-keeper.js';
import type {
  CallbridgeClient,
  ClientEvents,
  ClientStatus,
  CommandArgsInput,
  CommandOptions,
  CommandResultOf,
  OfflineReason,
  RenewResult,
  TenantState,
  TenantView,
  TokenProvider,
} from './types.js';

interface ServerToClientEvents {
  hello: (hello: Hello) => void;
  event: (event: BridgeEvent | CommandUpdateEvent) => void;
  'auth.expiring': (notice: AuthExpiring) => void;
  'auth.expired': (error: AuthExpired) => void;
}
interface ClientToServerEvents {
  subscribe: (request: SubscribeRequest, ack: (response: unknown) => void) => void;
  command: (envelope: CommandEnvelope, ack: (response: unknown) => void) => void;
  'auth.renew': (request: RenewRequest, ack: (response: unknown) => void) => void;
}
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long `renew()` waits for the bridge's answer. */
const RENEW_TIMEOUT_MS = 10_000;

const isCommandUpdate = (event: BridgeEvent | CommandUpdateEvent): event is CommandUpdateEvent => event.type === 'command.updated';

export class LiveClient implements CallbridgeClient {
  readonly #options: ResolvedOptions;
  readonly #socket: ClientSocket;
  readonly #emitter = new Emitter<ClientEvents>();
  readonly #sessions = new Map<string, TenantSession>();
  readonly #first: TenantSession;
  readonly #commands: CommandSender;
  readonly #keeper: TokenKeeper;
  #hello: Hello | undefined;
  #status: ClientStatus;
  #offline: { reason: OfflineReason; retrying: boolean } | undefined;
  #closed = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #refusals = 0;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#keeper = new TokenKeeper(options.token, options.renewToken);
    for (const tenant of options.tenants) this.#sessions.set(tenant, this.#session(tenant));
    this.#first = this.#sessions.get(options.tenants[0]) as TenantSession;
    this.#socket = io(options.uri, {
      path: options.path,
      transports: [...options.transports],
      forceNew: true,
      multiplex: false,
      autoConnect: false,
      reconnection: true,
      reconnectionDelay: options.reconnectDelayMs,
      reconnectionDelayMax: options.reconnectDelayMaxMs,
      auth: (send) => this.#keeper.handshake(send),
    });
    const socket = this.#socket;
    this.#commands = new CommandSender({
      get connected() {
        return socket.connected;
      },
      emit: (envelope, timeoutMs, done) => socket.timeout(timeoutMs).emit('command', envelope, (err: Error | null, ack: unknown) => done(err, ack)),
    });
    this.#status = this.#computeStatus();
    this.#wire();
    socket.connect();
  }

  get state(): TenantState {
    return this.#first.state;
  }
  get status(): ClientStatus {
    return this.#status;
  }
  get hello(): Hello | undefined {
    return this.#hello;
  }

  tenant(name: string): TenantView {
    const session = this.#sessions.get(name);
    if (!session) throw new RangeError(`callbridge: tenant "${name}" is not among connect()'s tenants (${[...this.#sessions.keys()].join(', ')})`);
    return session.view;
  }

  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    return this.#emitter.on(event, listener);
  }
  off<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): void {
    this.#emitter.off(event, listener);
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (status: ClientStatus): boolean => {
        if (status.state === 'live') resolve();
        else if (status.state === 'offline' && !status.retrying) reject(this.#offlineError(status.reason));
        else return false;
        return true;
      };
      if (check(this.#status)) return;
      const off = this.#emitter.on('status', (status) => {
        if (check(status)) off();
      });
    });
  }

  command<T extends CommandType>(type: T, args: CommandArgsInput<T>, options: CommandOptions = {}): Promise<CommandResultOf<T>> {
    if (this.#closed) return Promise.reject(this.#offlineError('closed'));
    const envelope: CommandEnvelope = {
      id: options.id ?? newCommandId(),
      tenant: options.tenant ?? this.#first.name,
      type,
      args: args as Record<string, unknown>,
    };
    if (options.source !== undefined) envelope.source = options.source;
    const timeoutMs = options.timeoutMs ?? this.#options.commandTimeoutMs;
    return this.#commands.send(envelope, timeoutMs, options.onUpdate) as Promise<CommandResultOf<T>>;
  }

  setToken(token: string | TokenProvider): void {
    this.#keeper.set(token);
    // socket.io retries by itself after a network failure and will use the new token; after a
    // refusal it does not, so reconnect now.
    if (this.#closed || this.#socket.connected || this.#socket.active) return;
    clearTimeout(this.#retryTimer);
    this.#offline = undefined;
    this.#socket.connect();
    this.#refreshStatus();
  }

  renew(token: string): Promise<RenewResult> {
    if (typeof token !== 'string' || token === '') return Promise.reject(new TypeError('callbridge renew(): token must be a non-empty string'));
    if (this.#closed) return Promise.reject(this.#offlineError('closed'));
    if (!this.#socket.connected) {
      this.setToken(token);
      return Promise.resolve({ dropped: [] });
    }
    const send = (request: { token: string }, done: (err: Error | null, ack?: unknown) => void): void => {
      this.#socket.timeout(RENEW_TIMEOUT_MS).emit('auth.renew', request, done);
    };
    return this.#keeper.renew(token, send).then((result) => {
      for (const { tenant } of result.dropped) {
        this.#sessions.get(tenant)?.revoked(
          new CallbridgeError({ code: 'forbidden', message: `tenant "${tenant}" is not accessible with the renewed token`, retryable: false }),
        );
      }
      return result;
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#commands.close();
    this.#socket.disconnect();
    for (const session of this.#sessions.values()) session.disconnected();
    this.#refreshStatus();
  }

  #session(tenant: string): TenantSession {
    return new TenantSession({
      tenant,
      topics: this.#options.topics,
      raw: this.#options.raw,
      hooks: {
        subscribe: (request, done) =>
          this.#socket.timeout(this.#options.subscribeTimeoutMs).emit('subscribe', request, (err: Error | null, ack: unknown) => done(err, ack)),
        change: (change) => {
          this.#emitter.emit('change', change);
          if (change.topic === 'sources') this.#refreshStatus();
        },
        snapshot: (info) => this.#emitter.emit('snapshot', info),
        refused: (error) => this.#emitter.emit('error', error),
        // No ack in time on an open connection: drop it; socket.io reconnects and we resubscribe.
        stalled: () => {
          if (this.#socket.connected) this.#socket.io.engine.close();
        },
        phaseChanged: () => this.#refreshStatus(),
      },
    });
  }

  #wire(): void {
    const socket = this.#socket;
    socket.on('connect', () => {
      this.#offline = undefined;
      this.#refusals = 0;
      for (const session of this.#sessions.values()) session.subscribe();
      this.#commands.connected();
      this.#refreshStatus();
    });
    socket.on('disconnect', (reason) => {
      // The bridge ends a connection when its token expires: reconnect, asking the provider for
      // a fresh token; a fixed token that expired (auth.expired) waits for setToken(), since the
      // bridge would only refuse it. Otherwise socket.io reconnects.
      const kicked = reason === 'io server disconnect';
      const dead = kicked && !this.#keeper.usable;
      if (!this.#closed) {
        this.#offline = dead ? { reason: 'unauthorized', retrying: false } : { reason: 'disconnected', retrying: kicked || socket.active };
      }
      for (const session of this.#sessions.values()) session.disconnected();
      this.#commands.disconnected();
      if (this.#closed) return;
      if (kicked && !dead) this.#retryLater(this.#options.reconnectDelayMs);
      this.#refreshStatus();
    });
    socket.on('auth.expiring', (notice) => {
      this.#emitter.emit('auth_expiring', { expiresAt: notice.expiresAt });
      this.#keeper.expiring(
        (token) => this.renew(token),
        (error) => this.#emitter.emit('error', error),
      );
    });
    socket.on('auth.expired', (error) => {
      this.#keeper.expired();
      this.#emitter.emit('auth_expired', new CallbridgeError({ code: error.code, message: error.message, retryable: error.retryable === true }));
    });
    socket.on('connect_error', () => {
      if (this.#closed) return;
      if (socket.active) {
        // A network failure: socket.io retries with backoff.
        this.#offline = { reason: 'disconnected', retrying: true };
      } else {
        // The bridge refused the token. A provider may have a fresh one later; a fixed token
        // waits for setToken().
        const retrying = typeof this.#keeper.token === 'function';
        this.#offline = { reason: 'unauthorized', retrying };
        if (retrying) this.#retryLater(Math.min(this.#options.reconnectDelayMs * 2 ** this.#refusals++, this.#options.reconnectDelayMaxMs));
      }
      this.#refreshStatus();
    });
    socket.on('hello', (hello) => {
      this.#hello = hello;
      this.#emitter.emit('hello', hello);
      this.#refreshStatus();
    });
    socket.on('event', (event) => {
      if (isCommandUpdate(event)) {
        this.#commands.update(event);
        this.#emitter.emit('command', event);
        return;
      }
      if (typeof event.seq === 'number') this.#sessions.get(event.tenant)?.receive(event);
    });
  }

  #retryLater(delayMs: number): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (!this.#closed && !this.#socket.connected && !this.#socket.active) this.#socket.connect();
    }, delayMs);
  }

  #computeStatus(): ClientStatus {
    const sources = sourceHealth(this.#hello, [...this.#sessions.values()].map((session) => [session.name, session.state] as const));
    if (this.#closed) return { state: 'offline', reason: 'closed', retrying: false, sources };
    if (!this.#socket.connected) {
      if (this.#offline) return { state: 'offline', reason: this.#offline.reason, retrying: this.#offline.retrying, sources };
      return { state: 'connecting', retrying: true, sources };
    }
    const catchingUp = [...this.#sessions.values()].some((session) => session.phase === 'idle' || session.phase === 'syncing');
    return { state: catchingUp ? 'resyncing' : 'live', retrying: false, sources };
  }

  #refreshStatus(): void {
    const next = this.#computeStatus();
    if (JSON.stringify(next) === JSON.stringify(this.#status)) return;
    this.#status = next;
    this.#emitter.emit('status', next);
  }

  #offlineError(reason: OfflineReason | undefined): CallbridgeError {
    return reason === 'unauthorized'
      ? new CallbridgeError({ code: 'unauthorized', message: 'the bridge refused the token; call setToken()', retryable: false })
      : new CallbridgeError({ code: 'unavailable', message: 'the client is closed', retryable: false });
  }
}
