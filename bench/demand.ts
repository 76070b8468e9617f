/**
 * Demand bench (issue 10, target 3): what a bridge asks its vendor when nobody watches, against
 * the same bridge with constant polling, in the same run.
 *
 * Two bridges run side by side, each on its own MiRTA simulator (the demo's two tenants), same
 * poll intervals: `demand` has `polling.idleInterval: IDLE_INTERVAL`, `constant` has
 * `idleInterval: 0` (every topic at its configured interval, always). They run at the same
 * time, so both windows below are measured on both at once. Requests are counted from each
 * simulator's request log and extrapolated to per minute.
 *
 * 1. idle window (IDLE_WINDOW, default one idle interval, so every slowed loop polls exactly
 *    once in it): no client on either bridge.
 * 2. CYCLES times: one socket.io client per bridge subscribes to every topic of both tenants;
 *    the time from that subscribe to each loop's next request is the reaction time. The first
 *    cycle stays subscribed for WATCH_WINDOW (the watched window); the client then leaves, and
 *    the next cycle waits until the demand bridge's loops are back in their idle wait.
 *
 * Run: node --import tsx bench/demand.ts   (knobs: IDLE_INTERVAL=60 IDLE_WINDOW WATCH_WINDOW=10 CYCLES=2 POLL=demo)
 */
import { io, type Socket } from 'socket.io-client';
import { sleep } from './lib/clock.js';
import { choiceKnob, intKnob } from './lib/knobs.js';
import { benchLogger } from './lib/logger.js';
import { machineLine, printMachine } from './lib/machine.js';
import { fmt, ratio, table } from './lib/table.js';
import { DEMAND_TENANTS, DEMAND_TOKEN, POLL_PROFILES, startDemandBridge, type DemandBridge } from './demand/demand-bridge.js';
import { REQUEST_TOPICS, countBetween, reactionMs } from './demand/vendor-requests.js';

/** Seconds a topic nobody watches waits between polls on the demand bridge. */
const IDLE_INTERVAL = intKnob({ name: 'IDLE_INTERVAL', fallback: 60, min: 2, max: 3_600 });
/** Seconds of the idle window; one idle interval makes every slowed loop poll exactly once in it. */
const IDLE_WINDOW = intKnob({ name: 'IDLE_WINDOW', fallback: IDLE_INTERVAL, min: 1, max: 3_600 });
const WATCH_WINDOW = intKnob({ name: 'WATCH_WINDOW', fallback: 10, min: 1, max: 3_600 });
/** Subscribe cycles timed (the first one ends the idle window). */
const CYCLES = intKnob({ name: 'CYCLES', fallback: 2, min: 1, max: 20 });
const POLL = choiceKnob('POLL', Object.keys(POLL_PROFILES) as (keyof typeof POLL_PROFILES)[], 'demo');
/** Startup: every loop polls once at start; the windows begin after those polls. */
const SETTLE_MS = 3_000;
/** Margin after a loop's interval before it is surely back in its idle wait. */
const IDLE_AGAIN_MARGIN_MS = 1_000;
/**
 * Cycles after the first wait for the loops with an interval up to this to be idle again; a
 * longer one (extensions, 30-60 s) would make each cycle that long, so it is timed in the
 * first cycle only.
 */
const QUICK_INTERVAL_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;

const idleMs = IDLE_INTERVAL * 1_000;

async function connect(url: string): Promise<Socket> {
  const socket = io(`${url}/v1`, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: CONNECT_TIMEOUT_MS, auth: { token: DEMAND_TOKEN } });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return socket;
}

/** Every topic of every tenant of the source (a subscribe without `topics` is all of them). */
async function subscribeAll(socket: Socket): Promise<void> {
  for (const tenant of Object.keys(DEMAND_TENANTS)) {
    const ack = (await socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck('subscribe', { tenant })) as { ok?: boolean };
    if (ack?.ok !== true) throw new Error(`subscribe to ${tenant} refused: ${JSON.stringify(ack)}`);
  }
}

