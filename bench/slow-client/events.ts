/**
 * The slow-client bench's events: `blf.changed` on KEYS extensions (a tenant's phones), each
 * key's state moving on at every pass over the keys, with `data.sentAt` for latency. Fewer keys
 * than events published during a stall is what lets the stalled client's queue coalesce.
 */
import type { Bus } from '../../src/bus/bus.js';
import type { EventDraft } from '../../src/bus/event-log.js';
import type { Blf } from '../../src/protocol/entities.js';
import { wallNow } from '../lib/clock.js';
import type { Publish } from '../fanout/drivers.js';

const SOURCE = 'bench-publisher';
const STATES: readonly Blf['state'][] = ['idle', 'ringing', 'inuse', 'onhold', 'busy'];

function draft(index: number, keys: number, sentAt: number, ts: string): EventDraft {
  const extension = `pub${index % keys}`;
  const state = STATES[Math.floor(index / keys) % STATES.length] ?? 'idle';
  const data: Blf = { source: SOURCE, observedAt: ts, extension, state, hint: `${extension}-BENCH`, since: ts, sentAt };
  return { topic: 'blfs', type: 'blf.changed', key: `${extension}-BENCH`, source: SOURCE, ts, data };
}

/** Publishes straight into the bus (log, state, fan-out), as the fan-out bench's controlled phases do. */
export function blfPublisher(bus: Bus, tenant: string, keys: number, onError: (err: unknown) => void): Publish {
  let index = 0;
  return (count) => {
    const sentAt = wallNow();
    const ts = new Date(sentAt).toISOString();
    const drafts = Array.from({ length: count }, () => draft(index++, keys, sentAt, ts));
    bus.publish(tenant, drafts).catch(onError);
  };
}
