/**
 * Keeps a simulated 3CX busy for the demo: outside callers ring extensions, extensions call
 * each other and out, calls get answered and end, now and then a phone unregisters and comes
 * back. Seeded, so a run can be replayed.
 *
 * @example
 * const scenario = sim.scenario({ seed: 7, tickMs: 500 });
 * scenario.start();  // ... later
 * scenario.stop();
 */
import type { ThreeCxModel } from './model.js';
import type { SimDevice } from './model-types.js';
import { seededRandom } from '../seeded-random.js';

export interface ThreeCxScenarioOptions {
  seed?: number;
  /** One random step this often. */
  tickMs?: number;
  /** Concurrent calls at most. */
  maxCalls?: number;
  /** Unregister and re-register phones too. */
  deviceFlaps?: boolean;
}


export class ThreeCxScenario {
  readonly #model: ThreeCxModel;
  readonly #random: () => number;
  readonly #tickMs: number;
  readonly #maxCalls: number;
  readonly #deviceFlaps: boolean;
  /** Phones taken off line, to bring back later. */
  readonly #offline: SimDevice[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(model: ThreeCxModel, options: ThreeCxScenarioOptions = {}) {
    this.#model = model;
    this.#random = seededRandom(options.seed ?? 42);
    this.#tickMs = options.tickMs ?? 800;
    this.#maxCalls = options.maxCalls ?? 3;
    this.#deviceFlaps = options.deviceFlaps ?? true;
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
    const calls = new Map<number, string[]>();
    for (const participant of model.participants()) {
      calls.set(participant.callid, [...(calls.get(participant.callid) ?? []), participant.status]);
    }
    if (calls.size < this.#maxCalls && this.#random() < 0.4) this.#startCall();
    for (const [callid, statuses] of calls) {
      const roll = this.#random();
      const connected = statuses.every((status) => status === 'Connected');
      if (!connected) {
        if (roll < 0.45) model.answerCall(callid);
        else if (roll > 0.93) this.#hangup(callid);
      } else if (roll > 0.78) this.#hangup(callid);
    }
    if (this.#deviceFlaps && this.#random() < 0.08) this.#flapDevice();
  }

  #pick<T>(items: readonly T[]): T | undefined {
    return items[Math.floor(this.#random() * items.length)];
  }

  #extensions(): string[] {
    return [...this.#model.dns.values()].filter((dn) => dn.type === 'Wextension' && dn.devices.size > 0).map((dn) => dn.dn);
  }

  #startCall(): void {
    const extensions = this.#extensions();
    const dn = this.#pick(extensions);
    if (dn === undefined) return;
    const roll = this.#random();
    const outside = `331${String(Math.floor(this.#random() * 1e8)).padStart(8, '0')}`;
    if (roll < 0.5) this.#model.incomingCall({ from: outside, to: dn });
    else if (roll < 0.8) this.#model.makeCall({ from: dn, to: outside });
    else {
      const other = this.#pick(extensions.filter((candidate) => candidate !== dn));
      this.#model.makeCall({ from: dn, to: other ?? outside });
    }
  }

  #hangup(callid: number): void {
    const participant = this.#model.callParticipants(callid)[0];
    if (participant) this.#model.drop(participant.dn, participant.id);
  }

  #flapDevice(): void {
    const back = this.#offline.shift();
    if (back) {
      this.#model.registerDevice(back.dn, back.device_id, back.user_agent);
      return;
    }
    const dn = this.#model.dns.get(this.#pick(this.#extensions()) ?? '');
    const device = dn ? this.#pick([...dn.devices.values()]) : undefined;
    if (!device || !dn || dn.devices.size < 2) return;
    // Only a DN with a second phone loses one, so every extension can still place calls.
    this.#model.unregisterDevice(device.dn, device.device_id);
    this.#offline.push(device);
  }
}
