/**
 * Fan-out bench: N socket.io clients (in a child process, so the server's CPU is its own) all
 * subscribed to one tenant of a real bridge, against a raw socket.io server broadcasting the
 * same payloads to the same number of clients, in the same run.
 *
 * Phases (each target gets the same time; controlled and throughput run ROUNDS blocks of raw,
 * callbridge, callbridge, raw, so drift in the machine's load and JIT warm-up hit both alike):
 * - controlled: RATE events/s published into `bridge.bus.publish` (raw: `nsp.to(room).emit`);
 *   the latency is `data.sentAt` (stamped just before the call) -> client receive.
 * - throughput: as fast as the clients take it, at most WINDOW events in flight.
 * - e2e: the MiRTA simulator's flows changed as fast as the bridge's FLOWS poll (E2E_POLL_MS)
 *   and the fan-out absorb them (at most E2E_WINDOW changes in flight); the raw server then
 *   replays the very events the bus published, with the same timing and the same window.
 *
 * Run: node --import tsx bench/fanout.ts   (knobs: CLIENTS=1000 PHASE_SECONDS=5 RATE=... see below)
 */
import { setTimeout as delay } from 'node:timers/promises';
import { cpuMsSince, wallNow } from './lib/clock.js';
import { choiceKnob, intKnob } from './lib/knobs.js';
import { benchLogger } from './lib/logger.js';
import { machineLine, printMachine } from './lib/machine.js';
import { BENCH_TENANT, BENCH_TOKEN, startBenchBridge, type BenchBridge } from './fanout/bench-bridge.js';
import { ClientFleet } from './fanout/client-fleet.js';
import { slowConsumersOf } from '../src/server/slow-consumers.js';
import { NAMESPACE } from '../src/server/socket-types.js';
import { measureRun, type Drive } from './fanout/measure.js';
import { busPublisher, driveSimulator, paced, rawPublisher, replay, windowed, type CapturedEvent, type Publish } from './fanout/drivers.js';
import type { PhaseName } from './fanout/protocol.js';
import { startRawServer, type RawServer } from './fanout/raw-server.js';
import { combine, phaseTable, type PhaseFigures, type PhaseRow, type RunResult } from './fanout/report.js';

/** `broadcast` = controlled + throughput only; `e2e` = the simulator phase only. */
const PHASES = choiceKnob('PHASES', ['all', 'broadcast', 'e2e'] as const, 'all');
const CLIENTS = intKnob({ name: 'CLIENTS', fallback: 200, min: 1, max: 5_000 });
const CLIENT_PROCS = intKnob({ name: 'CLIENT_PROCS', fallback: 1, min: 1, max: 8 });
/** Measured seconds per phase and per target. */
const PHASE_SECONDS = intKnob({ name: 'PHASE_SECONDS', fallback: 5, min: 1, max: 300 });
/** Controlled rate: ~40k deliveries/s whatever CLIENTS, well under saturation on 2 cores. */
const RATE = intKnob({ name: 'RATE', fallback: Math.max(10, Math.round(40_000 / CLIENTS)), min: 1, max: 100_000 });
/** ABBA blocks per phase: more alternation averages out a machine whose load drifts. */
const ROUNDS = intKnob({ name: 'ROUNDS', fallback: 2, min: 1, max: 50 });
const WINDOW = intKnob({ name: 'WINDOW', fallback: 64, min: 1, max: 10_000 });
const BATCH = intKnob({ name: 'BATCH', fallback: 8, min: 1, max: 1_000 });
const E2E_WINDOW = intKnob({ name: 'E2E_WINDOW', fallback: 50, min: 1, max: 10_000 });
const E2E_POLL_MS = intKnob({ name: 'E2E_POLL_MS', fallback: 50, min: 10, max: 10_000 });
const FLOWS = intKnob({ name: 'FLOWS', fallback: 200, min: 1, max: 100_000 });
const EXTENSIONS = intKnob({ name: 'EXTENSIONS', fallback: 200, min: 1, max: 100_000 });
/** Demo-like FLOWS interval for the bridge of the controlled phases. */
const DEMO_FLOWS_POLL_MS = 2_000;
const WARMUP_MS = 1_000;
const IDLE_WINDOW_MS = 500;
const IDLE_WINDOWS = 4;
const DRAIN_TIMEOUT_MS = 10_000;

