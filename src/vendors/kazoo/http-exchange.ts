/**
 * Crossbar speaks JSON only: the shared exchange (../http-exchange.ts) with a JSON body given
 * as is, and the vendor's name for errors.
 */
import type { Dispatcher } from 'undici';
import { exchange, type Answer, type Exchange } from '../http-exchange.js';

export { deadlineSignal, splitBaseUrl } from '../http-exchange.js';

export const KAZOO_VENDOR_NAME = 'Kazoo';

export interface JsonExchange extends Omit<Exchange, 'body'> {
  /** Sent as JSON. */
  body?: unknown;
}

export type JsonAnswer = Pick<Answer, 'status' | 'json' | 'retryAfter'>;

/**
 * @example
 * const answer = await exchangeJson(pool, { method: 'GET', origin, path: '/v2/accounts/a1/channels', timeoutMs: 5000, idempotent: true }, signal);
 */
export function exchangeJson(dispatcher: Dispatcher, request: JsonExchange, signal: AbortSignal): Promise<JsonAnswer> {
  const { body, ...rest } = request;
  return exchange(dispatcher, body === undefined ? rest : { ...rest, body: { json: body } }, signal);
}
