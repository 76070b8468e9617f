/**
 * A local Axialys WebAppel simulator (vendors README §7.5) for tests and demos.
 *
 * @example
 * const sim = await startWebAppelSimulator({ timings: { callingAfterMs: 50, connectedAfterMs: 100, endedAfterMs: 200 } });
 * // sim.url, sim.email, sim.pass, sim.popups; sim.requests.last('appel')?.query
 * await sim.close();
 */
import { DEFAULT_ETATS, DEFAULT_TIMINGS, WebAppelModel, type EtatWords, type Outcome, type WebAppelTimings } from './model.js';
import { API_PATH, DEFAULT_REPLIES, RequestLog, WebAppelFaults, WebAppelServer, type WebAppelReplies } from './server.js';

export interface WebAppelSimulatorOptions {
  host?: string;
  port?: number;
  email?: string;
  pass?: string;
  popups?: readonly (string | number)[];
  timings?: Partial<WebAppelTimings>;
  etats?: Partial<EtatWords>;
  replies?: Partial<WebAppelReplies>;
  /** `appel`'s answer: `8` (default) or `OK;8`. */
  trackingFormat?: 'bare' | 'ok-prefixed';
  outcome?: (e164: string) => Outcome;
  firstTrackingId?: number;
  latencyMs?: number;
  clock?: () => number;
}

export interface WebAppelSimulator {
  /** The api.php URL. */
  readonly url: string;
  readonly email: string;
  readonly pass: string;
  readonly popups: readonly string[];
  readonly requests: RequestLog;
  readonly model: WebAppelModel;
  readonly faults: WebAppelFaults;
  /** Changes the answer latency of the next requests. */
  setLatency(ms: number): void;
  /**
   * The web server restarting: every connection dropped, the port refusing for `downMs`, then
   * the same port answering again. Callbacks and tracking ids are kept (they live in a database).
   */
  restart(options?: { downMs?: number }): Promise<void>;
  close(): Promise<void>;
}

/** By default, numbers ending in `0000` end in failure (`ECHEC`). */
export const defaultOutcome = (e164: string): Outcome => (e164.endsWith('0000') ? 'failed' : 'completed');

export async function startWebAppelSimulator(options: WebAppelSimulatorOptions = {}): Promise<WebAppelSimulator> {
  const clock = options.clock ?? Date.now;
  const email = options.email ?? 'ops@acme.example';
  const pass = options.pass ?? 'sim-webappel-secret-pass';
  const popups = (options.popups ?? [77, 78]).map(String);
  const model = new WebAppelModel({
    popups,
    timings: { ...DEFAULT_TIMINGS, ...options.timings },
    etats: { ...DEFAULT_ETATS, ...options.etats },
    outcome: options.outcome ?? defaultOutcome,
    clock,
    firstTrackingId: options.firstTrackingId ?? 8,
  });
  const requests = new RequestLog();
  const faults = new WebAppelFaults();
  let latency = options.latencyMs ?? 0;
  const server = new WebAppelServer({
    model,
    email,
    pass,
    requests,
    faults,
    replies: { ...DEFAULT_REPLIES, ...options.replies },
    trackingFormat: options.trackingFormat ?? 'bare',
    latencyMs: () => latency,
    clock,
  });
  const host = options.host ?? '127.0.0.1';
  const address = await server.listen(options.port ?? 0, host);
  let closed = false;
  return {
    url: `http://${host}:${address.port}${API_PATH}`,
    email,
    pass,
    popups,
    requests,
    model,
    faults,
    setLatency: (ms) => {
      latency = ms;
    },
    async restart(restartOptions = {}) {
      if (closed) throw new Error('restart: the simulator is closed');
      await server.close();
      const downMs = restartOptions.downMs ?? 0;
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      if (!closed) await server.listen(address.port, host);
    },
    close: () => {
      closed = true;
      return server.close();
    },
  };
}

export { WebAppelModel, DEFAULT_ETATS, DEFAULT_TIMINGS, type EtatWords, type Outcome, type WebAppelTimings, type Phase, type SimCallback } from './model.js';
export {
  API_PATH,
  DEFAULT_REPLIES,
  FAULT_KINDS,
  RequestLog,
  WebAppelFaults,
  vendorDateTime,
  type WebAppelReplies,
  type LoggedRequest,
  type FaultKind,
  type FaultOptions,
} from './server.js';