const CALLBRIDGE = 'callbridge';
const CALLBRIDGE_E2E = 'callbridge-e2e';
const RAW = 'raw';


/**
 * The share of a core this process uses with nothing published: the bridge polling its
 * simulator, socket.io's timers. It is subtracted from every run's server CPU, raw ones
 * included (both servers live in this process), so the figures are the fan-out's own. The
 * quietest of a few windows is kept: a garbage collection left over from the previous step
 * is not idle load.
 */
async function idleCpu(): Promise<number> {
  let quietest = Infinity;
  for (let window = 0; window < IDLE_WINDOWS; window++) {
    const cpu = process.cpuUsage();
    const start = wallNow();
    await delay(IDLE_WINDOW_MS);
    quietest = Math.min(quietest, cpuMsSince(cpu) / (wallNow() - start));
  }
  return quietest;
}

/** What the broadcast bridge's slow-consumer handling did over both broadcast phases. */
function slowConsumerLine(bench: BenchBridge): string {
  const stats = slowConsumersOf(bench.bridge.io.of(NAMESPACE))?.stats;
  if (!stats) return 'slow consumers: none tracked';
  return `slow consumers on the callbridge side: ${stats.slowed} socket(s) coalesced, ${stats.coalesced} event(s) coalesced away, ${stats.dropped} dropped`;
}

function measure(fleet: ClientFleet, target: string, phase: PhaseName, idle: number, drive: Drive, readTs = false): Promise<RunResult> {
  return measureRun({ fleet, clients: CLIENTS, drainTimeoutMs: DRAIN_TIMEOUT_MS, target, phase, idle, drive, readTs });
}

async function warmUp(fleet: ClientFleet, target: string, publish: Publish): Promise<void> {
  await fleet.begin(target, 'warmup', false);
  const events = await paced(publish, RATE, WARMUP_MS);
  await fleet.end(events * CLIENTS, DRAIN_TIMEOUT_MS);
}

async function figures(fleet: ClientFleet, target: string, phase: PhaseName, runs: readonly RunResult[]): Promise<PhaseFigures> {
  const samples = await fleet.samples(target, phase);
  return combine(
    runs.filter((run) => run.target === target && run.phase === phase),
    samples.latency,
    samples.tsLatency,
  );
}

/** ROUNDS times raw, callbridge, callbridge, raw; every target gets the same total time. */
async function abba(fleet: ClientFleet, phase: PhaseName, idle: number, drives: Record<string, Drive>, runs: RunResult[]): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of [RAW, CALLBRIDGE, CALLBRIDGE, RAW]) {
      const drive = drives[target];
      if (drive) runs.push(await measure(fleet, target, phase, idle, drive));
    }
  }
}

interface BroadcastFigures {
  readonly idle: number;
  readonly controlled: readonly [PhaseFigures, PhaseFigures];
  readonly throughput: readonly [PhaseFigures, PhaseFigures];
}

