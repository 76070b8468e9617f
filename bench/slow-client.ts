/**
 * Slow-client bench (issue 10, target 4): CLIENTS sockets on one tenant (in a child process, so
 * the server's CPU and memory are its own) read as fast as they can while client 0 stops
 * reading; the others' deliveries/s with client 0 stalled against the same server with client
 * 0 reading, in the same run: ROUNDS blocks of reading, stalled, stalled, reading.
 *
 * - Events: `blf.changed` on KEYS keys published into the bus as fast as the others take them
 *   (at most WINDOW events in flight for the average other client), as in the fan-out bench.
 * - Stalling: client 0's TCP socket is paused, then its buffers are filled (stall.ts) until the
 *   server's sweep puts it in slow mode: its events then go to its coalescing queue. Reading
 *   again, it must catch up to the latest state per key, and it must not have been dropped.
 * - Every second: the server's RSS and heap, client 0's engine.io backlog and the sweep's stats.
 *
 * - With --expose-gc (the npm script passes it), a full collection runs before every segment,
 *   so the garbage of the filler events (stall.ts) is not collected during the next segment,
 *   and the heap that survives a collection is reported at the start and at the end.
 *
 * Run: node --expose-gc --import tsx bench/slow-client.ts   (knobs: CLIENTS=1000 SEGMENT_SECONDS=3 ROUNDS=4 KEYS=100 WINDOW=64 BATCH=8 STALL_EVENT_BYTES=4000 MAX_SOCKET_BACKLOG=2000)
 */
import type { Publish } from './fanout/drivers.js';
import { cpuMsSince, sleep, wallNow, yieldToIo } from './lib/clock.js';
import { intKnob } from './lib/knobs.js';
import { benchLogger } from './lib/logger.js';
import { machineLine, printMachine } from './lib/machine.js';
import { READ_TENANT, SLOW_BENCH_TOKEN, STALL_TENANT, startBenchNode, type BenchNode } from './slow-client/bench-node.js';
import { blfPublisher } from './slow-client/events.js';
import { SlowClientFleet } from './slow-client/fleet.js';
import type { Mode } from './slow-client/protocol.js';
import { memoryTable, MemorySampler, segmentTables, type SegmentResult } from './slow-client/report.js';
import { consumersOf, stall, stalledBacklog, unstall, type StallInfo } from './slow-client/stall.js';

const CLIENTS = intKnob({ name: 'CLIENTS', fallback: 1_000, min: 3, max: 5_000 });
const SEGMENT_SECONDS = intKnob({ name: 'SEGMENT_SECONDS', fallback: 3, min: 1, max: 120 });
const ROUNDS = intKnob({ name: 'ROUNDS', fallback: 4, min: 1, max: 20 });
/** Distinct BLF keys of the read tenant: the stalled client's queue holds at most this many. */
const KEYS = intKnob({ name: 'KEYS', fallback: 100, min: 1, max: 100_000 });
const WINDOW = intKnob({ name: 'WINDOW', fallback: 64, min: 1, max: 10_000 });
const BATCH = intKnob({ name: 'BATCH', fallback: 8, min: 1, max: 1_000 });
/** Padding of the events that fill the stalled client's buffers (stall.ts). */
const STALL_EVENT_BYTES = intKnob({ name: 'STALL_EVENT_BYTES', fallback: 4_000, min: 100, max: 1_000_000 });
/** The server's `maxSocketBacklog`: soft bound a tenth of it, hard bound 10x (slow-consumers.ts). */
const MAX_SOCKET_BACKLOG = intKnob({ name: 'MAX_SOCKET_BACKLOG', fallback: 2_000, min: 10, max: 1_000_000 });
/** The server's soft bound for that backlog (slow-consumers.ts: a tenth, at least 50). */
const SOFT_BACKLOG = Math.max(50, Math.floor(MAX_SOCKET_BACKLOG / 10));
const WARMUP_MS = 2_000;
const DRAIN_TIMEOUT_MS = 15_000;
const CATCH_UP_TIMEOUT_MS = 15_000;
/**
 * Quiet time after filling the stalled client's buffers and after its catch-up, before the
 * next segment: what those bench-made bursts leave behind (sockets flushing, the collector)
 * must not be counted against either mode.
 */
const TRANSITION_SETTLE_MS = 1_000;

