/**
 * The tracker's ordering rules, with a reader whose answers the test releases by hand: an older
 * GET answer never overwrites a newer one, a snapshot supersedes the notifications it already
 * contains, a 404 is a removal, and `linkedKey` follows both sides of a call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Bus } from '../../../src/bus/bus.js';
import { SnapshotSink } from '../../../src/pollers/snapshot-sink.js';
import type { EntityRef } from '../../../src/vendors/threecx/entity-path.js';
import type { DnInfo, Participant } from '../../../src/vendors/threecx/parsers.js';
import type { CallControlReader, EntityBody } from '../../../src/vendors/threecx/reader.js';
import { CallControlTracker } from '../../../src/vendors/threecx/tracker.js';
import { collectEvents, type EventCollector } from '../../support/event-collector.js';
import { captureLogger } from '../../support/log-capture.js';
import { memoryBus } from '../../support/memory-bus.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A reader whose every answer waits for the test. */
class ManualReader implements CallControlReader {
  readonly snapshots: Deferred<DnInfo[]>[] = [];
  readonly entities: { ref: EntityRef; answer: Deferred<EntityBody | undefined> }[] = [];
  snapshot(): Promise<DnInfo[]> {
    const answer = deferred<DnInfo[]>();
    this.snapshots.push(answer);
    return answer.promise;
  }
  entity(ref: EntityRef): Promise<EntityBody | undefined> {
    const answer = deferred<EntityBody | undefined>();
    this.entities.push({ ref, answer });
    return answer.promise;
  }
}

/** Lets queued tasks start (the snapshot GET starts when the queue reaches it). */
const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

const participant = (id: number, status: string, extra: Partial<Participant> = {}): Participant =>
  ({ id, status, party_caller_id: '33170200258', callid: 5000 + id, ...extra }) as Participant;
const dn = (name: string, participants: Participant[] = [], devices: DnInfo['devices'] = []): DnInfo => ({ dn: name, type: 'Wextension', devices, participants });

let bus: Bus | undefined;
afterEach(async () => {
  await bus?.close();
  bus = undefined;
});

function setup(): { tracker: CallControlTracker; reader: ManualReader; events: EventCollector; failures: unknown[] } {
  const { logger } = captureLogger();
  bus = memoryBus(logger, 10_000);
  const reader = new ManualReader();
  const failures: unknown[] = [];
  const tracker = new CallControlTracker({
    sink: new SnapshotSink({ bus, source: 'tcx' }),
    tenant: 'acme',
    source: 'tcx',
    reader,
    logger,
    onFetchFailed: (err) => failures.push(err),
  });
  return { tracker, reader, events: collectEvents(bus), failures };
}

const states = (events: EventCollector, key: string) => events.events.filter((e) => e.key === key).map((e) => `${e.type}:${String(e.data.state)}`);

describe('CallControlTracker ordering', () => {
  it('only the newest notification of an entity is applied, whatever order the GETs answer in', async () => {
    const { tracker, reader, events } = setup();
    const ref: EntityRef = { kind: 'participant', dn: '100', id: '7' };
    tracker.notification({ type: 'upsert', ref });
    tracker.notification({ type: 'upsert', ref });
    const [older, newer] = reader.entities;
    newer!.answer.resolve({ kind: 'participant', participant: participant(7, 'Connected') });
    // The first GET was answered last, with the older state: it must not win.
    older!.answer.resolve({ kind: 'participant', participant: participant(7, 'Ringing') });
    await tracker.idle();
    expect(states(events, '100/7')).toEqual(['channel.created:up']);
  });

  it('a notification already contained in a snapshot is dropped once the snapshot is applied', async () => {
    const { tracker, reader, events } = setup();
    const resync = tracker.resync();
    tracker.notification({ type: 'upsert', ref: { kind: 'participant', dn: '100', id: '7' } });
    // The snapshot GET starts after the notification arrived: it already shows the call answered.
    await flush();
    reader.snapshots[0]!.resolve([dn('100', [participant(7, 'Connected')])]);
    await resync;
    reader.entities[0]!.answer.resolve({ kind: 'participant', participant: participant(7, 'Ringing') });
    await tracker.idle();
    expect(states(events, '100/7')).toEqual(['channel.created:up']);
  });

  it('notifications arriving while the snapshot is read land on top of it', async () => {
    const { tracker, reader, events } = setup();
    const resync = tracker.resync();
    await flush();
    expect(reader.snapshots).toHaveLength(1);
    tracker.notification({ type: 'remove', ref: { kind: 'participant', dn: '100', id: '7' } });
    reader.snapshots[0]!.resolve([dn('100', [participant(7, 'Connected')])]);
    await resync;
    await tracker.idle();
    expect(states(events, '100/7')).toEqual(['channel.created:up', 'channel.hungup:up']);
  });

  it('a GET answering 404 is a removal; a failed GET changes nothing and is reported', async () => {
    const { tracker, reader, events, failures } = setup();
    tracker.notification({ type: 'upsert', ref: { kind: 'participant', dn: '100', id: '7' } });
    reader.entities[0]!.answer.resolve({ kind: 'participant', participant: participant(7, 'Ringing') });
    await tracker.idle();
    tracker.notification({ type: 'upsert', ref: { kind: 'participant', dn: '100', id: '7' } });
    reader.entities[1]!.answer.reject(new Error('HTTP 503'));
    await tracker.idle();
    expect(failures).toHaveLength(1);
    tracker.notification({ type: 'upsert', ref: { kind: 'participant', dn: '100', id: '7' } });
    reader.entities[2]!.answer.resolve(undefined);
    await tracker.idle();
    expect(states(events, '100/7')).toEqual(['channel.created:ringing', 'channel.hungup:ringing']);
  });

  it('a failed snapshot rejects and changes nothing', async () => {
    const { tracker, reader, events } = setup();
    const first = tracker.resync();
    await flush();
    reader.snapshots[0]!.resolve([dn('100', [participant(7, 'Connected')])]);
    await first;
    const mark = events.mark();
    const second = tracker.resync();
    await flush();
    reader.snapshots[1]!.reject(new Error('parse'));
    await expect(second).rejects.toThrow('parse');
    expect(events.since(mark)).toEqual([]);
  });
});

