/**
 * Slow consumers (protocol §3): a socket that stops reading gets its state events coalesced per
 * key (lifecycle events kept), the others get every event meanwhile, and it is dropped only past
 * a hard bound.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EventDraft } from '../../src/bus/event-log.js';
import type { BridgeEvent } from '../../src/protocol/events.js';
import { CoalescingQueue } from '../../src/server/coalescing-queue.js';
import { slowConsumersOf } from '../../src/server/slow-consumers.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { waitFor } from '../support/wait-for.js';
import { TOKENS, blf, startServer, type Harness } from './harness.js';

/** A blf event padded to ~16 KB so that kernel socket buffers fill up quickly. */
function bigBlf(i: number, keys: number): EventDraft {
  const draft = blf(String(i % keys), i % 2 ? 'idle' : 'inuse');
  return { ...draft, data: { ...draft.data, note: `${i}:${'x'.repeat(16_000)}` } };
}

/** The client's TCP socket, to stop and restart reading as a stalled browser tab would. */
function tcpOf(client: BridgeClient): { pause(): void; resume(): void } {
  const transport = (client.socket.io.engine as unknown as { transport: { ws?: { _socket?: { pause(): void; resume(): void } } } }).transport;
  const raw = transport.ws?._socket;
  if (!raw) throw new Error('no underlying TCP socket to pause (transport is not websocket?)');
  return raw;
}

/** Latest `note` per key, as a client that applied its events in order would hold it. */
function lastNotes(events: readonly unknown[]): Map<string, string> {
  const state = new Map<string, string>();
  for (const event of events as BridgeEvent[]) if (event.topic === 'blfs') state.set(event.key, String(event.data.note).split(':')[0] ?? '');
  return state;
}

async function publishAll(h: Harness, total: number, keys: number): Promise<void> {
  for (let i = 0; i < total; i++) {
    await h.publish('acme', [bigBlf(i, keys)]);
    // Client and server share this process: let I/O run, as it would between vendor polls.
    if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('slow consumers', () => {
  let h: Harness | undefined;
  const clients: BridgeClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await h?.close();
  });

  it('coalesces a socket that stops reading; when it reads again it holds the latest state per key', { timeout: 120_000 }, async () => {
    // Soft bound 50 packets; hard bound 4,000, above everything published here: whatever the
    // sweep's timing, this socket can only be coalesced, never dropped.
    h = await startServer({ maxSocketBacklog: 400 });
    const slow = await connectClient(h.url, TOKENS.acme);
    const fast = await connectClient(h.url, TOKENS.acme);
    clients.push(slow, fast);
    await slow.call('subscribe', { tenant: 'acme', topics: ['blfs'] });
    await fast.call('subscribe', { tenant: 'acme', topics: ['blfs'] });
    const tcp = tcpOf(slow);
    tcp.pause();

    // Publish until the sweep has found it slow, then 1,000 more: those go to its queue.
    const keys = 40;
    const consumers = slowConsumersOf(h.server.io.of('/v1'));
    let total = 0;
    const deadline = Date.now() + 30_000;
    while (consumers?.stats.slowed !== 1) {
      if (Date.now() > deadline) throw new Error('the stalled socket was never coalesced');
      await h.publish('acme', [bigBlf(total++, keys)]);
      if (total % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (let i = 0; i < 1_000; i++) {
      await h.publish('acme', [bigBlf(total++, keys)]);
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await fast.waitForEvents(total, 60_000);
    expect(fast.events).toHaveLength(total);
    expect(fast.events.some((event) => (event as BridgeEvent).coalesced)).toBe(false);
    expect(slow.socket.connected).toBe(true);

    tcp.resume();
    const expected = lastNotes(fast.events);
    await waitFor(() => [...expected].every(([key, note]) => lastNotes(slow.events).get(key) === note), {
      timeout: 60_000,
      message: 'the slow client never caught up with the latest state',
    });
    // It got far fewer events than were published, the later ones marked coalesced, in seq order.
    expect(slow.events.length).toBeLessThan(total);
    const coalesced = (slow.events as BridgeEvent[]).filter((event) => event.coalesced);
    expect(coalesced.length).toBeGreaterThan(0);
    const seqs = (slow.events as BridgeEvent[]).map((event) => event.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(consumers?.stats.dropped).toBe(0);
    expect(h.logs.some((line) => line.includes('dropping slow consumer'))).toBe(false);
  });

  it('drops it only past the hard bound (more coalesced keys than it may hold), others unharmed', { timeout: 120_000 }, async () => {
    // maxQueued defaults to 25 x maxSocketBacklog: 2,500 keys here.
    h = await startServer({ maxSocketBacklog: 100 });
    const slow = await connectClient(h.url, TOKENS.acme);
    const fast = await connectClient(h.url, TOKENS.acme);
    clients.push(slow, fast);
    await slow.call('subscribe', { tenant: 'acme', topics: ['blfs'] });
    await fast.call('subscribe', { tenant: 'acme', topics: ['blfs'] });
    tcpOf(slow).pause();

    const total = 4_000;
    await publishAll(h, total, total);
    await fast.waitForEvents(total, 60_000);
    // Which bound trips first (queued keys, or packets already in its buffer) depends on how fast
    // this machine publishes against the once-a-second sweep; either is a hard bound.
    await waitFor(() => h!.logs.some((line) => line.includes('dropping slow consumer')), { timeout: 30_000 });
    await waitFor(() => h!.server.io.of('/v1').sockets.size === 1, { timeout: 10_000 });
    expect(fast.socket.connected).toBe(true);
    expect(fast.events).toHaveLength(total);
  });
});

describe('CoalescingQueue', () => {
  const event = (seq: number, key: string, type: BridgeEvent['type'] = 'channel.updated', removed?: true): BridgeEvent => ({
    seq,
    tenant: 'acme',
    topic: 'channels',
    type,
    key,
    source: 's',
    ts: new Date(seq).toISOString(),
    data: { source: 's', observedAt: '', state: String(seq) } as BridgeEvent['data'],
    ...(removed ? { removed } : {}),
  });

  it('keeps the latest state per key and every lifecycle event, in seq order', () => {
    const queue = new CoalescingQueue();
    queue.offer(event(1, 'a', 'channel.created'));
    queue.offer(event(2, 'b', 'channel.created'));
    queue.offer(event(3, 'a'));
    queue.offer(event(4, 'b', 'channel.hungup', true));
    queue.offer(event(5, 'a'));
    queue.offer(event(6, 'c', 'channel.created'));
    expect(queue.size).toBe(3);
    const taken = queue.take();
    expect(taken.map((e) => [e.seq, e.key, e.type])).toEqual([
      [4, 'b', 'channel.hungup'],
      [5, 'a', 'channel.updated'],
      [6, 'c', 'channel.created'],
    ]);
    expect(taken.every((e) => e.coalesced === true)).toBe(true);
    expect(queue.size).toBe(0);
  });

  it('a key removed and created again keeps both, in order', () => {
    const queue = new CoalescingQueue();
    queue.offer(event(1, 'a', 'channel.hungup', true));
    queue.offer(event(2, 'a', 'channel.created'));
    expect(queue.take().map((e) => e.type)).toEqual(['channel.hungup', 'channel.created']);
  });
});
