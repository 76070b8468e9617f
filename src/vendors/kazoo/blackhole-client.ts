/**
 * The blackhole websocket (Kazoo 4.x: plain WebSocket, JSON frames). One `subscribe` per
 * binding (4.3 ignores the plural `bindings`), replies matched by `request_id` within a bound,
 * an application-level `ping` for liveness (it crosses blackhole's whole pipeline, unlike a
 * websocket ping frame that Cowboy answers alone), and reconnection with capped, jittered
 * backoff. Every frame is validated; anything else is ignored and counted, never thrown.
 *
 * Blackhole replays nothing: each connection is announced as a `session` *before* the first
 * subscribe goes out, so the owner can queue a REST resync ahead of the session's events.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import WebSocket, { type RawData } from 'ws';
import { errorCode } from '../http-errors.js';
import { KazooAuthRefusedError, type KazooAuth } from './auth-client.js';
import { ReplyErrorsSchema, parseFrame, type CallEventData, type CallEventName, type IgnoreReason, type ReplyFrame } from './wire.js';

/** Largest frame accepted; call events are a few kB. */
const MAX_FRAME_BYTES = 1024 * 1024;

export type { IgnoreReason };

export interface CallEvent {
  name: CallEventName;
  data: CallEventData;
  generation: number;
}

export interface BlackholeSession {
  /** Increases with every connection. */
  generation: number;
  /** Resolves once every binding is subscribed; rejects if the connection fails first. */
  subscribed: Promise<void>;
}

export interface BlackholeEvents {
  session: [session: BlackholeSession];
  up: [generation: number];
  /** A connection was lost or an attempt failed; `message` is safe to publish. */
  down: [info: { message: string; attempt: number }];
  event: [event: CallEvent];
  ignored: [reason: IgnoreReason];
}

export interface BlackholeClientOptions {
  url: string;
  accountId: string;
  bindings: readonly string[];
  auth: KazooAuth;
  pingIntervalMs: number;
  /** Bound on every reply: pong, subscribe, and the upgrade handshake. */
  replyTimeoutMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  logger: Logger;
  random?: () => number;
}

/** Blackhole answered a subscribe with `status: error`. */
class SubscribeRefusedError extends Error {
  readonly authFailure: boolean;
  constructor(message: string, authFailure: boolean) {
    super(message);
    this.authFailure = authFailure;
  }
}

interface PendingReply {
  resolve: (frame: ReplyFrame) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class BlackholeClient extends EventEmitter<BlackholeEvents> {
  readonly #options: BlackholeClientOptions;
  readonly #random: () => number;
  readonly #pending = new Map<string, PendingReply>();
  #ws: WebSocket | undefined;
  #generation = 0;
  #attempt = 0;
  #up = false;
  #stopped = true;
  #lastError: string | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  /** When the current socket last delivered any frame (epoch ms). */
  #lastFrameAt = 0;
  #closed: Promise<void> | undefined;

  constructor(options: BlackholeClientOptions) {
    super();
    this.#options = options;
    this.#random = options.random ?? Math.random;
  }

  /** True while subscribed and answering pings. */
  get isUp(): boolean {
    return this.#up;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  /** Closes the socket, cancels timers and pending replies; resolves once the socket is closed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#pingTimer);
    const ws = this.#ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      ws.terminate();
      await this.#closed;
    }
    this.#ws = undefined;
    this.#up = false;
    this.#rejectPending(new Error('blackhole client stopped'));
  }

  /** Kills the current socket (tests, and the owner when it detects a stale session). */
  terminate(): void {
    this.#ws?.terminate();
  }

