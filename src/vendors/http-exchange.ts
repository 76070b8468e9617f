/**
 * One exchange with a vendor's HTTP API (Kazoo crossbar, 3CX) over an injected undici
 * dispatcher: JSON or form body, bounded answer, own deadline, never a URL or a body in an
 * error (both can carry an API key, a client secret or a token).
 */
import type { Dispatcher } from 'undici';
import { RequestNotSentError, ResponseTooLargeError } from './http-errors.js';

/**
 * Answers stay well below: a crossbar channel list of a busy account < 5 MB, a 3CX
 * `/callcontrol` tree of a large PBX (hundreds of DNs, their devices and calls) less.
 */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface Exchange {
  method: 'GET' | 'PUT' | 'POST';
  origin: string;
  path: string;
  headers?: Record<string, string>;
  /** JSON-encoded when an object; `form` sends `application/x-www-form-urlencoded`. */
  body?: { json: unknown } | { form: Record<string, string> };
  timeoutMs: number;
  /** Reads may be replayed by undici on a fresh socket; actions never. */
  idempotent: boolean;
}

export interface Answer {
  status: number;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  json: unknown;
  /** The raw text (3CX answers some errors as plain text). */
  text: string;
  retryAfter: string | undefined;
}

/** The deadline signal combined with the caller's (a command's timeout, a poll's stop). */
export function deadlineSignal(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const deadline = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}

function encodeBody(body: Exchange['body'], headers: Record<string, string>): string | undefined {
  if (body === undefined) return undefined;
  if ('form' in body) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    return new URLSearchParams(body.form).toString();
  }
  headers['content-type'] = 'application/json';
  return JSON.stringify(body.json);
}

/**
 * @example
 * const answer = await exchange(pool, { method: 'GET', origin, path: '/callcontrol', timeoutMs: 5000, idempotent: true }, signal);
 */
export async function exchange(dispatcher: Dispatcher, request: Exchange, signal: AbortSignal): Promise<Answer> {
  if (signal.aborted) throw new RequestNotSentError();
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  const body = encodeBody(request.body, headers);
  const response = await dispatcher.request({
    origin: request.origin,
    path: request.path,
    method: request.method,
    headers,
    body,
    headersTimeout: request.timeoutMs,
    bodyTimeout: request.timeoutMs,
    idempotent: request.idempotent,
    blocking: !request.idempotent,
    signal,
  });
  const text = await readCapped(response.body, response.headers['content-length']);
  let json: unknown;
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  const retryAfter = response.headers['retry-after'];
  return { status: response.statusCode, json, text, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter };
}

async function readCapped(body: Dispatcher.ResponseData['body'], contentLength: string | string[] | undefined): Promise<string> {
  const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    body.on('error', () => undefined);
    body.destroy();
    throw new ResponseTooLargeError(MAX_BODY_BYTES);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      body.on('error', () => undefined);
      body.destroy();
      throw new ResponseTooLargeError(MAX_BODY_BYTES);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** Origin and path prefix of the configured URL (`https://host/pbx` -> `/pbx`). */
export function splitBaseUrl(url: string): { origin: string; prefix: string } {
  const parsed = new URL(url);
  return { origin: parsed.origin, prefix: parsed.pathname.replace(/\/+$/, '') };
}
