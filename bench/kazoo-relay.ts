/**
 * Kazoo relay bench (issue 4): blackhole call events -> socket.io clients, through callbridge
 * and through a raw `ws` -> socket.io relay, at the same event rate, in the same run.
 *
 * - callbridge: simulator -> blackhole ws -> KazooSource -> Bus -> socket.io -> CLIENTS clients
 *   subscribed to `channels` (a real `startBridge`, the Kazoo source on its defaults).
 * - raw: a `ws` client sends the very subscribe messages KazooSource sends to the same blackhole
 *   and re-emits each event frame's `data` (Kazoo's normalized JSON) to the same number of
 *   clients of a bare socket.io server (bench/fanout/raw-server.ts, callbridge's room names).
 *
 * Two processes, so the system under test has a core of its own: this one runs callbridge or the
 * relay; a forked load generator runs the Kazoo simulator and the clients. Send and receive
 * times are then read from one clock: the simulator's send time is taken by a model listener
 * that runs right after the blackhole wrote the frame, and kept per `call id|event name`: the
 * channel entity carries nothing that changes per event (the caller name is set once per call,
 * CAVs are not carried), so deliveries are matched by call id and event.
 *
 * Load: calls started at RATE/8 per second, answered after RING_MS, hung up after TALK_MS more.
 * Each call is 8 frames (CREATE, ANSWER, BRIDGE on both legs, DESTROY on both). callbridge turns
 * them into 6 events (CHANNEL_BRIDGE of an answered leg changes nothing); the relay forwards 8.
 * The paths run in turn (raw, callbridge, callbridge, raw, ROUNDS times), each segment on a fresh
 * bridge or relay: WARMUP s of load (default: a call's life + 2 s), then its share of DURATION s
 * measured (the frames sent in that window), then the calls in progress end and the deliveries
 * drain. The figures add the segments of a path up.
 *
 * Run: node --import tsx bench/kazoo-relay.ts   (knobs: RATE=1000 CLIENTS=10 DURATION=20 (s per path)
 * ROUNDS=1 WARMUP=6 RING_MS=1000 TALK_MS=3000, also as --rate=..., see lib/knobs.ts)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { startBridge } from '../src/bridge.js';
import { parseConfig } from '../src/config/load.js';
import { startKazooSimulator, type KazooSimulator } from '../src/simulators/kazoo/index.js';
import { CALL_BINDINGS } from '../src/vendors/kazoo/index.js';
import { rawRoom, startRawServer } from './fanout/raw-server.js';
import { cpuMsSince, sleep } from './lib/clock.js';
import { intKnob } from './lib/knobs.js';
import { benchLogger } from './lib/logger.js';
import { SampleBuffer, summarize, type Summary } from './lib/stats.js';
import { fmt, ratio, table } from './lib/table.js';

const LOAD_GENERATOR_FLAG = '--kazoo-load-generator';
const TENANT = 'bench';
const SOURCE_ID = 'kazoo-bench';
const FRAMES_PER_CALL = 8;
/** The callbridge event type each blackhole frame becomes (no entry: it publishes nothing). */
const FRAME_FOR_EVENT: Readonly<Record<string, string>> = {
  'channel.created': 'CHANNEL_CREATE',
  'channel.updated': 'CHANNEL_ANSWER',
  'channel.hungup': 'CHANNEL_DESTROY',
};
const PUBLISHED_FRAMES = new Set(Object.values(FRAME_FOR_EVENT));
const CONNECT_TIMEOUT_MS = 10_000;
const SOURCE_UP_TIMEOUT_MS = 10_000;
/** Stop waiting for the last deliveries after this long without progress. */
const DRAIN_IDLE_MS = 3_000;
const TICK_MS = 1;
/** Warm-up beyond the first call's whole life: the JIT and the pools settle too. */
const WARMUP_MARGIN_S = 2;

type TargetName = 'callbridge' | 'raw';

