/**
 * The ordering guarantees between websocket events and REST resyncs, driven by hand so each
 * race happens for sure: events during the GET land on top of the snapshot, a destroyed leg is
 * never resurrected by a lagging list, a fresh leg survives a list that does not show it yet.
 * Plus the pure normalizer.
 */
import { describe, expect, it } from 'vitest';
import { SnapshotSink } from '../../../src/pollers/snapshot-sink.js';
import type { CallEvent } from '../../../src/vendors/kazoo/blackhole-client.js';
import { ChannelTracker } from '../../../src/vendors/kazoo/channel-tracker.js';
import { applyCallEvent, channelFromRest, gregorianToIso, toGregorian } from '../../../src/vendors/kazoo/normalizer.js';
import type { CallEventName, RestChannel } from '../../../src/vendors/kazoo/wire.js';
import { collectEvents } from '../../support/event-collector.js';
import { captureLogger } from '../../support/log-capture.js';
import { memoryBus } from '../../support/memory-bus.js';

const T0 = toGregorian(Date.parse('2026-11-23T10:15:00Z'));

function setup() {
  const { logger } = captureLogger();
  const bus = memoryBus(logger, 1_000, 60_000);
  const events = collectEvents(bus);
  const sink = new SnapshotSink({ bus, source: 'kz' });
  const tracker = new ChannelTracker({ sink, tenant: 't', source: 'kz', logger });
  const types = (key: string) => events.events.filter((e) => e.key === key).map((e) => e.type);
  return { bus, events, tracker, types };
}

const event = (name: CallEventName, callId: string, generation = 1, extra: Record<string, unknown> = {}): CallEvent => ({
  name,
  generation,
  data: { call_id: callId, call_direction: 'outbound', caller_id_number: '1001', callee_id_number: '1002', timestamp: T0, ...extra } as CallEvent['data'],
});
const item = (uuid: string, answered = true): RestChannel => ({ uuid, direction: 'outbound', answered, caller_id_number: '1001', callee_id_number: '1002', timestamp: T0 });

/** A fetch the test releases by hand, to place events "during the GET". */
function gate(items: RestChannel[]) {
  let release: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (release = resolve));
  return { fetch: async () => (await opened, items), release };
}

describe('ChannelTracker ordering', () => {
  it('a DESTROY during the GET, with the list still showing the leg: one hungup, no resurrection', async () => {
    const { tracker, types } = setup();
    tracker.event(event('CHANNEL_CREATE', 'c1'));
    tracker.event(event('CHANNEL_ANSWER', 'c1'));
    const get = gate([item('c1')]);
    const resync = tracker.resync(get.fetch, { generation: 2 });
    tracker.event(event('CHANNEL_DESTROY', 'c1', 2));
    get.release();
    await resync;
    await tracker.idle();
    await tracker.resync(async () => [item('c1')], { generation: 2 }); // REST still lagging
    expect(types('c1')).toEqual(['channel.created', 'channel.updated', 'channel.hungup']);
  });

  it('a CREATE during the GET, missing from the list: created once, kept', async () => {
    const { tracker, types } = setup();
    const get = gate([]);
    const resync = tracker.resync(get.fetch, { generation: 1 });
    tracker.event(event('CHANNEL_CREATE', 'c2'));
    get.release();
    await resync;
    await tracker.idle();
    expect(types('c2')).toEqual(['channel.created']);
  });

  it('waits for the session to subscribe before reading, and events of the session queue behind it', async () => {
    const { tracker, types } = setup();
    let subscribed: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (subscribed = resolve));
    let fetched = false;
    const resync = tracker.resync(async () => ((fetched = true), [item('old')]), { generation: 1, ready });
    tracker.event(event('CHANNEL_HOLD', 'old'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fetched).toBe(false);
    subscribed();
    await resync;
    await tracker.idle();
    expect(types('old')).toEqual(['channel.created', 'channel.updated']);
  });

  it('a leg this session announced just before the GET survives a list that lags; older ones do not', async () => {
    const { tracker, types } = setup();
    tracker.event(event('CHANNEL_CREATE', 'stale', 1));
    tracker.event(event('CHANNEL_CREATE', 'fresh', 2));
    await tracker.idle();
    await tracker.resync(async () => [], { generation: 2 });
    expect(types('fresh')).toEqual(['channel.created']);
    expect(types('stale')).toEqual(['channel.created', 'channel.hungup']);
    tracker.event(event('CHANNEL_ANSWER', 'stale', 2)); // late event of a leg already gone
    await tracker.idle();
    expect(types('stale')).toEqual(['channel.created', 'channel.hungup']);
  });

  it('a resync that agrees with the events publishes nothing', async () => {
    const { tracker, events } = setup();
    tracker.event(event('CHANNEL_CREATE', 'c3', 1, { other_leg_call_id: 'c4', custom_channel_vars: { username: 'user_1001' } }));
    tracker.event(event('CHANNEL_ANSWER', 'c3'));
    await tracker.idle();
    const mark = events.mark();
    await tracker.resync(async () => [{ ...item('c3'), other_leg: 'c4', username: 'user_1001', is_onhold: false }], { generation: 1 });
    expect(events.since(mark)).toEqual([]);
  });

  it('a failed fetch changes nothing', async () => {
    const { tracker, events } = setup();
    tracker.event(event('CHANNEL_CREATE', 'c5'));
    await tracker.idle();
    const mark = events.mark();
    await expect(tracker.resync(async () => Promise.reject(new Error('down')), { generation: 1 })).rejects.toThrow('down');
    expect(events.since(mark)).toEqual([]);
  });
});

