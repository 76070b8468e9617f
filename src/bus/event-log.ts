import type { BridgeEvent } from '../protocol/events.js';

/** An event before the log numbers it. */
export type EventDraft = Omit<BridgeEvent, 'seq' | 'tenant'>;

/**
 * The per-tenant replay log. `append` numbers a batch with contiguous `seq` values in one
 * atomic step (no gap, even across nodes in the Redis implementation).
 */
export interface EventLog {
  append(tenant: string, drafts: readonly EventDraft[]): Promise<BridgeEvent[]>;
  /**
   * Events with `seq > since`, in order, or `null` when the log no longer holds `since + 1`
   * (too old) or `since` is ahead of the cursor (the future).
   */
  since(tenant: string, since: number): Promise<BridgeEvent[] | null>;
  /** The last `seq` given for the tenant (0 before any event). */
  cursor(tenant: string): Promise<number>;
  /** Events held across all tenants (a metric). */
  size(): number;
  close(): Promise<void>;
}

/** A batch of one tenant's events as a shared log delivers it to every node. */
export interface EventBatch {
  readonly tenant: string;
  /** Contiguous, in `seq` order, following the previous batch of the tenant. */
  readonly events: readonly BridgeEvent[];
  /** Events before this batch are gone from the log: this node's subscribers missed some. */
  readonly resync?: true;
}

/**
 * The batches of every node, this one's included, once each and in `seq` order per tenant
 * (cluster mode: `RedisEventLog.onEvents`).
 */
export interface EventFeed {
  onEvents(listener: (batch: EventBatch) => void): () => void;
}