interface SimInfo {
  restUrl: string;
  websocketUrl: string;
  accountId: string;
  apiKey: string;
}

interface RunSpec {
  target: TargetName;
  url: string;
  token: string;
  clients: number;
  rate: number;
  warmupMs: number;
  durationMs: number;
  ringMs: number;
  talkMs: number;
}

interface RunResult {
  /** Frames the simulator sent in the measured window. */
  framesSent: number;
  /** Deliveries those frames should give, all clients together. */
  expected: number;
  delivered: number;
  /** Deliveries matching no frame sent in this run (should stay 0). */
  unmatched: number;
  disconnects: number;
  /** Blackhole sessions the target opened during the run (it lost its socket and came back). */
  resubscribes: number;
  /** Send -> receive, ms, one per delivery. */
  samples: Float64Array;
  loadCpuMs: number;
}

type ParentMessage = { kind: 'run'; spec: RunSpec } | { kind: 'close' };
type ChildMessage =
  | { kind: 'ready'; sim: SimInfo }
  | { kind: 'measuring' }
  | { kind: 'measured' }
  | { kind: 'result'; result: RunResult }
  | { kind: 'failed'; message: string };

// ---- load generator (child process): the simulator and the clients ------------------------

function tell(message: ChildMessage): void {
  process.send?.(message);
}

/** `call id|frame name` of what a client received, per target. */
function frameKeyOf(target: TargetName, payload: unknown): string | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const fields = payload as Record<string, unknown>;
  if (target === 'raw') {
    return typeof fields.call_id === 'string' && typeof fields.event_name === 'string' ? `${fields.call_id}|${fields.event_name}` : undefined;
  }
  const frame = typeof fields.type === 'string' ? FRAME_FOR_EVENT[fields.type] : undefined;
  return frame !== undefined && typeof fields.key === 'string' ? `${fields.key}|${frame}` : undefined;
}

function openClient(spec: RunSpec, onEvent: (payload: unknown) => void, onDisconnect: () => void): Promise<Socket> {
  const socket = io(`${spec.url}/v1`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: CONNECT_TIMEOUT_MS,
    auth: { token: spec.token },
  });
  socket.on('event', onEvent);
  socket.on('disconnect', onDisconnect);
  return new Promise((resolve, reject) => {
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
    socket.once('connect', () => {
      socket
        .timeout(CONNECT_TIMEOUT_MS)
        .emitWithAck('subscribe', { tenant: TENANT, topics: ['channels'] })
        .then((ack: { ok?: boolean; error?: { message?: string } }) => {
          if (ack?.ok === true) resolve(socket);
          else reject(new Error(`subscribe refused: ${ack?.error?.message ?? 'no reason'}`));
        }, reject);
    });
  });
}

/**
 * Starts, answers and hangs up calls on a fixed timeline (absolute due times, so a late tick
 * catches up rather than drifting), until the calls started before `stopAt` have all ended.
 */
async function driveCalls(sim: KazooSimulator, spec: RunSpec, t0: number, marks: { start(): void; end(): void }): Promise<void> {
  const callEveryMs = (1000 * FRAMES_PER_CALL) / spec.rate;
  const measureFrom = t0 + spec.warmupMs;
  const stopAt = measureFrom + spec.durationMs;
  const answers: { uuid: string; due: number }[] = [];
  const hangups: { uuid: string; due: number }[] = [];
  let started = 0;
  let answered = 0;
  let hungUp = 0;
  let phase: 'warmup' | 'measuring' | 'ending' = 'warmup';
  for (;;) {
    const now = performance.now();
    if (phase === 'warmup' && now >= measureFrom) {
      phase = 'measuring';
      marks.start();
    }
    if (phase === 'measuring' && now >= stopAt) {
      phase = 'ending';
      marks.end();
    }
    for (let due = t0 + started * callEveryMs; due <= now && due < stopAt; due = t0 + started * callEveryMs) {
      const from = sim.deviceIds[started % sim.deviceIds.length] as string;
      const { a } = sim.model.startCall({ from, to: `331${String(started).padStart(8, '0')}` });
      answers.push({ uuid: a.uuid, due: due + spec.ringMs });
      started++;
    }
    for (let next = answers[answered]; next !== undefined && next.due <= now; next = answers[++answered]) {
      sim.model.answer(next.uuid);
      hangups.push({ uuid: next.uuid, due: next.due + spec.talkMs });
    }
    for (let next = hangups[hungUp]; next !== undefined && next.due <= now; next = hangups[++hungUp]) sim.model.hangup(next.uuid);
    if (phase === 'ending' && answered === answers.length && hungUp === hangups.length) return;
    await sleep(TICK_MS);
  }
}

