/**
 * Snapshot bench: what one PEERS + one BLFS poll of a tenant with N entities costs the bridge
 * once the body has arrived (parse -> normalize -> diff against the previous snapshot), against
 * a bare `JSON.parse` of the same bodies measured in the same run, interleaved.
 *
 * Bodies come from the MiRTA simulator's own encoders. The previous snapshot is the same body
 * normalized a second earlier, handed to the normalizers as the source's poll does
 * (`previous`): the diff must find 0 changes. A second body with 1 entity in 100 changed checks
 * that the diff finds exactly those. A first poll (nothing previous, every entity built) is
 * timed too.
 *
 * The target is normalize + diff against JSON.parse ("ratio"); the full pipeline (our
 * tolerant parser, which itself calls JSON.parse, + normalize + diff) is printed beside it, and
 * so is a poll through the real SnapshotSink on an in-memory bus (read the source's previous
 * entities from the state store, normalize, diff, confirm), parsed rows given.
 *
 * Run: node --import tsx bench/diff.ts   (knobs: SIZES=1000,10000,50000  REPS_SCALE=200000)
 */
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { Bus } from '../src/bus/bus.js';
import { MemoryEventLog } from '../src/bus/memory-event-log.js';
import { MemoryStateStore } from '../src/bus/memory-state-store.js';
import { diffSnapshots } from '../src/pollers/snapshot-diff.js';
import { SnapshotSink } from '../src/pollers/snapshot-sink.js';
import type { Entity } from '../src/protocol/entities.js';
import { normalizeBlfs, normalizePeers, type NormalizeContext } from '../src/vendors/mirta/normalizer.js';
import { parseBlfs, parsePeers } from '../src/vendors/mirta/parsers.js';
import { BENCH_CODE, vendorBodies, type VendorBodies } from './diff/bodies.js';
import { intKnob } from './lib/knobs.js';
import { printMachine } from './lib/machine.js';
import { median } from './lib/stats.js';
import { fmt, ratio, table } from './lib/table.js';

/** Repetitions per size: REPS_SCALE / size, at least MIN_REPS. */
const REPS_SCALE = intKnob({ name: 'REPS_SCALE', fallback: 200_000, min: 1, max: 100_000_000 });
const MIN_REPS = 7;
const CHANGED_EVERY = 100;
const SOURCE = 'mirta-bench';
const T0 = Date.parse('2026-01-01T00:00:00Z');

function sizes(): number[] {
  const text = process.env.SIZES ?? process.argv.find((arg) => arg.startsWith('--sizes='))?.slice('--sizes='.length) ?? '1000,10000,50000';
  const list = text.split(',').map((part) => Number(part.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000_000)) {
    throw new RangeError(`SIZES (--sizes): expected integers in [1, 1000000] separated by commas, received "${text}"`);
  }
  return list;
}

interface Snapshot {
  readonly peers: ReadonlyMap<string, Entity>;
  readonly blfs: ReadonlyMap<string, Entity>;
}

interface PipelineTimes {
  parseMs: number;
  normalizeMs: number;
  diffMs: number;
  changes: number;
}

const EMPTY: Snapshot = { peers: new Map(), blfs: new Map() };

const context = (at: number, previous: ReadonlyMap<string, Entity>): NormalizeContext & { tenantCode: string } => ({
  source: SOURCE,
  now: new Date(at),
  tenantCode: BENCH_CODE,
  previous,
});

function normalize(bodies: VendorBodies, at: number): Snapshot {
  return {
    peers: normalizePeers(parsePeers(bodies.peers), context(at, EMPTY.peers)),
    blfs: normalizeBlfs(parseBlfs(bodies.blfs), context(at, EMPTY.blfs)),
  };
}

