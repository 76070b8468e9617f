/** `connect()`'s options, checked once at the edge, with defaults filled in, then frozen. */
import type { Topic } from '../protocol/entities.js';
import { TOPICS, isTopic } from './topics.js';
import type { ConnectOptions, TokenProvider } from './types.js';

export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
export const DEFAULT_SUBSCRIBE_TIMEOUT_MS = 10_000;
export const DEFAULT_RECONNECT_DELAY_MS = 500;
export const DEFAULT_RECONNECT_DELAY_MAX_MS = 10_000;
/** The bridge's socket.io namespace (protocol §1). */
export const NAMESPACE = '/v1';
/** Tenant names as the bridge accepts them (NameSchema). */
const TENANT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export interface ResolvedOptions {
  /** Origin + namespace, e.g. `https://bridge.example/v1`. */
  readonly uri: string;
  /** socket.io's HTTP path, under the base URL's path: `/socket.io` or `/prefix/socket.io`. */
  readonly path: string;
  readonly token: string | TokenProvider;
  readonly renewToken: TokenProvider | undefined;
  readonly tenants: readonly [string, ...string[]];
  readonly topics: readonly Topic[];
  readonly raw: boolean;
  readonly commandTimeoutMs: number;
  readonly subscribeTimeoutMs: number;
  readonly reconnectDelayMs: number;
  readonly reconnectDelayMaxMs: number;
  readonly transports: readonly ('websocket' | 'polling' | 'webtransport')[];
}

function fail(path: string, rule: string, value: unknown): never {
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  throw new TypeError(`callbridge connect(): ${path} ${rule} (got ${type})`);
}

function positive(path: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(path, 'must be a positive number of milliseconds', value);
  return value;
}

/** The page's URL in a browser, so that `connect('/')` works there; none in Node. */
const pageUrl = (): string | undefined => (globalThis as { location?: { href?: string } }).location?.href;

/**
 * Checks `options` and fills in the defaults. The token is never part of an error message.
 *
 * @example
 * resolveOptions('https://bridge.example/', { token, tenants: ['acme'] }).uri; // 'https://bridge.example/v1'
 */
export function resolveOptions(url: string | URL, options: ConnectOptions): ResolvedOptions {
  let base: URL;
  try {
    base = new URL(String(url), pageUrl());
  } catch {
    return fail('url', 'must be an absolute http(s) URL (or a path, in a browser)', url);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') fail('url', 'must use http: or https:', base.protocol);
  const token = options.token;
  if (!(typeof token === 'function' || (typeof token === 'string' && token !== ''))) {
    fail('token', 'must be a non-empty string or a function returning one', token);
  }
  const renewToken = options.renewToken as unknown;
  if (renewToken !== undefined && typeof renewToken !== 'function') fail('renewToken', 'must be a function returning a token', renewToken);
  const tenants = options.tenants as unknown;
  if (!Array.isArray(tenants) || tenants.length === 0) fail('tenants', 'must be a non-empty array of tenant names', tenants);
  for (const [index, tenant] of (tenants as unknown[]).entries()) {
    if (typeof tenant !== 'string' || !TENANT_NAME.test(tenant)) fail(`tenants[${index}]`, 'must be a tenant name (letters, digits, "_", "." or "-")', tenant);
  }
  const wanted = options.topics ?? TOPICS;
  if (!Array.isArray(wanted) || wanted.length === 0) fail('topics', 'must be a non-empty array of topics', wanted);
  for (const [index, topic] of wanted.entries()) {
    if (!isTopic(topic)) fail(`topics[${index}]`, `must be one of ${TOPICS.join(', ')}`, topic);
  }
  // `sources` feeds status.sources; it is one small entity per source.
  const topics = TOPICS.filter((topic) => topic === 'sources' || wanted.includes(topic));
  const prefix = base.pathname.replace(/\/+$/, '');
  return Object.freeze({
    uri: `${base.origin}${NAMESPACE}`,
    path: `${prefix}/socket.io`,
    token,
    renewToken: options.renewToken,
    tenants: Object.freeze([...new Set(tenants as string[])]) as unknown as readonly [string, ...string[]],
    topics: Object.freeze(topics),
    raw: options.raw === true,
    commandTimeoutMs: positive('commandTimeoutMs', options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS),
    subscribeTimeoutMs: positive('subscribeTimeoutMs', options.subscribeTimeoutMs, DEFAULT_SUBSCRIBE_TIMEOUT_MS),
    reconnectDelayMs: positive('reconnectDelayMs', options.reconnectDelayMs, DEFAULT_RECONNECT_DELAY_MS),
    reconnectDelayMaxMs: positive('reconnectDelayMaxMs', options.reconnectDelayMaxMs, DEFAULT_RECONNECT_DELAY_MAX_MS),
    transports: Object.freeze([...(options.transports ?? ['websocket'])]),
  });
}
