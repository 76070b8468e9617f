/**
 * The client's public types. Everything about the wire comes from the zod schemas in
 * `src/protocol/` (type-only imports: nothing of zod reaches the bundle), so a field, an event
 * type or a command renamed on the server breaks the client's type-check.
 */
import type { z } from 'zod';
import type { ErrorCode } from '../errors.js';
import type { COMMAND_ARGS, CommandResult, CommandType } from '../protocol/commands.js';
import type { EntityByTopic, SourceStatus, Topic } from '../protocol/entities.js';
import type { CommandUpdateEvent } from '../protocol/events.js';
import type { DroppedSubscription, Hello } from '../protocol/messages.js';
import type { CallbridgeError } from './errors.js';
import type { EventTypeOf } from './topics.js';

/** A token, or a function the client calls before every (re)connection to get a fresh one. */
export type TokenProvider = () => string | Promise<string>;

export interface ConnectOptions {
  /** A static token or JWT, or a provider called on every (re)connection (token renewal). */
  readonly token: string | TokenProvider;
  /**
   * Called when the bridge says the token expires soon (`auth_expiring`); the token it returns
   * replaces the current one on the live connection (`renew()`), keeping the subscriptions. By
   * default the `token` provider when there is one; with neither, renew yourself on
   * `auth_expiring` or the connection ends at the token's expiry.
   */
  readonly renewToken?: TokenProvider | undefined;
  /** Tenants to mirror; the first one is `cb.state`. At least one. */
  readonly tenants: readonly string[];
  /** Topics to mirror (all by default). `sources` is always added: it feeds `status.sources`. */
  readonly topics?: readonly Topic[] | undefined;
  /** Ask for the vendor's `raw` record on entities (secrets stripped by the bridge). */
  readonly raw?: boolean | undefined;
  /** How long `command()` waits for an answer, retries included (30 s by default). */
  readonly commandTimeoutMs?: number | undefined;
  /** How long a `subscribe` may wait for its ack before the connection is dropped and redone (10 s). */
  readonly subscribeTimeoutMs?: number | undefined;
  /** First reconnection delay (500 ms by default); it doubles up to `reconnectDelayMaxMs` (10 s). */
  readonly reconnectDelayMs?: number | undefined;
  readonly reconnectDelayMaxMs?: number | undefined;
  /** socket.io transports, `["websocket"]` by default (no sticky sessions needed). */
  readonly transports?: readonly ('websocket' | 'polling' | 'webtransport')[] | undefined;
}

/** One tenant's mirror: a read-only map per topic, from entity key to the current entity. */
export type TenantState = { readonly [T in Topic]: ReadonlyMap<string, EntityByTopic[T]> };

export interface TenantView {
  readonly name: string;
  readonly state: TenantState;
  /** The `seq` the mirror is at; undefined before the first snapshot. */
  readonly cursor: number | undefined;
  /** True when the mirror is current (subscribed, caught up). */
  readonly live: boolean;
}

/** One change of the mirror. `type` narrows `entity`: `if (e.type === 'agent.paused') e.entity.pauseReason`. */
export interface TopicChange<T extends Topic> {
  readonly tenant: string;
  readonly topic: T;
  readonly key: string;
  /** The event type; for a change found in a snapshot, the type the server gives such a change. */
  readonly type: EventTypeOf<T>;
  /** The entity as it is now, or as it last was when `removed`. */
  readonly entity: EntityByTopic[T];
  /** The mirror's entity before the change; undefined when it is new. */
  readonly previous: EntityByTopic[T] | undefined;
  readonly removed: boolean;
  /** Fields that differ from `previous` (absent on creation and removal). */
  readonly changed: readonly string[] | undefined;
  /** `event`: a live or replayed event; `snapshot`: found by comparing a (re)subscribe snapshot with the mirror. */
  readonly origin: 'event' | 'snapshot';
  /** The event's `seq` and `ts`; undefined when `origin` is `snapshot`. */
  readonly seq: number | undefined;
  readonly ts: string | undefined;
}

/** Any change, discriminated by `topic` (and by `type`). */
export type ChangeEvent = { [T in Topic]: TopicChange<T> }[Topic];

/** `connecting` (first attempt), `resyncing` (connected, catching up), `live`, `offline`. */
export type ConnectionState = 'connecting' | 'live' | 'resyncing' | 'offline';

/** Why the client is offline: the network, a refused token, or `close()`. */
export type OfflineReason = 'disconnected' | 'unauthorized' | 'closed';

/** One source of one tenant, as `hello` announced it, with its health from the `sources` topic. */
export interface SourceHealth {
  readonly id: string;
  readonly tenant: string;
  readonly vendor: string;
  /** `unknown` until the `sources` topic has an entity for it. */
  readonly status: SourceStatus | 'unknown';
  readonly lastOkAt?: string | undefined;
  readonly lastError?: string | undefined;
  /** Commands the vendor supports: a UI hides the others. */
  readonly commands: readonly string[];
}

export interface ClientStatus {
  readonly state: ConnectionState;
  /** Set while `offline`. */
  readonly reason?: OfflineReason | undefined;
  /** True while the client reconnects by itself; false when it waits for `setToken()` (or was closed). */
  readonly retrying: boolean;
  readonly sources: readonly SourceHealth[];
}

