/**
 * A real bridge for the profile tests: tokens with and without `profiles:admin`, optional
 * config-file sources and data directory, captured logs, and a small REST client.
 */
import { startBridge, type Bridge } from '../../../src/bridge.js';
import { parseConfig } from '../../../src/config/load.js';
import { captureLogger, type CapturedLogger } from '../../support/log-capture.js';

export const TOKENS = {
  /** Every scope on acme and globex. */
  admin: 'profiles-admin-token-0123456789',
  /** profiles:admin and events:read on acme only. */
  profiles: 'profiles-only-token-0123456789',
  /** commands:admin but not profiles:admin, on acme. */
  commandsAdmin: 'profiles-cmdadmin-token-0123456789',
  /** Every scope, on globex only. */
  globex: 'profiles-globex-token-0123456789',
} as const;

export interface ProfileBridgeOptions {
  /** Config-file sources (validated with the config schema). */
  sources?: Record<string, unknown>[];
  dataDir?: string;
  /** Reuse the captured logs of an earlier bridge (restart tests read one log). */
  logs?: CapturedLogger;
}

export interface ProfileBridge {
  readonly bridge: Bridge;
  readonly url: string;
  readonly logs: CapturedLogger;
  /** Sends a request with `token` (none when null) and reads the JSON answer. */
  api(method: string, path: string, options?: ApiOptions): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export interface ApiOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is (not JSON-encoded) when a string. */
  rawBody?: string;
  contentType?: string;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON (undefined for an empty body). */
  body: Record<string, unknown> & { data?: unknown; message?: string };
  text: string;
}

export async function startProfileBridge(options: ProfileBridgeOptions = {}): Promise<ProfileBridge> {
  const logs = options.logs ?? captureLogger('debug');
  const config = parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    auth: {
      tokens: [
        { token: TOKENS.admin, name: 'admin', tenants: ['acme', 'globex'], scopes: ['*'] },
        { token: TOKENS.profiles, name: 'ops', tenants: ['acme'], scopes: ['profiles:admin', 'events:read'] },
        { token: TOKENS.commandsAdmin, name: 'crm', tenants: ['acme'], scopes: ['commands:admin', 'events:read'] },
        { token: TOKENS.globex, name: 'globex', tenants: ['globex'], scopes: ['*'] },
      ],
    },
    sources: options.sources ?? [],
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
  const bridge = await startBridge(config, { logger: logs.logger });
  return {
    bridge,
    url: bridge.url,
    logs,
    api: (method, path, apiOptions = {}) => api(bridge.url, method, path, apiOptions),
    close: () => bridge.close(),
  };
}

export async function api(url: string, method: string, path: string, options: ApiOptions = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? TOKENS.admin : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as ApiAnswer['body']), text };
}

/** The `data` of a success envelope, as a record. */
export const dataOf = (answer: ApiAnswer): Record<string, unknown> => answer.body.data as Record<string, unknown>;
