/**
 * A fault rig: one vendor simulator, a real bridge polling it (startBridge on a config built by
 * parseConfig), the story of calls and agent changes that runs through the fault, and the
 * simulator's true state reduced to the compared fields.
 */
import { startBridge, type Bridge } from '../../../src/bridge.js';
import { parseConfig } from '../../../src/config/load.js';
import type { BridgeEvent } from '../../../src/protocol/events.js';
import { captureLogger } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import type { Judge } from './ledger-client.js';
import type { ComparedFields, StateView } from './views.js';

export const FAULTS_TENANT = 'demo';
export const FAULTS_TOKEN = 'faults-admin-token-0123456789abcdef';

export interface FaultRig {
  readonly vendor: string;
  readonly sourceId: string;
  readonly tenant: string;
  readonly token: string;
  readonly bridge: Bridge;
  /** The compared topics and fields (`sources` included: the source must come back `up`). */
  readonly fields: ComparedFields;
  /** The simulator's state now, reduced to `fields`. */
  truth(): StateView;
  /** Starts (or resumes) the story of calls and agent changes. */
  startScenario(): void;
  stopScenario(): void;
  /** Requests the simulator received so far (polls included). */
  requests(): number;
  close(): Promise<void>;
}

/**
 * Starts a bridge with one source (`sourceConfig`, vendor-specific) serving tenant `demo`, and
 * waits until that source is up.
 *
 * @example
 * const bridge = await startRigBridge({ id: 'mirta-faults', vendor: 'mirta', url: sim.url, ... });
 */
export async function startRigBridge(sourceConfig: Record<string, unknown>): Promise<Bridge> {
  const config = parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    auth: { tokens: [{ token: FAULTS_TOKEN, name: 'faults', tenants: [FAULTS_TENANT], scopes: ['*'] }] },
    sources: [sourceConfig],
  });
  // Poll failures are the point of these tests: keep them out of the output.
  const bridge = await startBridge(config, { logger: captureLogger('error').logger });
  const id = String(sourceConfig.id);
  await waitFor(() => bridge.sources.get(id)?.status === 'up', { timeout: 10_000, message: `${id} never came up` });
  return bridge;
}

/** `sources` in the truth: once the fault has cleared, the source must be `up` again. */
export function sourceUp(sourceId: string): [string, { status: string }] {
  return [sourceId, { status: 'up' }];
}

/**
 * Judges an event against the simulator as it is when the event arrives: a removal of an
 * entity the vendor still has, a phone shown unregistered while it is registered, or a final
 * callback state the vendor does not report, is a false event.
 */
export function judgeAgainst(rig: FaultRig): Judge {
  return (event: BridgeEvent) => {
    if (event.topic === 'sources') return undefined;
    const truth = rig.truth().get(event.topic);
    if (truth === undefined) return undefined;
    const now = truth.get(event.key);
    if (event.removed === true) return now !== undefined ? 'removed while the vendor still has it' : undefined;
    if (event.type === 'peer.unregistered' && now?.status === 'registered') return `${String(event.data.status)} while registered at the vendor`;
    if (event.topic === 'callbacks') {
      const state = (event.data as { state?: unknown }).state;
      if (state !== 'requested' && now !== undefined && now.state !== state) return `callback ${String(state)} while the vendor says ${String(now.state)}`;
    }
    return undefined;
  };
}

/**
 * Starts a rig, runs `body` with it, and closes it whatever happens: each test owns its rig, so
 * the tests of a file can run concurrently.
 *
 * @example
 * await withRig(startMirtaRig, async (rig) => { ... });
 */
export async function withRig<R extends FaultRig>(start: () => Promise<R>, body: (rig: R) => Promise<void>): Promise<void> {
  const rig = await start();
  try {
    await body(rig);
  } finally {
    await rig.close();
  }
}