/** One poll's worth of work for both topics, each stage timed. */
function pipeline(bodies: VendorBodies, previous: Snapshot, at: number): PipelineTimes {
  const t0 = performance.now();
  const peerRows = parsePeers(bodies.peers);
  const blfRows = parseBlfs(bodies.blfs);
  const t1 = performance.now();
  const peers = normalizePeers(peerRows, context(at, previous.peers));
  const blfs = normalizeBlfs(blfRows, context(at, previous.blfs));
  const t2 = performance.now();
  const changes = diffSnapshots(previous.peers, peers).length + diffSnapshots(previous.blfs, blfs).length;
  const t3 = performance.now();
  return { parseMs: t1 - t0, normalizeMs: t2 - t1, diffMs: t3 - t2, changes };
}

/** The bridge's own path for an unchanged poll: SnapshotSink.replace on an in-memory bus. */
async function sinkPoll(bodies: VendorBodies): Promise<{ measure: (at: number) => Promise<{ ms: number; events: number }>; close: () => Promise<void> }> {
  const bus = new Bus({ log: new MemoryEventLog({ maxEvents: 1_000, maxAgeMs: 60_000 }), state: new MemoryStateStore(), logger: pino({ level: 'silent' }) });
  const sink = new SnapshotSink({ bus, source: SOURCE });
  const poll = async (at: number) => {
    const peerRows = parsePeers(bodies.peers);
    const blfRows = parseBlfs(bodies.blfs);
    const t0 = performance.now();
    const peers = await sink.replace(BENCH_CODE, 'peers', (previous) => normalizePeers(peerRows, context(at, previous)));
    const blfs = await sink.replace(BENCH_CODE, 'blfs', (previous) => normalizeBlfs(blfRows, context(at, previous)));
    return { ms: performance.now() - t0, events: peers.length + blfs.length };
  };
  await poll(T0);
  return { measure: poll, close: () => bus.close() };
}

function jsonParseMs(bodies: VendorBodies): number {
  const t0 = performance.now();
  const peers: unknown = JSON.parse(bodies.peers);
  const blfs: unknown = JSON.parse(bodies.blfs);
  const elapsed = performance.now() - t0;
  if (!Array.isArray(peers) || !Array.isArray(blfs)) throw new Error('bench bodies are not JSON arrays');
  return elapsed;
}

interface SizeResult {
  readonly size: number;
  readonly bodyMb: number;
  readonly reps: number;
  readonly jsonParseMs: number;
  readonly unchanged: PipelineTimes;
  /** normalize + diff of the 1%-changed bodies. */
  readonly changedMs: number;
  /** normalize + diff of a first poll (nothing previous). */
  readonly firstPollMs: number;
  /** An unchanged poll through SnapshotSink on an in-memory bus (rows given). */
  readonly sinkMs: number;
  readonly changedFound: number;
  readonly changedExpected: number;
}

function total(times: PipelineTimes): number {
  return times.parseMs + times.normalizeMs + times.diffMs;
}

/** What the issue measures: everything after the body is parsed. */
function work(times: PipelineTimes): number {
  return times.normalizeMs + times.diffMs;
}

