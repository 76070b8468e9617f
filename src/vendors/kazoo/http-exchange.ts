/**
 * One JSON exchange with crossbar over an injected undici dispatcher: bounded body, own
 * deadline, never a URL or a body in an error (both can carry the API key or a token).
 */
import type { Dispatcher } from 'undici';
import { RequestNotSentError, ResponseTooLargeError } from '../http-errors.js';

/** Crossbar answers for one account are small; a channel list of a busy account stays < 5 MB. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
export const KAZOO_VENDOR_NAME = 'Kazoo';

export interface JsonExchange {
  method: 'GET' | 'PUT' | 'POST';
  origin: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Reads may be replayed by undici on a fresh socket; actions never. */
  idempotent: boolean;
}

export interface JsonAnswer {
  status: number;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  json: unknown;
  retryAfter: string | undefined;
}

/** The deadline signal combined with the caller's (a command's timeout, a poll's stop). */
export function deadlineSignal(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const deadline = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}

export async function exchangeJson(dispatcher: Dispatcher, request: JsonExchange, signal: AbortSignal): Promise<JsonAnswer> {
  if (signal.aborted) throw new RequestNotSentError();
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers['content-type'] = 'application/json';
  }
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
  return { status: response.statusCode, json, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter };
}

async function readCapped(body: Dispatcher.ResponseData['body'], contentLength: string | string[] | undefined): Promise<string> {
  const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    body.destroy();
    throw new ResponseTooLargeError(MAX_BODY_BYTES);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw new ResponseTooLargeError(MAX_BODY_BYTES);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** Origin and path prefix of the configured crossbar URL (`https://host:8443/api` -> `/api`). */
export function splitBaseUrl(url: string): { origin: string; prefix: string } {
  const parsed = new URL(url);
  return { origin: parsed.origin, prefix: parsed.pathname.replace(/\/+$/, '') };
}
