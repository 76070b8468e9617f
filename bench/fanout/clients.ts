/**
 * The fan-out bench's client process: socket.io-client sockets to `/v1`, subscribed to one
 * tenant, timing every event that carries a latency marker. Started by client-fleet.ts with an
 * IPC channel; does nothing on its own.
 */
import { io, type Socket } from 'socket.io-client';
import { cpuMsSince, sleep, wallNow } from '../lib/clock.js';
import { SampleBuffer } from '../lib/stats.js';
import { readMarkedValue, type ChildMessage, type ParentMessage, type PhaseName, type RunCounts } from './protocol.js';

const CONNECT_TIMEOUT_MS = 15_000;
/** Sockets opening their handshake at once: enough to be quick, few enough not to time out. */
const CONNECT_CONCURRENCY = 50;
const PROGRESS_INTERVAL_MS = 10;

interface Run {
  readonly target: string;
  readonly offset: number;
  readonly readTs: boolean;
  readonly latency: SampleBuffer;
  readonly tsLatency: SampleBuffer;
  readonly cpu: NodeJS.CpuUsage;
  delivered: number;
  firstRecv: number;
  lastRecv: number;
  disconnects: number;
}

interface Bucket {
  readonly latency: SampleBuffer;
  readonly tsLatency: SampleBuffer;
}

const sockets = new Map<string, Socket[]>();
const buckets = new Map<string, Bucket>();
let run: Run | undefined;
let progressTimer: NodeJS.Timeout | undefined;

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** The send time an event carries: `data.sentAt` (controlled phases) or a marked flow `value` (e2e). */
function markerOf(data: Record<string, unknown> | undefined): number | undefined {
  if (data === undefined) return undefined;
  if (typeof data.sentAt === 'number') return data.sentAt;
  return typeof data.value === 'string' ? readMarkedValue(data.value) : undefined;
}

function onEvent(target: string, event: { ts?: unknown; data?: Record<string, unknown> }): void {
  const current = run;
  if (current === undefined || current.target !== target) return;
  const sentAt = markerOf(event.data);
  if (sentAt === undefined) return;
  const now = wallNow() - current.offset;
  current.delivered++;
  if (current.firstRecv === 0) current.firstRecv = now;
  current.lastRecv = now;
  current.latency.push(now - sentAt);
  if (current.readTs && typeof event.ts === 'string') {
    const ts = Date.parse(event.ts);
    if (!Number.isNaN(ts)) current.tsLatency.push(now - ts);
  }
}

function openSocket(target: string, url: string, token: string, tenant: string): Promise<Socket> {
  const socket = io(`${url}/v1`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: CONNECT_TIMEOUT_MS,
    auth: { token },
  });
  socket.on('event', (event: { ts?: unknown; data?: Record<string, unknown> }) => onEvent(target, event));
  socket.on('disconnect', () => {
    if (run?.target === target) run.disconnects++;
  });
  return new Promise((resolve, reject) => {
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
    socket.once('connect', () => {
      socket
        .timeout(CONNECT_TIMEOUT_MS)
        .emitWithAck('subscribe', { tenant })
        .then((ack: { ok?: boolean; error?: { message?: string } }) => {
          if (ack?.ok === true) resolve(socket);
          else reject(new Error(`subscribe refused: ${ack?.error?.message ?? 'no reason'}`));
        }, reject);
    });
  });
}

async function connect(message: Extract<ParentMessage, { kind: 'connect' }>): Promise<void> {
  const started = wallNow();
  // A target may be several servers (the cluster bench connects it to each node in turn).
  const list: Socket[] = sockets.get(message.target) ?? [];
  sockets.set(message.target, list);
  for (let first = 0; first < message.clients; first += CONNECT_CONCURRENCY) {
    const count = Math.min(CONNECT_CONCURRENCY, message.clients - first);
    const batch = await Promise.all(
      Array.from({ length: count }, () => openSocket(message.target, message.url, message.token, message.tenant)),
    );
    list.push(...batch);
  }
  send({ kind: 'connected', target: message.target, ms: wallNow() - started });
}

function bucketFor(target: string, phase: PhaseName, record: boolean): Bucket {
  if (!record) return { latency: new SampleBuffer(), tsLatency: new SampleBuffer() };
  const key = `${target}/${phase}`;
  let bucket = buckets.get(key);
  if (!bucket) buckets.set(key, (bucket = { latency: new SampleBuffer(), tsLatency: new SampleBuffer() }));
  return bucket;
}

function begin(message: Extract<ParentMessage, { kind: 'begin' }>): void {
  const bucket = bucketFor(message.target, message.phase, message.record);
  run = {
    target: message.target,
    offset: message.offset,
    readTs: message.readTs,
    latency: bucket.latency,
    tsLatency: bucket.tsLatency,
    cpu: process.cpuUsage(),
    delivered: 0,
    firstRecv: 0,
    lastRecv: 0,
    disconnects: 0,
  };
  progressTimer = setInterval(() => send({ kind: 'progress', delivered: run?.delivered ?? 0 }), PROGRESS_INTERVAL_MS);
  send({ kind: 'begun' });
}

async function end(message: Extract<ParentMessage, { kind: 'end' }>): Promise<void> {
  const current = run;
  if (current === undefined) throw new Error('end without begin');
  const deadline = wallNow() + message.timeoutMs;
  while (current.delivered < message.expected && wallNow() < deadline) await sleep(2);
  clearInterval(progressTimer);
  run = undefined;
  const counts: RunCounts = {
    delivered: current.delivered,
    firstRecv: current.firstRecv,
    lastRecv: current.lastRecv,
    disconnects: current.disconnects,
    cpuMs: cpuMsSince(current.cpu),
  };
  send({ kind: 'ended', counts });
}

function disconnect(target: string): void {
  for (const socket of sockets.get(target) ?? []) socket.close();
  sockets.delete(target);
  send({ kind: 'disconnected', target });
}

async function handle(message: ParentMessage): Promise<void> {
  switch (message.kind) {
    case 'connect':
      return connect(message);
    case 'disconnect':
      return disconnect(message.target);
    case 'clock':
      return send({ kind: 'clock', id: message.id, at: wallNow() });
    case 'begin':
      return begin(message);
    case 'end':
      return end(message);
    case 'samples': {
      const bucket = buckets.get(`${message.target}/${message.phase}`);
      const empty = new Float64Array(0);
      return send({
        kind: 'samples',
        samples: { latency: bucket?.latency.values() ?? empty, tsLatency: bucket?.tsLatency.values() ?? empty },
      });
    }
    case 'close':
      for (const target of [...sockets.keys()]) disconnect(target);
      clearInterval(progressTimer);
      process.disconnect();
      return;
  }
}

process.on('message', (message: ParentMessage) => {
  handle(message).catch((err: unknown) => send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }));
});
