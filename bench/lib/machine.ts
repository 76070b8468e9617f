/**
 * What the figures were measured on, printed by every bench: absolute numbers only mean
 * something next to the core count, and next to how busy the machine was.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';

export function machineLine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `machine: ${availableParallelism()} cores (${model}), Node ${process.version}, load average ${loadavg()[0]?.toFixed(2) ?? '?'}`;
}

/** A warning when other processes already keep the cores busy (the 1-minute load average). */
export function busyWarning(): string | undefined {
  const load = loadavg()[0] ?? 0;
  const cores = availableParallelism();
  if (load < cores * 0.5) return undefined;
  return `warning: load average ${load.toFixed(2)} on ${cores} cores before the bench: other processes compete for the CPU, expect noisy figures`;
}

export function printMachine(): void {
  console.log(machineLine());
  const warning = busyWarning();
  if (warning) console.log(warning);
}