async function runLoad(sim: KazooSimulator, sentAt: Map<string, number>, spec: RunSpec): Promise<RunResult> {
  sentAt.clear();
  const subscribes = () => sim.wsMessages.filter((message) => message.action === 'subscribe').length;
  const subscribesBefore = subscribes();
  // The window of send times that counts; set once the clients are connected.
  let from = Infinity;
  let to = Infinity;
  const samples = new SampleBuffer(65_536);
  let delivered = 0;
  let unmatched = 0;
  let disconnects = 0;
  let open = true;
  const onEvent = (payload: unknown) => {
    const now = performance.now();
    const key = frameKeyOf(spec.target, payload);
    const sent = key === undefined ? undefined : sentAt.get(key);
    if (sent === undefined) {
      unmatched++;
      return;
    }
    if (sent < from || sent >= to) return;
    delivered++;
    samples.push(now - sent);
  };
  const opened = await Promise.allSettled(Array.from({ length: spec.clients }, () => openClient(spec, onEvent, () => void (open && disconnects++))));
  const sockets = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  try {
    const refused = opened.find((result) => result.status === 'rejected');
    if (refused) throw refused.reason;
    const t0 = performance.now();
    from = t0 + spec.warmupMs;
    to = from + spec.durationMs;
    let cpu = process.cpuUsage();
    let loadCpuMs = 0;
    await driveCalls(sim, spec, t0, {
      start: () => {
        cpu = process.cpuUsage();
        tell({ kind: 'measuring' });
      },
      end: () => {
        loadCpuMs = cpuMsSince(cpu);
        tell({ kind: 'measured' });
      },
    });
    let framesSent = 0;
    let perClient = 0;
    for (const [key, at] of sentAt) {
      if (at < from || at >= to) continue;
      framesSent++;
      if (spec.target === 'raw' || PUBLISHED_FRAMES.has(key.slice(key.indexOf('|') + 1))) perClient++;
    }
    const expected = perClient * spec.clients;
    for (let seen = -1, idleSince = performance.now(); delivered < expected && performance.now() - idleSince < DRAIN_IDLE_MS; ) {
      if (delivered !== seen) [seen, idleSince] = [delivered, performance.now()];
      await sleep(10);
    }
    const resubscribes = Math.ceil((subscribes() - subscribesBefore) / CALL_BINDINGS.length);
    return { framesSent, expected, delivered, unmatched, disconnects, resubscribes, samples: samples.values(), loadCpuMs };
  } finally {
    open = false;
    for (const socket of sockets) socket.close();
  }
}

async function loadGenerator(): Promise<void> {
  const sim = await startKazooSimulator();
  // Registered after the blackhole's own listener, so it runs once the frame is written.
  const sentAt = new Map<string, number>();
  sim.model.onEvent((event) => void sentAt.set(`${event.callId}|${event.name}`, performance.now()));
  process.on('message', (message: ParentMessage) => {
    if (message.kind === 'close') {
      void sim.close().then(() => process.disconnect());
      return;
    }
    runLoad(sim, sentAt, message.spec).then(
      (result) => tell({ kind: 'result', result }),
      (err: unknown) => tell({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }),
    );
  });
  tell({ kind: 'ready', sim: { restUrl: sim.restUrl, websocketUrl: sim.websocketUrl, accountId: sim.accountId, apiKey: sim.apiKey } });
}

