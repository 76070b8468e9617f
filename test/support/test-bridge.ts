/**
 * A whole bridge for end-to-end tests: the MiRTA simulator on a loopback port (no scenario:
 * tests drive it), a bridge polling it over real HTTP, and captured logs.
 */
import { startBridge, type Bridge } from '../../src/bridge.js';
import { parseConfig } from '../../src/config/load.js';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { captureLogger, type CapturedLogger } from './log-capture.js';
import { waitFor } from './wait-for.js';

export const E2E_TOKENS = {
  /** Every scope on both demo tenants. */
  admin: 'e2e-admin-token-0123456789abcdef',
  /** Read-only on `demo`. */
  reader: 'e2e-reader-token-0123456789abcdef',
  /** Everything, but only on `globex`. */
  globex: 'e2e-globex-token-0123456789abcdef',
} as const;

export interface TestBridge {
  bridge: Bridge;
  sim: MirtaSimulator;
  url: string;
  logs: CapturedLogger;
  close(): Promise<void>;
}

export interface TestBridgeOptions {
  /** Overrides merged into the MiRTA source config (poll, limits, url...). */
  source?: Record<string, unknown>;
  /** Top-level config keys merged over the defaults (`clients`, `polling`...). */
  config?: Record<string, unknown>;
}

export async function startTestBridge(options: TestBridgeOptions = {}): Promise<TestBridge> {
  const sim = await startMirtaSimulator();
  const logs = captureLogger('debug');
  const config = parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    auth: {
      tokens: [
        { token: E2E_TOKENS.admin, name: 'admin', tenants: ['demo', 'globex'], scopes: ['*'] },
        { token: E2E_TOKENS.reader, name: 'reader', tenants: ['demo'], scopes: ['events:read'] },
        { token: E2E_TOKENS.globex, name: 'globex', tenants: ['globex'], scopes: ['*'] },
      ],
    },
    sources: [
      {
        id: 'mirta-e2e',
        vendor: 'mirta',
        url: sim.url,
        key: sim.keys.admin,
        admin: true,
        tenants: { demo: 'DEMO', globex: 'GLOBEX' },
        poll: { peers: '100ms', channels: '50ms', blfs: '50ms', flows: '100ms', agents: '100ms', queues: '200ms', extensions: '1s' },
        limits: { concurrency: 4, perSecond: 200, queue: 100, timeout: '2s' },
        health: { downAfter: 2 },
        ...options.source,
      },
    ],
    ...options.config,
  });
  const bridge = await startBridge(config, { logger: logs.logger });
  // Tests act on a bridge whose first polls have landed: a change made before the first sample
  // would show up as an addition, not as the transition the test expects.
  await waitFor(
    async () => {
      for (const topic of ['peers', 'flows', 'agents', 'queues'] as const) {
        if ((await bridge.bus.entities('demo', topic)).size === 0) return false;
      }
      return true;
    },
    { timeout: 10_000, message: 'the first polls did not land' },
  );
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
