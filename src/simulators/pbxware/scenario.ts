/**
 * Keeps a simulated PBXware busy for the demo: calls end now and then, each leaving a CDR
 * (answered, missed, busy, failed), a few of them long enough to end well after they started.
 * Seeded, so a run can be replayed.
 *
 * @example
 * const scenario = sim.scenario({ seed: 7, tickMs: 1000 });
 * scenario.start();  // ... later
 * scenario.stop();
 */
import { seededRandom } from '../seeded-random.js';
import type { CdrStatus, PbxwareModel } from './model.js';

export interface PbxwareScenarioOptions {
  seed?: number;
  /** One random step this often. */
  tickMs?: number;
  /** Servers whose calls end; all tenants by default. */
  servers?: readonly string[];
  /** Chance that a step ends a call. */
  callChance?: number;
}

const STATUSES: ReadonlyArray<[CdrStatus, number]> = [
  ['Answered', 0.7],
  ['Not Answered', 0.15],
  ['Busy', 0.1],
  ['Failed', 0.05],
];

export class PbxwareScenario {
  readonly #model: PbxwareModel;
  readonly #random: () => number;
  readonly #tickMs: number;
  readonly #servers: readonly string[] | undefined;
  readonly #callChance: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(model: PbxwareModel, options: PbxwareScenarioOptions = {}) {
    this.#model = model;
    this.#random = seededRandom(options.seed ?? 42);
    this.#tickMs = options.tickMs ?? 1500;
    this.#servers = options.servers;
    this.#callChance = options.callChance ?? 0.6;
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
    if (this.#random() >= this.#callChance) return;
    const server = this.#pick(this.#servers ?? [...this.#model.tenants.keys()]);
    if (server === undefined) return;
    const extensions = this.#model.extensionsOf(server).filter((ext) => ext.status === 'enabled');
    const local = this.#pick(extensions);
    if (!local) return;
    const party = `${local.name} (${local.ext})`;
    const external = `331${String(Math.floor(this.#random() * 1e8)).padStart(8, '0')}`;
    const inbound = this.#random() < 0.5;
    const status = this.#status();
    const long = this.#random() < 0.05;
    const durationSec = status === 'Answered' ? Math.round((long ? 1200 : 5) + this.#random() * (long ? 1200 : 600)) : Math.round(this.#random() * 30);
    this.#model.addCdr({
      server,
      from: inbound ? external : party,
      to: inbound ? party : external,
      status,
      durationSec,
      locationType: inbound ? 'Local' : 'Outbound',
    });
  }

  #status(): CdrStatus {
    let roll = this.#random();
    for (const [status, weight] of STATUSES) {
      if (roll < weight) return status;
      roll -= weight;
    }
    return 'Answered';
  }

  #pick<T>(items: readonly T[]): T | undefined {
    return items[Math.floor(this.#random() * items.length)];
  }
}