async function measureSize(size: number): Promise<SizeResult> {
  const unchanged = vendorBodies(size);
  const changed = vendorBodies(size, CHANGED_EVERY);
  const previous = normalize(unchanged, T0);
  const reps = Math.max(MIN_REPS, Math.round(REPS_SCALE / size));
  const json: number[] = [];
  const runs: PipelineTimes[] = [];
  const changedRuns: PipelineTimes[] = [];
  const firstRuns: PipelineTimes[] = [];
  const sinkRuns: number[] = [];
  const sink = await sinkPoll(unchanged);
  // Two unmeasured rounds let the JIT settle on this size's shapes.
  for (let rep = -2; rep < reps; rep++) {
    const at = T0 + 1_000 * (rep + 3);
    const parsed = jsonParseMs(unchanged);
    const same = pipeline(unchanged, previous, at);
    const other = pipeline(changed, previous, at);
    const first = pipeline(unchanged, EMPTY, at);
    const viaSink = await sink.measure(at);
    if (viaSink.events !== 0) throw new Error(`size ${size}: an unchanged poll through the sink published ${viaSink.events} events`);
    if (rep < 0) continue;
    sinkRuns.push(viaSink.ms);
    json.push(parsed);
    runs.push(same);
    changedRuns.push(other);
    firstRuns.push(first);
  }
  await sink.close();
  if (firstRuns[0]?.changes !== 2 * size) throw new Error(`size ${size}: a first poll added ${firstRuns[0]?.changes} entities, expected ${2 * size}`);
  const unchangedChanges = runs[0]?.changes ?? -1;
  if (unchangedChanges !== 0) throw new Error(`size ${size}: an unchanged snapshot produced ${unchangedChanges} changes`);
  return {
    size,
    bodyMb: (Buffer.byteLength(unchanged.peers) + Buffer.byteLength(unchanged.blfs)) / 1_048_576,
    reps,
    jsonParseMs: median(json),
    unchanged: {
      parseMs: median(runs.map((r) => r.parseMs)),
      normalizeMs: median(runs.map((r) => r.normalizeMs)),
      diffMs: median(runs.map((r) => r.diffMs)),
      changes: unchangedChanges,
    },
    changedMs: median(changedRuns.map(work)),
    firstPollMs: median(firstRuns.map(work)),
    sinkMs: median(sinkRuns),
    changedFound: changedRuns[0]?.changes ?? -1,
    changedExpected: changed.changedPerTopic * 2,
  };
}

async function main(): Promise<void> {
  printMachine();
  console.log('snapshot bench: PEERS + BLFS of one tenant, N entities each (2N in all); medians of REPS runs\n');
  const results: SizeResult[] = [];
  for (const size of sizes()) results.push(await measureSize(size));
  const rows = results.map((r) => [
    r.size.toLocaleString('en-US'),
    r.bodyMb.toFixed(1),
    r.reps,
    fmt(r.jsonParseMs),
    fmt(r.unchanged.normalizeMs),
    fmt(r.unchanged.diffMs),
    ratio(work(r.unchanged), r.jsonParseMs),
    ((1_000 * work(r.unchanged)) / (2 * r.size)).toFixed(3),
    String(r.unchanged.changes),
    fmt(r.changedMs),
    `${r.changedFound}/${r.changedExpected}`,
    fmt(r.firstPollMs),
    fmt(r.sinkMs),
    ratio(r.sinkMs, r.jsonParseMs),
    fmt(r.unchanged.parseMs),
    ratio(total(r.unchanged), r.jsonParseMs),
  ]);
  console.log(
    table(
      [
        'N', 'body MB', 'reps', 'JSON.parse ms', 'normalize ms', 'diff ms', 'ratio', 'µs/entity', 'changes (unchanged)',
        '1% changed ms', 'found/expected', 'first poll ms', 'via sink ms', 'sink ratio', 'our parse ms', 'pipeline ratio',
      ],
      rows,
    ),
  );
  const mismatched = results.filter((r) => r.changedFound !== r.changedExpected);
  if (mismatched.length > 0) {
    throw new Error(`the diff missed or invented changes at N=${mismatched.map((r) => r.size).join(', ')}`);
  }
  console.log('\nunchanged snapshots: 0 changes at every size; 1%-changed snapshots: exactly the changed entities.');
  console.log('ratio = (normalize + diff) / JSON.parse of the same two bodies (the issue\'s target: < 1.0).');
  console.log('µs/entity = (normalize + diff) / 2N: flat across N means linear growth.');
  console.log('first poll = normalize + diff with nothing previous (every entity built and added).');
  console.log('via sink = an unchanged poll through SnapshotSink on an in-memory bus: read previous + normalize + diff + confirm.');
  console.log('pipeline ratio = (our parse + normalize + diff) / JSON.parse; our parse includes a JSON.parse.');
}

await main();
