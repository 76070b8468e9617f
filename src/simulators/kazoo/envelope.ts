/**
 * Crossbar's response envelope (api_util.erl `create_default_resp_envelope`): every answer,
 * success or error, carries `auth_token` (the caller's, echoed), `request_id`, `node`,
 * `timestamp`, `version`; errors add `error` (the status as a string) and `message`.
 */
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { SIM_KAZOO_VERSION } from './payloads.js';

const NODE = 'crossbar@sim.kazoo.local';

export interface EnvelopeOptions {
  authToken?: string;
  /** `success` normally; channel actions answer `accepted` (cb_channels 202). */
  status?: string;
  topLevel?: Record<string, unknown>;
}

function base(authToken: string | undefined): Record<string, unknown> {
  return {
    auth_token: authToken ?? '',
    request_id: randomBytes(16).toString('hex'),
    node: NODE,
    timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    version: SIM_KAZOO_VERSION,
  };
}

/** Per-response rewrites of the body text (crossbar faults: a truncated answer). */
const bodyFilters = new WeakMap<ServerResponse, (text: string) => string>();

/** The body `res` is answered with goes through `filter` first (Content-Length follows). */
export function filterBody(res: ServerResponse, filter: (text: string) => string): void {
  bodyFilters.set(res, filter);
}

function send(res: ServerResponse, code: number, body: Record<string, unknown>): void {
  const json = JSON.stringify(body);
  const text = bodyFilters.get(res)?.(json) ?? json;
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendSuccess(res: ServerResponse, code: number, data: unknown, options: EnvelopeOptions = {}): void {
  send(res, code, { ...base(options.authToken), revision: 'undefined', ...options.topLevel, data, status: options.status ?? 'success' });
}

export function sendError(res: ServerResponse, code: number, message: string, data: unknown = {}, authToken?: string): void {
  send(res, code, { ...base(authToken), data, error: String(code), message, status: 'error' });
}

/** A crossbar validation error: `{field: {rule: {message, cause?}}}`, 400 `invalid data`. */
export function sendValidation(res: ServerResponse, field: string, rule: string, message: string, authToken?: string, cause?: unknown): void {
  const detail: Record<string, unknown> = { message };
  if (cause !== undefined) detail.cause = cause;
  sendError(res, 400, 'invalid data', { [field]: { [rule]: detail } }, authToken);
}
