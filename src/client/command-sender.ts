/**
 * Commands with at-most-once effect over an unreliable connection. Each command has one id (the
 * bridge's idempotency key, protocol §4): when the connection drops before the ack, the same
 * body with the same id is sent again after the reconnection, and the bridge answers with the
 * first attempt's outcome (waiting for it if it is still running) without calling the vendor
 * twice. Commands are only emitted on a connected socket, never left in socket.io's send buffer,
 * so a reconnection cannot send one twice behind our back.
 */
import type { CommandResult, CommandType } from '../protocol/commands.js';
import type { CommandUpdateEvent } from '../protocol/events.js';
import { CallbridgeError, errorFromAck } from './errors.js';

/** How long `onUpdate` keeps listening after the result, for `observed` (the bridge's window is 30 s). */
const OBSERVE_WINDOW_MS = 35_000;

export interface CommandEnvelope {
  id: string;
  tenant: string;
  type: CommandType;
  source?: string;
  args: Record<string, unknown>;
}

export interface CommandTransport {
  readonly connected: boolean;
  /** Emits `command` and calls `done` once: with the ack, or with an error (timeout, disconnection). */
  emit(envelope: CommandEnvelope, timeoutMs: number, done: (err: Error | null, ack?: unknown) => void): void;
}

interface Pending {
  readonly envelope: CommandEnvelope;
  readonly deadline: number;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly resolve: (result: CommandResult) => void;
  readonly reject: (err: CallbridgeError) => void;
  /** Bumped per emission and per disconnection: a stale callback is ignored. */
  attempt: number;
  inFlight: boolean;
  sent: boolean;
}

const isOkAck = (ack: unknown): ack is { ok: true; result?: CommandResult } =>
  typeof ack === 'object' && ack !== null && (ack as { ok?: unknown }).ok === true;

export class CommandSender {
  readonly #transport: CommandTransport;
  readonly #pending = new Map<string, Pending>();
  readonly #listeners = new Map<string, { listener: (update: CommandUpdateEvent) => void; timer?: ReturnType<typeof setTimeout> }>();

  constructor(transport: CommandTransport) {
    this.#transport = transport;
  }

  /**
   * Sends `envelope` now or on the next connection; settles within `timeoutMs`.
   *
   * @example
   * const result = await sender.send({ id, tenant: 'acme', type: 'hangup', args: { channel } }, 30_000);
   */
  send(envelope: CommandEnvelope, timeoutMs: number, onUpdate?: (update: CommandUpdateEvent) => void): Promise<CommandResult> {
    if (this.#pending.has(envelope.id)) {
      return Promise.reject(
        new CallbridgeError({ code: 'duplicate', message: `command id "${envelope.id}" is already in flight`, retryable: false }),
      );
    }
    if (onUpdate) this.#listeners.set(envelope.id, { listener: onUpdate });
    return new Promise<CommandResult>((resolve, reject) => {
      const timer = setTimeout(() => this.#expire(envelope.id), timeoutMs);
      const pending: Pending = { envelope, deadline: Date.now() + timeoutMs, timer, resolve, reject, attempt: 0, inFlight: false, sent: false };
      this.#pending.set(envelope.id, pending);
      this.#transmit(pending);
    });
  }

  /** The socket (re)connected: sends what is waiting, with the same ids. */
  connected(): void {
    for (const pending of this.#pending.values()) if (!pending.inFlight) this.#transmit(pending);
  }

  /** The socket is gone: acks of the dead connection will never come. */
  disconnected(): void {
    for (const pending of this.#pending.values()) {
      pending.attempt += 1;
      pending.inFlight = false;
    }
  }

  /** A `command.updated` event: to the command's `onUpdate`, until its last state. */
  update(update: CommandUpdateEvent): void {
    const entry = this.#listeners.get(update.key);
    if (!entry) return;
    entry.listener(update);
    if (update.data.state === 'observed' || update.data.state === 'failed') this.#forget(update.key);
  }

  /** Rejects everything pending (the client is closing). */
  close(): void {
    for (const id of [...this.#pending.keys()]) this.#expire(id, 'the client was closed');
    for (const id of [...this.#listeners.keys()]) this.#forget(id);
  }

  #transmit(pending: Pending): void {
    const left = pending.deadline - Date.now();
    if (!this.#transport.connected || left <= 0) return;
    const attempt = ++pending.attempt;
    pending.inFlight = true;
    pending.sent = true;
    this.#transport.emit(pending.envelope, left, (err, ack) => {
      if (attempt !== pending.attempt || this.#pending.get(pending.envelope.id) !== pending) return;
      pending.inFlight = false;
      // No ack on this connection: the deadline decides, or the next connection resends.
      if (err) return;
      this.#settle(pending, ack);
    });
  }

  #settle(pending: Pending, ack: unknown): void {
    const { id } = pending.envelope;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    if (isOkAck(ack)) {
      pending.resolve(ack.result ?? {});
      // `observed` may follow the result; stop listening after the bridge's window.
      const entry = this.#listeners.get(id);
      if (entry) {
        entry.timer = setTimeout(() => this.#forget(id), OBSERVE_WINDOW_MS);
        // In Node, listening for `observed` must not keep a finished script alive.
        (entry.timer as { unref?: () => void }).unref?.();
      }
      return;
    }
    this.#forget(id);
    pending.reject(errorFromAck(ack));
  }

  #expire(id: string, why?: string): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    this.#forget(id);
    const error = pending.sent
      ? new CallbridgeError({
          code: 'timeout',
          message: `${why ?? 'no answer in time'}: the command may or may not have been carried out`,
          retryable: false,
        })
      : new CallbridgeError({ code: 'unavailable', message: `${why ?? 'no connection in time'}: the command was not sent`, retryable: true });
    pending.reject(error);
  }

  #forget(id: string): void {
    const entry = this.#listeners.get(id);
    if (entry?.timer !== undefined) clearTimeout(entry.timer);
    this.#listeners.delete(id);
  }
}
