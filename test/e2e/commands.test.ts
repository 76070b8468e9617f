/**
 * Commands end to end: socket.io / REST -> validation, idempotency, the source's rate limit ->
 * the MiRTA simulator over HTTP -> its effect seen by the pollers and linked as `observed`.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandUpdateEvent } from '../../src/protocol/events.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { E2E_TOKENS, startTestBridge, type TestBridge } from '../support/test-bridge.js';
import { waitFor } from '../support/wait-for.js';

interface Ack {
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string; retryable: boolean };
}

const updates = (client: BridgeClient, id: string): CommandUpdateEvent[] =>
  client.events.filter((e): e is CommandUpdateEvent => e.type === 'command.updated' && e.key === id);

async function rest(t: TestBridge, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Ack; retryAfter: string | null }> {
  const response = await fetch(`${t.url}/v1/tenants/demo/commands`, {
    method: 'POST',
    headers: { authorization: `Bearer ${E2E_TOKENS.admin}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Ack, retryAfter: response.headers.get('retry-after') };
}

describe('commands through MiRTA', () => {
  let t: TestBridge;
  const clients: BridgeClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await t?.close();
  });
  async function client(token: string = E2E_TOKENS.admin): Promise<BridgeClient> {
    const c = await connectClient(t.url, token);
    clients.push(c);
    return c;
  }

  it('dials: one DIAL at the PBX, lifecycle queued -> sent -> succeeded -> observed, and the call on the bus', async () => {
    t = await startTestBridge();
    const c = await client();
    await c.call('subscribe', { tenant: 'demo', topics: ['channels'] });
    const id = randomUUID();
    const command = { id, tenant: 'demo', type: 'dial', args: { from: '100', to: '33170200258' } };
    const ack = await c.call<Ack>('command', command);
    expect(ack.ok).toBe(true);
    expect(String(ack.result?.callId)).toMatch(/^[0-9a-f]{14}$/);

    const dials = t.sim.requests.filter('DIAL');
    expect(dials).toHaveLength(1);
    expect(dials[0]?.query).toMatchObject({ reqtype: 'DIAL', tenant: 'DEMO', source: '100', dest: '33170200258' });

    await waitFor(() => updates(c, id).some((u) => u.data.state === 'observed'), { timeout: 5_000 });
    const states = updates(c, id).map((u) => u.data.state);
    expect(states).toEqual(['queued', 'sent', 'succeeded', 'observed']);
    const observed = updates(c, id).at(-1)?.data.observed;
    expect(observed?.topic).toBe('channels');
    expect(c.events.some((e) => e.type === 'channel.created' && e.key === observed?.key)).toBe(true);
    expect(updates(c, id).every((u) => !('seq' in u))).toBe(true);

    // The same id and body again: the first answer, and no second call at the PBX.
    const again = await c.call<Ack>('command', command);
    expect(again).toEqual(ack);
    expect(t.sim.requests.count('DIAL')).toBe(1);
    const other = await c.call<Ack>('command', { ...command, args: { from: '101', to: '33170200258' } });
    expect(other.error?.code).toBe('duplicate');
  });

  it('pauses and unpauses an agent, switches a flow and hangs up, each as the exact MiRTA request', async () => {
    t = await startTestBridge();
    const c = await client();
    await c.call('subscribe', { tenant: 'demo', topics: ['agents', 'flows', 'channels'] });
    const pause = await c.call<Ack>('command', { id: randomUUID(), tenant: 'demo', type: 'agent.pause', args: { queue: '281', agent: '103', reason: 'Lunch' } });
    expect(pause.ok).toBe(true);
    expect(t.sim.requests.last('AGENT')?.query).toMatchObject({ action: 'pause', queue: '281', extension: '103-DEMO', pausereason: 'Lunch', tenant: 'DEMO' });
    await waitFor(() => c.events.some((e) => e.type === 'agent.paused' && e.key === '281/103-DEMO'));

    const unpause = await c.call<Ack>('command', { id: randomUUID(), tenant: 'demo', type: 'agent.unpause', args: { queue: '281', agent: '103-DEMO' } });
    expect(unpause.ok).toBe(true);
    expect(t.sim.requests.last('AGENT')?.query).toMatchObject({ action: 'unpause', queue: '281', extension: '103-DEMO' });
    await waitFor(() => c.events.some((e) => e.type === 'agent.unpaused' && e.key === '281/103-DEMO'));

    const flow = await c.call<Ack>('command', { id: randomUUID(), tenant: 'demo', type: 'flow.set', args: { number: '700', state: 'INUSE' } });
    expect(flow.ok).toBe(true);
    expect(t.sim.requests.last('SETFLOW')?.query).toMatchObject({ number: '700', state: 'INUSE', tenant: 'DEMO' });
    await waitFor(() => c.events.some((e) => e.type === 'flow.changed' && e.key === '700'));

    const call = t.sim.model.startCall({ tenant: 'DEMO', from: '104', to: '105' });
    await waitFor(() => c.events.some((e) => e.type === 'channel.created' && e.key === call.aLeg));
    const hangup = await c.call<Ack>('command', { id: randomUUID(), tenant: 'demo', type: 'hangup', args: { channel: call.aLeg } });
    expect(hangup.ok).toBe(true);
    expect(t.sim.requests.last('HANGUP')?.query).toMatchObject({ channel: call.aLeg, tenant: 'DEMO' });
    await waitFor(() => c.events.some((e) => e.type === 'channel.hungup' && e.key === call.aLeg));

    const unknown = await c.call<Ack>('command', { id: randomUUID(), tenant: 'demo', type: 'hangup', args: { channel: 'SIP/999-DEMO-00000fff' } });
    expect(unknown.error?.code).toBe('vendor_error');
    expect(unknown.error?.message).toContain('No such channel');
  });

  it('never lets more than perSecond commands reach the PBX in any rolling second', async () => {
    t = await startTestBridge({
      source: {
        // Slow polls so the budget is the commands' alone; the window is what is measured.
        poll: { peers: '1m', channels: '1m', blfs: '1m', flows: '1m', agents: '1m', queues: '1m', extensions: '1m' },
        limits: { concurrency: 5, perSecond: 5, queue: 100, timeout: '20s' },
      },
    });
    await waitFor(() => t.bridge.sources.get('mirta-e2e')?.status === 'up');
    t.sim.requests.clear();
    const acks = await Promise.all(
      Array.from({ length: 30 }, (_, i) => rest(t, { type: 'flow.set', args: { number: '701', value: String(i) } }, { 'idempotency-key': randomUUID() })),
    );
    expect(acks.every((a) => a.status === 200 && a.body.ok)).toBe(true);
    const times = t.sim.requests.filter('SETFLOW').map((r) => r.at);
    expect(times).toHaveLength(30);
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((at) => at >= (times[i] ?? 0) && at < (times[i] ?? 0) + 1_000).length;
      expect(inWindow).toBeLessThanOrEqual(5);
    }
  }, 20_000);

  it('answers rate_limited at once when the queue is full', async () => {
    // One slot, held by a hung request: two commands may wait, the rest are refused at once.
    t = await startTestBridge({ source: { limits: { concurrency: 1, perSecond: 50, queue: 2, timeout: '10s' } } });
    t.sim.faults.arm({ kind: 'hang', reqtype: 'SETFLOW', delayMs: 1_500, times: 1 });
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => rest(t, { type: 'flow.set', args: { number: '701', value: 'x' } }, { 'idempotency-key': randomUUID() })),
    );
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]?.body.error).toMatchObject({ code: 'rate_limited', retryable: true });
    expect(limited[0]?.retryAfter).not.toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('maps a refusal to vendor_error, a dead PBX to unavailable and a hanging one to timeout, never retried', async () => {
    t = await startTestBridge({ source: { limits: { concurrency: 2, perSecond: 50, queue: 10, timeout: '800ms' } } });
    const refused = await rest(t, { type: 'dial', args: { from: '999', to: '33170200258' } }, { 'idempotency-key': randomUUID() });
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: 'vendor_error', retryable: false });
    expect(refused.body.error?.message).toContain('Extension does not exist');

    t.sim.faults.arm({ kind: 'hang', reqtype: 'DIAL', times: 1 });
    const before = t.sim.requests.count('DIAL');
    const hung = await rest(t, { type: 'dial', args: { from: '100', to: '33170200258' } }, { 'idempotency-key': randomUUID() });
    expect(hung.status).toBe(504);
    expect(hung.body.error).toMatchObject({ code: 'timeout', retryable: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(t.sim.requests.count('DIAL')).toBe(before + 1);

    await t.sim.close();
    const down = await rest(t, { type: 'dial', args: { from: '100', to: '33170200258' } }, { 'idempotency-key': randomUUID() });
    expect(down.status).toBe(503);
    expect(down.body.error).toMatchObject({ code: 'unavailable', retryable: true });
  });

  it('refuses a reader token (forbidden) and hostile payloads (invalid_argument) and keeps serving', async () => {
    t = await startTestBridge();
    const reader = await client(E2E_TOKENS.reader);
    const denied = await reader.call<Ack>('command', { id: randomUUID(), tenant: 'demo', type: 'dial', args: { from: '100', to: '101' } });
    expect(denied.error?.code).toBe('forbidden');
    const c = await client();
    const hostile: unknown[] = [
      'dial',
      { id: randomUUID(), tenant: 'demo', type: 'dial', args: { from: 100, to: '101' } },
      { id: randomUUID(), tenant: 'demo', type: 'reboot_everything', args: {} },
      { id: randomUUID(), tenant: 'demo', type: 'dial', args: { from: '100', to: '101', extra: 1 } },
      JSON.parse('{"id":"x1","tenant":"demo","type":"dial","args":{"from":"100","to":"101","__proto__":{"polluted":true}}}'),
      { id: 'x'.repeat(129), tenant: 'demo', type: 'dial', args: { from: '100', to: '101' } },
    ];
    for (const payload of hostile) {
      const ack = await c.call<Ack>('command', payload);
      expect(ack.error?.code).toBe('invalid_argument');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(t.sim.requests.count('DIAL')).toBe(0);
    const fine = await c.call<Ack>('command', { id: randomUUID(), tenant: 'demo', type: 'flow.set', args: { number: '702', state: 'INUSE' } });
    expect(fine.ok).toBe(true);
  });
});
