/**
 * A local 3CX v20 (Call Control API) for tests and the demo: `/connect/token`, the
 * `/callcontrol` REST API and the `/callcontrol/ws` notification socket on one loopback port,
 * over one model of DNs, devices and participants.
 *
 * @example
 * const sim = await startThreeCxSimulator({ tokenTtlMs: 2000 });
 * // config: { url: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret }
 * sim.model.incomingCall({ from: '33170200258', to: '100' });
 * sim.dropSockets();
 * await sim.close();
 */
import type { AddressInfo } from 'node:net';
import { ThreeCxModel } from './model.js';
import { RequestLog } from './request-log.js';
import { ThreeCxScenario, type ThreeCxScenarioOptions } from './scenario.js';
import { Scheduler } from '../scheduler.js';
import { seedModel, type SeedResult } from './seed.js';
import { createThreeCxServer, type SimFlags } from './server.js';
import { DEFAULT_TOKEN_TTL_MS, TokenStore } from './tokens.js';
import { CallControlWsServer } from './ws-server.js';

export interface ThreeCxSimulatorOptions {
  host?: string;
  /** Lifetime of access tokens (3CX: about an hour). `expires_in` says it in whole seconds, rounded down. */
  tokenTtlMs?: number;
  /** A call placed or transferred is answered after this long (< 0: never). */
  answerMs?: number;
  /** Close websockets whose token expired (default true). */
  closeOnTokenExpiry?: boolean;
  clientId?: string;
  clientSecret?: string;
}

export interface FailOptions {
  count?: number;
  path?: RegExp;
  body?: string;
}

export interface ThreeCxSimulator extends SeedResult {
  /** Base URL (`http://127.0.0.1:port`); the websocket is `ws://127.0.0.1:port/callcontrol/ws`. */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly model: ThreeCxModel;
  readonly tokens: TokenStore;
  readonly flags: SimFlags;
  /** Every HTTP request and websocket upgrade, in order. */
  readonly requests: RequestLog;
  readonly ws: CallControlWsServer;
  scenario(options?: ThreeCxScenarioOptions): ThreeCxScenario;
  /**
   * The next `count` (default 1) REST requests matching `path` (default: every `/callcontrol`
   * one) answer `status`, with `body` as-is when given (a corrupt answer).
   *
   * @example sim.failNext(503, { count: 2, path: /\/participants\/\d+$/ });
   */
  failNext(status: number, options?: FailOptions): void;
  /** `/connect/token` answers `status` from now on (undefined: normal again). */
  setTokenStatus(status: number | undefined): void;
  /** Kills every websocket. */
  dropSockets(): void;
  /** Stops pushing and stops answering pings, sockets left open (a silently dropped connection). */
  setSilent(silent: boolean): void;
  close(): Promise<void>;
}

/** Starts the simulator on a free port. */
export async function startThreeCxSimulator(options: ThreeCxSimulatorOptions = {}): Promise<ThreeCxSimulator> {
  const host = options.host ?? '127.0.0.1';
  const clientId = options.clientId ?? 'callbridge';
  const clientSecret = options.clientSecret ?? 'tcx-sim-Qm9yZ2V0LW1lLW5vdA';
  const model = new ThreeCxModel();
  const seed = seedModel(model);
  const tokens = new TokenStore({ ttlMs: options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS });
  const scheduler = new Scheduler({ unref: true });
  const flags: SimFlags = { answerMs: options.answerMs ?? 100, faults: [] };
  const requests = new RequestLog();
  const ws = new CallControlWsServer({ model, tokens, log: requests, closeOnTokenExpiry: options.closeOnTokenExpiry ?? true });
  const server = createThreeCxServer({ model, tokens, scheduler, flags, log: requests, ws, clientId, clientSecret });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const scenarios: ThreeCxScenario[] = [];

  return {
    url: `http://${host}:${port}`,
    clientId,
    clientSecret,
    ...seed,
    model,
    tokens,
    flags,
    requests,
    ws,
    scenario(scenarioOptions) {
      const scenario = new ThreeCxScenario(model, scenarioOptions);
      scenarios.push(scenario);
      return scenario;
    },
    failNext(status, options = {}) {
      flags.faults.push({ status, count: options.count ?? 1, path: options.path, body: options.body });
    },
    setTokenStatus(status) {
      if (status === undefined) delete flags.tokenStatus;
      else flags.tokenStatus = status;
    },
    dropSockets: () => ws.dropAll(),
    setSilent: (silent) => {
      ws.silent = silent;
    },
    async close() {
      for (const scenario of scenarios) scenario.stop();
      scheduler.cancelAll();
      model.close();
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export { ThreeCxModel, EXTERNAL_LINE_DN, type ActionOutcome } from './model.js';
export { ThreeCxScenario, type ThreeCxScenarioOptions } from './scenario.js';
export { seededRandom } from '../seeded-random.js';
export type { SimDevice, SimDn, SimParticipant, SimNotification } from './model-types.js';
export type { ThreeCxLoggedRequest } from './request-log.js';
