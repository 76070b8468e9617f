/**
 * Keeps a simulated XiVO busy for the demo: calls between its users start now and then, are
 * answered (or not) a few seconds later and hang up after a while, each leaving its CEL rows
 * (CHAN_START, ANSWER, CHAN_END, LINKEDID_END) for the bridge's CEL poller. Seeded, so a run can
 * be replayed.
 *
 * @example
 * const scenario = new XivoScenario(sim.model, { seed: 3 });
 * scenario.start();  // ... later
 * scenario.stop();
 */
import { seededRandom } from '../seeded-random.js';
import type { XivoModel } from './model.js';

export interface XivoScenarioOptions {
  seed?: number;
  /** One random step this often. */
  tickMs?: number;
  /** Most calls up at once. */
  maxCalls?: number;
}

interface Running {
  readonly linkedid: string;
  answered: boolean;
  /** Ticks left before the next step of this call. */
  ticks: number;
}

export class XivoScenario {
  readonly #model: XivoModel;
  readonly #random: () => number;
  readonly #tickMs: number;
  readonly #maxCalls: number;
  readonly #running: Running[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(model: XivoModel, options: XivoScenarioOptions = {}) {
    this.#model = model;
    this.#random = seededRandom(options.seed ?? 5);
    this.#tickMs = options.tickMs ?? 1_000;
    this.#maxCalls = options.maxCalls ?? 2;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.step(), this.#tickMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One step: calls advance (answer, hang up), and maybe a new one starts. */
  step(): void {
    for (const call of [...this.#running]) {
      if (--call.ticks > 0) continue;
      if (!call.answered && this.#random() < 0.8) {
        this.#model.answer(call.linkedid);
        call.answered = true;
        call.ticks = 4 + Math.floor(this.#random() * 10);
      } else {
        this.#model.hangup(call.linkedid);
        this.#running.splice(this.#running.indexOf(call), 1);
      }
    }
    const numbers = this.#model.users.map((user) => String(user.number)).filter((number) => number !== 'undefined');
    if (this.#running.length < this.#maxCalls && numbers.length >= 2 && this.#random() < 0.3) {
      const from = numbers[Math.floor(this.#random() * numbers.length)] ?? '1001';
      const others = numbers.filter((number) => number !== from);
      const to = others[Math.floor(this.#random() * others.length)] ?? '1002';
      const call = this.#model.startCall({ from, to });
      this.#running.push({ linkedid: call.linkedid, answered: false, ticks: 2 + Math.floor(this.#random() * 3) });
    }
  }
}
