/**
 * A bridge with a WebAppel source (on the simulator, fast timings) and widgets, for the public
 * click-to-call tests.
 */
import { startBridge, type Bridge } from '../../src/bridge.js';
import { parseConfig } from '../../src/config/load.js';
import { startWebAppelSimulator, type WebAppelSimulator, type WebAppelSimulatorOptions } from '../../src/simulators/webappel/index.js';
import { captureLogger, type CapturedLogger } from '../support/log-capture.js';

export const ADMIN_TOKEN = 'public-cb-admin-token-0123456789';
export const PAGE_ORIGIN = 'https://www.acme.example';

export interface PublicCallbackBridge {
  bridge: Bridge;
  sim: WebAppelSimulator;
  url: string;
  logs: CapturedLogger;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Widget fields merged over the default `w_acme_site`. */
  widget?: Record<string, unknown>;
  extraWidgets?: Record<string, unknown>[];
  timings?: { callingAfterMs?: number; connectedAfterMs?: number; endedAfterMs?: number };
  listen?: Record<string, unknown>;
  simulator?: WebAppelSimulatorOptions;
}

export async function startPublicCallbackBridge(options: HarnessOptions = {}): Promise<PublicCallbackBridge> {
  const sim = await startWebAppelSimulator({ ...options.simulator, timings: { callingAfterMs: 50, connectedAfterMs: 100, endedAfterMs: 300, ...options.timings } });
  const logs = captureLogger('debug');
  const config = parseConfig({
    listen: { host: '127.0.0.1', port: 0, ...options.listen },
    auth: { tokens: [{ token: ADMIN_TOKEN, name: 'admin', tenants: ['acme'], scopes: ['*'] }] },
    sources: [
      {
        id: 'webappel',
        vendor: 'webappel',
        url: sim.url,
        email: sim.email,
        pass: sim.pass,
        tenant: 'acme',
        popups: [77, 78],
        poll: '50ms',
        idleCheck: '1m',
        limits: { concurrency: 4, perSecond: 100, queue: 100, timeout: '2s' },
      },
    ],
    widgets: [
      {
        key: 'w_acme_site',
        tenant: 'acme',
        source: 'webappel',
        popup: 77,
        country: 'FR',
        numbers: ['^33[1-7][0-9]{8}$'],
        origins: [PAGE_ORIGIN, 'self'],
        limits: { perIp: '5/10m', perNumber: '2/1h' },
        ...options.widget,
      },
      ...(options.extraWidgets ?? []),
    ],
  });
  const bridge = await startBridge(config, { logger: logs.logger });
  return {
    bridge,
    sim,
    url: bridge.url,
    logs,
    async close() {
      await bridge.close();
      await sim.close();
    },
  };
}

export interface PostResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** POSTs to the public route as a page on `origin` would. */
export async function postCallback(
  url: string,
  body: unknown,
  options: { origin?: string | null; headers?: Record<string, string>; raw?: string } = {},
): Promise<PostResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  const origin = options.origin === undefined ? PAGE_ORIGIN : options.origin;
  if (origin !== null) headers.origin = origin;
  const res = await fetch(`${url}/v1/public/callback`, { method: 'POST', headers, body: options.raw ?? JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
