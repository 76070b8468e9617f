/**
 * How events look inside Redis, read back: stream entries of `log:{tenant}` (id `<seq>-0`,
 * fields `t` = append time in ms, `d` = the draft's JSON) and the batches APPEND publishes on
 * `feed` (`{"tenant":…,"first":N,"events":[draft…]}`). The writing side is the APPEND script.
 */
import type { EventDraft } from '../bus/event-log.js';
import type { BridgeEvent } from '../protocol/events.js';

/** An XRANGE reply item as ioredis returns it. */
export type StreamEntry = [id: string, fields: string[]];

function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** When the entry was appended (the appender's clock, ms). */
export function entryTime(entry: StreamEntry): number {
  return Number(fieldOf(entry[1], 't'));
}

export function entryToEvent(tenant: string, entry: StreamEntry): BridgeEvent {
  const draft = JSON.parse(fieldOf(entry[1], 'd') ?? 'null') as EventDraft;
  return { seq: Number.parseInt(entry[0], 10), tenant, ...draft };
}

/** A published batch, numbered; undefined when the message is not one. */
export function parseFeedMessage(message: string): { tenant: string; events: BridgeEvent[] } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { tenant, first, events } = parsed as { tenant?: unknown; first?: unknown; events?: unknown };
  if (typeof tenant !== 'string' || typeof first !== 'number' || !Number.isInteger(first) || !Array.isArray(events)) return undefined;
  return { tenant, events: events.map((draft: EventDraft, i): BridgeEvent => ({ seq: first + i, tenant, ...draft })) };
}