const others = CLIENTS - 1;

/** Full garbage collection when --expose-gc is on; the memory that survives it. */
function collect(): NodeJS.MemoryUsage | undefined {
  if (!globalThis.gc) return undefined;
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage();
}

/** As fast as the others take it: at most WINDOW events not yet received by the average other client. */
async function windowed(fleet: SlowClientFleet, publish: Publish, durationMs: number): Promise<number> {
  const end = wallNow() + durationMs;
  let sent = 0;
  while (wallNow() < end) {
    const inFlight = sent - fleet.delivered / others;
    if (inFlight < WINDOW) {
      const count = Math.max(1, Math.min(BATCH, Math.floor(WINDOW - inFlight)));
      publish(count);
      sent += count;
      await yieldToIo();
    } else {
      await fleet.nextProgress();
    }
  }
  return sent;
}

interface CatchUp {
  readonly stall: StallInfo;
  readonly publishedWhileStalled: number;
  readonly leftSlowModeMs: number;
  readonly caughtUpMs: number;
  readonly received: number;
  readonly coalesced: number;
  readonly differing: number;
  readonly keys: number;
}

async function main(): Promise<void> {
  const { logger, close: closeLogger } = benchLogger();
  let node: BenchNode | undefined;
  let fleet: SlowClientFleet | undefined;
  let sampler: MemorySampler | undefined;
  let failure: unknown;
  printMachine();
  console.log(
    `slow client: ${CLIENTS} clients on one tenant (client 0 stalls, ${others} read), ${ROUNDS} x (reading, stalled, stalled, reading) ` +
      `segments of ${SEGMENT_SECONDS} s, ${KEYS} keys, window ${WINDOW}, maxSocketBacklog ${MAX_SOCKET_BACKLOG} (soft bound ${SOFT_BACKLOG})`,
  );
  try {
    node = await startBenchNode({ logger, maxSocketBacklog: MAX_SOCKET_BACKLOG });
    const bench = node;
    const consumers = consumersOf(bench);
    fleet = new SlowClientFleet();
    const clients = fleet;
    const { ms: connectMs, stalledId } = await clients.connect(bench.url, SLOW_BENCH_TOKEN, READ_TENANT, STALL_TENANT, CLIENTS);
    console.log(`connected + subscribed ${CLIENTS} clients in ${Math.round(connectMs)} ms`);
    let phase = 'warm-up';
    sampler = new MemorySampler(() => ({ phase, backlog: stalledBacklog(bench, stalledId), slow: consumers.isSlow(stalledId), stats: { ...consumers.stats } }));
    const publish = blfPublisher(bench.bus, READ_TENANT, KEYS, (err) => (failure ??= err));

    const run = async (mode: Mode, durationMs: number): Promise<SegmentResult> => {
      collect();
      await clients.begin(mode);
      const cpu = process.cpuUsage();
      const start = wallNow();
      const events = await windowed(clients, publish, durationMs);
      const counts = await clients.end(events, DRAIN_TIMEOUT_MS);
      const elapsedMs = Math.max(1, counts.lastRecv - start);
      if (counts.delivered < events * others) console.warn(`  ! ${mode}: ${events * others - counts.delivered} deliveries to the others missing`);
      return { mode, events, counts, elapsedMs, serverCpuMs: cpuMsSince(cpu), backlogAtEnd: stalledBacklog(bench, stalledId) };
    };

    const retainedAtStart = collect();
    await run('warmup', WARMUP_MS);
    const results: SegmentResult[] = [];
    const catchUps: CatchUp[] = [];
    let stalled: { info: StallInfo; before: { received: number; coalesced: number }; published: number } | undefined;
    const segmentMs = SEGMENT_SECONDS * 1_000;
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['reading', 'stalled', 'stalled', 'reading'] as const) {
        if (mode === 'stalled' && !stalled) {
          phase = 'filling';
          const before = await clients.compare();
          stalled = { info: await stall(bench, clients, stalledId, STALL_EVENT_BYTES, SOFT_BACKLOG), before, published: 0 };
        } else if (mode === 'reading' && stalled) {
          phase = 'catching up';
          const leftSlowModeMs = await unstall(bench, clients, stalledId);
          const started = wallNow();
          let comparison = await clients.compare();
          while (comparison.differing > 0 && wallNow() - started < CATCH_UP_TIMEOUT_MS) {
            await sleep(20);
            comparison = await clients.compare();
          }
          catchUps.push({
            stall: stalled.info,
            publishedWhileStalled: stalled.published,
            leftSlowModeMs,
            caughtUpMs: leftSlowModeMs + (wallNow() - started),
            received: comparison.received - stalled.before.received,
            coalesced: comparison.coalesced - stalled.before.coalesced,
            differing: comparison.differing,
            keys: comparison.keys,
          });
          stalled = undefined;
        }
        if (phase === 'filling' || phase === 'catching up') {
          phase = 'settling';
          await sleep(TRANSITION_SETTLE_MS);
        }
        phase = mode;
        const result = await run(mode, segmentMs);
        if (stalled) stalled.published += result.events;
        results.push(result);
      }
    }
    phase = 'done';
    const retainedAtEnd = collect();
    const stallLatency = await clients.samples('stalled');
    const readLatency = await clients.samples('reading');
    const final = await clients.compare();
    sampler.stop();
    if (failure !== undefined) throw failure;

    console.log(`\nothers' deliveries (${others} clients reading; client 0 not counted; latency = data.sentAt before publish -> client)`);
    console.log(segmentTables(results, readLatency, stallLatency, others));
    console.log(`\nclient 0 (stalled), per stall:`);
    for (const [i, c] of catchUps.entries()) {
      console.log(
        `  stall ${i + 1}: slow mode ${Math.round(c.stall.ms)} ms after the pause (${c.stall.fillerEvents} filler events, ${(c.stall.fillerBytes / 1e6).toFixed(1)} MB); ` +
          `${c.publishedWhileStalled.toLocaleString('en-US')} events published while stalled -> it received ${c.received.toLocaleString('en-US')} on resume ` +
          `(${c.coalesced.toLocaleString('en-US')} marked coalesced); back among the broadcasts ${Math.round(c.leftSlowModeMs)} ms after reading again; ` +
          `latest state per key ${c.differing === 0 ? `equal to a reading client's (${c.keys} keys)` : `DIFFERS on ${c.differing} of ${c.keys} keys`} after ${Math.round(c.caughtUpMs)} ms`,
      );
    }
    const { coalesced, dropped, slowed } = consumers.stats;
    const disconnects = results.reduce((sum, r) => sum + r.counts.stalledDisconnected, 0);
    console.log(
      `  sweep stats: slowed ${slowed}, coalesced ${coalesced.toLocaleString('en-US')}, dropped ${dropped}; client 0 ${final.stalledConnected ? 'still connected' : 'NOT connected'}, ` +
        `${disconnects} disconnect(s) seen by it. Hard bounds: backlog > ${(MAX_SOCKET_BACKLOG * 10).toLocaleString('en-US')} packets, ` +
        `coalesced queue > ${(MAX_SOCKET_BACKLOG * 25).toLocaleString('en-US')} entries, or no drain for 60 s.`,
    );
    console.log(`\nserver memory, every second (this process: bench node + publisher; the clients are in another process)`);
    console.log(memoryTable(sampler.samples));
    if (retainedAtStart && retainedAtEnd) {
      const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
      console.log(
        `after a forced full GC: heap ${mb(retainedAtStart.heapUsed)} at the start (clients connected) -> ${mb(retainedAtEnd.heapUsed)} at the end; ` +
          `external ${mb(retainedAtStart.external)} -> ${mb(retainedAtEnd.external)}; RSS ${mb(retainedAtStart.rss)} -> ${mb(retainedAtEnd.rss)}`,
      );
      // MemoryEventLog drops events from its window at once but frees them only when it
      // compacts (more than 1,024 dropped, and over half the array): filler it still holds.
      console.log(
        `  (the end figure includes filler events the stall tenant's replay log has dropped but not yet compacted away: up to ~1,100 x ${STALL_EVENT_BYTES.toLocaleString('en-US')} bytes)`,
      );
    } else {
      console.log('no gc(): run with node --expose-gc (npm run bench:slow-client does) for the heap that survives a full collection');
    }
    console.log(`\nafter the run: ${machineLine()}`);
  } finally {
    sampler?.stop();
    await fleet?.close();
    await node?.close();
    closeLogger();
  }
}

// No process.exit: the process ends by itself once everything is closed, which proves it is.
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
