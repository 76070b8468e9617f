/**
 * A socket.io client that keeps its own mirror of one tenant (the subscribe snapshot, then
 * every event applied in order) and a ledger of what it received: when each event came, any
 * gap or disorder in the tenant's `seq`, any duplicate (same topic + key + data as the
 * previous event of that key, or as the snapshot), and any event a judge calls false (a
 * removal of something the vendor still has).
 */
import { entityKey } from '../../../src/client/topics.js';
import type { Entity, Topic } from '../../../src/protocol/entities.js';
import type { BridgeEvent } from '../../../src/protocol/events.js';
import type { SubscribeOk } from '../../../src/protocol/messages.js';
import { connectClient, type BridgeClient } from '../../support/bridge-client.js';
import { viewOf, type ComparedFields, type StateView } from './views.js';

export interface Noted {
  /** Date.now() when the client received it. */
  readonly at: number;
  readonly seq: number;
  readonly topic: Topic;
  readonly key: string;
  readonly type: string;
  readonly why: string;
}

/** Returns why `event` is false (it contradicts the vendor as it is now), or undefined. */
export type Judge = (event: BridgeEvent) => string | undefined;

export interface LedgerClient {
  readonly name: string;
  /** The tenant's cursor at subscribe. */
  readonly cursor: number;
  /** Every event received after the snapshot, with its arrival time. */
  readonly received: readonly { readonly at: number; readonly event: BridgeEvent }[];
  readonly gaps: readonly string[];
  readonly duplicates: readonly Noted[];
  readonly falseEvents: readonly Noted[];
  /** The mirror, reduced to the compared fields. */
  view(fields: ComparedFields): StateView;
  close(): void;
}

/** JSON with object keys sorted at every level, so equal data gives equal text. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** An event's data as compared for duplicates: `observedAt` changes on every poll by design. */
function comparable(data: Readonly<Record<string, unknown>>, removed: boolean): string {
  const { observedAt: _observedAt, ...rest } = data;
  return `${removed ? 'removed:' : ''}${stable(rest)}`;
}

/**
 * Connects, subscribes to every topic of `tenant`, and keeps the ledger until `close()`.
 *
 * @example
 * const client = await openLedgerClient(bridge.url, token, 'demo', 'early', judgeAgainst(rig));
 * expect(client.gaps).toEqual([]);
 */
export async function openLedgerClient(url: string, token: string, tenant: string, name: string, judge: Judge): Promise<LedgerClient> {
  const socket: BridgeClient = await connectClient(url, token);
  const state = new Map<Topic, Map<string, Entity>>();
  const last = new Map<string, string>();
  const received: { at: number; event: BridgeEvent }[] = [];
  const gaps: string[] = [];
  const duplicates: Noted[] = [];
  const falseEvents: Noted[] = [];
  const buffered: { at: number; event: BridgeEvent }[] = [];
  let expected: number | undefined;

  const apply = (at: number, event: BridgeEvent): void => {
    if (expected === undefined) return;
    if (event.seq < expected) return; // at or before the snapshot's cursor: already in it
    if (event.seq !== expected) gaps.push(`${name}: seq ${event.seq} after ${expected - 1}`);
    expected = event.seq + 1;
    received.push({ at, event });
    const id = `${event.topic}|${event.key}`;
    const removed = event.removed === true;
    const data = comparable(event.data as Record<string, unknown>, removed);
    const note = (why: string): Noted => ({ at, seq: event.seq, topic: event.topic, key: event.key, type: event.type, why });
    if (last.get(id) === data) duplicates.push(note('same data as the previous event of this key'));
    last.set(id, data);
    const why = judge(event);
    if (why !== undefined) falseEvents.push(note(why));
    const topic = state.get(event.topic) ?? new Map<string, Entity>();
    state.set(event.topic, topic);
    if (removed) topic.delete(event.key);
    else topic.set(event.key, event.data);
  };

  socket.socket.on('event', (event: BridgeEvent) => {
    if (typeof event.seq !== 'number') return; // command.updated: outside the sequence
    if (expected === undefined) buffered.push({ at: Date.now(), event });
    else apply(Date.now(), event);
  });
  const ack = await socket.call<SubscribeOk | { ok: false }>('subscribe', { tenant });
  if (!ack.ok) {
    socket.close();
    throw new Error(`${name}: subscribe refused: ${JSON.stringify(ack)}`);
  }
  for (const [topic, entities] of Object.entries(ack.snapshot ?? {}) as [Topic, Entity[]][]) {
    const map = new Map<string, Entity>();
    for (const entity of entities) {
      const key = entityKey(topic, entity);
      map.set(key, entity);
      last.set(`${topic}|${key}`, comparable(entity as Record<string, unknown>, false));
    }
    state.set(topic, map);
  }
  expected = ack.cursor + 1;
  for (const { at, event } of buffered.splice(0)) apply(at, event);

  return {
    name,
    cursor: ack.cursor,
    received,
    gaps,
    duplicates,
    falseEvents,
    view: (fields) => viewOf((topic) => state.get(topic), fields),
    close: () => socket.close(),
  };
}