// ---- system under test (this process) -------------------------------------------------------

interface Target {
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

async function startCallbridge(sim: SimInfo, logger: Logger): Promise<Target> {
  const token = randomBytes(16).toString('hex');
  const config = parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    auth: { tokens: [{ token, name: 'bench', tenants: [TENANT], scopes: ['*'] }] },
    sources: [{ id: SOURCE_ID, vendor: 'kazoo', rest: sim.restUrl, websocket: sim.websocketUrl, accountId: sim.accountId, apiKey: sim.apiKey, tenant: TENANT }],
  });
  const bridge = await startBridge(config, { logger });
  const deadline = performance.now() + SOURCE_UP_TIMEOUT_MS;
  while (bridge.sources.get(SOURCE_ID)?.status !== 'up') {
    if (performance.now() > deadline) {
      await bridge.close();
      throw new Error(`source ${SOURCE_ID} not up within ${SOURCE_UP_TIMEOUT_MS} ms`);
    }
    await sleep(20);
  }
  return { url: bridge.url, token, close: () => bridge.close() };
}

/** The baseline: no validation, no state, no bus; each event frame's `data` to one room. */
async function startRawRelay(sim: SimInfo): Promise<Target> {
  const response = await fetch(`${sim.restUrl}/v2/api_auth`, { method: 'PUT', body: JSON.stringify({ data: { api_key: sim.apiKey } }) });
  const auth = (await response.json()) as { auth_token?: unknown };
  if (typeof auth.auth_token !== 'string') throw new Error(`api_auth failed (HTTP ${response.status})`);
  const authToken = auth.auth_token;
  const server = await startRawServer();
  const room = rawRoom(TENANT, 'channels');
  const replies = new Map<string, (status: unknown) => void>();
  const ws = new WebSocket(sim.websocketUrl, { perMessageDeflate: false });
  ws.on('message', (raw, isBinary) => {
    if (isBinary) return;
    let frame: { action?: unknown; request_id?: unknown; status?: unknown; data?: unknown };
    try {
      frame = JSON.parse(raw.toString()) as typeof frame;
    } catch {
      return;
    }
    if (frame.action === 'event') server.emit(room, frame.data);
    else if (typeof frame.request_id === 'string') replies.get(frame.request_id)?.(frame.status);
  });
  const closed = once(ws, 'close');
  const close = async () => {
    ws.terminate();
    await closed;
    await server.close();
  };
  try {
    await once(ws, 'open');
    await Promise.all(
      CALL_BINDINGS.map((binding) => {
        const requestId = randomUUID();
        const reply = new Promise<void>((resolve, reject) => {
          replies.set(requestId, (status) => (status === 'success' ? resolve() : reject(new Error(`blackhole refused ${binding}`))));
        });
        ws.send(JSON.stringify({ action: 'subscribe', auth_token: authToken, data: { account_id: sim.accountId, binding }, request_id: requestId }));
        return reply;
      }),
    );
  } catch (err) {
    await close();
    throw err;
  }
  return { url: server.url, token: 'raw-server-checks-no-token', close };
}

