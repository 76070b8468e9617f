/**
 * Commands through the client against a real bridge and the MiRTA simulator: typed results,
 * lifecycle updates, coded refusals, and a retry after a dropped connection that reaches the PBX
 * once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbridgeError, connect, newCommandId, type CallbridgeClient, type CommandUpdateEvent } from '../../src/client/index.js';
import { E2E_TOKENS, startTestBridge, type TestBridge } from '../support/test-bridge.js';
import { waitFor } from '../support/wait-for.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

describe('client commands', () => {
  let t: TestBridge;
  let proxy: TcpProxy;
  let cb: CallbridgeClient;
  beforeAll(async () => {
    t = await startTestBridge();
    proxy = await startTcpProxy(t.bridge.port);
    cb = connect(proxy.url, { token: E2E_TOKENS.admin, tenants: ['demo'], topics: ['agents', 'channels'], reconnectDelayMs: 30, reconnectDelayMaxMs: 100 });
    await cb.ready();
    await waitFor(() => cb.state.agents.size > 0);
  });
  afterAll(async () => {
    cb.close();
    await proxy.close();
    await t.close();
  });

  it('pauses an agent: the result, the lifecycle updates, and the change in the mirror', async () => {
    const updates: CommandUpdateEvent[] = [];
    const all: string[] = [];
    const off = cb.on('command', (update) => all.push(update.key));
    const id = newCommandId();
    const result = await cb.command('agent.pause', { queue: '281', agent: '103', reason: 'Lunch' }, { id, onUpdate: (u) => updates.push(u) });
    expect(result).toEqual(expect.any(Object));
    expect(t.sim.requests.last('AGENT')?.query).toMatchObject({ action: 'pause', queue: '281', extension: '103-DEMO', pausereason: 'Lunch' });
    await waitFor(() => cb.state.agents.get('281/103-DEMO')?.paused === true);
    await waitFor(() => updates.some((u) => u.data.state === 'observed'));
    expect(updates.map((u) => u.data.state)).toEqual(['queued', 'sent', 'succeeded', 'observed']);
    expect(updates.every((u) => u.key === id)).toBe(true);
    expect(all.filter((key) => key === id)).toHaveLength(4);
    off();
  });

  it('dials and resolves with the call id; a refusal rejects with its code', async () => {
    const { callId } = await cb.command('dial', { from: '100', to: '33170200258' });
    expect(callId).toMatch(/^[0-9a-f]{14}$/);
    const refused = cb.command('dial', { from: '999', to: '33170200258' });
    await expect(refused).rejects.toBeInstanceOf(CallbridgeError);
    await expect(refused).rejects.toMatchObject({ code: 'vendor_error', retryable: false });
  });

  it('resends a command whose connection dropped before the ack, with the same id: the PBX sees it once', async () => {
    t.sim.faults.arm({ kind: 'hang', reqtype: 'DIAL', delayMs: 700, times: 1 });
    const before = t.sim.requests.count('DIAL');
    const connections = proxy.connections;
    const id = newCommandId();
    const pending = cb.command('dial', { from: '101', to: '33170200258' }, { id });
    // The PBX has the request and is slow to answer: drop the client's connection now.
    await waitFor(() => t.sim.requests.count('DIAL') === before + 1);
    proxy.cut();
    const { callId } = await pending;
    expect(callId).toMatch(/^[0-9a-f]{14}$/);
    expect(proxy.connections).toBeGreaterThan(connections);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(t.sim.requests.count('DIAL')).toBe(before + 1);
    // The bridge saw the id twice: the first request, and the resend that shared its outcome.
    const audits = t.logs
      .lines()
      .map((line) => JSON.parse(line) as { audit?: string; commandId?: string; replayed?: boolean })
      .filter((line) => line.audit === 'command' && line.commandId === id);
    expect(audits).toHaveLength(2);
    expect(audits.filter((line) => line.replayed === true)).toHaveLength(1);
  });

  it('rejects a command it could not send in time as unavailable, and one sent without an answer as timeout', async () => {
    proxy.block();
    await waitFor(() => cb.status.state === 'offline');
    const unsent = cb.command('flow.set', { number: '700', state: 'INUSE' }, { timeoutMs: 150 });
    await expect(unsent).rejects.toMatchObject({ code: 'unavailable', retryable: true });
    proxy.unblock();
    await cb.ready();
    t.sim.faults.arm({ kind: 'hang', reqtype: 'SETFLOW', delayMs: 1_000, times: 1 });
    const unanswered = cb.command('flow.set', { number: '701', state: 'INUSE' }, { timeoutMs: 300 });
    await expect(unanswered).rejects.toMatchObject({ code: 'timeout', retryable: false });
  });
});
