/** The socket.io `command` call (protocol §4) and `command.updated` delivery (protocol §3). */
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import type { CommandAck, CommandRequestOptions, CommandService } from '../../src/commands/command-service.js';
import type { CommandUpdateEvent } from '../../src/protocol/events.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { sleep } from '../support/wait-for.js';
import { TOKENS, startServer, type Harness } from './harness.js';

/** Accepts every command, reports `queued` then `succeeded`, and records what it was given. */
class RecordingCommands implements CommandService {
  readonly calls: Array<{ principal: Principal; body: unknown; options: CommandRequestOptions | undefined }> = [];
  async execute(principal: Principal, body: unknown, options?: CommandRequestOptions): Promise<CommandAck> {
    this.calls.push({ principal, body, options });
    const id = (body as { id?: string }).id ?? 'none';
    if (id === 'boom') throw new Error('a bug in the command layer');
    const update = (state: 'queued' | 'succeeded'): CommandUpdateEvent => ({
      tenant: 'acme',
      topic: 'commands',
      type: 'command.updated',
      key: id,
      source: 'pbx-1',
      ts: new Date().toISOString(),
      data: { id, type: 'dial', state },
    });
    options?.notify?.(update('queued'));
    options?.notify?.(update('succeeded'));
    return { ok: true, result: { callId: 'c-1' } };
  }
}

describe('command over socket.io', () => {
  let h: Harness | undefined;
  const clients: BridgeClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await h?.close();
  });

  it('answers unsupported when the bridge has no command service', async () => {
    h = await startServer();
    const client = await connectClient(h.url, TOKENS.admin);
    clients.push(client);
    const ack = await client.call('command', { id: 'x1', tenant: 'acme', type: 'dial', args: { from: '1', to: '2' } });
    expect(ack).toEqual({ ok: false, error: { code: 'unsupported', message: expect.any(String), retryable: false } });
  });

  it('acks with what the service returns and sends command.updated to the caller only', async () => {
    const commands = new RecordingCommands();
    h = await startServer({ commands });
    const caller = await connectClient(h.url, TOKENS.admin);
    const other = await connectClient(h.url, TOKENS.admin);
    clients.push(caller, other);
    await other.call('subscribe', { tenant: 'acme' });
    const body = { id: 'c1', tenant: 'acme', type: 'dial', args: { from: '1001', to: '1002' } };
    const ack = await caller.call('command', body);
    expect(ack).toEqual({ ok: true, result: { callId: 'c-1' } });
    expect(commands.calls[0]?.body).toEqual(body);
    expect(commands.calls[0]?.principal.label).toBe('admin');
    await caller.waitForEvents(2);
    expect(caller.events.map((e) => (e as CommandUpdateEvent).data.state)).toEqual(['queued', 'succeeded']);
    expect(caller.events.every((e) => !('seq' in e))).toBe(true);
    await sleep(50);
    expect(other.events).toHaveLength(0);
  });

  it('turns an unexpected throw into internal with a logged correlation id', async () => {
    h = await startServer({ commands: new RecordingCommands() });
    const client = await connectClient(h.url, TOKENS.admin);
    clients.push(client);
    const ack = await client.call<{ ok: false; error: { code: string; message: string } }>('command', { id: 'boom', tenant: 'acme' });
    expect(ack.error.code).toBe('internal');
    const id = /correlation id ([0-9a-f-]{36})/.exec(ack.error.message)?.[1];
    expect(id).toBeDefined();
    expect(h.logs.some((line) => line.includes(id ?? '?') && line.includes('a bug in the command layer'))).toBe(true);
    expect(ack.error.message).not.toContain('a bug');
    // The socket still works.
    expect(await client.call('subscribe', { tenant: 'acme' })).toMatchObject({ ok: true });
  });
});
