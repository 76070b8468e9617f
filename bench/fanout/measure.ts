/**
 * One measured run of a fan-out target (fanout.ts and cluster-fanout.ts): drive it, wait for the
 * clients to have every delivery, and record the server's CPU (net of its idle load) and its
 * garbage-collection pauses over the run.
 */
import { gcWindow } from '../lib/gc-pauses.js';
import { cpuMsSince, wallNow } from '../lib/clock.js';
import type { ClientFleet } from './client-fleet.js';
import type { PhaseName } from './protocol.js';
import type { RunResult } from './report.js';

/** Publishes a run's events; resolves with how many (each one is due to every client). */
export type Drive = () => Promise<number>;

export interface MeasureOptions {
  readonly fleet: ClientFleet;
  readonly clients: number;
  readonly drainTimeoutMs: number;
  readonly target: string;
  readonly phase: PhaseName;
  /** The server's idle CPU, as a fraction of a core, subtracted from the run's. */
  readonly idle: number;
  readonly drive: Drive;
  /** Clients also time the event's `ts` field (the e2e phase). */
  readonly readTs?: boolean;
}

export async function measureRun(options: MeasureOptions): Promise<RunResult> {
  const { fleet, target, phase } = options;
  await fleet.begin(target, phase, true, options.readTs ?? false);
  const cpu = process.cpuUsage();
  const gc = gcWindow();
  const start = wallNow();
  const events = await options.drive();
  const expected = events * options.clients;
  const totals = await fleet.end(expected, options.drainTimeoutMs);
  const serverCpuMs = Math.max(0, cpuMsSince(cpu) - options.idle * (wallNow() - start));
  const pauses = await gc.stop();
  if (totals.delivered < expected) console.warn(`  ! ${target}/${phase}: ${expected - totals.delivered} of ${expected} deliveries missing`);
  if (totals.disconnects > 0) console.warn(`  ! ${target}/${phase}: ${totals.disconnects} clients disconnected`);
  return {
    ...totals,
    target,
    phase,
    events,
    expected,
    elapsedMs: Math.max(1, totals.lastRecv - start),
    serverCpuMs,
    serverGcMs: pauses.totalMs,
    serverGcMaxMs: pauses.maxMs,
  };
}
