/** Aggregates the fan-out runs and prints one table per phase, callbridge against raw. */
import { summarize, type Summary } from '../lib/stats.js';
import { fmt, ratio, table, type Cell } from '../lib/table.js';
import type { RunTotals } from './client-fleet.js';
import type { PhaseName } from './protocol.js';

export interface RunResult extends RunTotals {
  readonly target: string;
  readonly phase: PhaseName;
  /** Events published (each one is due to every client). */
  readonly events: number;
  readonly expected: number;
  /** First send -> last delivery. */
  readonly elapsedMs: number;
  readonly serverCpuMs: number;
  /** The server process's garbage-collection pauses during the run: their sum and the longest. */
  readonly serverGcMs: number;
  readonly serverGcMaxMs: number;
}

export interface PhaseFigures {
  readonly events: number;
  readonly deliveries: number;
  readonly expected: number;
  readonly elapsedMs: number;
  readonly serverCpuMs: number;
  readonly serverGcMs: number;
  readonly serverGcMaxMs: number;
  readonly clientCpuMs: number;
  readonly disconnects: number;
  readonly latency: Summary;
  readonly tsLatency: Summary;
}

export function combine(runs: readonly RunResult[], latency: readonly Float64Array[], tsLatency: readonly Float64Array[]): PhaseFigures {
  const sum = (pick: (run: RunResult) => number) => runs.reduce((total, run) => total + pick(run), 0);
  return {
    events: sum((r) => r.events),
    deliveries: sum((r) => r.delivered),
    expected: sum((r) => r.expected),
    elapsedMs: sum((r) => r.elapsedMs),
    serverCpuMs: sum((r) => r.serverCpuMs),
    serverGcMs: sum((r) => r.serverGcMs),
    serverGcMaxMs: runs.reduce((max, run) => Math.max(max, run.serverGcMaxMs), 0),
    clientCpuMs: sum((r) => r.cpuMs),
    disconnects: sum((r) => r.disconnects),
    latency: summarize(...latency),
    tsLatency: summarize(...tsLatency),
  };
}

const perSecond = (count: number, ms: number) => (ms > 0 ? (count * 1000) / ms : NaN);
const percent = (cpuMs: number, ms: number) => (ms > 0 ? `${Math.round((cpuMs / ms) * 100)}%` : '-');

export interface PhaseRow {
  readonly label: string;
  readonly figures: PhaseFigures;
  /** Which latency to show: the marker's (sub-ms) or the `ts` field's (ms precision). */
  readonly use: 'latency' | 'tsLatency';
}

/**
 * One phase: a row per target and the ratio row (first / second).
 *
 * @example
 * console.log(phaseTable([{ label: 'callbridge', figures, use: 'latency' }, { label: 'raw', figures: rawFigures, use: 'latency' }]));
 */
export function phaseTable(rows: readonly [PhaseRow, PhaseRow]): string {
  const header = ['target', 'events/s', 'deliveries/s', 'p50 ms', 'p99 ms', 'max ms', 'server CPU', 'server µs/delivery', 'server GC', 'longest GC ms', 'client CPU', 'lost'];
  const line = (row: PhaseRow): Cell[] => {
    const f = row.figures;
    const lat = f[row.use];
    return [
      row.label,
      fmt(perSecond(f.events, f.elapsedMs), 0),
      fmt(perSecond(f.deliveries, f.elapsedMs), 0),
      fmt(lat.p50),
      fmt(lat.p99),
      fmt(lat.max),
      percent(f.serverCpuMs, f.elapsedMs),
      fmt(f.deliveries > 0 ? (f.serverCpuMs * 1000) / f.deliveries : NaN),
      percent(f.serverGcMs, f.elapsedMs),
      fmt(f.serverGcMaxMs),
      percent(f.clientCpuMs, f.elapsedMs),
      String(f.expected - f.deliveries),
    ];
  };
  const [a, b] = rows;
  const fa = a.figures;
  const fb = b.figures;
  const ratioRow: Cell[] = [
    `ratio ${a.label}/${b.label}`,
    ratio(perSecond(fa.events, fa.elapsedMs), perSecond(fb.events, fb.elapsedMs)),
    ratio(perSecond(fa.deliveries, fa.elapsedMs), perSecond(fb.deliveries, fb.elapsedMs)),
    ratio(fa[a.use].p50, fb[b.use].p50),
    ratio(fa[a.use].p99, fb[b.use].p99),
    ratio(fa[a.use].max, fb[b.use].max),
    ratio(fa.serverCpuMs / fa.elapsedMs, fb.serverCpuMs / fb.elapsedMs),
    ratio(fa.serverCpuMs / fa.deliveries, fb.serverCpuMs / fb.deliveries),
    ratio(fa.serverGcMs / fa.elapsedMs, fb.serverGcMs / fb.elapsedMs),
    ratio(fa.serverGcMaxMs, fb.serverGcMaxMs),
    ratio(fa.clientCpuMs / fa.elapsedMs, fb.clientCpuMs / fb.elapsedMs),
    '',
  ];
  return table(header, [line(a), line(b), ratioRow]);
}
