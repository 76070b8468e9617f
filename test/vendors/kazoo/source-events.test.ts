/**
 * Call events: the subscribe flow against the blackhole simulator, and each Kazoo call event
 * becoming the right bus event, within milliseconds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CALL_BINDINGS } from '../../../src/vendors/kazoo/index.js';
import { waitFor } from '../../support/wait-for.js';
import { SOURCE_ID, TENANT, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('kazoo source: subscribe flow', () => {
  it('sends one subscribe per binding, with the token and the account, and comes up', async () => {
    h = await startHarness();
    await h.ready();
    const subscribes = h.sim.wsMessages.filter((m) => m.action === 'subscribe');
    expect(subscribes.map((m) => (m.data as { binding: string }).binding).sort()).toEqual([...CALL_BINDINGS].sort());
    for (const message of subscribes) {
      expect(message.data).toEqual({ account_id: h.sim.accountId, binding: expect.any(String) });
      expect(message.hadToken).toBe(true);
      expect(message.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    // Distinct request ids: replies are matched by id, not by order.
    expect(new Set(subscribes.map((m) => m.requestId)).size).toBe(CALL_BINDINGS.length);
    expect(h.source.status).toBe('up');
    expect(h.source.ignoredMessages).toEqual({});
  });

  it('reads the REST channel list right after subscribing, so calls already up appear once', async () => {
    h = await startHarness({ start: false });
    const { a, b } = h.sim.model.startCall({ from: h.sim.deviceIds[0] as string, to: '33170200258' });
    h.sim.model.answer(a.uuid);
    await h.source.start();
    await h.ready();
    const channels = await h.channels();
    expect(channels.get(a.uuid)).toMatchObject({ state: 'up', direction: 'inbound', callerNumber: '1001', calleeNumber: '33170200258', linkedKey: b.uuid, peer: 'user_1001' });
    expect(channels.get(b.uuid)).toMatchObject({ state: 'up', direction: 'outbound', linkedKey: a.uuid });
    expect(h.channelEvents(a.uuid).map((e) => e.type)).toEqual(['channel.created']);
    // The resync came after every subscribe was answered.
    const subscribedAt = Math.max(...h.sim.wsMessages.filter((m) => m.action === 'subscribe').map((m) => m.at));
    const listedAt = h.sim.requests.find((r) => r.path.endsWith('/channels'))?.at ?? 0;
    expect(listedAt).toBeGreaterThanOrEqual(subscribedAt);
  });
});

describe('kazoo source: call events -> bus events', () => {
  it('maps CREATE, ANSWER, BRIDGE, HOLD, UNHOLD and DESTROY', async () => {
    h = await startHarness();
    await h.ready();
    const model = h.sim.model;
    const sent = Date.now();
    const { a, b } = model.startCall({ from: h.sim.deviceIds[1] as string, to: '33140000000' });
    const created = await h.events.next((e) => e.type === 'channel.created' && e.key === a.uuid);
    expect(Date.now() - sent).toBeLessThan(500);
    expect(created).toMatchObject({ tenant: TENANT, source: SOURCE_ID, topic: 'channels' });
    expect(created.data).toMatchObject({ channel: a.uuid, state: 'dialing', direction: 'inbound', callerNumber: '1002', callerName: 'Bruno Petit' });
    const createdB = await h.events.next((e) => e.type === 'channel.created' && e.key === b.uuid);
    expect(createdB.data).toMatchObject({ state: 'ringing', direction: 'outbound' });
    expect(typeof created.data.startedAt).toBe('string');

    model.answer(a.uuid);
    await waitFor(async () => (await h!.channels()).get(a.uuid)?.state === 'up');
    const answered = h.channelEvents(a.uuid).find((e) => e.type === 'channel.updated');
    expect(answered?.changed).toEqual(expect.arrayContaining(['state', 'answeredAt']));
    expect(Date.parse(String(answered?.data.answeredAt))).toBeGreaterThan(Date.now() - 5_000);

    model.hold(a.uuid);
    const held = await h.events.next((e) => e.key === a.uuid && e.type === 'channel.updated' && e.data.state === 'held');
    expect(held.changed).toEqual(['state']);
    model.unhold(a.uuid);
    await h.events.next((e) => e.key === a.uuid && e.type === 'channel.updated' && e.data.state === 'up' && e.seq > held.seq);

    model.hangup(a.uuid);
    const gone = await h.events.next((e) => e.key === a.uuid && e.type === 'channel.hungup');
    expect(gone.removed).toBe(true);
    await h.events.next((e) => e.key === b.uuid && e.type === 'channel.hungup');
    expect((await h.channels()).size).toBe(0);
    for (const key of [a.uuid, b.uuid]) {
      const types = h.channelEvents(key).map((e) => e.type);
      expect(types.filter((t) => t === 'channel.created')).toHaveLength(1);
      expect(types.filter((t) => t === 'channel.hungup')).toHaveLength(1);
    }
  });

  it('converts Gregorian-second timestamps to ISO times', async () => {
    h = await startHarness();
    await h.ready();
    const before = Math.floor(Date.now() / 1000) * 1000;
    const { a } = h.sim.model.startCall({ from: h.sim.deviceIds[0] as string, to: '1003' });
    const created = await h.events.next((e) => e.key === a.uuid && e.type === 'channel.created');
    const startedAt = Date.parse(String(created.data.startedAt));
    expect(startedAt).toBeGreaterThanOrEqual(before);
    expect(startedAt).toBeLessThanOrEqual(Date.now());
  });

  it("never publishes another account's calls", async () => {
    h = await startHarness();
    await h.ready();
    const mark = h.events.mark();
    h.sim.model.startCall({ accountId: h.sim.otherAccountId, from: '2001', to: '33100000000' });
    const { a } = h.sim.model.startCall({ from: h.sim.deviceIds[0] as string, to: '33100000001' });
    await h.events.next((e) => e.key === a.uuid, { from: mark });
    await h.source.settled();
    const keys = new Set(h.events.since(mark).filter((e) => e.topic === 'channels').map((e) => e.key));
    expect([...keys].every((key) => h!.sim.model.legs.get(key)?.accountId === h!.sim.accountId)).toBe(true);
  });
});