interface Cycle {
  readonly at: number;
  readonly holdMs: number;
  /** Loops with a longer interval may not have been idle when this cycle subscribed: not timed. */
  readonly upToIntervalMs: number;
  readonly demand: Map<string, number | undefined>;
  readonly constant: Map<string, number | undefined>;
}

/** Topics a subscriber speeds up: polled, and faster than the idle interval. */
function slowedTopics(intervals: Readonly<Record<string, number>>): string[] {
  return Object.entries(intervals)
    .filter(([, ms]) => ms > 0 && ms < idleMs)
    .map(([topic]) => topic);
}

function reactions(bridge: DemandBridge, at: number): Map<string, number | undefined> {
  return new Map(Object.keys(bridge.intervals).map((topic) => [topic, reactionMs(bridge.sim.requests, topic, at)]));
}

/** Subscribes one client to each bridge at the same moment, keeps them `holdMs`, then leaves. */
async function cycle(demand: DemandBridge, constant: DemandBridge, holdMs: number, upToIntervalMs: number): Promise<Cycle> {
  // Connected first, so that the clock starts at the subscribe, not at the handshake.
  const sockets = await Promise.all([connect(demand.bridge.url), connect(constant.bridge.url)]);
  const at = Date.now();
  await Promise.all(sockets.map(subscribeAll));
  await sleep(Math.max(0, at + holdMs - Date.now()));
  for (const socket of sockets) socket.close();
  return { at, holdMs, upToIntervalMs, demand: reactions(demand, at), constant: reactions(constant, at) };
}

function perMinute(count: number, windowMs: number): number {
  return (count * 60_000) / windowMs;
}

function rateTable(intervals: Readonly<Record<string, number>>, windows: readonly { label: string; ms: number; demand: Map<string, number>; constant: Map<string, number> }[]): string {
  const names = Object.keys(REQUEST_TOPICS);
  const header = ['request (topic)', 'interval'];
  for (const w of windows) header.push(`${w.label}: constant/min`, 'demand/min', 'ratio');
  const rows = names.map((name) => {
    const topic = REQUEST_TOPICS[name];
    const row: (string | number)[] = [topic ? `${name} (${topic})` : `${name} (queues+agents)`, topic ? `${fmt((intervals[topic] ?? 0) / 1000, 1)} s` : '-'];
    for (const w of windows) {
      const c = perMinute(w.constant.get(name) ?? 0, w.ms);
      const d = perMinute(w.demand.get(name) ?? 0, w.ms);
      row.push(fmt(c, 1), fmt(d, 1), ratio(d, c));
    }
    return row;
  });
  const total: (string | number)[] = ['total', ''];
  for (const w of windows) {
    const sum = (counts: Map<string, number>) => perMinute([...counts.values()].reduce((a, b) => a + b, 0), w.ms);
    total.push(fmt(sum(w.constant), 1), fmt(sum(w.demand), 1), ratio(sum(w.demand), sum(w.constant)));
  }
  return table(header, [...rows, total]);
}

function reactionTable(intervals: Readonly<Record<string, number>>, cycles: readonly Cycle[]): string {
  // No request yet when the client left: longer than it stayed.
  const show = (ms: number | undefined, c: Cycle, topic: string) =>
    (intervals[topic] ?? 0) > c.upToIntervalMs ? '-' : ms === undefined ? `>${Math.round(c.holdMs)}` : `${Math.round(ms)}`;
  const rows = Object.keys(intervals)
    .filter((topic) => (intervals[topic] ?? 0) > 0)
    .map((topic) => [
      topic,
      `${fmt((intervals[topic] ?? 0) / 1000, 1)} s`,
      (intervals[topic] ?? 0) < idleMs ? 'yes' : 'no (interval >= idle)',
      cycles.map((c) => show(c.demand.get(topic), c, topic)).join(' / '),
      cycles.map((c) => show(c.constant.get(topic), c, topic)).join(' / '),
    ]);
  return table(['topic', 'interval', 'slowed when idle', 'demand: ms to next poll', 'constant: ms to next poll'], rows);
}

