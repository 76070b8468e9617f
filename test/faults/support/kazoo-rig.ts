/**
 * Kazoo under faults: the simulator's scenario (calls created, answered, held, hung up; ACDC
 * agents pausing and resuming) and a bridge fed by the blackhole websocket, with a REST resync
 * every second, the agents polled every 150 ms, and a ping every 200 ms (pong within 300 ms).
 */
import type { Topic } from '../../../src/protocol/entities.js';
import { startKazooSimulator, type KazooScenario, type KazooSimulator, type SimLeg } from '../../../src/simulators/kazoo/index.js';
import { FAULTS_TENANT, FAULTS_TOKEN, sourceUp, startRigBridge, type FaultRig } from './rig.js';
import { truthView, type Projection } from './views.js';

export const KAZOO_SOURCE = 'kazoo-faults';
/** The liveness settings of the rig's source (docs/vendors/kazoo.md "Blackhole websocket"). */
export const KAZOO_LIVENESS = { pingIntervalMs: 200, pongTimeoutMs: 300 } as const;

/** ACDC status -> the protocol's agent status (docs/vendors/kazoo.md "Agents"). */
const AGENT_STATUS: Readonly<Record<string, string>> = {
  ready: 'available',
  logged_in: 'available',
  paused: 'paused',
  connecting: 'busy',
  connected: 'busy',
  wrapup: 'busy',
  outbound: 'busy',
  logged_out: 'unavailable',
};

/** What the bridge must show for a leg: held, up, or not answered yet (dialing in / ringing out). */
function legState(leg: SimLeg): string {
  if (leg.onHold) return 'held';
  if (leg.answered) return 'up';
  return leg.direction === 'inbound' ? 'dialing' : 'ringing';
}

export interface KazooRig extends FaultRig {
  readonly sim: KazooSimulator;
}

/**
 * @example
 * const rig = await startKazooRig();
 * rig.sim.setSilent(true);
 */
export async function startKazooRig(seed = 7): Promise<KazooRig> {
  const sim = await startKazooSimulator({ quickcallAnswerMs: 30, actionDelayMs: 2 });
  const bridge = await startRigBridge({
    id: KAZOO_SOURCE,
    vendor: 'kazoo',
    rest: sim.restUrl,
    websocket: sim.websocketUrl,
    accountId: sim.accountId,
    apiKey: sim.apiKey,
    tenant: FAULTS_TENANT,
    poll: { agents: '150ms', channels: '1s' },
    liveness: { pingInterval: KAZOO_LIVENESS.pingIntervalMs, pongTimeout: KAZOO_LIVENESS.pongTimeoutMs },
    reconnect: { initialDelay: '100ms', maxDelay: '400ms' },
    limits: { concurrency: 4, perSecond: 500, queue: 200, timeout: '1s' },
    health: { downAfter: 3 },
  }).catch(async (err: unknown) => {
    await sim.close();
    throw err;
  });
  let scenario: KazooScenario | undefined;
  const model = sim.model;
  const truth = () =>
    truthView([
      ['channels', model.legsOf(sim.accountId).map((leg): [string, Projection] => [leg.uuid, { state: legState(leg) }])],
      [
        'agents',
        model.agentsOf(sim.accountId).flatMap((user) => {
          const status = AGENT_STATUS[user.status] ?? 'unavailable';
          return (user.queues ?? []).map((queue): [string, Projection] => [`${queue}/${user.id}`, { status, paused: status === 'paused' }]);
        }),
      ],
      ['sources', [sourceUp(KAZOO_SOURCE)]],
    ] satisfies [Topic, [string, Projection][]][]);
  return {
    vendor: 'Kazoo',
    sourceId: KAZOO_SOURCE,
    tenant: FAULTS_TENANT,
    token: FAULTS_TOKEN,
    bridge,
    sim,
    fields: { channels: ['state'], agents: ['status', 'paused'], sources: ['status'] },
    truth,
    startScenario() {
      scenario ??= sim.scenario({ seed, tickMs: 60, maxCalls: 4 });
      scenario.start();
    },
    stopScenario() {
      scenario?.stop();
    },
    requests: () => sim.requests.length + sim.wsMessages.length,
    async close() {
      scenario?.stop();
      await bridge.close();
      await sim.close();
    },
  };
}
