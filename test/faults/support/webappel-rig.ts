/**
 * WebAppel under faults: website callbacks requested through the bridge (`callback.request`,
 * every 150 ms, some delayed, some to numbers that fail, some cancelled while they wait), each
 * ringing, talking and ending at the simulator in about half a second, and a bridge polling the
 * listing every 100 ms. The truth covers the callbacks the bridge was told about: a request
 * whose answer was lost may exist at the vendor without the bridge ever knowing its id.
 */
import { randomUUID } from 'node:crypto';
import type { Topic } from '../../../src/protocol/entities.js';
import { startWebAppelSimulator, type WebAppelSimulator } from '../../../src/simulators/webappel/index.js';
import { connectClient, type BridgeClient } from '../../support/bridge-client.js';
import { FAULTS_TENANT, FAULTS_TOKEN, sourceUp, startRigBridge, type FaultRig } from './rig.js';
import { truthView, type Projection } from './views.js';

export const WEBAPPEL_SOURCE = 'webappel-faults';
const POPUP = '77';
const REQUEST_EVERY_MS = 150;

/** Final `etat` -> the protocol's state (docs/vendors/webappel.md); `requested` until then. */
const FINAL_STATE: Readonly<Record<string, string>> = { OK: 'completed', ECHEC: 'failed', ANNULE: 'cancelled' };

export interface WebAppelRig extends FaultRig {
  readonly sim: WebAppelSimulator;
  /** Commands answered `ok: false` (expected only while `appel` itself is faulted). */
  readonly refused: () => number;
}

interface Ack {
  ok: boolean;
  result?: { trackingId?: string };
}

/**
 * @example
 * const rig = await startWebAppelRig();
 * rig.sim.faults.arm('http500', { count: Infinity, methode: 'appel_listing' });
 */
export async function startWebAppelRig(): Promise<WebAppelRig> {
  const sim = await startWebAppelSimulator({
    popups: [POPUP],
    timings: { callingAfterMs: 100, connectedAfterMs: 250, endedAfterMs: 500, delayScale: 0.2 },
  });
  const bridge = await startRigBridge({
    id: WEBAPPEL_SOURCE,
    vendor: 'webappel',
    url: sim.url,
    email: sim.email,
    pass: sim.pass,
    tenant: FAULTS_TENANT,
    popups: [POPUP],
    poll: '100ms',
    idleCheck: '300ms',
    limits: { concurrency: 4, perSecond: 500, queue: 200, timeout: '1s' },
    health: { downAfter: 3 },
  }).catch(async (err: unknown) => {
    await sim.close();
    throw err;
  });
  const commander: BridgeClient = await connectClient(bridge.url, FAULTS_TOKEN);
  const known = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let sent = 0;
  let refused = 0;

  const command = (type: 'callback.request' | 'callback.cancel', args: Record<string, unknown>): Promise<Ack> =>
    commander
      .call<Ack>('command', { id: randomUUID(), tenant: FAULTS_TENANT, source: WEBAPPEL_SOURCE, type, args }, 3_000)
      .catch(() => ({ ok: false }));
  const step = async (n: number): Promise<void> => {
    // Every third number fails at the vendor (`ECHEC`); every fourth request waits 1 s (200 ms
    // scaled) and is cancelled while it waits.
    const number = n % 3 === 0 ? '33170200000' : `3317020${String(1 + (n % 9000)).padStart(4, '0')}`;
    const cancel = n % 4 === 0;
    const ack = await command('callback.request', { popup: POPUP, number, delaySec: cancel || n % 2 === 1 ? 1 : 0 });
    const trackingId = ack.result?.trackingId;
    if (!ack.ok || trackingId === undefined) {
      refused += 1;
      return;
    }
    known.add(trackingId);
    if (cancel) await command('callback.cancel', { popup: POPUP, trackingId });
  };

  const truth = () =>
    truthView([
      [
        'callbacks',
        [...known].flatMap((id): [string, Projection][] => {
          const cb = sim.model.callbacks.get(id);
          if (!cb) return [];
          const etat = sim.model.etat(cb);
          return [[id, { state: etat === undefined ? 'requested' : (FINAL_STATE[etat] ?? 'failed') }]];
        }),
      ],
      ['sources', [sourceUp(WEBAPPEL_SOURCE)]],
    ] satisfies [Topic, [string, Projection][]][]);

  return {
    vendor: 'WebAppel',
    sourceId: WEBAPPEL_SOURCE,
    tenant: FAULTS_TENANT,
    token: FAULTS_TOKEN,
    bridge,
    sim,
    fields: { callbacks: ['state'], sources: ['status'] },
    truth,
    refused: () => refused,
    startScenario() {
      timer ??= setInterval(() => void step(sent++), REQUEST_EVERY_MS);
    },
    stopScenario() {
      clearInterval(timer);
      timer = undefined;
    },
    requests: () => sim.requests.count(),
    async close() {
      clearInterval(timer);
      commander.close();
      await bridge.close();
      await sim.close();
    },
  };
}
