/**
 * `GET /v1/public/callback/{token}/events`: one callback's progress as Server-Sent Events, for
 * the button on the visitor's page. The stream opens with the current state, sends each change,
 * and ends by itself at a final state (or when the token expires), so an abandoned page costs
 * nothing for long. Streams are capped in total: the route is public.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import { endOrDestroy } from '../server/sse.js';
import type { BridgeEvent } from '../protocol/events.js';
import type { CallbackHandle } from './status-token.js';

export const FINAL_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** What the public sees of a callback: no number, no vendor record. */
export interface PublicCallbackStatus {
  state: string;
  reason?: string;
  observedAt?: string;
}

export function publicStatus(entity: Record<string, unknown> | undefined): PublicCallbackStatus {
  if (!entity) return { state: 'requested' };
  const status: PublicCallbackStatus = { state: typeof entity.state === 'string' ? entity.state : 'requested' };
  if (typeof entity.reason === 'string') status.reason = entity.reason;
  if (typeof entity.observedAt === 'string') status.observedAt = entity.observedAt;
  return status;
}

interface Stream {
  readonly res: ServerResponse;
  readonly handle: CallbackHandle;
  last: string;
}

export interface StatusStreamsOptions {
  bus: Bus;
  logger: Logger;
  /** Open streams at most (all visitors together). */
  maxStreams?: number;
  pingIntervalMs?: number;
}

export class StatusStreams {
  readonly #bus: Bus;
  readonly #logger: Logger;
  readonly #max: number;
  readonly #pingMs: number;
  /** By `tenant\0trackingId`. */
  readonly #byCallback = new Map<string, Set<Stream>>();
  readonly #all = new Set<ServerResponse>();
  readonly #stopListening: () => void;

  constructor(options: StatusStreamsOptions) {
    this.#bus = options.bus;
    this.#logger = options.logger;
    this.#max = options.maxStreams ?? 2000;
    this.#pingMs = options.pingIntervalMs ?? 15_000;
    this.#stopListening = this.#bus.onEvent((event) => this.#dispatch(event));
  }

  get size(): number {
    return this.#all.size;
  }

  get full(): boolean {
    return this.#all.size >= this.#max;
  }

  /** Takes over `res` (hijacked from fastify, headers given) and streams until final or closed. */
  async open(res: ServerResponse, handle: CallbackHandle, headers: Record<string, string>): Promise<void> {
    const id = `${handle.tenant}\0${handle.trackingId}`;
    this.#all.add(res);
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'close',
      'x-accel-buffering': 'no',
    });
    const stream: Stream = { res, handle, last: '' };
    // Registered before the state is read, so a change in between is not missed (a repeat of
    // the same state is filtered by `last`).
    let streams = this.#byCallback.get(id);
    if (!streams) this.#byCallback.set(id, (streams = new Set()));
    streams.add(stream);
    const ping = setInterval(() => !res.writableEnded && res.write(': ping\n\n'), this.#pingMs);
    const expiry = setTimeout(() => res.end(), Math.max(0, Math.min(handle.expiresAt - Date.now(), 2_147_483_647)));
    res.once('close', () => {
      clearInterval(ping);
      clearTimeout(expiry);
      this.#all.delete(res);
      streams.delete(stream);
      if (streams.size === 0 && this.#byCallback.get(id) === streams) this.#byCallback.delete(id);
    });
    try {
      const entity = await this.#bus.entity(handle.tenant, 'callbacks', handle.trackingId);
      this.#send(stream, publicStatus(entity));
    } catch (err) {
      this.#logger.warn({ err }, 'public callback status read failed');
      res.end();
    }
  }

  close(): void {
    this.#stopListening();
    for (const res of this.#all) endOrDestroy(res);
  }

  #dispatch(event: BridgeEvent): void {
    if (event.topic !== 'callbacks') return;
    const streams = this.#byCallback.get(`${event.tenant}\0${event.key}`);
    if (!streams) return;
    // A removed callback (the source let go of it) keeps its last state: `data` still holds it.
    const status = publicStatus(event.data);
    for (const stream of streams) this.#send(stream, status);
  }

  #send(stream: Stream, status: PublicCallbackStatus): void {
    const { res } = stream;
    if (res.writableEnded || res.destroyed) return;
    const data = JSON.stringify(status);
    if (data === stream.last) return;
    stream.last = data;
    res.write(`event: status\ndata: ${data}\n\n`);
    if (FINAL_STATES.has(status.state)) res.end();
  }
}
