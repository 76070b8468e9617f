/**
 * What the slow-client bench's parent and its client process say to each other over IPC
 * (`serialization: 'advanced'`, so latency samples travel as Float64Arrays). Client 0 is the
 * one that stops reading; "others" are all the rest.
 */

export type Mode = 'warmup' | 'reading' | 'stalled';

export type ParentMessage =
  | { kind: 'connect'; url: string; token: string; tenant: string; stallTenant: string; clients: number }
  /** Starts counting the others' deliveries (latency recorded unless `warmup`). */
  | { kind: 'begin'; mode: Mode }
  /** Waits until each other client received `perClient` events (or `timeoutMs`), then reports. */
  | { kind: 'end'; perClient: number; timeoutMs: number }
  /** Stops / restarts reading client 0's TCP socket. */
  | { kind: 'pause' }
  | { kind: 'resume' }
  /** Client 0's view of the read tenant against client 1's: latest `seq` per key, and counts. */
  | { kind: 'compare' }
  | { kind: 'samples'; mode: Mode }
  | { kind: 'close' };

export interface SegmentCounts {
  /** Events received by the others during the segment. */
  readonly delivered: number;
  /** Wall-clock ms of the others' first and last delivery of the segment (0 when none). */
  readonly firstRecv: number;
  readonly lastRecv: number;
  /** Disconnects of the others / of client 0 during the segment. */
  readonly othersDisconnected: number;
  readonly stalledDisconnected: number;
  /** Events client 0 received during the segment. */
  readonly stalledReceived: number;
  readonly cpuMs: number;
}

export interface Comparison {
  /** Keys whose latest `seq` differs between client 0 and client 1 (0 = same state). */
  readonly differing: number;
  readonly keys: number;
  /** Read-tenant events client 0 received in all, and how many of them were marked `coalesced`. */
  readonly received: number;
  readonly coalesced: number;
  /** Read-tenant events client 1 received in all. */
  readonly referenceReceived: number;
  readonly stalledConnected: boolean;
}

export type ChildMessage =
  | { kind: 'connected'; ms: number; stalledId: string }
  | { kind: 'begun' }
  | { kind: 'progress'; delivered: number }
  | { kind: 'ended'; counts: SegmentCounts }
  | { kind: 'paused' }
  | { kind: 'resumed' }
  | { kind: 'compared'; comparison: Comparison }
  | { kind: 'samples'; latency: Float64Array }
  | { kind: 'failed'; message: string };

export type ChildReply<K extends ChildMessage['kind']> = Extract<ChildMessage, { kind: K }>;