/** The forked load generator, with the CPU this process used between its measuring marks. */
class LoadProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<unknown>;
  #waiter: { kind: ChildMessage['kind']; resolve: (message: ChildMessage) => void; reject: (err: Error) => void } | undefined;
  #cpu = process.cpuUsage();
  #sutCpuMs = 0;

  constructor() {
    this.#child = fork(fileURLToPath(import.meta.url), [LOAD_GENERATOR_FLAG], { serialization: 'advanced' });
    this.#exited = once(this.#child, 'exit');
    this.#child.on('message', (message: ChildMessage) => this.#onMessage(message));
    this.#child.on('exit', (code) => this.#waiter?.reject(new Error(`load generator exited (code ${code})`)));
  }

  /** CPU (ms) this process used during the last measured window. */
  get sutCpuMs(): number {
    return this.#sutCpuMs;
  }

  next<K extends ChildMessage['kind']>(kind: K): Promise<Extract<ChildMessage, { kind: K }>> {
    return new Promise((resolve, reject) => {
      this.#waiter = { kind, resolve: resolve as (message: ChildMessage) => void, reject };
    });
  }

  send(message: ParentMessage): void {
    this.#child.send(message);
  }

  async close(): Promise<void> {
    if (this.#child.connected) this.send({ kind: 'close' });
    else this.#child.kill();
    await this.#exited;
  }

  #onMessage(message: ChildMessage): void {
    if (message.kind === 'measuring') this.#cpu = process.cpuUsage();
    else if (message.kind === 'measured') this.#sutCpuMs = cpuMsSince(this.#cpu);
    else if (message.kind === 'failed') this.#waiter?.reject(new Error(`load generator: ${message.message}`));
    else if (message.kind === this.#waiter?.kind) this.#waiter.resolve(message);
  }
}

/** One path's segments added up. */
interface PathFigures {
  target: TargetName;
  framesSent: number;
  expected: number;
  delivered: number;
  unmatched: number;
  disconnects: number;
  resubscribes: number;
  loadCpuMs: number;
  sutCpuMs: number;
  parts: Float64Array[];
  latency: Summary;
}

function addSegment(path: PathFigures, result: RunResult, sutCpuMs: number): void {
  path.framesSent += result.framesSent;
  path.expected += result.expected;
  path.delivered += result.delivered;
  path.unmatched += result.unmatched;
  path.disconnects += result.disconnects;
  path.resubscribes += result.resubscribes;
  path.loadCpuMs += result.loadCpuMs;
  path.sutCpuMs += sutCpuMs;
  path.parts.push(result.samples);
  path.latency = summarize(...path.parts);
}

function report(clients: number, measuredMs: number, runs: readonly PathFigures[]): void {
  const seconds = measuredMs / 1000;
  const pct = (ms: number) => `${((100 * ms) / measuredMs).toFixed(0)}%`;
  const rows = runs.map((run) => [
    run.target,
    fmt(run.framesSent / seconds, 0),
    fmt(run.delivered / seconds, 0),
    fmt(run.delivered / clients / seconds, 0),
    fmt(run.latency.p50),
    fmt(run.latency.p99),
    fmt(run.latency.max),
    run.expected - run.delivered,
    pct(run.sutCpuMs),
    fmt((1000 * run.sutCpuMs) / Math.max(1, run.framesSent), 0),
    pct(run.loadCpuMs),
  ]);
  console.log(
    table(['path', 'frames/s', 'deliveries/s', 'per client/s', 'p50 ms', 'p99 ms', 'max ms', 'missing', 'SUT CPU', 'µs/frame', 'load CPU'], rows),
  );
  const [bridge, raw] = runs;
  if (bridge && raw) {
    console.log(
      `\ncallbridge / raw: p50 ${ratio(bridge.latency.p50, raw.latency.p50)}, p99 ${ratio(bridge.latency.p99, raw.latency.p99)}, ` +
        `max ${ratio(bridge.latency.max, raw.latency.max)}, SUT CPU per frame ${ratio(bridge.sutCpuMs / bridge.framesSent, raw.sutCpuMs / raw.framesSent)}`,
    );
  }
  for (const run of runs) {
    if (run.unmatched > 0 || run.disconnects > 0 || run.resubscribes > 0) {
      console.warn(`  ! ${run.target}: ${run.unmatched} unmatched deliveries, ${run.disconnects} client disconnects, ${run.resubscribes} blackhole resubscribes`);
    }
  }
}