async function main(): Promise<void> {
  const { logger, close: closeLogger } = benchLogger();
  let demand: DemandBridge | undefined;
  let constant: DemandBridge | undefined;
  printMachine();
  try {
    [demand, constant] = await Promise.all([
      startDemandBridge({ idleIntervalMs: idleMs, profile: POLL, logger }),
      startDemandBridge({ idleIntervalMs: 0, profile: POLL, logger }),
    ]);
    const quick = slowedTopics(demand.intervals)
      .map((topic) => demand?.intervals[topic] ?? 0)
      .filter((ms) => ms <= QUICK_INTERVAL_MS);
    const quickIntervalMs = Math.max(0, ...quick);
    const holdMs = WATCH_WINDOW * 1_000;
    // Long enough for each quick loop to end its active wait and poll: it then waits the idle interval.
    const idleAgainMs = quickIntervalMs + IDLE_AGAIN_MARGIN_MS;
    console.log(
      `demand-driven polling: MiRTA simulator, tenants ${Object.keys(DEMAND_TENANTS).join(' + ')}, POLL=${POLL} intervals; ` +
        `demand bridge idleInterval ${IDLE_INTERVAL}s vs constant bridge idleInterval 0, side by side`,
    );
    console.log(
      `windows: idle ${IDLE_WINDOW}s (no client), watched ${holdMs / 1000}s (one client per bridge on every topic); ` +
        `${CYCLES} subscribe cycle(s), ${idleAgainMs / 1000}s apart after the first; expected run time ~${Math.round((SETTLE_MS + IDLE_WINDOW * 1000 + holdMs + (CYCLES - 1) * 2 * idleAgainMs) / 1000)} s`,
    );
    if (IDLE_WINDOW < IDLE_INTERVAL) {
      console.log(`note: the idle window is shorter than the idle interval: a slowed loop polls 0 or 1 time in it, so its per-minute figure is 0 or an overestimate`);
    }
    await sleep(SETTLE_MS);

    const idleFrom = Date.now();
    await sleep(IDLE_WINDOW * 1_000);
    const idleTo = Date.now();
    const cycles: Cycle[] = [await cycle(demand, constant, holdMs, Infinity)];
    const watchedFrom = cycles[0]?.at ?? idleTo;
    const watchedTo = watchedFrom + holdMs;
    for (let i = 1; i < CYCLES; i++) {
      // Each loop finishes the active wait it is in, polls, and only then waits the idle interval.
      await sleep(idleAgainMs);
      cycles.push(await cycle(demand, constant, idleAgainMs, quickIntervalMs));
    }

    const windows = [
      { label: 'idle', ms: idleTo - idleFrom, demand: countBetween(demand.sim.requests, idleFrom, idleTo), constant: countBetween(constant.sim.requests, idleFrom, idleTo) },
      { label: 'watched', ms: holdMs, demand: countBetween(demand.sim.requests, watchedFrom, watchedTo), constant: countBetween(constant.sim.requests, watchedFrom, watchedTo) },
    ];
    console.log(
      `\nvendor requests per minute, extrapolated from the request counts of a ${fmt(windows[0]!.ms / 1000, 1)} s idle window and a ${fmt(holdMs / 1000, 1)} s watched window ` +
        `(the watched window starts at the subscribe, so it includes the poll each loop makes at once)`,
    );
    console.log(rateTable(demand.intervals, windows));
    const idleCount = [...windows[0]!.demand.values()].reduce((a, b) => a + b, 0);
    console.log(`demand bridge, idle window: ${idleCount} requests in ${fmt(windows[0]!.ms / 1000, 1)} s`);
    console.log(
      `\nfirst subscription -> next request of each loop (ms from the subscribe; the slowest loop of the topic; one figure per cycle; ` +
        `"-": interval over ${QUICK_INTERVAL_MS / 1000} s, timed in the first cycle only; ">N": no request while the client stayed)`,
    );
    console.log(reactionTable(demand.intervals, cycles));
    console.log(`\nafter the run: ${machineLine()}`);
  } finally {
    await demand?.close();
    await constant?.close();
    closeLogger();
  }
}

// No process.exit: the process ends by itself once everything is closed, which proves it is.
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
