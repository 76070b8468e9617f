/**
 * A local Kazoo 4.3 for tests and the demo: crossbar REST and the blackhole websocket on two
 * loopback ports (as in Kazoo, where crossbar is :8000 and blackhole :5555), one shared model.
 *
 * @example
 * const sim = await startKazooSimulator({ tokenTtlMs: 1000 });
 * // config: { rest: sim.restUrl, websocket: sim.websocketUrl, accountId: sim.accountId, apiKey: sim.apiKey }
 * sim.model.startCall({ from: sim.deviceIds[0], to: '33170200258' });
 * sim.dropSockets();
 * sim.faults.arm({ kind: 'http500', times: Infinity, path: '/agents' }); // crossbar faults
 * sim.blackhole.faults.duplicate = true;                                // frame faults
 * await sim.restart({ downMs: 500 });                                    // both ports, state kept
 * await sim.close();
 */
import type { AddressInfo } from 'node:net';
import { BlackholeServer, type BlackholeMessageRecord } from './blackhole-server.js';
import type { Flavor } from './blackhole-bindings.js';
import { CrossbarFaults } from './crossbar-faults.js';
import { createCrossbarServer, type CrossbarRequestRecord } from './crossbar-server.js';
import type { SimFlags } from './crossbar-routes.js';
import { KazooModel } from './model.js';
import { KazooScenario, type KazooScenarioOptions } from './scenario.js';
import { Scheduler } from '../scheduler.js';
import { seedModel } from './seed.js';
import { DEFAULT_TOKEN_TTL_MS, TokenStore } from './tokens.js';

export interface KazooSimulatorOptions {
  host?: string;
  /** Lifetime of api_auth tokens (Kazoo: 3600 s). */
  tokenTtlMs?: number;
  /** `4.3` (open source: singular `binding` only) or `5.x` (plural `bindings`, newer reply shape). */
  flavor?: Flavor;
  idleTimeoutMs?: number;
  maxConnectionsPerIp?: number;
  /** `PUT /v2/api_auth` per second before 429 (0 = unlimited). */
  apiAuthPerSecond?: number;
  metaflows?: boolean;
  actionDelayMs?: number;
  quickcallAnswerMs?: number;
}

export interface KazooSimulator {
  readonly restUrl: string;
  readonly websocketUrl: string;
  readonly accountId: string;
  readonly apiKey: string;
  /** A second account: its calls must never reach the first account's sessions. */
  readonly otherAccountId: string;
  readonly otherApiKey: string;
  readonly deviceIds: readonly string[];
  readonly userIds: readonly string[];
  readonly queueIds: readonly string[];
  readonly model: KazooModel;
  readonly tokens: TokenStore;
  readonly flags: SimFlags;
  /** Every crossbar request, in order. */
  readonly requests: CrossbarRequestRecord[];
  /** Every blackhole client message, in order. */
  readonly wsMessages: BlackholeMessageRecord[];
  readonly blackhole: BlackholeServer;
  /** Scripted crossbar faults (HTTP errors, garbage, truncated bodies, hangs). */
  readonly faults: CrossbarFaults;
  scenario(options?: KazooScenarioOptions): KazooScenario;
  /** Kills every blackhole socket. */
  dropSockets(): void;
  /** Stops answering on the blackhole without closing (a hung node). */
  setSilent(silent: boolean): void;
  /**
   * Kazoo restarting and keeping its state (calls, tokens, agents): crossbar and blackhole drop
   * every connection and refuse new ones for `downMs`, then answer again on the same ports.
   * `only: 'blackhole'` restarts the websocket node alone.
   */
  restart(options?: { downMs?: number; only?: 'blackhole' }): Promise<void>;
  close(): Promise<void>;
}

export async function startKazooSimulator(options: KazooSimulatorOptions = {}): Promise<KazooSimulator> {
  const host = options.host ?? '127.0.0.1';
  const model = new KazooModel();
  const seed = seedModel(model);
  const tokens = new TokenStore({ ttlMs: options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS });
  const scheduler = new Scheduler({ unref: true });
  const flags: SimFlags = {
    metaflows: options.metaflows ?? true,
    actionDelayMs: options.actionDelayMs ?? 5,
    quickcallAnswerMs: options.quickcallAnswerMs ?? 100,
  };
  const requests: CrossbarRequestRecord[] = [];
  const wsMessages: BlackholeMessageRecord[] = [];
  const faults = new CrossbarFaults();
  const crossbar = createCrossbarServer({ model, tokens, scheduler, flags, log: requests, apiAuthPerSecond: options.apiAuthPerSecond ?? 0, faults });
  await new Promise<void>((resolve, reject) => {
    crossbar.once('error', reject);
    crossbar.listen(0, host, () => resolve());
  });
  const blackhole = new BlackholeServer({
    model,
    tokens,
    flavor: options.flavor ?? '4.3',
    idleTimeoutMs: options.idleTimeoutMs ?? 3_600_000,
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? 0,
    log: wsMessages,
  });
  const wsPort = await blackhole.listen(host);
  const restPort = (crossbar.address() as AddressInfo).port;
  const scenarios: KazooScenario[] = [];
  let closed = false;
  const restartCrossbar = async (downMs: number): Promise<void> => {
    crossbar.closeAllConnections();
    await new Promise<void>((resolve) => crossbar.close(() => resolve()));
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    if (closed) return;
    await new Promise<void>((resolve, reject) => {
      crossbar.once('error', reject);
      crossbar.listen(restPort, host, () => {
        crossbar.off('error', reject);
        resolve();
      });
    });
  };

  return {
    restUrl: `http://${host}:${restPort}`,
    websocketUrl: `ws://${host}:${wsPort}`,
    ...seed,
    model,
    tokens,
    flags,
    requests,
    wsMessages,
    blackhole,
    faults,
    scenario(scenarioOptions) {
      const scenario = new KazooScenario(model, scenarioOptions);
      scenarios.push(scenario);
      return scenario;
    },
    dropSockets: () => blackhole.dropAll(),
    setSilent: (silent) => {
      blackhole.silent = silent;
    },
    async restart(restartOptions = {}) {
      const downMs = restartOptions.downMs ?? 0;
      if (restartOptions.only === 'blackhole') return blackhole.restart(downMs);
      await Promise.all([blackhole.restart(downMs), restartCrossbar(downMs)]);
    },
    async close() {
      closed = true;
      for (const scenario of scenarios) scenario.stop();
      scheduler.cancelAll();
      model.close();
      await blackhole.close();
      crossbar.closeAllConnections();
      await new Promise<void>((resolve) => crossbar.close(() => resolve()));
    },
  };
}

export { KazooModel } from './model.js';
export { KazooScenario, type KazooScenarioOptions } from './scenario.js';
export { seededRandom } from '../seeded-random.js';
export type { SimLeg, SimDevice, SimUser, AcdcStatus } from './model-types.js';
export type { CrossbarRequestRecord } from './crossbar-server.js';
export type { BlackholeMessageRecord } from './blackhole-server.js';
export { CrossbarFaults, CROSSBAR_FAULT_KINDS, type CrossbarFaultKind, type CrossbarFaultSpec } from './crossbar-faults.js';
export { BlackholeFaults, type ReorderSpec } from './blackhole-faults.js';
