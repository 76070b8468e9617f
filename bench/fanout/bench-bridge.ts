/**
 * A real callbridge for the fan-out bench: the MiRTA simulator with one `BENCH` tenant, polled
 * over loopback HTTP by `startBridge`, exactly as the demo runs.
 */
import type { Logger } from 'pino';
import { startBridge, type Bridge } from '../../src/bridge.js';
import { parseConfig } from '../../src/config/load.js';
import { startMirtaSimulator, type MirtaSeed, type MirtaSimulator } from '../../src/simulators/mirta/index.js';

export const BENCH_TENANT = 'bench';
export const BENCH_CODE = 'BENCH';
export const BENCH_TOKEN = 'bench-token-0123456789abcdef';
export const FIRST_FLOW_NUMBER = 8000;
/**
 * Every bench client connects from 127.0.0.1, and `clients.connectionsPerIp` defaults to 1,000
 * (src/server/client-limits.ts): raised so that CLIENTS (up to 5,000) is never refused.
 */
const BENCH_CONNECTIONS_PER_IP = 100_000;

export interface BenchBridgeOptions {
  readonly extensions: number;
  readonly flows: number;
  /** FLOWS poll interval: fast for the e2e phase, demo-like otherwise. */
  readonly flowsPollMs: number;
  readonly logger: Logger;
}

export interface BenchBridge {
  readonly bridge: Bridge;
  readonly sim: MirtaSimulator;
  /** Flow numbers of the BENCH tenant, in order. */
  readonly flowNumbers: readonly string[];
  close(): Promise<void>;
}

function benchSeed(extensions: number, flows: number): MirtaSeed {
  return {
    tenants: [
      {
        code: BENCH_CODE,
        name: 'Bench Ltd',
        node: 'pbx1',
        extensions: Array.from({ length: extensions }, (_, i) => ({ number: String(1000 + i), name: `Phone ${i}` })),
        flows: Array.from({ length: flows }, (_, i) => ({
          number: String(FIRST_FLOW_NUMBER + i),
          name: `Flow ${i}`,
          state: 'NOT_INUSE' as const,
          value: 'initial',
        })),
      },
    ],
  };
}

/**
 * @example
 * const { bridge, sim, close } = await startBenchBridge({ extensions: 200, flows: 200, flowsPollMs: 2000, logger });
 */
export async function startBenchBridge(options: BenchBridgeOptions): Promise<BenchBridge> {
  const sim = await startMirtaSimulator({ seed: benchSeed(options.extensions, options.flows) });
  const config = parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    auth: { tokens: [{ token: BENCH_TOKEN, name: 'bench', tenants: [BENCH_TENANT], scopes: ['*'] }] },
    clients: { connectionsPerIp: BENCH_CONNECTIONS_PER_IP },
    sources: [
      {
        id: 'mirta-bench',
        vendor: 'mirta',
        url: sim.url,
        key: sim.keys.admin,
        admin: true,
        tenants: { [BENCH_TENANT]: BENCH_CODE },
        // The demo's intervals, but no queues in this seed (so no agents/queues polls).
        poll: { peers: '2s', channels: '500ms', blfs: '500ms', flows: options.flowsPollMs, agents: 0, queues: 0, extensions: '30s' },
        limits: { concurrency: 4, perSecond: 1000, queue: 100, timeout: '5s' },
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
  return {
    bridge,
    sim,
    flowNumbers: Array.from({ length: options.flows }, (_, i) => String(FIRST_FLOW_NUMBER + i)),
    async close() {
      await bridge.close();
      await sim.close();
    },
  };
}
