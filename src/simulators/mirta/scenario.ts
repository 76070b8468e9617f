/**
 * Keeps the simulated PBX busy for the demo: calls come in and go out, ring, get answered, held
 * and hung up; agents pause for lunch; a phone drops off the network and comes back; the
 * day/night flow flips. It drives the model through its public mutators only, and adopts calls
 * it did not start (a DIAL from the wallboard ends after a talk time like the others).
 */
import { CallError } from './calls.js';
import type { MirtaModel } from './model.js';
import type { ChannelRecord, LiveCallRecord } from './model-types.js';
import { seededRandom } from '../seeded-random.js';

export interface ScenarioOptions {
  /** PRNG seed: the same seed replays the same story. Random when omitted. */
  readonly seed?: number;
  /** Tenant codes to animate; every tenant by default. */
  readonly tenants?: readonly string[];
  /** ms per tick; every duration below counts in ticks. */
  readonly tickMs?: number;
  /** Simultaneous calls per tenant, never exceeded. */
  readonly maxCalls?: number;
  /** Chance per tick and tenant that a new call starts. */
  readonly callRate?: number;
  readonly ringTicks?: readonly [number, number];
  readonly talkTicks?: readonly [number, number];
  /** Chance a ringing call is answered (else it rings out). */
  readonly answerRate?: number;
  /** Chance an answered call is put on hold for a while. */
  readonly holdRate?: number;
  /** Chance per tick that an agent pauses (and, separately, that a paused one comes back). */
  readonly pauseRate?: number;
  /** Chance per tick that a phone goes unreachable. */
  readonly peerFlapRate?: number;
  /** Chance per tick that a day/night flow flips. */
  readonly flowSwitchRate?: number;
}

export interface ScenarioDriver {
  start(): void;
  /** Stops ticking and brings back the phones it took off the network. */
  stop(): void;
  /** Runs one step now (tests drive the story without waiting). */
  tick(): void;
  readonly running: boolean;
}

const DEFAULTS = {
  tickMs: 1000,
  maxCalls: 4,
  callRate: 0.35,
  ringTicks: [1, 5] as const,
  talkTicks: [4, 40] as const,
  answerRate: 0.85,
  holdRate: 0.2,
  pauseRate: 0.04,
  peerFlapRate: 0.01,
  flowSwitchRate: 0.01,
};
const PAUSE_REASONS = ['Lunch', 'Break', 'Admin', 'Training', 'Meeting'] as const;
const CALLER_NAMES = ['', '', 'Marie Dupont', 'John Smith', 'ACME Ltd', 'Paolo Bianchi', 'Yuki Tanaka'] as const;
const MAX_QUEUE_WAIT_TICKS = 25;
const FLAP_TICKS: readonly [number, number] = [5, 30];
const LATENCY_MS: readonly [number, number] = [8, 120];


interface CallPlan {
  ringing: string | null;
  /** Set once the call is first seen bridged: the talk time is drawn then. */
  talking: boolean;
  ringUntil: number;
  willAnswer: boolean;
  hangupAt: number | null;
  holdAt: number | null;
  unholdAt: number | null;
  held: string | null;
}

