/**
 * Memory bench (issue 10, target 5): what CLIENTS idle sockets, connected and subscribed to one
 * tenant, cost a server in RSS, callbridge against a raw socket.io server with the same options
 * (bench/fanout/raw-server.ts), in the same run.
 *
 * Each measurement forks a fresh server process (memory/server.ts) that holds that server and
 * nothing else; the clients live in another process (the fan-out bench's client fleet), so
 * only the server's memory is counted. The server forces full garbage collections (--expose-gc)
 * before each sample and reports the median of SAMPLES samples, before the clients connect and
 * after they have sat idle for SETTLE_MS; the difference, per 1,000 clients, is the figure.
 * ROUNDS blocks of raw, callbridge, callbridge, raw.
 *
 * Run: node --expose-gc --import tsx bench/memory.ts   (knobs: CLIENTS=1000 ROUNDS=1 SAMPLES=3 SETTLE_MS=2000 EXTENSIONS=200)
 */
import { sleep } from './lib/clock.js';
import { intKnob } from './lib/knobs.js';
import { machineLine, printMachine } from './lib/machine.js';
import { median } from './lib/stats.js';
import { fmt, ratio, table } from './lib/table.js';
import { BENCH_TENANT, BENCH_TOKEN } from './fanout/bench-bridge.js';
import { ClientFleet } from './fanout/client-fleet.js';
import type { MemorySnapshot } from './memory/protocol.js';
import { ServerProcess, type MemoryTarget } from './memory/server-process.js';

const CLIENTS = intKnob({ name: 'CLIENTS', fallback: 1_000, min: 10, max: 5_000 });
const ROUNDS = intKnob({ name: 'ROUNDS', fallback: 1, min: 1, max: 20 });
const SAMPLES = intKnob({ name: 'SAMPLES', fallback: 3, min: 1, max: 50 });
/** Idle time before a sample: startup polls before the baseline, the subscribes' garbage after. */
const SETTLE_MS = intKnob({ name: 'SETTLE_MS', fallback: 2_000, min: 0, max: 60_000 });
/** Size of the callbridge's MiRTA tenant (extensions and flows), as in the fan-out bench. */
const EXTENSIONS = intKnob({ name: 'EXTENSIONS', fallback: 200, min: 1, max: 100_000 });
const SAMPLE_GAP_MS = 200;
const MB = 1_048_576;

type Field = keyof MemorySnapshot;
const FIELDS: readonly Field[] = ['rss', 'heapUsed', 'external', 'arrayBuffers'];

interface Measurement {
  readonly target: MemoryTarget;
  readonly connectMs: number;
  readonly before: MemorySnapshot;
  readonly after: MemorySnapshot;
}

async function medianSample(server: ServerProcess): Promise<MemorySnapshot> {
  const samples: MemorySnapshot[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await sleep(SAMPLE_GAP_MS);
    samples.push(await server.sample());
  }
  const of = (field: Field) => median(samples.map((s) => s[field]));
  return { rss: of('rss'), heapUsed: of('heapUsed'), heapTotal: of('heapTotal'), external: of('external'), arrayBuffers: of('arrayBuffers') };
}

async function measure(fleet: ClientFleet, target: MemoryTarget): Promise<Measurement> {
  const server = await ServerProcess.start(target, EXTENSIONS);
  try {
    await sleep(SETTLE_MS);
    const before = await medianSample(server);
    const connectMs = await fleet.connect(target, server.url, BENCH_TOKEN, BENCH_TENANT, CLIENTS);
    await sleep(SETTLE_MS);
    const after = await medianSample(server);
    await fleet.disconnect(target);
    return { target, connectMs, before, after };
  } finally {
    await server.close();
  }
}

/** Per 1,000 clients, in MB. */
const per1000 = (m: Measurement, field: Field) => ((m.after[field] - m.before[field]) / MB) * (1_000 / CLIENTS);

function report(runs: readonly Measurement[]): void {
  console.log(`\neach measurement (MB; "+" columns are after - before, per 1,000 clients)`);
  console.log(
    table(
      ['#', 'target', 'connect+subscribe ms', 'RSS before', 'RSS after', '+RSS', '+heap', '+external', '+arrayBuffers'],
      runs.map((m, i) => [
        i + 1,
        m.target,
        Math.round(m.connectMs),
        fmt(m.before.rss / MB, 1),
        fmt(m.after.rss / MB, 1),
        fmt(per1000(m, 'rss'), 2),
        fmt(per1000(m, 'heapUsed'), 2),
        fmt(per1000(m, 'external'), 2),
        fmt(per1000(m, 'arrayBuffers'), 2),
      ]),
    ),
  );
  const mean = (target: MemoryTarget, pick: (m: Measurement) => number) => {
    const of = runs.filter((m) => m.target === target).map(pick);
    return of.reduce((a, b) => a + b, 0) / of.length;
  };
  const rows = FIELDS.map((field) => {
    const bridge = mean('callbridge', (m) => per1000(m, field));
    const raw = mean('raw', (m) => per1000(m, field));
    return [field === 'rss' ? 'RSS' : field, fmt(bridge, 2), fmt(raw, 2), ratio(bridge, raw), fmt((bridge * MB) / 1_000 / 1_024, 1), fmt((raw * MB) / 1_000 / 1_024, 1)];
  });
  rows.push(['connect+subscribe ms', fmt(mean('callbridge', (m) => m.connectMs), 0), fmt(mean('raw', (m) => m.connectMs), 0), ratio(mean('callbridge', (m) => m.connectMs), mean('raw', (m) => m.connectMs)), '', '']);
  console.log(`\nper 1,000 idle subscribed clients (mean of ${runs.length / 2} measurement(s) each)`);
  console.log(table(['', 'callbridge MB', 'raw MB', 'ratio', 'callbridge KB/client', 'raw KB/client'], rows));
}

async function main(): Promise<void> {
  printMachine();
  if (!globalThis.gc) console.log('note: this process has no gc(); the server processes get --expose-gc anyway');
  console.log(
    `memory: ${CLIENTS} idle clients (websocket, subscribed to every topic of one tenant) per server; fresh server process per measurement; ` +
      `${ROUNDS} x (raw, callbridge, callbridge, raw); GC forced, median of ${SAMPLES} samples; callbridge = MiRTA simulator (${EXTENSIONS} extensions) + startBridge in that process`,
  );
  const fleet = await ClientFleet.start(1);
  try {
    const runs: Measurement[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of ['raw', 'callbridge', 'callbridge', 'raw'] as const) runs.push(await measure(fleet, target));
    }
    report(runs);
    console.log(`\nafter the run: ${machineLine()}`);
  } finally {
    await fleet.close();
  }
}

// No process.exit: the process ends by itself once everything is closed, which proves it is.
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