describe('CallControlTracker entities', () => {
  it('links the two participants of a call both ways, and unlinks when one leaves', async () => {
    const { tracker, reader, events } = setup();
    const a = participant(1, 'Dialing', { callid: 900, party_dn: '101', party_caller_id: '101' });
    const b = participant(2, 'Ringing', { callid: 900, party_dn: '100', party_caller_id: '100' });
    tracker.notification({ type: 'upsert', ref: { kind: 'participant', dn: '100', id: '1' } });
    tracker.notification({ type: 'upsert', ref: { kind: 'participant', dn: '101', id: '2' } });
    reader.entities[0]!.answer.resolve({ kind: 'participant', participant: a });
    reader.entities[1]!.answer.resolve({ kind: 'participant', participant: b });
    await tracker.idle();
    const last = (key: string) => events.events.filter((e) => e.key === key).at(-1)?.data;
    expect(last('100/1')).toMatchObject({ linkedKey: '101/2', direction: 'outbound' });
    expect(last('101/2')).toMatchObject({ linkedKey: '100/1', direction: 'inbound' });
    tracker.notification({ type: 'remove', ref: { kind: 'participant', dn: '101', id: '2' } });
    await tracker.idle();
    expect(last('100/1')).not.toHaveProperty('linkedKey');
    expect(tracker.channelKey('1')).toBe('100/1');
    expect(tracker.channelKey('2')).toBeUndefined();
  });

  it('removing a DN removes its peer, its devices and its calls', async () => {
    const { tracker, reader, events } = setup();
    const resync = tracker.resync();
    await flush();
    reader.snapshots[0]!.resolve([dn('100', [participant(7, 'Connected')], [{ device_id: 'sip:100@x', user_agent: 'Phone', dn: '100' }])]);
    await resync;
    expect(tracker.devicesOf('100').map((d) => d.device_id)).toEqual(['sip:100@x']);
    const mark = events.mark();
    tracker.notification({ type: 'remove', ref: { kind: 'dn', dn: '100' } });
    await tracker.idle();
    expect(events.since(mark).map((e) => `${e.type} ${e.key}`).sort()).toEqual(['channel.hungup 100/7', 'peer.removed 100', 'peer.removed 100/sip:100@x']);
  });

  it('a device notification, added or removed, re-reads the DN’s device list', async () => {
    const { tracker, reader, events } = setup();
    tracker.notification({ type: 'upsert', ref: { kind: 'device', dn: '104', deviceId: 'sip:104@a' } });
    tracker.notification({ type: 'remove', ref: { kind: 'device', dn: '104', deviceId: 'sip:104@b' } });
    expect(reader.entities.map((e) => e.ref)).toEqual([
      { kind: 'devices', dn: '104' },
      { kind: 'devices', dn: '104' },
    ]);
    // The later read wins, whatever order the answers come in.
    reader.entities[1]!.answer.resolve({ kind: 'devices', list: [{ device_id: 'sip:104@a', user_agent: 'Phone', dn: '104' }] });
    reader.entities[0]!.answer.resolve({ kind: 'devices', list: [] });
    await tracker.idle();
    expect(events.events.map((e) => `${e.type} ${e.key}`).sort()).toEqual(['peer.registered 104', 'peer.registered 104/sip:104@a']);
  });
});
