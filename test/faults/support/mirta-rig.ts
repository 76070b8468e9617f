/**
 * MiRTA under faults: the simulator's own scenario driver (calls ringing, answered, held, hung
 * up, agents pausing, the day/night flow switching; no phone flapping, so every removal is a
 * hang-up) and a bridge polling every topic at 100-150 ms with the admin key.
 */
import { startMirtaSimulator, type ChannelRecord, type MirtaSimulator, type PeerStatus, type ScenarioDriver } from '../../../src/simulators/mirta/index.js';
import type { Topic } from '../../../src/protocol/entities.js';
import { FAULTS_TENANT, FAULTS_TOKEN, sourceUp, startRigBridge, type FaultRig } from './rig.js';
import { truthView, type Projection } from './views.js';

export const MIRTA_SOURCE = 'mirta-faults';
const CODE = 'DEMO';

/** What the bridge must show for a simulator leg (docs/vendors/mirta.md "CHANNELS"). */
const CHANNEL_STATE: Readonly<Record<ChannelRecord['state'], string>> = {
  Down: 'down',
  Rsrvd: 'down',
  OffHook: 'dialing',
  Dialing: 'dialing',
  Ring: 'ringing',
  Ringing: 'ringing',
  Up: 'up',
  Busy: 'up',
};
const LAMP: Readonly<Record<string, string>> = {
  NOT_INUSE: 'idle',
  INUSE: 'inuse',
  BUSY: 'busy',
  RINGING: 'ringing',
  RINGINUSE: 'ringing',
  ONHOLD: 'onhold',
  UNAVAILABLE: 'unavailable',
  INVALID: 'unavailable',
};
const PEER_STATUS: Readonly<Record<PeerStatus, string>> = {
  registered: 'registered',
  lagged: 'registered',
  unmonitored: 'registered',
  unreachable: 'unreachable',
  unregistered: 'unregistered',
};

function channelState(leg: ChannelRecord): string {
  const base = CHANNEL_STATE[leg.state];
  return base === 'up' && leg.held ? 'held' : base;
}

export interface MirtaRig extends FaultRig {
  readonly sim: MirtaSimulator;
}

/**
 * @example
 * const rig = await startMirtaRig();
 * rig.sim.faults.arm({ kind: 'http500', times: Infinity });
 */
export async function startMirtaRig(seed = 11): Promise<MirtaRig> {
  const sim = await startMirtaSimulator({ timings: { originateMs: 20, sourceAnswerMs: 40, destAnswerMs: 40, commandMs: 5 } });
  const bridge = await startRigBridge({
    id: MIRTA_SOURCE,
    vendor: 'mirta',
    url: sim.url,
    key: sim.keys.admin,
    admin: true,
    tenants: { [FAULTS_TENANT]: CODE },
    poll: { peers: '150ms', channels: '100ms', blfs: '100ms', flows: '150ms', agents: '150ms', queues: '300ms', extensions: 0 },
    limits: { concurrency: 4, perSecond: 500, queue: 200, timeout: '1s' },
    health: { downAfter: 3 },
  }).catch(async (err: unknown) => {
    await sim.close();
    throw err;
  });
  let driver: ScenarioDriver | undefined;
  const model = sim.model;
  const truth = () =>
    truthView([
      ['peers', model.peers(CODE).map((p): [string, Projection] => [p.name, { status: PEER_STATUS[p.status] }])],
      ['channels', model.channels({ tenant: CODE }).map((leg): [string, Projection] => [leg.name, { state: channelState(leg) }])],
      [
        'blfs',
        [
          ...model.deviceStates(CODE).map((d): [string, Projection] => [d.hint, { state: LAMP[d.state] ?? 'unknown' }]),
          ...model.flows(CODE).map((f): [string, Projection] => [`FL${f.number}-${CODE}`, { state: LAMP[f.state] ?? 'unknown' }]),
        ],
      ],
      ['flows', model.flows(CODE).map((f): [string, Projection] => [f.number, { state: f.state }])],
      ['agents', model.queues(CODE).flatMap((q) => q.agents.map((a): [string, Projection] => [`${q.id}/${a.agent}`, { paused: a.paused }]))],
      ['queues', model.queues(CODE).map((q): [string, Projection] => [q.id, {}])],
      ['sources', [sourceUp(MIRTA_SOURCE)]],
    ] satisfies [Topic, [string, Projection][]][]);
  return {
    vendor: 'MiRTA',
    sourceId: MIRTA_SOURCE,
    tenant: FAULTS_TENANT,
    token: FAULTS_TOKEN,
    bridge,
    sim,
    fields: { peers: ['status'], channels: ['state'], blfs: ['state'], flows: ['state'], agents: ['paused'], queues: [], sources: ['status'] },
    truth,
    startScenario() {
      driver ??= sim.scenario({
        seed,
        tenants: [CODE],
        tickMs: 60,
        maxCalls: 4,
        callRate: 0.5,
        ringTicks: [1, 4],
        talkTicks: [4, 14],
        holdRate: 0.4,
        pauseRate: 0.2,
        peerFlapRate: 0,
        flowSwitchRate: 0.1,
      });
      driver.start();
    },
    stopScenario() {
      driver?.stop();
    },
    requests: () => sim.requests.entries.length,
    async close() {
      driver?.stop();
      await bridge.close();
      await sim.close();
    },
  };
}
