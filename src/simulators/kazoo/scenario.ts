/**
 * Keeps a simulated Kazoo account busy for the demo: calls start, ring, get answered, go on
 * hold, end; agents pause and come back. Seeded, so a run can be replayed.
 *
 * @example
 * const scenario = sim.scenario({ seed: 7, tickMs: 500 });
 * scenario.start();  // ... later
 * scenario.stop();
 */
import type { KazooModel } from './model.js';
import { seededRandom } from '../seeded-random.js';

export interface KazooScenarioOptions {
  seed?: number;
  /** One random step this often. */
  tickMs?: number;
  /** Concurrent calls at most. */
  maxCalls?: number;
  /** Pause and resume agents too. */
  agentPauses?: boolean;
  /** Defaults to the model's first account. */
  accountId?: string;
}


export class KazooScenario {
  readonly #model: KazooModel;
  readonly #random: () => number;
  readonly #tickMs: number;
  readonly #maxCalls: number;
  readonly #agentPauses: boolean;
  readonly #accountId: string;
  #timer: NodeJS.Timeout | undefined;

  constructor(model: KazooModel, options: KazooScenarioOptions = {}) {
    this.#model = model;
    this.#random = seededRandom(options.seed ?? 42);
    this.#tickMs = options.tickMs ?? 800;
    this.#maxCalls = options.maxCalls ?? 4;
    this.#agentPauses = options.agentPauses ?? true;
    this.#accountId = options.accountId ?? model.primaryAccount.id;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.tick(), this.#tickMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One random step (exposed so tests can drive the scenario without timers). */
  tick(): void {
    const model = this.#model;
    const legs = model.legsOf(this.#accountId);
    // Calls are counted by their inbound (caller) leg.
    const calls = legs.filter((leg) => leg.direction === 'inbound' || leg.uuid.endsWith('-quickcall'));
    if (calls.length < this.#maxCalls && this.#random() < 0.4) this.#startCall();
    for (const leg of calls) {
      const roll = this.#random();
      if (!leg.answered) {
        if (roll < 0.45) model.answer(leg.uuid);
        else if (roll > 0.93) model.hangup(leg.uuid);
      } else if (leg.onHold) {
        if (roll < 0.5) model.unhold(leg.uuid);
      } else if (roll < 0.12) model.hold(leg.uuid);
      else if (roll > 0.8) model.hangup(leg.uuid);
    }
    if (this.#agentPauses && this.#random() < 0.2) this.#toggleAgent();
  }

  #pick<T>(items: readonly T[]): T | undefined {
    return items[Math.floor(this.#random() * items.length)];
  }

  #startCall(): void {
    const devices = [...this.#model.devices.values()].filter((device) => device.accountId === this.#accountId);
    const from = this.#pick(devices);
    if (!from) return;
    const internal = this.#random() < 0.3;
    const other = this.#pick(devices.filter((device) => device !== from));
    const to = internal && other ? other.id : `331${String(Math.floor(this.#random() * 1e8)).padStart(8, '0')}`;
    this.#model.startCall({ accountId: this.#accountId, from: from.id, to });
  }

  #toggleAgent(): void {
    const agent = this.#pick(this.#model.agentsOf(this.#accountId));
    if (!agent) return;
    if (agent.status === 'paused') this.#model.setAgentStatus(agent.id, 'ready');
    else if (agent.status === 'ready') this.#model.setAgentStatus(agent.id, 'paused');
  }
}