  #connect(): void {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    this.#lastError = undefined;
    // No `protocols` argument: blackhole rejects any Sec-WebSocket-Protocol with HTTP 400.
    const ws = new WebSocket(this.#options.url, {
      handshakeTimeout: this.#options.replyTimeoutMs,
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES,
    });
    this.#ws = ws;
    this.#closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('open', () => this.#onOpen(ws, generation));
    ws.on('message', (data, isBinary) => this.#onMessage(ws, data, isBinary));
    ws.on('error', (err) => {
      // ws messages can name the host and port; keep the code or the HTTP status only.
      const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1];
      this.#lastError = status ? `blackhole refused the upgrade (HTTP ${status})` : `blackhole connection failed (${errorCode(err) ?? 'error'})`;
    });
    ws.on('close', (code) => this.#onClose(ws, code));
  }

  #onOpen(ws: WebSocket, generation: number): void {
    if (ws !== this.#ws) return;
    const subscribed = this.#subscribeAll(ws);
    subscribed.then(
      () => {
        if (ws !== this.#ws || this.#stopped) return;
        this.#attempt = 0;
        this.#up = true;
        this.#startPing(ws);
        this.#emitSafe('up', generation);
      },
      (err: unknown) => {
        if (ws !== this.#ws) return;
        this.#lastError =
          err instanceof SubscribeRefusedError || err instanceof KazooAuthRefusedError
            ? err.message
            : `blackhole subscribe failed (${errorCode(err) ?? 'no reply'})`;
        ws.terminate();
      },
    );
    this.#emitSafe('session', { generation, subscribed });
  }

  async #subscribeAll(ws: WebSocket): Promise<void> {
    const token = await this.#options.auth.token();
    const replies = this.#options.bindings.map((binding) =>
      this.#send(ws, {
        action: 'subscribe',
        auth_token: token,
        data: { account_id: this.#options.accountId, binding },
      }),
    );
    const results = await Promise.allSettled(replies);
    for (const result of results) {
      if (result.status === 'rejected') throw result.reason;
      if (result.value.status === 'success') continue;
      const errors = ReplyErrorsSchema.safeParse(result.value.data).data?.errors ?? [];
      // Blackhole quotes the refused token ("failed to authenticate token <token>").
      const text = this.#options.auth
        .redact(errors.join('; '))
        .replace(/(token )(?!\[redacted\])\S+/gi, '$1[redacted]')
        .slice(0, 200);
      const authFailure = /authenticat/i.test(text);
      // The session holds an unusable token: the next attempt must log in again.
      if (authFailure) this.#options.auth.invalidate(token);
      throw new SubscribeRefusedError(`blackhole refused the subscription: ${text || 'error'}`, authFailure);
    }
  }

  /** Sends one request and resolves with its reply (matched by request_id). */
  #send(ws: WebSocket, message: Record<string, unknown>): Promise<ReplyFrame> {
    const requestId = randomUUID();
    return new Promise<ReplyFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new Error(`no blackhole reply within ${this.#options.replyTimeoutMs} ms`));
      }, this.#options.replyTimeoutMs);
      this.#pending.set(requestId, { resolve, reject, timer });
      ws.send(JSON.stringify({ ...message, request_id: requestId }), (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.#pending.delete(requestId);
        reject(new Error('blackhole send failed'));
      });
    });
  }

  #startPing(ws: WebSocket): void {
    clearInterval(this.#pingTimer);
    let outstanding = false;
    this.#pingTimer = setInterval(() => {
      if (outstanding || ws !== this.#ws) return;
      outstanding = true;
      this.#send(ws, { action: 'ping' }).then(
        () => {
          outstanding = false;
        },
        () => {
          outstanding = false;
          // Silence is death: a socket that stopped answering never says so itself. But under
          // a burst the pong queues behind the events on the same socket: any recent frame
          // proves the session alive (killing it would drop the frames in flight).
          if (ws !== this.#ws) return;
          if (Date.now() - this.#lastFrameAt < this.#options.replyTimeoutMs) return;
          this.#lastError = 'blackhole stopped answering pings';
          this.#options.logger.warn({ vendor: 'kazoo', op: 'blackhole' }, 'no pong: reconnecting');
          ws.terminate();
        },
      );
    }, this.#options.pingIntervalMs);
    this.#pingTimer.unref();
  }

  #onMessage(ws: WebSocket, raw: RawData, isBinary: boolean): void {
    if (ws !== this.#ws) return;
    this.#lastFrameAt = Date.now();
    if (isBinary) return this.#ignore('binary');
    const frame = parseFrame(raw.toString());
    if (frame.kind === 'ignored') return this.#ignore(frame.reason);
    if (frame.kind === 'event') {
      this.#emitSafe('event', { name: frame.name, data: frame.data, generation: this.#generation });
      return;
    }
    const pending = this.#pending.get(frame.reply.request_id);
    if (!pending) return this.#ignore('unmatched_reply');
    this.#pending.delete(frame.reply.request_id);
    clearTimeout(pending.timer);
    pending.resolve(frame.reply);
  }

  #onClose(ws: WebSocket, code: number): void {
    if (ws !== this.#ws) return;
    clearInterval(this.#pingTimer);
    this.#rejectPending(new Error('blackhole connection closed'));
    this.#up = false;
    if (this.#stopped) return;
    this.#attempt++;
    const message = this.#lastError ?? `blackhole connection closed (code ${code})`;
    this.#options.logger.warn({ vendor: 'kazoo', op: 'blackhole', attempt: this.#attempt, reason: message }, 'blackhole down');
    this.#emitSafe('down', { message, attempt: this.#attempt });
    const delay = this.#backoff(this.#attempt);
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  /** Exponential from `initialDelayMs`, capped, with jitter in [half, full] of the step. */
  #backoff(attempt: number): number {
    const step = Math.min(this.#options.maxDelayMs, this.#options.initialDelayMs * 2 ** Math.min(attempt - 1, 20));
    return Math.round(step / 2 + (this.#random() * step) / 2);
  }

  #rejectPending(err: Error): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(err);
    }
    this.#pending.clear();
  }

  #ignore(reason: IgnoreReason): void {
    this.#emitSafe('ignored', reason);
  }

  /** eventemitter3 aborts an emit when a listener throws: one bad listener must not kill the socket. */
  #emitSafe<E extends keyof BlackholeEvents>(event: E, ...args: BlackholeEvents[E]): void {
    try {
      (this.emit as (event: E, ...args: BlackholeEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      this.#options.logger.error({ err, vendor: 'kazoo', op: 'blackhole', event }, 'blackhole listener failed');
    }
  }
}
