/** The slow-client bench's figures: segments by mode, and the server's memory over time. */
import { summarize } from '../lib/stats.js';
import { fmt, ratio, table } from '../lib/table.js';
import type { Mode, SegmentCounts } from './protocol.js';

export interface SegmentResult {
  readonly mode: Mode;
  readonly events: number;
  readonly counts: SegmentCounts;
  /** First publish -> last delivery to the others. */
  readonly elapsedMs: number;
  /** This process's CPU: the server, and the publisher feeding it. */
  readonly serverCpuMs: number;
  /** Client 0's engine.io backlog (packets) when the segment ended. */
  readonly backlogAtEnd: number;
}

interface ModeFigures {
  readonly eventsPerSec: number;
  readonly deliveriesPerSec: number;
  readonly cpuShare: number;
  readonly usPerDelivery: number;
  /** The client process's CPU (all CLIENTS sockets) per second of segment. */
  readonly clientCpuShare: number;
  readonly lost: number;
}

function figures(results: readonly SegmentResult[], mode: Mode, others: number): ModeFigures {
  const runs = results.filter((r) => r.mode === mode);
  const sum = (pick: (r: SegmentResult) => number) => runs.reduce((total, r) => total + pick(r), 0);
  const seconds = sum((r) => r.elapsedMs) / 1_000;
  const delivered = sum((r) => r.counts.delivered);
  return {
    eventsPerSec: sum((r) => r.events) / seconds,
    deliveriesPerSec: delivered / seconds,
    cpuShare: sum((r) => r.serverCpuMs) / 1_000 / seconds,
    usPerDelivery: (sum((r) => r.serverCpuMs) * 1_000) / delivered,
    clientCpuShare: sum((r) => r.counts.cpuMs) / 1_000 / seconds,
    lost: sum((r) => r.events) * others - delivered,
  };
}

const pct = (share: number) => `${Math.round(share * 100)}%`;

/** One row per segment, then reading vs stalled with their ratio. */
export function segmentTables(results: readonly SegmentResult[], reading: Float64Array, stalled: Float64Array, others: number): string {
  const perSegment = table(
    ['#', 'mode', 'events/s', 'deliveries/s', 'server CPU', 'µs/delivery', 'client 0 backlog at end', 'client 0 received'],
    results.map((r, i) => {
      const seconds = r.elapsedMs / 1_000;
      return [
        i + 1,
        r.mode,
        fmt(r.events / seconds),
        fmt(r.counts.delivered / seconds),
        pct(r.serverCpuMs / r.elapsedMs),
        fmt((r.serverCpuMs * 1_000) / Math.max(1, r.counts.delivered)),
        r.backlogAtEnd,
        r.counts.stalledReceived,
      ];
    }),
  );
  const read = figures(results, 'reading', others);
  const stall = figures(results, 'stalled', others);
  const readLat = summarize(reading);
  const stallLat = summarize(stalled);
  const row = (label: string, f: ModeFigures, lat: ReturnType<typeof summarize>) => [
    label,
    fmt(f.eventsPerSec),
    fmt(f.deliveriesPerSec),
    fmt(lat.p50),
    fmt(lat.p99),
    fmt(lat.max),
    pct(f.cpuShare),
    fmt(f.usPerDelivery),
    pct(f.clientCpuShare),
    f.lost,
  ];
  const summary = table(
    ['others, client 0 ...', 'events/s', 'deliveries/s', 'p50 ms', 'p99 ms', 'max ms', 'server CPU', 'µs/delivery', 'client CPU', 'lost'],
    [
      row('reading', read, readLat),
      row('stalled', stall, stallLat),
      [
        'ratio stalled/reading',
        ratio(stall.eventsPerSec, read.eventsPerSec),
        ratio(stall.deliveriesPerSec, read.deliveriesPerSec),
        ratio(stallLat.p50, readLat.p50),
        ratio(stallLat.p99, readLat.p99),
        ratio(stallLat.max, readLat.max),
        ratio(stall.cpuShare, read.cpuShare),
        ratio(stall.usPerDelivery, read.usPerDelivery),
        ratio(stall.clientCpuShare, read.clientCpuShare),
        '',
      ],
    ],
  );
  const verdict = stall.deliveriesPerSec / read.deliveriesPerSec >= 0.95 ? 'met' : 'NOT met';
  return `${perSegment}\n\n${summary}\ntarget: others' deliveries/s with client 0 stalled >= 0.95x reading: ${verdict}`;
}

export interface MemorySample {
  readonly t: number;
  readonly phase: string;
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly backlog: number;
  readonly slow: boolean;
  readonly stats: { readonly slowed: number; readonly coalesced: number; readonly dropped: number };
}

type Probe = () => Omit<MemorySample, 't' | 'rss' | 'heapUsed' | 'external'>;

const SAMPLE_INTERVAL_MS = 1_000;

/** Samples this process's memory and the stalled socket's state once a second until stopped. */
export class MemorySampler {
  readonly samples: MemorySample[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #start = Date.now();

  constructor(probe: Probe) {
    const take = () => {
      const memory = process.memoryUsage();
      this.samples.push({ t: (Date.now() - this.#start) / 1_000, rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, ...probe() });
    };
    take();
    this.#timer = setInterval(take, SAMPLE_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

export function memoryTable(samples: readonly MemorySample[]): string {
  const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
  const rows = samples.map((s) => [
    s.t.toFixed(0),
    s.phase,
    mb(s.rss),
    mb(s.heapUsed),
    mb(s.external),
    s.backlog,
    s.slow ? 'slow' : '-',
    `${s.stats.slowed} / ${s.stats.coalesced} / ${s.stats.dropped}`,
  ]);
  const byPhase = (phase: string) => samples.filter((s) => s.phase === phase).map((s) => s.rss);
  const range = (values: number[]) => (values.length === 0 ? '-' : `${mb(Math.min(...values))}-${mb(Math.max(...values))} MB`);
  return (
    table(['t s', 'phase', 'RSS MB', 'heap MB', 'external MB', 'client 0 backlog', 'client 0', 'slowed / coalesced / dropped'], rows) +
    `\nRSS while reading ${range(byPhase('reading'))}, while stalled ${range(byPhase('stalled'))}, overall ${range(samples.map((s) => s.rss))}`
  );
}
