/**
 * XiVO under faults: a seeded story of calls (dialled, answered or not, hung up) written to the
 * simulator's CEL table, users added to and removed from the directory now and then, and a
 * bridge reading the CEL every 100 ms and the queue and user lists every 200 ms. XiVO's web
 * services have no agent state: the directory changes stand in for it.
 */
import type { Topic } from '../../../src/protocol/entities.js';
import { startXivoSimulator, type XivoSimulator } from '../../../src/simulators/xivo/index.js';
import { FAULTS_TENANT, FAULTS_TOKEN, sourceUp, startRigBridge, type FaultRig } from './rig.js';
import { truthView, type Projection } from './views.js';
import { seededRandom } from '../../../src/simulators/seeded-random.js';

export const XIVO_SOURCE = 'xivo-faults';
const STEP_MS = 60;
const MAX_LIVE_CALLS = 3;
const PHONES = ['1001', '1002', '1003', '1004'] as const;


export interface XivoRig extends FaultRig {
  readonly sim: XivoSimulator;
}

/**
 * @example
 * const rig = await startXivoRig();
 * rig.sim.faults.arm({ kind: 'garbage', times: Infinity });
 */
export async function startXivoRig(seed = 5): Promise<XivoRig> {
  const sim = await startXivoSimulator();
  const bridge = await startRigBridge({
    id: XIVO_SOURCE,
    vendor: 'xivo',
    url: sim.url,
    username: sim.username,
    password: sim.password,
    tenant: FAULTS_TENANT,
    poll: { cel: '100ms', queues: '200ms', extensions: '200ms' },
    limits: { concurrency: 4, perSecond: 500, queue: 200, timeout: '1s' },
    health: { downAfter: 3 },
  }).catch(async (err: unknown) => {
    await sim.close();
    throw err;
  });
  const model = sim.model;
  const random = seededRandom(seed);
  const ended: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let step = 0;

  const tick = (): void => {
    step += 1;
    for (const call of model.liveCalls()) {
      const roll = random();
      if (!call.answered && roll < 0.3) model.answer(call.linkedid);
      else if ((!call.answered && roll > 0.9) || (call.answered && roll > 0.7)) {
        model.hangup(call.linkedid);
        ended.push(call.linkedid);
      }
    }
    if (model.liveCalls().length < MAX_LIVE_CALLS && random() < 0.5) {
      const from = PHONES[Math.floor(random() * PHONES.length)] ?? '1001';
      const to = random() < 0.5 ? (PHONES.find((p) => p !== from) ?? '1002') : `06${String(Math.floor(random() * 1e8)).padStart(8, '0')}`;
      model.startCall({ from, to });
    }
    // A user joins the directory, and leaves a while later.
    if (step % 20 === 7) model.users.push({ id: String(100 + step), firstname: 'Temp', lastname: String(step), number: String(3000 + step), commented: '0' });
    if (step % 20 === 17) model.users = model.users.filter((user) => user.firstname !== 'Temp');
  };

  const truth = () =>
    truthView([
      [
        'channels',
        model.liveCalls().flatMap((call): [string, Projection][] => [
          [call.aLeg, { state: call.answered ? 'up' : 'dialing' }],
          [call.bLeg, { state: call.answered ? 'up' : 'ringing' }],
        ]),
      ],
      ['calls', ended.map((linkedid): [string, Projection] => [linkedid, {}])],
      ['queues', model.queues.map((q): [string, Projection] => [String(q.id), {}])],
      ['extensions', model.users.map((u): [string, Projection] => [String(u.number), {}])],
      ['sources', [sourceUp(XIVO_SOURCE)]],
    ] satisfies [Topic, [string, Projection][]][]);

  return {
    vendor: 'XiVO',
    sourceId: XIVO_SOURCE,
    tenant: FAULTS_TENANT,
    token: FAULTS_TOKEN,
    bridge,
    sim,
    fields: { channels: ['state'], calls: [], queues: [], extensions: [], sources: ['status'] },
    truth,
    startScenario() {
      timer ??= setInterval(tick, STEP_MS);
    },
    stopScenario() {
      clearInterval(timer);
      timer = undefined;
    },
    requests: () => sim.requests.length,
    async close() {
      clearInterval(timer);
      await bridge.close();
      await sim.close();
    },
  };
}
