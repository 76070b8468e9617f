/**
 * What the fan-out bench's parent and its client processes say to each other over the IPC
 * channel (`serialization: 'advanced'`, so latency samples travel as Float64Arrays).
 */

/**
 * How the e2e phase stamps a MiRTA flow's `value` (a free text the bridge passes through): the
 * parent-clock time of the change, so each client can time vendor change -> delivery.
 */
const VALUE_MARKER = 'sent:';

export function markedValue(sentAt: number): string {
  return `${VALUE_MARKER}${sentAt.toFixed(3)}`;
}

/** The time in a marked value, or undefined for any other text. */
export function readMarkedValue(value: string): number | undefined {
  if (!value.startsWith(VALUE_MARKER)) return undefined;
  const sentAt = Number(value.slice(VALUE_MARKER.length));
  return Number.isFinite(sentAt) ? sentAt : undefined;
}

export type PhaseName = 'warmup' | 'controlled' | 'throughput' | 'e2e';

export type ParentMessage =
  | { kind: 'connect'; target: string; url: string; token: string; tenant: string; clients: number }
  | { kind: 'disconnect'; target: string }
  | { kind: 'clock'; id: number }
  /** `offset`: child clock minus parent clock (ms); `readTs` also records `ts`-based latency. */
  | { kind: 'begin'; target: string; phase: PhaseName; record: boolean; offset: number; readTs: boolean }
  | { kind: 'end'; expected: number; timeoutMs: number }
  | { kind: 'samples'; target: string; phase: PhaseName }
  | { kind: 'close' };

export interface RunCounts {
  /** Events carrying a latency marker received by all this process's clients. */
  readonly delivered: number;
  /** Parent-clock ms of the first and last delivery (0 when none). */
  readonly firstRecv: number;
  readonly lastRecv: number;
  readonly disconnects: number;
  /** CPU this client process used during the run. */
  readonly cpuMs: number;
}

export interface Samples {
  /** Marker (`data.sentAt`, or the e2e flow value) -> receive, ms. */
  readonly latency: Float64Array;
  /** Event `ts` (ms precision) -> receive, ms; e2e phase only. */
  readonly tsLatency: Float64Array;
}

export type ChildMessage =
  | { kind: 'connected'; target: string; ms: number }
  | { kind: 'disconnected'; target: string }
  | { kind: 'clock'; id: number; at: number }
  | { kind: 'begun' }
  | { kind: 'progress'; delivered: number }
  | { kind: 'ended'; counts: RunCounts }
  | { kind: 'samples'; samples: Samples }
  | { kind: 'failed'; message: string };

export type ChildReply<K extends ChildMessage['kind']> = Extract<ChildMessage, { kind: K }>;
