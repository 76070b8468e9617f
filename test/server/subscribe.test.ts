/** `subscribe` / `unsubscribe` and the live fan-out (protocol §3, §4). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../../src/protocol/events.js';
import type { SubscribeOk } from '../../src/protocol/messages.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { sleep } from '../support/wait-for.js';
import { TOKENS, blf, queue, startServer, type Harness } from './harness.js';

describe('subscribe', () => {
  let h: Harness;
  const clients: BridgeClient[] = [];
  const connect = async (token: string): Promise<BridgeClient> => {
    const client = await connectClient(h.url, token);
    clients.push(client);
    return client;
  };
  beforeEach(async () => {
    h = await startServer({ logSize: 10 });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await h.close();
  });

  it('acks a snapshot of the requested topics, then every newer event in order', async () => {
    await h.publish('acme', [blf('100'), blf('101'), queue('q1', 2)]);
    const client = await connect(TOKENS.acme);
    const ack = await client.call<SubscribeOk>('subscribe', { tenant: 'acme', topics: ['blfs'] });
    expect(ack.ok).toBe(true);
    expect(ack.cursor).toBe(3);
    expect(Object.keys(ack.snapshot ?? {})).toEqual(['blfs']);
    expect(ack.snapshot?.blfs?.map((e) => e.extension)).toEqual(['100', '101']);
    // The vendor record is not sent by default.
    expect(ack.snapshot?.blfs?.every((e) => !('raw' in e))).toBe(true);

    await h.publish('acme', [queue('q1', 3), blf('100', 'idle'), blf('102'), blf('101', 'busy')]);
    const events = (await client.waitForEvents(3)) as BridgeEvent[];
    await sleep(50);
    expect(events.map((e) => e.seq)).toEqual([5, 6, 7]);
    expect(events.every((e) => e.topic === 'blfs' && !('raw' in e.data))).toBe(true);
  });

  it('gives no gap and no duplicate when events are published during the subscribe', async () => {
    const client = await connect(TOKENS.acme);
    const publishing = (async () => {
      for (let i = 0; i < 200; i++) await h.publish('acme', [blf(String(i % 20))]);
    })();
    await sleep(2);
    const ack = await client.call<SubscribeOk>('subscribe', { tenant: 'acme', topics: ['blfs'] });
    await publishing;
    await client.waitForEvents(200 - ack.cursor);
    await sleep(50);
    const seqs = client.events.map((e) => (e as BridgeEvent).seq);
    expect(seqs).toEqual(Array.from({ length: 200 - ack.cursor }, (_, i) => ack.cursor + 1 + i));
  });

  it('replays exactly the events missed while disconnected', async () => {
    const first = await connect(TOKENS.acme);
    const ack = await first.call<SubscribeOk>('subscribe', { tenant: 'acme', topics: ['blfs'] });
    await h.publish('acme', [blf('100'), blf('101')]);
    await first.waitForEvents(2);
    first.close();
    const last = (first.events.at(-1) as BridgeEvent).seq;
    expect(last).toBe(ack.cursor + 2);

    await h.publish('acme', [blf('100', 'idle'), queue('q1', 1), blf('101', 'idle')]);
    const second = await connect(TOKENS.acme);
    const resumed = await second.call<SubscribeOk>('subscribe', { tenant: 'acme', topics: ['blfs'], since: last });
    expect(resumed).toEqual({ ok: true, cursor: 5, replayed: 2 });
    await second.waitForEvents(2);
    await h.publish('acme', [blf('102')]);
    await second.waitForEvents(3);
    await sleep(50);
    expect(second.events.map((e) => (e as BridgeEvent).seq)).toEqual([3, 5, 6]);
  });

  it('asks for a resync when since is too old or in the future', async () => {
    for (let i = 0; i < 15; i++) await h.publish('acme', [blf(String(i))]);
    const client = await connect(TOKENS.acme);
    const old = await client.call<SubscribeOk>('subscribe', { tenant: 'acme', topics: ['blfs'], since: 1 });
    expect(old).toMatchObject({ ok: true, cursor: 15, resync: true });
    expect(old.snapshot?.blfs).toHaveLength(15);
    const future = await client.call<SubscribeOk>('subscribe', { tenant: 'acme', since: 99 });
    expect(future).toMatchObject({ ok: true, cursor: 15, resync: true });
    expect(Object.keys(future.snapshot ?? {}).sort()).toContain('queues');
    const current = await client.call<SubscribeOk>('subscribe', { tenant: 'acme', since: 15 });
    expect(current).toEqual({ ok: true, cursor: 15, replayed: 0 });
  });

  it('sends raw only to subscriptions that ask for it', async () => {
    const plain = await connect(TOKENS.acme);
    const raw = await connect(TOKENS.acme);
    await h.publish('acme', [blf('100')]);
    const ack = await raw.call<SubscribeOk>('subscribe', { tenant: 'acme', topics: ['blfs'], raw: true });
    expect(ack.snapshot?.blfs?.[0]?.raw).toEqual({ hint: '100@ext' });
    await plain.call('subscribe', { tenant: 'acme', topics: ['blfs'] });
    await h.publish('acme', [blf('101')]);
    await raw.waitForEvents(1);
    await plain.waitForEvents(1);
    expect((raw.events[0] as BridgeEvent).data.raw).toEqual({ hint: '101@ext' });
    expect('raw' in (plain.events[0] as BridgeEvent).data).toBe(false);
    // Subscribing again without raw switches the variant: no duplicate delivery.
    await raw.call('subscribe', { tenant: 'acme', topics: ['blfs'] });
    await h.publish('acme', [blf('102')]);
    await raw.waitForEvents(2);
    await sleep(50);
    expect(raw.events).toHaveLength(2);
    expect('raw' in (raw.events[1] as BridgeEvent).data).toBe(false);
  });

  it('adds subscriptions up and removes them with unsubscribe', async () => {
    const client = await connect(TOKENS.acme);
    await client.call('subscribe', { tenant: 'acme', topics: ['blfs'] });
    await client.call('subscribe', { tenant: 'acme', topics: ['queues'] });
    await h.publish('acme', [blf('100'), queue('q1', 1)]);
    await client.waitForEvents(2);
    expect(await client.call('unsubscribe', { tenant: 'acme', topics: ['blfs'] })).toEqual({ ok: true });
    await h.publish('acme', [blf('100', 'idle'), queue('q1', 2)]);
    await client.waitForEvents(3);
    expect(await client.call('unsubscribe', { tenant: 'acme' })).toEqual({ ok: true });
    await h.publish('acme', [blf('100'), queue('q1', 3)]);
    await sleep(100);
    expect(client.events.map((e) => (e as BridgeEvent).seq)).toEqual([1, 2, 4]);
  });

  it('needs events:read', async () => {
    const client = await connect(TOKENS.noRead);
    const ack = await client.call('subscribe', { tenant: 'acme' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'forbidden', retryable: false } });
  });
});

describe('tenant isolation', () => {
  let h: Harness;
  const clients: BridgeClient[] = [];
  beforeEach(async () => {
    h = await startServer();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await h.close();
  });

  it('answers forbidden, identically, for a tenant not held and one that does not exist', async () => {
    await h.publish('globex', [blf('200')]);
    const client = await connectClient(h.url, TOKENS.acme);
    clients.push(client);
    const existing = await client.call<{ ok: false; error: { code: string; message: string } }>('subscribe', { tenant: 'globex' });
    const missing = await client.call<{ ok: false; error: { code: string; message: string } }>('subscribe', { tenant: 'initech' });
    expect(existing.error.code).toBe('forbidden');
    expect(missing.error.code).toBe('forbidden');
    expect(existing.error.message.replace('globex', 'X')).toBe(missing.error.message.replace('initech', 'X'));
    expect(await client.call('unsubscribe', { tenant: 'globex' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it("never delivers another tenant's events", async () => {
    const acme = await connectClient(h.url, TOKENS.acme);
    const globex = await connectClient(h.url, TOKENS.globex);
    clients.push(acme, globex);
    await acme.call('subscribe', { tenant: 'acme' });
    await globex.call('subscribe', { tenant: 'globex' });
    await h.publish('globex', [blf('200'), blf('201')]);
    await h.publish('acme', [blf('100')]);
    await globex.waitForEvents(2);
    await acme.waitForEvents(1);
    await sleep(50);
    expect(acme.events.map((e) => e.tenant)).toEqual(['acme']);
    expect(globex.events.map((e) => e.tenant)).toEqual(['globex', 'globex']);
  });
});