/** Creates a driver for `model`. @example const d = scenarioDriver(sim.model, { seed: 7 }); d.start(); */
export function scenarioDriver(model: MirtaModel, options: ScenarioOptions = {}): ScenarioDriver {
  const o = { ...DEFAULTS, ...options };
  const random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const chance = (p: number) => random() < p;
  const between = ([lo, hi]: readonly [number, number]) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
  const plans = new Map<string, CallPlan>();
  const flapped = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let now = 0;

  const tenants = () => (options.tenants ?? model.tenants().map((t) => t.code)).filter((code) => model.tenant(code));
  const idleExtensions = (tenant: string) =>
    model.extensions(tenant).filter((ext) => model.deviceState(`${ext.number}-${tenant}`)?.state === 'NOT_INUSE');
  const outsideNumber = () => `+336${String(Math.floor(random() * 1e8)).padStart(8, '0')}`;

  function startCall(tenant: string): void {
    const idle = idleExtensions(tenant);
    const from = pick(idle);
    const queue = pick(model.queues(tenant));
    const roll = random();
    try {
      if (roll < 0.35 && queue) model.startCall({ tenant, from: outsideNumber(), to: queue.number, inbound: true, callerName: pick(CALLER_NAMES) });
      else if (roll < 0.55 && from) model.startCall({ tenant, from: outsideNumber(), to: from.number, inbound: true, callerName: pick(CALLER_NAMES) });
      else if (roll < 0.8 && from) model.startCall({ tenant, from: from.number, to: pick(idle.filter((e) => e !== from))?.number ?? '' });
      else if (from) model.startCall({ tenant, from: from.number, to: `06${String(Math.floor(random() * 1e8)).padStart(8, '0')}` });
    } catch (err) {
      // A random pick can hit a phone that just went away: the story simply moves on.
      if (!(err instanceof CallError)) throw err;
    }
  }

  function advance(call: LiveCallRecord): void {
    const legs = model.channels({ tenant: call.tenant }).filter((leg) => leg.linkedid === call.linkedid);
    let plan = plans.get(call.linkedid);
    if (!plan) {
      plan = { ringing: null, talking: false, ringUntil: 0, willAnswer: true, hangupAt: null, holdAt: null, unholdAt: null, held: null };
      plans.set(call.linkedid, plan);
    }
    const ringing = legs.find((leg) => leg.state === 'Ringing' && leg.dialedBy !== null);
    if (ringing && ringing.name !== plan.ringing) {
      plan.ringing = ringing.name;
      plan.ringUntil = now + between(o.ringTicks);
      plan.willAnswer = chance(o.answerRate);
    }
    if (ringing && now >= plan.ringUntil) {
      if (plan.willAnswer) model.answerCall(ringing.name);
      else model.hangupChannel(ringing.name);
      return;
    }
    const bridged = legs.find((leg) => leg.bridgedTo !== null);
    if (bridged && !plan.talking) {
      plan.talking = true;
      const talk = between(o.talkTicks);
      plan.hangupAt = now + talk;
      if (chance(o.holdRate) && talk > 4) {
        plan.holdAt = now + Math.floor(talk / 3);
        plan.unholdAt = plan.holdAt + Math.max(1, Math.floor(talk / 4));
      }
    }
    // Up legs going nowhere (voicemail, an unanswered DIAL source) and long queue waits end too.
    if (!ringing && !bridged && plan.hangupAt === null) {
      const waiting = legs.some((leg: ChannelRecord) => leg.waitingQueue !== null);
      plan.hangupAt = now + (waiting ? MAX_QUEUE_WAIT_TICKS : between(o.ringTicks) + 2);
    }
    holdStep(plan, legs);
    if (plan.hangupAt !== null && now >= plan.hangupAt) {
      const leg = pick(legs);
      if (leg) model.hangupChannel(leg.name);
    }
  }

  function holdStep(plan: CallPlan, legs: readonly ChannelRecord[]): void {
    if (plan.holdAt !== null && now >= plan.holdAt && plan.held === null) {
      // The internal party puts the other one on hold: its phone shows ONHOLD.
      const holder = legs.find((leg) => leg.extension !== null && leg.bridgedTo !== null) ?? legs[0];
      if (holder && model.holdChannel(holder.name)) plan.held = holder.name;
      plan.holdAt = null;
    }
    if (plan.held !== null && plan.unholdAt !== null && now >= plan.unholdAt) {
      model.unholdChannel(plan.held);
      plan.unholdAt = null;
    }
  }

  function agentsStep(tenant: string): void {
    const members = model.queues(tenant).flatMap((q) => q.agents.map((a) => ({ q, a })));
    const working = pick(members.filter(({ a }) => !a.paused));
    if (working && chance(o.pauseRate)) {
      model.setAgentPaused({ tenant, agent: working.a.agent, queue: working.q.id, paused: true, reason: pick(PAUSE_REASONS) });
    }
    const resting = pick(members.filter(({ a }) => a.paused));
    if (resting && chance(o.pauseRate * 2)) {
      model.setAgentPaused({ tenant, agent: resting.a.agent, queue: resting.q.id, paused: false });
    }
  }

  function peersStep(tenant: string): void {
    for (const [peer, until] of flapped) {
      if (now < until || model.peer(peer)?.tenant !== tenant) continue;
      model.setPeerStatus(peer, 'registered', { latencyMs: between(LATENCY_MS) });
      flapped.delete(peer);
    }
    const registered = model.peers(tenant).filter((p) => p.status === 'registered');
    const jitter = pick(registered);
    if (jitter && chance(0.2)) model.setPeerStatus(jitter.name, 'registered', { latencyMs: between(LATENCY_MS) });
    const victim = pick(registered.filter((p) => model.deviceState(p.name)?.state === 'NOT_INUSE'));
    if (victim && chance(o.peerFlapRate)) {
      model.setPeerStatus(victim.name, 'unreachable');
      flapped.set(victim.name, now + between(FLAP_TICKS));
    }
  }

  function flowsStep(tenant: string): void {
    const flow = pick(model.flows(tenant).filter((f) => f.valueFor.INUSE !== '' && f.valueFor.NOT_INUSE !== ''));
    if (flow && chance(o.flowSwitchRate)) {
      model.setFlow(tenant, flow.number, { state: flow.state === 'INUSE' ? 'NOT_INUSE' : 'INUSE' });
    }
  }

  function tick(): void {
    now += 1;
    const live = new Set(model.calls().map((c) => c.linkedid));
    for (const linkedid of plans.keys()) if (!live.has(linkedid)) plans.delete(linkedid);
    for (const tenant of tenants()) {
      for (const call of model.calls(tenant)) advance(call);
      if (model.calls(tenant).length < o.maxCalls && chance(o.callRate)) startCall(tenant);
      agentsStep(tenant);
      peersStep(tenant);
      flowsStep(tenant);
    }
  }

  return {
    start() {
      timer ??= setInterval(tick, o.tickMs);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const peer of flapped.keys()) if (model.peer(peer)) model.setPeerStatus(peer, 'registered');
      flapped.clear();
    },
    tick,
    get running() {
      return timer !== undefined;
    },
  };
}
