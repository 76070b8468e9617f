/**
 * A MiRTA PBX `proxyapi.php` on a loopback port: stateful, lively, and as quirky as the vendor
 * (HTTP 200 auth errors, 0-byte empties, `]`, `null`). The bridge's tests and demo poll it over
 * real HTTP. See docs/vendors/mirta.md for the contract it speaks.
 */
import { z } from 'zod';
import { MirtaFaults } from './faults.js';
import { MirtaModel } from './model.js';
import { DEFAULT_REPLIES, DEFAULT_TIMINGS } from './options.js';
import type { ChannelKeyCase, CommandTimings, LatencyOptions, ReplyTexts } from './options.js';
import { RequestLog } from './request-log.js';
import { scenarioDriver } from './scenario.js';
import type { ScenarioDriver, ScenarioOptions } from './scenario.js';
import { Scheduler } from '../scheduler.js';
import { defaultSeed, makeKeys } from './seed.js';
import type { MirtaKeys, MirtaKeysInput, MirtaSeed } from './seed.js';
import { MirtaServer } from './server.js';

export { MirtaModel, CallError } from './model.js';
export type { AgentPauseSpec, ChannelFilter, FlowChange, MirtaModelOptions, OriginateSpec, PeerStatusOptions, StartCallSpec, StartedCall } from './model.js';
export type * from './model-types.js';
export { FLOW_STATES, CHANNEL_STATE_CODES } from './model-types.js';
export { MirtaFaults, FAULT_KINDS } from './faults.js';
export type { FaultKind, FaultSpec } from './faults.js';
export { RequestLog } from './request-log.js';
export type { LoggedRequest } from './request-log.js';
export { defaultSeed, makeKeys } from './seed.js';
export type { MirtaKeys, MirtaKeysInput, MirtaSeed, SeedExtension, SeedFlow, SeedQueue, SeedTenant, TenantKeys } from './seed.js';
export { DEFAULT_REPLIES, DEFAULT_TIMINGS, VENDOR_LATENCY } from './options.js';
export type { ChannelKeyCase, CommandTimings, LatencyOptions, ReplyTexts } from './options.js';
export { scenarioDriver } from './scenario.js';
export type { ScenarioDriver, ScenarioOptions } from './scenario.js';
export { AUTH_ERROR_BODY } from './formats.js';

export const DEFAULT_PATHS = ['/pbx/proxyapi.php', '/mirtapbx/proxyapi.php'] as const;

export interface MirtaSimulatorOptions {
  /** 0 (a free port) by default. */
  readonly port?: number;
  /** 127.0.0.1 by default. */
  readonly host?: string;
  /** Paths served; the first one is `url`'s. */
  readonly paths?: readonly string[];
  readonly seed?: MirtaSeed;
  /** Fixed keys; the missing ones are random. */
  readonly keys?: MirtaKeysInput;
  /** Extra delay per reqtype; none by default. */
  readonly latency?: LatencyOptions;
  readonly timings?: Partial<CommandTimings>;
  readonly replies?: Partial<ReplyTexts>;
  /** CHANNELS key case; `ami` (CamelCase) by default. */
  readonly channelKeyCase?: ChannelKeyCase;
  /** ms since the epoch, for every timestamp shown; `Date.now` by default. */
  readonly clock?: () => number;
  /** Receives errors thrown inside the simulator (scheduled steps, handler bugs). */
  readonly onError?: (err: unknown) => void;
}

