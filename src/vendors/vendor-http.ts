/**
 * The HTTP transport every polled vendor shares: one undici Pool per origin (or an injected
 * dispatcher), GETs with explicit timeouts, commands never replayed, bodies read with a size cap.
 * It throws the raw transport errors of http-errors.ts (HttpStatusError, ResponseTooLargeError,
 * RequestNotSentError, undici's own); each vendor client classifies them (poll or command) and
 * adds what is its own: query building, auth, vendor error texts. It never logs: vendor URLs
 * carry credentials.
 */
import { Pool, type Dispatcher } from 'undici';
import { HttpStatusError, RequestNotSentError, ResponseTooLargeError, parseRetryAfter } from './http-errors.js';

export type VendorRequestKind = 'poll' | 'command';

export interface VendorHttpOptions {
  origin: string;
  /** Tests and callers that share a Pool inject one; otherwise a Pool is created on first use. */
  dispatcher?: Dispatcher;
  connections: number;
  maxBodyBytes: number;
}

export interface VendorGetOptions {
  /** Path and query string, e.g. `/pbx/proxyapi.php?reqtype=PEERS`. */
  path: string;
  headers?: Record<string, string>;
  kind: VendorRequestKind;
  timeoutMs: number;
  signal: AbortSignal;
  /** Statuses answered as an empty body instead of an error (XiVO's 204 and 304). */
  emptyStatuses?: ReadonlySet<number>;
  /** Called for a non-2xx status before the generic HttpStatusError; may throw its own error. */
  onErrorStatus?: (status: number) => void;
}

/** The caller's signal combined with the request's own deadline. */
export function deadlineSignal(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const deadline = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}

function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

export class VendorHttp {
  readonly #origin: string;
  readonly #injected: Dispatcher | undefined;
  readonly #connections: number;
  readonly #maxBodyBytes: number;
  #pool: Pool | undefined;

  constructor(options: VendorHttpOptions) {
    this.#origin = options.origin;
    this.#injected = options.dispatcher;
    this.#connections = options.connections;
    this.#maxBodyBytes = options.maxBodyBytes;
  }

  /**
   * GETs `path` and returns the body as text.
   *
   * @example
   * const text = await http.get({ path: '/api.php?methode=appel_listing', kind: 'poll', timeoutMs: 4000, signal });
   */
  async get(options: VendorGetOptions): Promise<string> {
    if (options.signal.aborted) throw new RequestNotSentError();
    const response = await this.#dispatcher().request({
      origin: this.#origin,
      path: options.path,
      method: 'GET',
      headers: options.headers ?? {},
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      // A command may be a GET but is not idempotent: undici must never replay it on a fresh socket.
      idempotent: options.kind === 'poll',
      blocking: options.kind === 'command',
      signal: options.signal,
    });
    const status = response.statusCode;
    if (options.emptyStatuses?.has(status)) {
      discard(response.body);
      return '';
    }
    if (status < 200 || status > 299) {
      discard(response.body);
      options.onErrorStatus?.(status);
      throw new HttpStatusError(status, parseRetryAfter(response.headers['retry-after']));
    }
    return this.#readCapped(response.body, response.headers['content-length']);
  }

  async #readCapped(body: Dispatcher.ResponseData['body'], contentLength: string | string[] | undefined): Promise<string> {
    const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
    if (Number.isFinite(declared) && declared > this.#maxBodyBytes) {
      discard(body);
      throw new ResponseTooLargeError(this.#maxBodyBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.#maxBodyBytes) {
        discard(body);
        throw new ResponseTooLargeError(this.#maxBodyBytes);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  }

  #dispatcher(): Dispatcher {
    if (this.#injected) return this.#injected;
    // Undici's defaults are 300 s; each request sets its own timeouts, these are only the floor.
    this.#pool ??= new Pool(this.#origin, { connections: this.#connections, connectTimeout: 10_000, keepAliveTimeout: 4_000 });
    return this.#pool;
  }

  /** Closes the Pool it created (an injected dispatcher belongs to its owner). */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close();
  }
}
