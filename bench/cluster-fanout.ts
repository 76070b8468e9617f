/**
 * Cluster fan-out bench: N socket.io clients (in a child process) subscribed to one tenant,
 * spread evenly over 3 cluster nodes on one private redis-server, events published on one node;
 * beside a single in-memory node with all N clients, in the same run and the same process.
 *
 * Every node runs in this process (as the cluster tests do), so on a small machine this measures
 * what the cluster path costs per delivery (APPEND with its mirror in Redis, each node's XREAD,
 * parse and encode), not how far more machines would scale. redis-server's own CPU is not in
 * "server CPU". Phases alternate single, cluster, cluster, single (ROUNDS times):
 * - controlled: RATE events/s published into the bus (`bus.publish`), latency = data.sentAt ->
 *   client receive;
 * - throughput: as fast as the clients take it, at most WINDOW events in flight.
 *
 * Run: npm run bench:cluster   (knobs: CLIENTS=600 PHASE_SECONDS=5 RATE=... ROUNDS=2 WINDOW=64 BATCH=8)
 */
import { setTimeout as delay } from 'node:timers/promises';
import { startBridge, type Bridge } from '../src/bridge.js';
import { parseConfig } from '../src/config/load.js';
import type { Logger } from 'pino';
import { startRedisServer, type RedisServer } from '../test/support/redis-server.js';
import { cpuMsSince, wallNow } from './lib/clock.js';
import { intKnob } from './lib/knobs.js';
import { benchLogger } from './lib/logger.js';
import { machineLine, printMachine } from './lib/machine.js';
import { BENCH_TENANT, BENCH_TOKEN } from './fanout/bench-bridge.js';
import { ClientFleet } from './fanout/client-fleet.js';
import { measureRun, type Drive } from './fanout/measure.js';
import { busPublisher, paced, windowed, type Publish } from './fanout/drivers.js';
import type { PhaseName } from './fanout/protocol.js';
import { combine, phaseTable, type PhaseFigures, type RunResult } from './fanout/report.js';

const NODES = 3;
const CLIENTS = intKnob({ name: 'CLIENTS', fallback: 600, min: NODES, max: 5_000 });
const CLIENT_PROCS = intKnob({ name: 'CLIENT_PROCS', fallback: 1, min: 1, max: 8 });
const PHASE_SECONDS = intKnob({ name: 'PHASE_SECONDS', fallback: 5, min: 1, max: 300 });
const RATE = intKnob({ name: 'RATE', fallback: Math.max(10, Math.round(20_000 / CLIENTS)), min: 1, max: 100_000 });
const ROUNDS = intKnob({ name: 'ROUNDS', fallback: 2, min: 1, max: 50 });
const WINDOW = intKnob({ name: 'WINDOW', fallback: 64, min: 1, max: 10_000 });
const BATCH = intKnob({ name: 'BATCH', fallback: 8, min: 1, max: 1_000 });
const WARMUP_MS = 1_000;
const DRAIN_TIMEOUT_MS = 15_000;
const IDLE_WINDOW_MS = 500;
const IDLE_WINDOWS = 4;

const SINGLE = 'single';
const CLUSTER = 'cluster';


function nodeConfig(redis: RedisServer | undefined) {
  return parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    auth: { tokens: [{ token: BENCH_TOKEN, name: 'bench', tenants: [BENCH_TENANT], scopes: ['*'] }] },
    clients: { connectionsPerIp: 100_000 },
    ...(redis ? { redis: { url: redis.url, keyPrefix: 'bench:' } } : {}),
  });
}

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

function measure(fleet: ClientFleet, target: string, phase: PhaseName, idle: number, drive: Drive): Promise<RunResult> {
  return measureRun({ fleet, clients: CLIENTS, drainTimeoutMs: DRAIN_TIMEOUT_MS, target, phase, idle, drive });
}

async function figures(fleet: ClientFleet, target: string, phase: PhaseName, runs: readonly RunResult[]): Promise<PhaseFigures> {
  const samples = await fleet.samples(target, phase);
  return combine(
    runs.filter((run) => run.target === target && run.phase === phase),
    samples.latency,
    samples.tsLatency,
  );
}