export interface MirtaSimulator {
  /** Full URL, path included: `http://127.0.0.1:PORT/pbx/proxyapi.php`. */
  readonly url: string;
  /** One URL per served path. */
  readonly urls: readonly string[];
  readonly port: number;
  readonly model: MirtaModel;
  readonly requests: RequestLog;
  readonly faults: MirtaFaults;
  readonly keys: MirtaKeys;
  /** Replaces the latency settings (e.g. `VENDOR_LATENCY`) for the next requests. */
  setLatency(latency: LatencyOptions): void;
  /** A driver that animates the model; stopped by `close()`. */
  scenario(options?: ScenarioOptions): ScenarioDriver;
  /**
   * A PBX restart that keeps its state: every connection is dropped (hanging requests
   * included), the port refuses connections for `downMs`, then the same port answers again
   * with the same model. Calls and timers go on meanwhile, as on a web front end restart.
   */
  restart(options?: RestartOptions): Promise<void>;
  /** Stops the server, drops hanging requests, cancels every timer and scenario. */
  close(): Promise<void>;
}

export interface RestartOptions {
  /** How long the port refuses connections; 0 by default. */
  readonly downMs?: number;
}

const nonNegativeMs = z.number().int().min(0).max(600_000);
const OptionsSchema = z.object({
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  paths: z.array(z.string().startsWith('/')).min(1).default([...DEFAULT_PATHS]),
  timings: z
    .strictObject({
      originateMs: nonNegativeMs.optional(),
      sourceAnswerMs: nonNegativeMs.optional(),
      destAnswerMs: nonNegativeMs.optional(),
      commandMs: nonNegativeMs.optional(),
    })
    .default({}),
  channelKeyCase: z.enum(['ami', 'lower']).default('ami'),
});

function defaultOnError(err: unknown): void {
  process.emitWarning(`MiRTA simulator: ${err instanceof Error ? err.message : String(err)}`);
}

/**
 * Starts a MiRTA proxyapi.php simulator.
 * @example
 * const sim = await startMirtaSimulator();
 * const res = await request(`${sim.url}?reqtype=PEERS&key=${sim.keys.admin}&format=json`);
 * await sim.close();
 */
export async function startMirtaSimulator(options: MirtaSimulatorOptions = {}): Promise<MirtaSimulator> {
  const parsed = OptionsSchema.parse({
    port: options.port,
    host: options.host,
    paths: options.paths,
    timings: options.timings,
    channelKeyCase: options.channelKeyCase,
  });
  const clock = options.clock ?? Date.now;
  const onError = options.onError ?? defaultOnError;
  const seed = options.seed ?? defaultSeed();
  const model = new MirtaModel(seed, { clock });
  const keys = makeKeys(seed.tenants.map((t) => t.code), options.keys);
  const requests = new RequestLog();
  const faults = new MirtaFaults();
  const scheduler = new Scheduler({ onError });
  const drivers = new Set<ScenarioDriver>();
  let latency: LatencyOptions = options.latency ?? {};
  const timings: CommandTimings = Object.freeze({ ...DEFAULT_TIMINGS, ...stripUndefined(parsed.timings) });
  const server = new MirtaServer({
    model,
    keys,
    requests,
    faults,
    scheduler,
    paths: parsed.paths,
    timings,
    replies: Object.freeze({ ...DEFAULT_REPLIES, ...options.replies }),
    channelKeyCase: parsed.channelKeyCase,
    latency: () => latency,
    clock,
    onError,
  });
  const port = await server.listen(parsed.port, parsed.host);
  const hostForUrl = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  const urls = parsed.paths.map((path) => `http://${hostForUrl}:${port}${path}`);
  let closed: Promise<void> | undefined;

  return {
    url: urls[0] ?? '',
    urls,
    port,
    model,
    requests,
    faults,
    keys,
    setLatency(next) {
      latency = next;
    },
    scenario(scenarioOptions) {
      const driver = scenarioDriver(model, scenarioOptions);
      drivers.add(driver);
      return driver;
    },
    async restart(restartOptions = {}) {
      if (closed) throw new Error('restart: the simulator is closed');
      await server.close();
      if ((restartOptions.downMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, restartOptions.downMs));
      if (closed) return;
      await server.listen(port, parsed.host);
    },
    close() {
      closed ??= (async () => {
        for (const driver of drivers) driver.stop();
        scheduler.cancelAll();
        await server.close();
      })();
      return closed;
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
