/**
 * A bridge on its own MiRTA simulator (the demo's two tenants), for the demand bench: one with
 * demand-driven polling (`polling.idleInterval`), one with constant polling (`idleInterval: 0`),
 * each simulator's request log counting what its bridge asked.
 */
import type { Logger } from 'pino';
import { startBridge, type Bridge } from '../../src/bridge.js';
import { parseConfig } from '../../src/config/load.js';
import { defaultSeed, startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';

export const DEMAND_TOKEN = 'demand-bench-token-0123456789';
/** Bridge tenant -> MiRTA code: the demo's mapping of the default seed. */
export const DEMAND_TENANTS: Readonly<Record<string, string>> = Object.freeze({ demo: 'DEMO', globex: 'GLOBEX' });

/**
 * Poll settings: `demo` is what `npm start` runs (fast intervals, a generous budget); `defaults`
 * is a source config without `poll` or `limits` (the MiRTA source's defaults).
 */
export const POLL_PROFILES = {
  demo: {
    poll: { peers: '2s', channels: '500ms', blfs: '500ms', flows: '2s', agents: '1s', queues: '2s', extensions: '30s' },
    limits: { concurrency: 4, perSecond: 40, queue: 100, timeout: '5s' },
  },
  defaults: { poll: undefined, limits: undefined },
} as const;
export type PollProfile = keyof typeof POLL_PROFILES;

export interface DemandBridgeOptions {
  /** `polling.idleInterval` in ms; 0 = constant polling. */
  readonly idleIntervalMs: number;
  readonly profile: PollProfile;
  readonly logger: Logger;
}

export interface DemandBridge {
  readonly bridge: Bridge;
  readonly sim: MirtaSimulator;
  /** The active poll interval per topic (ms), as the config resolved it. */
  readonly intervals: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * @example
 * const watched = await startDemandBridge({ idleIntervalMs: 60_000, profile: 'demo', logger });
 * const perMinute = watched.sim.requests.count('BLFS');
 */
export async function startDemandBridge(options: DemandBridgeOptions): Promise<DemandBridge> {
  const sim = await startMirtaSimulator({ seed: defaultSeed() });
  const { poll, limits } = POLL_PROFILES[options.profile];
  const config = parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    auth: { tokens: [{ token: DEMAND_TOKEN, name: 'demand-bench', tenants: Object.keys(DEMAND_TENANTS), scopes: ['events:read'] }] },
    polling: { idleInterval: options.idleIntervalMs },
    sources: [
      {
        id: 'mirta-demand',
        vendor: 'mirta',
        url: sim.url,
        key: sim.keys.admin,
        admin: true,
        tenants: DEMAND_TENANTS,
        ...(poll ? { poll } : {}),
        ...(limits ? { limits } : {}),
      },
    ],
  });
  let bridge: Bridge;
  try {
    bridge = await startBridge(config, { logger: options.logger });
  } catch (err) {
    await sim.close();
    throw err;
  }
  const source = config.sources[0];
  const intervals = source?.vendor === 'mirta' ? { ...source.poll } : {};
  return {
    bridge,
    sim,
    intervals,
    async close() {
      await bridge.close();
      await sim.close();
    },
  };
}