async function startNodes(redis: RedisServer, logger: Logger): Promise<Bridge[]> {
  const nodes: Bridge[] = [];
  for (let i = 0; i < NODES; i++) nodes.push(await startBridge(nodeConfig(redis), { logger }));
  return nodes;
}

async function main(): Promise<void> {
  const { logger, close: closeLogger } = benchLogger();
  let redis: RedisServer | undefined;
  let fleet: ClientFleet | undefined;
  let single: Bridge | undefined;
  const cluster: Bridge[] = [];
  let failure: unknown;
  const fail = (err: unknown) => (failure ??= err);
  const runs: RunResult[] = [];

  printMachine();
  console.log(
    `cluster fan-out: ${CLIENTS} clients in ${CLIENT_PROCS} process(es); single node (all clients) vs ${NODES} nodes ` +
      `(${CLIENTS / NODES} clients each, events published on the first); ${PHASE_SECONDS}s per phase and target, ` +
      `controlled ${RATE} events/s, window ${WINDOW}`,
  );
  try {
    redis = await startRedisServer();
    fleet = await ClientFleet.start(CLIENT_PROCS);
    single = await startBridge(nodeConfig(undefined), { logger });
    cluster.push(...(await startNodes(redis, logger)));
    const started = wallNow();
    await fleet.connect(SINGLE, single.url, BENCH_TOKEN, BENCH_TENANT, CLIENTS);
    const singleMs = wallNow() - started;
    const share = Math.floor(CLIENTS / NODES);
    const clusterStart = wallNow();
    for (const [i, node] of cluster.entries()) {
      await fleet.connect(CLUSTER, node.url, BENCH_TOKEN, BENCH_TENANT, i === NODES - 1 ? CLIENTS - share * (NODES - 1) : share);
    }
    console.log(`connected + subscribed: single ${Math.round(singleMs)} ms, cluster ${Math.round(wallNow() - clusterStart)} ms`);

    const publishers: Record<string, Publish> = {
      [SINGLE]: busPublisher(single.bus, BENCH_TENANT, fail),
      [CLUSTER]: busPublisher((cluster[0] as Bridge).bus, BENCH_TENANT, fail),
    };
    for (const [target, publish] of Object.entries(publishers)) {
      await fleet.begin(target, 'warmup', false);
      const events = await paced(publish, RATE, WARMUP_MS);
      await fleet.end(events * CLIENTS, DRAIN_TIMEOUT_MS);
    }
    const idle = await idleCpu();
    const runMs = (PHASE_SECONDS * 1000) / (2 * ROUNDS);
    const phases: Array<[PhaseName, (publish: Publish) => Drive]> = [
      ['controlled', (publish) => () => paced(publish, RATE, runMs)],
      ['throughput', (publish) => () => windowed(fleet as ClientFleet, CLIENTS, publish, WINDOW, BATCH, runMs)],
    ];
    for (const [phase, make] of phases) {
      console.log(`phase ${phase} ...`);
      for (let round = 0; round < ROUNDS; round++) {
        for (const target of [SINGLE, CLUSTER, CLUSTER, SINGLE]) {
          runs.push(await measure(fleet, target, phase, idle, make(publishers[target] as Publish)));
        }
      }
    }
    if (failure !== undefined) throw failure;
    const pct = Math.round(idle * 100);
    console.log(`\nserver CPU is this process's (the single node and the ${NODES} cluster nodes), net of its idle load (${pct}% of a core); redis-server's is not counted.`);
    for (const [phase] of phases) {
      const label = phase === 'controlled' ? `controlled (${RATE} events/s to ${CLIENTS} clients)` : `throughput (at most ${WINDOW} events in flight)`;
      console.log(`\n${label}`);
      console.log(
        phaseTable([
          { label: `cluster x${NODES}`, figures: await figures(fleet, CLUSTER, phase, runs), use: 'latency' },
          { label: 'single', figures: await figures(fleet, SINGLE, phase, runs), use: 'latency' },
        ]),
      );
    }
    console.log(`\nafter the run: ${machineLine()}`);
  } finally {
    await fleet?.close();
    await single?.close();
    await Promise.all(cluster.map((node) => node.close()));
    await redis?.stop();
    closeLogger();
  }
}

// No process.exit: the process ends by itself once everything is closed, which proves it is.
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