/** After a full snapshot replaced (part of) a tenant's mirror. */
export interface SnapshotInfo {
  readonly tenant: string;
  readonly topics: readonly Topic[];
  readonly cursor: number;
  /** True when the server could not replay from the client's cursor (or after a restart). */
  readonly resync: boolean;
}

/** `auth_expiring`: when the current token expires (ISO 8601). */
export interface AuthExpiringInfo {
  readonly expiresAt: string;
}

/** What `renew()` resolves to. */
export interface RenewResult {
  /** When the new token expires (ISO 8601); undefined for a token without expiry. */
  readonly expiresAt?: string | undefined;
  /** Subscriptions the new token does not cover: those tenants' mirrors stop (an `error` each). */
  readonly dropped: readonly DroppedSubscription[];
}

/** Listener signatures of `cb.on(name, listener)`. */
export interface ClientEvents {
  change: (change: ChangeEvent) => void;
  status: (status: ClientStatus) => void;
  snapshot: (info: SnapshotInfo) => void;
  /** `command.updated` for commands this client sent: queued, sent, succeeded/failed, observed. */
  command: (update: CommandUpdateEvent) => void;
  hello: (hello: Hello) => void;
  /**
   * A subscription the bridge refused (e.g. `forbidden`), or an automatic renewal that failed;
   * the other tenants go on.
   */
  error: (error: CallbridgeError) => void;
  /** The token expires at `expiresAt`: the SDK renews it if it can (`renewToken`). */
  auth_expiring: (info: AuthExpiringInfo) => void;
  /**
   * The token expired and the bridge is closing the connection. With a token provider the SDK
   * reconnects with a fresh token; a fixed token waits for `setToken()` (it is not retried).
   */
  auth_expired: (error: CallbridgeError) => void;
}

/** A command's arguments as the caller writes them (before the server's parsing). */
export type CommandArgsInput<T extends CommandType> = z.input<(typeof COMMAND_ARGS)[T]>;

/** Result fields the bridge fills for some commands, beyond the vendor-neutral record. */
export interface KnownCommandResults {
  dial: { callId?: string };
  'callback.request': { trackingId?: string };
}

/** What `await cb.command(type, ...)` resolves to. */
export type CommandResultOf<T extends CommandType> = T extends keyof KnownCommandResults ? CommandResult & KnownCommandResults[T] : CommandResult;

export interface CommandOptions {
  /** The idempotency key; a fresh UUID by default. Retries reuse it. */
  readonly id?: string | undefined;
  /** The tenant (the first one by default). */
  readonly tenant?: string | undefined;
  /** The source, when several of the tenant's sources can do the command. */
  readonly source?: string | undefined;
  /** Overrides `commandTimeoutMs` for this command. */
  readonly timeoutMs?: number | undefined;
  /** This command's `command.updated` events, including `observed` after the result. */
  readonly onUpdate?: ((update: CommandUpdateEvent) => void) | undefined;
}

/** The client `connect()` returns. */
export interface CallbridgeClient {
  /**
   * The first tenant's mirror: a read-only map per topic, keyed like the events.
   * @example cb.state.agents.get('281/101-DEMO')?.paused
   */
  readonly state: TenantState;
  readonly status: ClientStatus;
  /** The last `hello`: tenants, scopes and sources of the token. */
  readonly hello: Hello | undefined;
  /**
   * Another tenant among `connect()`'s `tenants` (a RangeError for any other).
   * @example cb.tenant('globex').state.channels.size
   */
  tenant(name: string): TenantView;
  /**
   * Adds a listener; returns the function that removes it.
   * @example
   * const off = cb.on('change', (e) => { if (e.type === 'agent.paused') alert(e.entity.pauseReason); });
   */
  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void;
  off<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): void;
  /**
   * Resolves once every tenant is live; rejects if the client goes offline for good.
   * @example await cb.ready(); render(cb.state);
   */
  ready(): Promise<void>;
  /**
   * Sends a command; resolves with its result, rejects with a `CallbridgeError`. Resent with the
   * same id when the connection drops before the answer.
   * @example const { callId } = await cb.command('dial', { from: '100', to: '33170200258' });
   */
  command<T extends CommandType>(type: T, args: CommandArgsInput<T>, options?: CommandOptions): Promise<CommandResultOf<T>>;
  /**
   * The token for the next (re)connection; reconnects now if the old one was refused.
   * @example cb.setToken(await renewJwt());
   */
  setToken(token: string | TokenProvider): void;
  /**
   * Replaces the token of the live connection (`auth.renew`) without reconnecting: the
   * subscriptions it still covers go on. A fixed token is replaced for later reconnections too (a
   * token provider stays in charge of those). Offline, it is `setToken(token)`. Rejects with
   * `unauthorized` when the bridge refuses the token (the old one stays in force until it expires).
   * @example const { expiresAt } = await cb.renew(await fetchFreshJwt());
   */
  renew(token: string): Promise<RenewResult>;
  /** Disconnects for good; pending commands reject. */
  close(): void;
}

export type { ErrorCode };