/** controlled and throughput, callbridge (demo-rate polling bridge) against raw. */
async function broadcastPhases(fleet: ClientFleet, raw: RawServer, bridge: BenchBridge, runs: RunResult[], fail: (err: unknown) => void): Promise<BroadcastFigures> {
  const connectRaw = await fleet.connect(RAW, raw.url, BENCH_TOKEN, BENCH_TENANT, CLIENTS);
  const connectBridge = await fleet.connect(CALLBRIDGE, bridge.bridge.url, BENCH_TOKEN, BENCH_TENANT, CLIENTS);
  console.log(`connected + subscribed: raw ${Math.round(connectRaw)} ms, callbridge ${Math.round(connectBridge)} ms`);
  const publishers: Record<string, Publish> = {
    [RAW]: rawPublisher(raw, BENCH_TENANT),
    [CALLBRIDGE]: busPublisher(bridge.bridge.bus, BENCH_TENANT, fail),
  };
  for (const [target, publish] of Object.entries(publishers)) await warmUp(fleet, target, publish);
  const idle = await idleCpu();
  const runMs = (PHASE_SECONDS * 1000) / (2 * ROUNDS);
  const drivesFor = (make: (publish: Publish) => Drive): Record<string, Drive> =>
    Object.fromEntries(Object.entries(publishers).map(([target, publish]) => [target, make(publish)]));

  console.log('phase controlled ...');
  await abba(fleet, 'controlled', idle, drivesFor((publish) => () => paced(publish, RATE, runMs)), runs);
  console.log('phase throughput ...');
  await abba(fleet, 'throughput', idle, drivesFor((publish) => () => windowed(fleet, CLIENTS, publish, WINDOW, BATCH, runMs)), runs);
  await fleet.disconnect(CALLBRIDGE);
  return {
    idle,
    controlled: [await figures(fleet, CALLBRIDGE, 'controlled', runs), await figures(fleet, RAW, 'controlled', runs)],
    throughput: [await figures(fleet, CALLBRIDGE, 'throughput', runs), await figures(fleet, RAW, 'throughput', runs)],
  };
}

/** e2e on a bridge polling FLOWS fast, then the raw server replaying what its bus published. */
async function e2ePhase(fleet: ClientFleet, raw: RawServer, bridge: BenchBridge, runs: RunResult[]): Promise<E2eFigures> {
  await fleet.connect(CALLBRIDGE_E2E, bridge.bridge.url, BENCH_TOKEN, BENCH_TENANT, CLIENTS);
  // Let the first polls (and their `source.up`) pass before timing anything.
  await delay(Math.max(1_000, E2E_POLL_MS * 4));
  const idle = await idleCpu();
  console.log('phase e2e ...');
  let captured: CapturedEvent[] = [];
  const drive = async () => {
    captured = await driveSimulator(fleet, CLIENTS, {
      model: bridge.sim.model,
      bus: bridge.bridge.bus,
      tenant: BENCH_TENANT,
      flowNumbers: bridge.flowNumbers,
      window: E2E_WINDOW,
      durationMs: PHASE_SECONDS * 1000,
      pollMs: E2E_POLL_MS,
    });
    return captured.length;
  };
  runs.push(await measure(fleet, CALLBRIDGE_E2E, 'e2e', idle, drive, true));
  runs.push(await measure(fleet, RAW, 'e2e', idle, () => replay(fleet, CLIENTS, raw, BENCH_TENANT, captured, E2E_WINDOW), true));
  await fleet.disconnect(CALLBRIDGE_E2E);
  return { idle, e2e: [await figures(fleet, CALLBRIDGE_E2E, 'e2e', runs), await figures(fleet, RAW, 'e2e', runs)] };
}

type E2eFigures = { readonly idle: number; readonly e2e: readonly [PhaseFigures, PhaseFigures] };

const rows = (pair: readonly [PhaseFigures, PhaseFigures], use: PhaseRow['use']): [PhaseRow, PhaseRow] => [
  { label: 'callbridge', figures: pair[0], use },
  { label: 'raw', figures: pair[1], use },
];

function printReport(broadcast: BroadcastFigures | undefined, e2e: E2eFigures | undefined): void {
  const pct = (fraction: number) => `${Math.round(fraction * 100)}%`;
  const idle = [
    broadcast ? `${pct(broadcast.idle)} of a core with the demo-rate bridge` : undefined,
    e2e ? `${pct(e2e.idle)} with the e2e bridge` : undefined,
  ].filter(Boolean);
  console.log(
    `\nserver CPU is this process's, net of its idle load (${idle.join(', ')}: polling the simulator, timers); ` +
      `client CPU is the client process's.`,
  );
  if (broadcast) printBroadcast(broadcast);
  if (e2e) printE2e(e2e);
}

