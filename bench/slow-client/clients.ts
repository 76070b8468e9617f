/**
 * The slow-client bench's client process: CLIENTS socket.io-client sockets subscribed to one
 * tenant. Client 0 also follows the stall tenant and can stop reading its TCP socket, as a
 * frozen browser tab would; the others count and time what they receive. Started by fleet.ts
 * with an IPC channel; does nothing on its own.
 */
import { io, type Socket } from 'socket.io-client';
import { cpuMsSince, sleep, wallNow } from '../lib/clock.js';
import { SampleBuffer } from '../lib/stats.js';
import type { ChildMessage, Comparison, Mode, ParentMessage, SegmentCounts } from './protocol.js';

const CONNECT_TIMEOUT_MS = 15_000;
const CONNECT_CONCURRENCY = 50;
const PROGRESS_INTERVAL_MS = 10;

interface WireEvent {
  readonly seq?: number;
  readonly tenant?: string;
  readonly topic?: string;
  readonly key?: string;
  readonly coalesced?: boolean;
  readonly data?: { sentAt?: unknown };
}

interface Segment {
  readonly mode: Mode;
  readonly cpu: NodeJS.CpuUsage;
  delivered: number;
  firstRecv: number;
  lastRecv: number;
  othersDisconnected: number;
  stalledDisconnected: number;
  stalledReceived: number;
}

/** What one watched client (0: the stalled one, 1: its reference) has seen of the read tenant. */
class StateView {
  readonly latestSeq = new Map<string, number>();
  received = 0;
  coalesced = 0;

  apply(event: WireEvent): void {
    if (typeof event.seq !== 'number') return;
    this.received++;
    if (event.coalesced === true) this.coalesced++;
    const id = `${event.topic}\0${event.key}`;
    if ((this.latestSeq.get(id) ?? -1) < event.seq) this.latestSeq.set(id, event.seq);
  }
}

let sockets: Socket[] = [];
let readTenant = '';
const views = [new StateView(), new StateView()] as const;
const samples = new Map<Mode, SampleBuffer>();
let segment: Segment | undefined;
let progressTimer: NodeJS.Timeout | undefined;

function send(message: ChildMessage): void {
  process.send?.(message);
}

function onEvent(index: number, event: WireEvent): void {
  if (event.tenant !== readTenant) return;
  if (index <= 1) views[index as 0 | 1].apply(event);
  const current = segment;
  if (current === undefined) return;
  if (index === 0) {
    current.stalledReceived++;
    return;
  }
  const now = wallNow();
  current.delivered++;
  if (current.firstRecv === 0) current.firstRecv = now;
  current.lastRecv = now;
  const sentAt = event.data?.sentAt;
  if (typeof sentAt === 'number' && current.mode !== 'warmup') samples.get(current.mode)?.push(now - sentAt);
}

function openSocket(index: number, message: Extract<ParentMessage, { kind: 'connect' }>): Promise<Socket> {
  const socket = io(`${message.url}/v1`, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: CONNECT_TIMEOUT_MS, auth: { token: message.token } });
  socket.on('event', (event: WireEvent) => onEvent(index, event));
  socket.on('disconnect', () => {
    if (!segment) return;
    if (index === 0) segment.stalledDisconnected++;
    else segment.othersDisconnected++;
  });
  const subscribe = async () => {
    const tenants = index === 0 ? [{ tenant: message.tenant }, { tenant: message.stallTenant, topics: ['blfs'] }] : [{ tenant: message.tenant }];
    for (const request of tenants) {
      const ack = (await socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck('subscribe', request)) as { ok?: boolean; error?: { message?: string } };
      if (ack?.ok !== true) throw new Error(`subscribe refused: ${ack?.error?.message ?? 'no reason'}`);
    }
  };
  return new Promise((resolve, reject) => {
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
    socket.once('connect', () => subscribe().then(() => resolve(socket), reject));
  });
}

async function connect(message: Extract<ParentMessage, { kind: 'connect' }>): Promise<void> {
  const started = wallNow();
  readTenant = message.tenant;
  for (let first = 0; first < message.clients; first += CONNECT_CONCURRENCY) {
    const count = Math.min(CONNECT_CONCURRENCY, message.clients - first);
    sockets.push(...(await Promise.all(Array.from({ length: count }, (_, i) => openSocket(first + i, message)))));
  }
  send({ kind: 'connected', ms: wallNow() - started, stalledId: sockets[0]?.id ?? '' });
}

/** The stalled client's TCP socket (ws's `_socket`), as test/server/slow-consumer.test.ts reaches it. */
function tcpOfStalled(): { pause(): void; resume(): void } {
  const engine = sockets[0]?.io.engine as unknown as { transport?: { ws?: { _socket?: { pause(): void; resume(): void } } } } | undefined;
  const tcp = engine?.transport?.ws?._socket;
  if (!tcp) throw new Error('no TCP socket to pause (is the transport websocket?)');
  return tcp;
}

function begin(mode: Mode): void {
  if (!samples.has(mode)) samples.set(mode, new SampleBuffer());
  segment = { mode, cpu: process.cpuUsage(), delivered: 0, firstRecv: 0, lastRecv: 0, othersDisconnected: 0, stalledDisconnected: 0, stalledReceived: 0 };
  progressTimer = setInterval(() => send({ kind: 'progress', delivered: segment?.delivered ?? 0 }), PROGRESS_INTERVAL_MS);
  send({ kind: 'begun' });
}

async function end(perClient: number, timeoutMs: number): Promise<void> {
  const current = segment;
  if (current === undefined) throw new Error('end without begin');
  const expected = perClient * Math.max(0, sockets.length - 1);
  const deadline = wallNow() + timeoutMs;
  while (current.delivered < expected && wallNow() < deadline) await sleep(2);
  clearInterval(progressTimer);
  segment = undefined;
  const { mode: _mode, cpu, ...counts } = current;
  send({ kind: 'ended', counts: { ...counts, cpuMs: cpuMsSince(cpu) } satisfies SegmentCounts });
}

function compare(): Comparison {
  const [stalled, reference] = views;
  let differing = 0;
  for (const [id, seq] of reference.latestSeq) if (stalled.latestSeq.get(id) !== seq) differing++;
  return {
    differing,
    keys: reference.latestSeq.size,
    received: stalled.received,
    coalesced: stalled.coalesced,
    referenceReceived: reference.received,
    stalledConnected: sockets[0]?.connected === true,
  };
}

async function handle(message: ParentMessage): Promise<void> {
  switch (message.kind) {
    case 'connect':
      return connect(message);
    case 'begin':
      return begin(message.mode);
    case 'end':
      return end(message.perClient, message.timeoutMs);
    case 'pause':
      tcpOfStalled().pause();
      return send({ kind: 'paused' });
    case 'resume':
      tcpOfStalled().resume();
      return send({ kind: 'resumed' });
    case 'compare':
      return send({ kind: 'compared', comparison: compare() });
    case 'samples':
      return send({ kind: 'samples', latency: samples.get(message.mode)?.values() ?? new Float64Array(0) });
    case 'close':
      // A paused socket would never read the server's close frame: ws would wait 30 s for it.
      if (sockets[0]?.connected) tcpOfStalled().resume();
      for (const socket of sockets) socket.close();
      sockets = [];
      clearInterval(progressTimer);
      process.disconnect();
      return;
  }
}

process.on('message', (message: ParentMessage) => {
  handle(message).catch((err: unknown) => send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }));
});