describe('kazoo normalizer', () => {
  const ctx = { source: 'kz', observedAt: '2026-11-23T10:15:05.000Z' };

  it('converts Gregorian seconds (Unix + 62167219200)', () => {
    expect(gregorianToIso(63610891956)).toBe('2015-10-01T04:12:36.000Z');
    expect(gregorianToIso(undefined)).toBeUndefined();
    expect(gregorianToIso(12)).toBeUndefined();
  });

  it('builds the channel entity from events: direction, caller/callee, linked leg, answered time', () => {
    const created = applyCallEvent(undefined, 'CHANNEL_CREATE', event('CHANNEL_CREATE', 'a', 1, { call_direction: 'inbound', caller_id_name: 'Alice', callee_id_name: '' }).data, ctx);
    expect(created).toEqual({ source: 'kz', observedAt: ctx.observedAt, channel: 'a', state: 'dialing', direction: 'inbound', callerNumber: '1001', callerName: 'Alice', calleeNumber: '1002', startedAt: '2026-11-23T10:15:00.000Z' });
    const answered = applyCallEvent(created!, 'CHANNEL_ANSWER', event('CHANNEL_ANSWER', 'a', 1, { timestamp: T0 + 3 }).data, ctx);
    expect(answered).toMatchObject({ state: 'up', answeredAt: '2026-11-23T10:15:03.000Z' });
    const bridged = applyCallEvent(answered!, 'CHANNEL_BRIDGE', event('CHANNEL_BRIDGE', 'a', 1, { other_leg_call_id: 'b' }).data, ctx);
    expect(bridged).toMatchObject({ linkedKey: 'b', answeredAt: '2026-11-23T10:15:03.000Z' });
    expect(applyCallEvent(bridged!, 'CHANNEL_HOLD', event('CHANNEL_HOLD', 'a').data, ctx)?.state).toBe('held');
    // A late CREATE never turns an answered leg back into a ringing one.
    expect(applyCallEvent(bridged!, 'CHANNEL_CREATE', event('CHANNEL_CREATE', 'a').data, ctx)?.state).toBe('up');
    expect(applyCallEvent(bridged!, 'CHANNEL_DESTROY', event('CHANNEL_DESTROY', 'a').data, ctx)).toBeNull();
  });

  it('a REST item sets live state but keeps what the events said', () => {
    const fromEvents = applyCallEvent(undefined, 'CHANNEL_HOLD', event('CHANNEL_HOLD', 'a').data, ctx)!;
    const merged = channelFromRest({ uuid: 'a', answered: true, other_leg: 'z', timestamp: T0 + 1 }, fromEvents, ctx);
    expect(merged).toMatchObject({ state: 'held', linkedKey: 'z', startedAt: fromEvents.startedAt, answeredAt: fromEvents.answeredAt });
    expect(channelFromRest({ uuid: 'a', answered: true, is_onhold: false }, fromEvents, ctx).state).toBe('up');
    expect(channelFromRest({ uuid: 'n', direction: 'outbound', answered: false, destination: '33170200258' }, undefined, ctx)).toMatchObject({ state: 'ringing', calleeNumber: '33170200258' });
  });
});
