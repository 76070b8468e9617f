/**
 * Where command ids are remembered (protocol §4: same id + same body within the TTL returns
 * the first result without a second vendor request; another body is `duplicate`).
 *
 * The interface is shaped for two implementations: `MemoryIdempotencyStore` (one node) and a
 * Redis one, where each method is one atomic step:
 *
 * | method     | Redis                                                                       |
 * |------------|-----------------------------------------------------------------------------|
 * | `reserve`  | `SET key '{"fp":…}' NX PX pendingTtl`; on failure `GET key` and compare fp  |
 * | `complete` | `SET key '{"fp":…,"ack":…}' PX ttl` then `PUBLISH done:key ack`             |
 * | `release`  | `DEL key` then `PUBLISH done:key ack`                                       |
 * | `wait`     | `SUBSCRIBE done:key`, then `GET key` (closes the race), resolve on message  |
 *
 * A pending claim has its own short TTL so a node that dies mid-command does not block the id
 * for a whole day.
 */
import type { CommandAck } from './command-service.js';

export type Reservation =
  /** The caller owns the id: it must end with `complete` or `release`. */
  | { readonly status: 'new' }
  /** Another request with the same body is in flight: `wait` for its outcome. */
  | { readonly status: 'pending' }
  /** The same body already has an outcome: answer it again. */
  | { readonly status: 'completed'; readonly ack: CommandAck }
  /** The id is taken by another body. */
  | { readonly status: 'mismatch' };

export interface IdempotencyStore {
  /**
   * Claims `key` for `fingerprint`, atomically: of concurrent callers exactly one gets `new`.
   * @param pendingTtlMs how long the claim lives if never completed (a crashed owner).
   */
  reserve(key: string, fingerprint: string, pendingTtlMs: number): Promise<Reservation>;
  /** Remembers the outcome for `ttlMs` and hands it to every waiter. */
  complete(key: string, fingerprint: string, ack: CommandAck, ttlMs: number): Promise<void>;
  /**
   * Drops the claim without remembering an outcome (the command never reached the vendor, so a
   * retry with the same id must be free to go), and hands `ack` to the requests waiting on it.
   */
  release(key: string, ack: CommandAck): Promise<void>;
  /**
   * The outcome of the claim on `key`: at once if completed, when it completes or is released
   * otherwise; `undefined` when there is no claim (any more) or nothing came within `timeoutMs`.
   */
  wait(key: string, timeoutMs: number): Promise<CommandAck | undefined>;
  close(): Promise<void>;
}

/**
 * The store key of a command id: ids are the client's, scoped per tenant. Tenant names cannot
 * contain `:` (NameSchema), so the key is unambiguous. Matches stack.md's `cmd:{tenant}:{id}`.
 */
export function commandKey(tenant: string, id: string): string {
  return `cmd:${tenant}:${id}`;
}