function printBroadcast(broadcast: BroadcastFigures): void {
  console.log(`\ncontrolled (${RATE} events/s to ${CLIENTS} clients; latency = data.sentAt before publish/emit -> client)`);
  console.log(phaseTable(rows(broadcast.controlled, 'latency')));
  console.log(`\nthroughput (at most ${WINDOW} events in flight; latency includes that queue)`);
  console.log(phaseTable(rows(broadcast.throughput, 'latency')));
}

function printE2e(e2e: E2eFigures): void {
  console.log(`\ne2e (simulator flows changed as fast as absorbed, FLOWS polled every ${E2E_POLL_MS} ms; raw replays the same events and timing)`);
  console.log('  latency = event ts (ms precision, stamped before bus.publish / before emit) -> client:');
  console.log(phaseTable(rows(e2e.e2e, 'tsLatency')));
  const vendor = e2e.e2e[0].latency;
  console.log(
    `  callbridge vendor change -> client (includes waiting for the next poll): p50 ${vendor.p50.toFixed(1)} ms, ` +
      `p99 ${vendor.p99.toFixed(1)} ms, max ${vendor.max.toFixed(1)} ms over ${vendor.count.toLocaleString('en-US')} deliveries`,
  );
}

async function main(): Promise<void> {
  const { logger, close: closeLogger } = benchLogger();
  let bridge: BenchBridge | undefined;
  let raw: RawServer | undefined;
  let fleet: ClientFleet | undefined;
  let failure: unknown;
  const fail = (err: unknown) => (failure ??= err);
  const runs: RunResult[] = [];

  printMachine();
  console.log(
    `fan-out: ${CLIENTS} clients in ${CLIENT_PROCS} process(es), ${PHASE_SECONDS}s per phase and target, ` +
      `controlled ${RATE} events/s, window ${WINDOW}, e2e window ${E2E_WINDOW} / FLOWS poll ${E2E_POLL_MS} ms`,
  );
  try {
    fleet = await ClientFleet.start(CLIENT_PROCS);
    const clock = fleet.clockOffsets.map((c) => `${c.offset.toFixed(3)} ms (rtt ${c.rttMs.toFixed(2)} ms)`).join(', ');
    console.log(`clock offset child-parent: ${clock}`);
    raw = await startRawServer();
    let broadcast: BroadcastFigures | undefined;
    let slowLine = '';
    if (PHASES !== 'e2e') {
      bridge = await startBenchBridge({ extensions: EXTENSIONS, flows: FLOWS, flowsPollMs: DEMO_FLOWS_POLL_MS, logger });
      broadcast = await broadcastPhases(fleet, raw, bridge, runs, fail);
      slowLine = slowConsumerLine(bridge);
      await bridge.close();
      bridge = undefined;
    }
    let e2e: E2eFigures | undefined;
    if (PHASES !== 'broadcast') {
      // The e2e bridge polls FLOWS fast: a bridge of its own, so the phases above do not pay for it.
      bridge = await startBenchBridge({ extensions: EXTENSIONS, flows: FLOWS, flowsPollMs: E2E_POLL_MS, logger });
      e2e = await e2ePhase(fleet, raw, bridge, runs);
    }
    if (failure !== undefined) throw failure;
    printReport(broadcast, e2e);
    if (slowLine !== '') console.log(`\n${slowLine}`);
    console.log(`\nafter the run: ${machineLine()}`);
  } finally {
    await fleet?.close();
    await bridge?.close();
    await raw?.close();
    closeLogger();
  }
}

// No process.exit: the process ends by itself once everything is closed, which proves it is.
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