async function main(): Promise<void> {
  const ringMs = intKnob({ name: 'RING_MS', fallback: 1_000, min: 0, max: 60_000 });
  const talkMs = intKnob({ name: 'TALK_MS', fallback: 3_000, min: 0, max: 600_000 });
  const spec = {
    clients: intKnob({ name: 'CLIENTS', fallback: 10, min: 1, max: 2_000 }),
    rate: intKnob({ name: 'RATE', fallback: 1_000, min: FRAMES_PER_CALL, max: 50_000 }),
    durationMs: 1000 * intKnob({ name: 'DURATION', fallback: 20, min: 1, max: 600 }),
    rounds: intKnob({ name: 'ROUNDS', fallback: 1, min: 1, max: 20 }),
    ringMs,
    talkMs,
    // Until the first calls have ended the mix of frames (and the live legs) is not yet steady.
    warmupMs: 1000 * intKnob({ name: 'WARMUP', fallback: Math.ceil((ringMs + talkMs) / 1000) + WARMUP_MARGIN_S, min: 0, max: 660 }),
  };
  if (spec.warmupMs < ringMs + talkMs) console.warn(`  ! WARMUP shorter than RING_MS + TALK_MS: the measured window starts before steady state`);
  const callsPerSec = spec.rate / FRAMES_PER_CALL;
  console.log(
    `kazoo relay: ${spec.rate} frames/s (${fmt(callsPerSec, 1)} calls/s, ring ${spec.ringMs} ms, talk ${spec.talkMs} ms, ` +
      `~${Math.round((2 * callsPerSec * (spec.ringMs + spec.talkMs)) / 1000)} live legs), ${spec.clients} clients, ` +
      `${spec.durationMs / 1000} s measured per path in ${2 * spec.rounds} segments, each after ${spec.warmupMs / 1000} s warm-up`,
  );
  // Other processes on a 2-core host move the tail far more than the code does: say so.
  const hostLoad = () => `${availableParallelism()} cores, load average (1 min) ${(loadavg()[0] ?? 0).toFixed(2)}`;
  console.log(`host: ${hostLoad()}`);
  const { logger, close: closeLogger } = benchLogger();
  const load = new LoadProcess();
  const empty = (target: TargetName): PathFigures => ({
    target,
    ...{ framesSent: 0, expected: 0, delivered: 0, unmatched: 0, disconnects: 0, resubscribes: 0, loadCpuMs: 0, sutCpuMs: 0 },
    parts: [],
    latency: summarize(),
  });
  const paths = { callbridge: empty('callbridge'), raw: empty('raw') };
  // raw, callbridge, callbridge, raw (per round): drift in the host's load hits both paths alike.
  const order = Array.from({ length: spec.rounds }, () => ['raw', 'callbridge', 'callbridge', 'raw'] as const).flat();
  // Each path gets half the segments.
  const segmentMs = (2 * spec.durationMs) / order.length;
  try {
    const { sim } = await load.next('ready');
    for (const [index, target] of order.entries()) {
      console.log(`segment ${index + 1}/${order.length}: ${target} ...`);
      const sut = target === 'callbridge' ? await startCallbridge(sim, logger) : await startRawRelay(sim);
      try {
        const result = load.next('result');
        load.send({ kind: 'run', spec: { ...spec, durationMs: segmentMs, target, url: sut.url, token: sut.token } });
        addSegment(paths[target], (await result).result, load.sutCpuMs);
      } finally {
        await sut.close();
      }
    }
    console.log('\nlatency = simulator wrote the blackhole frame -> socket.io client received it (one clock)');
    console.log('SUT = this process (callbridge or the relay); load = simulator + clients, in a child process\n');
    report(spec.clients, spec.durationMs, [paths.callbridge, paths.raw]);
    console.log(`host after the run: ${hostLoad()}`);
  } finally {
    await load.close();
    closeLogger();
  }
}

const entry = process.argv.includes(LOAD_GENERATOR_FLAG) ? loadGenerator : main;
// No process.exit: the process ends by itself once everything is closed, which proves it is.
entry().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
