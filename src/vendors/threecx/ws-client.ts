/**
 * The Call Control websocket (`/callcontrol/ws`, bearer token in the upgrade request). 3CX
 * pushes `{sequence, event:{event_type, entity}}` notifications and replays nothing, so every
 * connection is announced as a `session` before its first frame is read: the owner queues a
 * full resync ahead of the session's notifications.
 *
 * - The token is fixed at the handshake [K], so when the auth client would refresh it the
 *   socket is replaced: a new one is opened with a fresh token and the old one closed only once
 *   the new one is open, so no notification falls in between (`#renew`).
 * - Liveness: a websocket ping at once and every `pingIntervalMs`; no pong and no other frame
 *   within `pongTimeoutMs` means a silently dropped connection (a NAT or proxy forgot it, or
 *   a hung PBX): terminate and reconnect. The socket counts as up from its first answer.
 * - Reconnects with capped, jittered backoff. Every frame is validated; anything else is
 *   ignored and counted, never thrown.
 */
import { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import WebSocket, { type RawData } from 'ws';
import { errorCode } from '../http-errors.js';
import { ThreeCxAuthRefusedError, type ThreeCxAuth, type TokenLease } from './auth-client.js';
import { parseEntityPath, type EntityRef } from './entity-path.js';
import { parseFrame, type IgnoreReason } from './parsers.js';

/** Largest frame accepted; notifications are a few hundred bytes. */
const MAX_FRAME_BYTES = 256 * 1024;

export interface WsNotification {
  type: 'upsert' | 'remove';
  ref: EntityRef;
  generation: number;
}

export interface CallControlWsEvents {
  /** A connection opened; its notifications follow. */
  session: [generation: number];
  up: [generation: number];
  /** A connection was lost or an attempt failed; `message` is safe to publish. */
  down: [info: { message: string; attempt: number }];
  notification: [notification: WsNotification];
  ignored: [reason: IgnoreReason];
}

export interface CallControlWsOptions {
  url: string;
  auth: ThreeCxAuth;
  pingIntervalMs: number;
  /** Bound on a pong and on the upgrade handshake. */
  pongTimeoutMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  logger: Logger;
  random?: () => number;
}

const LOG = { vendor: '3cx', op: 'callcontrol-ws' } as const;

export class CallControlWs extends EventEmitter<CallControlWsEvents> {
  readonly #options: CallControlWsOptions;
  readonly #random: () => number;
  /** The socket whose frames count. */
  #ws: WebSocket | undefined;
  /** Its replacement, opening with a fresh token. */
  #next: WebSocket | undefined;
  #generation = 0;
  #attempt = 0;
  #up = false;
  #stopped = true;
  #lastError: string | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #pongTimer: NodeJS.Timeout | undefined;
  /** When the current socket last delivered any frame, pongs included (epoch ms). */
  #lastFrameAt = 0;
  readonly #closing = new Set<Promise<void>>();

  constructor(options: CallControlWsOptions) {
    super();
    this.#options = options;
    this.#random = options.random ?? Math.random;
  }

  /** True while a connection is open and answers (from its first pong or frame on). */
  get isUp(): boolean {
    return this.#up;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#connect();
  }

  /** Closes the sockets and cancels timers; resolves once they are closed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clearTimers();
    clearTimeout(this.#reconnectTimer);
    this.#ws?.terminate();
    this.#next?.terminate();
    await Promise.all(this.#closing);
    this.#ws = undefined;
    this.#next = undefined;
    this.#up = false;
  }

  /** Kills the current socket (tests, and an owner that knows the session is stale). */
  terminate(): void {
    this.#ws?.terminate();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    this.#lastError = undefined;
    const lease = await this.#lease();
    if (this.#stopped) return;
    if (!lease) return this.#retry('no connection');
    this.#ws = this.#open(lease);
  }

  /** A token for the upgrade, or undefined (with `#lastError` set) when none could be had. */
  async #lease(): Promise<TokenLease | undefined> {
    try {
      return await this.#options.auth.lease();
    } catch (err) {
      this.#lastError = err instanceof ThreeCxAuthRefusedError ? err.message : `3CX token request failed (${errorCode(err) ?? 'error'})`;
      return undefined;
    }
  }

  #open(lease: TokenLease): WebSocket {
    const ws = new WebSocket(this.#options.url, {
      headers: { authorization: `Bearer ${lease.token}` },
      handshakeTimeout: this.#options.pongTimeoutMs,
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES,
    });
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    this.#closing.add(closed);
    void closed.then(() => this.#closing.delete(closed));
    ws.on('open', () => this.#onOpen(ws, lease));
    ws.on('message', (data, isBinary) => this.#onMessage(ws, data, isBinary));
    ws.on('pong', () => this.#alive(ws));
    ws.on('error', (err) => {
      // ws messages can name the host and port; keep the HTTP status or the code only.
      const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1];
      // The token is the only thing in the upgrade 3CX can refuse: the next attempt gets a new one.
      if (status === '401') this.#options.auth.invalidate(lease.token);
      this.#lastError = status ? `3CX refused the websocket upgrade (HTTP ${status})` : `3CX websocket connection failed (${errorCode(err) ?? 'error'})`;
    });
    ws.on('close', (code) => this.#onClose(ws, code));
    return ws;
  }

  #onOpen(ws: WebSocket, lease: TokenLease): void {
    if (this.#stopped) return;
    if (ws === this.#next) {
      // The replacement is open: from now on its frames count, and the old socket goes.
      const old = this.#ws;
      this.#next = undefined;
      this.#ws = ws;
      old?.terminate();
    } else if (ws !== this.#ws) return;
    this.#clearTimers();
    this.#lastFrameAt = 0;
    this.#emitSafe('session', ++this.#generation);
    // Up only once the far end answers: a hung PBX accepts upgrades and then says nothing.
    this.#startPing(ws);
    this.#scheduleRenewal(ws, lease.refreshAt - Date.now(), lease.token);
  }

  #scheduleRenewal(ws: WebSocket, delayMs: number, staleToken?: string): void {
    clearTimeout(this.#renewTimer);
    this.#renewTimer = setTimeout(() => void this.#renew(ws, staleToken), Math.max(0, delayMs));
    this.#renewTimer.unref();
  }

  /** Opens a replacement with a fresh token; the current socket stays until it is open. */
  async #renew(ws: WebSocket, staleToken: string | undefined): Promise<void> {
    if (ws !== this.#ws || this.#stopped || this.#next) return;
    this.#options.logger.debug(LOG, 'replacing the websocket with one on a fresh token');
    // A timer may fire a hair early: make sure the replacement does not get this token back.
    if (staleToken !== undefined) this.#options.auth.invalidate(staleToken);
    const fresh = await this.#lease();
    if (ws !== this.#ws || this.#stopped) return;
    // No token now: keep the socket and try again; if 3CX closes it first, the usual reconnect runs.
    if (!fresh) return this.#scheduleRenewal(ws, this.#backoff(1));
    this.#next = this.#open(fresh);
  }

  /** Any frame (a pong included) from the current socket. */
  #alive(ws: WebSocket): void {
    if (ws !== this.#ws) return;
    this.#lastFrameAt = Date.now();
    if (this.#up || this.#stopped) return;
    this.#up = true;
    this.#attempt = 0;
    this.#emitSafe('up', this.#generation);
  }

  #startPing(ws: WebSocket): void {
    const ping = () => {
      if (ws !== this.#ws || this.#pongTimer !== undefined) return;
      const sentAt = Date.now();
      ws.ping();
      this.#pongTimer = setTimeout(() => {
        this.#pongTimer = undefined;
        // Any frame since the ping proves the connection alive (a pong queues behind a burst).
        if (ws !== this.#ws || this.#lastFrameAt >= sentAt) return;
        this.#lastError = '3CX websocket stopped answering pings';
        this.#options.logger.warn(LOG, 'no pong: reconnecting');
        ws.terminate();
      }, this.#options.pongTimeoutMs);
      this.#pongTimer.unref();
    };
    ping();
    this.#pingTimer = setInterval(ping, this.#options.pingIntervalMs);
    this.#pingTimer.unref();
  }

  #onMessage(ws: WebSocket, raw: RawData, isBinary: boolean): void {
    if (ws !== this.#ws) return;
    this.#alive(ws);
    if (isBinary) return this.#ignore('binary');
    const frame = parseFrame(raw.toString());
    if (frame.kind === 'ignored') return this.#ignore(frame.reason);
    const ref = parseEntityPath(frame.entity);
    if (!ref) return this.#ignore('unknown_entity');
    this.#emitSafe('notification', { type: frame.type, ref, generation: this.#generation });
  }

  #onClose(ws: WebSocket, code: number): void {
    if (this.#stopped) return;
    if (ws === this.#next) {
      // The replacement failed; the current socket carries on and renewal is tried again.
      this.#next = undefined;
      this.#options.logger.warn({ ...LOG, reason: this.#lastError ?? `code ${code}` }, 'websocket replacement failed');
      this.#lastError = undefined;
      if (this.#ws) this.#scheduleRenewal(this.#ws, this.#backoff(1));
      return;
    }
    if (ws !== this.#ws) return;
    this.#clearTimers();
    this.#up = false;
    // A replacement still opening belongs to the lost session: the reconnect starts afresh.
    const next = this.#next;
    this.#next = undefined;
    next?.terminate();
    this.#retry(`3CX websocket closed (code ${code})`);
  }

  /** Reports the failed attempt and schedules the next one. */
  #retry(fallback: string): void {
    this.#attempt++;
    const message = this.#lastError ?? fallback;
    this.#options.logger.warn({ ...LOG, attempt: this.#attempt, reason: message }, '3CX websocket down');
    this.#emitSafe('down', { message, attempt: this.#attempt });
    this.#reconnectTimer = setTimeout(() => void this.#connect(), this.#backoff(this.#attempt));
  }

  /** Exponential from `initialDelayMs`, capped, with jitter in [half, full] of the step. */
  #backoff(attempt: number): number {
    const step = Math.min(this.#options.maxDelayMs, this.#options.initialDelayMs * 2 ** Math.min(attempt - 1, 20));
    return Math.round(step / 2 + (this.#random() * step) / 2);
  }

  #clearTimers(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    clearTimeout(this.#renewTimer);
  }

  #ignore(reason: IgnoreReason): void {
    this.#emitSafe('ignored', reason);
  }

  /** eventemitter3 aborts an emit when a listener throws: one bad listener must not kill the socket. */
  #emitSafe<E extends keyof CallControlWsEvents>(event: E, ...args: CallControlWsEvents[E]): void {
    try {
      (this.emit as (event: E, ...args: CallControlWsEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      this.#options.logger.error({ err, ...LOG, event }, '3CX websocket listener failed');
    }
  }
}
