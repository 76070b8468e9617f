/**
 * The socket and the token under stress: token expiry mid-stream, a socket killed while a call
 * ends (or begins), a blackhole that stops answering, garbage frames. Each time: no lost event,
 * no duplicate, health that follows the socket.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../../../src/protocol/events.js';
import { sleep, waitFor } from '../../support/wait-for.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const types = (events: readonly BridgeEvent[], key: string) => events.filter((e) => e.topic === 'channels' && e.key === key).map((e) => e.type);

describe('kazoo source: token expiry mid-stream', () => {
  it('re-authenticates (early and on 401) without losing or duplicating an event', async () => {
    // Tokens live 400 ms; the margin is larger, so refreshes happen at half-life, and the
    // 1-second `exp` claim lets some requests race the expiry and meet a 401.
    h = await startHarness({ sim: { tokenTtlMs: 400 }, config: { tokenRefreshMargin: '1s' } });
    await h.ready();
    const model = h.sim.model;
    const created: string[] = [];
    const destroyed: string[] = [];
    model.onEvent((e) => {
      if (e.accountId !== h!.sim.accountId) return;
      if (e.name === 'CHANNEL_CREATE') created.push(e.callId);
      if (e.name === 'CHANNEL_DESTROY') destroyed.push(e.callId);
    });
    const devices = h.sim.deviceIds;
    const until = Date.now() + 1_600;
    let i = 0;
    while (Date.now() < until) {
      const { a } = model.startCall({ from: devices[i % devices.length] as string, to: `3314000${String(i).padStart(4, '0')}` });
      if (i % 2 === 0) model.answer(a.uuid);
      if (i === 8) h.sim.dropSockets(); // a resubscribe with whatever token is current
      await sleep(40);
      if (i % 3 !== 0) model.hangup(a.uuid);
      i++;
    }
    await waitFor(() => h!.source.status === 'up');
    await waitFor(async () => {
      await h!.source.settled();
      return (await h!.channels()).size === model.legsOf(h!.sim.accountId).length;
    });
    expect(h.sim.tokens.issued.length).toBeGreaterThan(2);
    const live = new Set(model.legsOf(h.sim.accountId).map((leg) => leg.uuid));
    // Never twice. A leg born and gone entirely while the websocket was down cannot be seen at
    // all (blackhole replays nothing, the REST resync shows only live legs): zero events for it
    // is right, but a leg seen created must be seen hung up, and every live leg was seen created.
    for (const key of created) {
      const seen = types(h.events.events, key);
      const createdCount = seen.filter((t) => t === 'channel.created').length;
      expect(createdCount).toBeLessThanOrEqual(1);
      if (live.has(key)) expect(createdCount).toBe(1);
      if (destroyed.includes(key)) expect(seen.filter((t) => t === 'channel.hungup')).toHaveLength(createdCount);
    }
    expect(new Set((await h.channels()).keys())).toEqual(live);
    // Polls kept working across the expiries (no 401 left unanswered).
    const agentPolls = h.sim.requests.filter((r) => r.path.endsWith('/agents/status'));
    expect(agentPolls.at(-1)?.status).toBe(200);
  });
});

describe('kazoo source: socket killed', () => {
  it('a call that ends while the socket is down yields exactly one channel.hungup after the resync', async () => {
    h = await startHarness({ config: { reconnect: { initialDelay: '150ms', maxDelay: '300ms' } } });
    await h.ready();
    const model = h.sim.model;
    const { a, b } = model.startCall({ from: h.sim.deviceIds[0] as string, to: '33170200258' });
    model.answer(a.uuid);
    await waitFor(async () => (await h!.channels()).get(b.uuid)?.state === 'up');
    const mark = h.events.mark();

    h.sim.dropSockets();
    model.hangup(a.uuid); // nobody listens: blackhole replays nothing
    const began = model.startCall({ from: h.sim.deviceIds[2] as string, to: '33170200259' });

    await h.events.next((e) => e.type === 'source.degraded', { from: mark });
    expect(h.source.status).toBe('degraded');
    await h.events.next((e) => e.type === 'source.up', { from: mark });
    await h.events.next((e) => e.key === b.uuid && e.type === 'channel.hungup', { from: mark });
    await h.events.next((e) => e.key === began.a.uuid && e.type === 'channel.created', { from: mark });
    await sleep(100);
    await h.source.settled();
    expect(types(h.events.events, a.uuid)).toEqual(['channel.created', 'channel.updated', 'channel.hungup']);
    expect(types(h.events.events, b.uuid).filter((t) => t === 'channel.hungup')).toHaveLength(1);
    expect(types(h.events.events, began.a.uuid)).toEqual(['channel.created']);

    // Events flow again on the new session.
    model.hangup(began.a.uuid);
    await h.events.next((e) => e.key === began.a.uuid && e.type === 'channel.hungup');
    expect((await h.channels()).size).toBe(0);
  });

  it('goes down after health.downAfter failed attempts and up again when blackhole returns', async () => {
    h = await startHarness({ config: { health: { downAfter: 2 }, reconnect: { initialDelay: '20ms', maxDelay: '60ms' } } });
    await h.ready();
    h.sim.setSilent(true); // a hung node: socket open, nothing answers
    await h.events.next((e) => e.type === 'source.degraded', { timeout: 3_000 });
    const down = await h.events.next((e) => e.type === 'source.down', { timeout: 3_000 });
    expect(String(down.data.lastError)).toMatch(/pings|reply/);
    h.sim.setSilent(false);
    await h.events.next((e) => e.type === 'source.up' && e.seq > down.seq, { timeout: 3_000 });
    const { a } = h.sim.model.startCall({ from: h.sim.deviceIds[0] as string, to: '1002' });
    await h.events.next((e) => e.key === a.uuid && e.type === 'channel.created');
  });
});

describe('kazoo source: hostile frames', () => {
  it('ignores and counts garbage and unknown events, and keeps going', async () => {
    h = await startHarness();
    await h.ready();
    const mark = h.events.mark();
    const bh = h.sim.blackhole;
    bh.sendRaw('not json');
    bh.sendRaw('[1,2,3]');
    bh.sendRaw('{"action":"event"}');
    bh.sendRaw(JSON.stringify({ action: 'event', name: 'CHANNEL_CREATE', data: { call_direction: 'inbound' } }));
    bh.sendRaw(JSON.stringify({ action: 'event', name: 'PARK_PARKED', data: { call_id: 'x1' } }));
    bh.sendRaw(JSON.stringify({ action: 'event', name: 'CHANNEL_CREATE', data: { call_id: 'x2', account_id: 'ffffffffffffffffffffffffffffffff' } }));
    bh.sendRaw(JSON.stringify({ action: 'reply', request_id: 'nobody-asked', status: 'success', data: {} }));
    bh.sendRaw(JSON.stringify({ action: 'event', name: 'CHANNEL_CREATE', data: { call_id: 42 } }));
    const { a } = h.sim.model.startCall({ from: h.sim.deviceIds[0] as string, to: '1004' });
    await h.events.next((e) => e.key === a.uuid && e.type === 'channel.created', { from: mark });
    expect(h.source.ignoredMessages).toEqual({ garbage: 5, unknown_event: 1, foreign_account: 1, unmatched_reply: 1 });
    const metrics = await h.metrics.text();
    expect(metrics).toMatch(/callbridge_vendor_messages_ignored_total\{source="kazoo-test",reason="garbage"\} 5/);
    expect(h.events.since(mark).some((e) => e.key === 'x1' || e.key === 'x2')).toBe(false);
    expect(h.source.status).toBe('up');
  });
});
