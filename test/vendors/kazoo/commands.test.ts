/**
 * Commands send exactly the expected crossbar requests, map the answers (202 -> success,
 * crossbar envelopes -> vendor_error / not_found with the vendor's message), and give the
 * command layer a hint that links the resulting call or agent event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isBridgeError, type BridgeError } from '../../../src/errors.js';
import type { ValidatedCommand } from '../../../src/protocol/commands.js';
import type { CommandOutcome } from '../../../src/sources/source.js';
import type { CrossbarRequestRecord } from '../../../src/simulators/kazoo/index.js';
import { waitFor } from '../../support/wait-for.js';
import { TENANT, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const run = (command: ValidatedCommand): Promise<CommandOutcome> => h!.source.execute(command, { signal: AbortSignal.timeout(3_000) });
const fail = async (command: ValidatedCommand): Promise<BridgeError> => {
  const err = await run(command).catch((e: unknown) => e);
  if (!isBridgeError(err)) throw new Error(`expected a BridgeError, got ${String(err)}`);
  return err;
};
/** Crossbar requests other than logins and polls: what the command itself sent. */
const sentBy = (mark: number): CrossbarRequestRecord[] => h!.sim.requests.slice(mark).filter((r) => r.method === 'POST');

describe('kazoo commands', () => {
  it('dial -> one blocking quickcall POST carrying the command id, linked to the call it makes', async () => {
    h = await startHarness();
    await h.ready();
    const device = h.sim.deviceIds[0] as string;
    const mark = h.sim.requests.length;
    const outcome = await run({ id: 'cmd-dial-1', tenant: TENANT, type: 'dial', args: { from: device, to: '33170200258', timeoutSec: 20, callerId: '0170200258' } });
    const sent = sentBy(mark);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: 'POST',
      path: `/v2/accounts/${h.sim.accountId}/devices/${device}/quickcall/33170200258`,
      body: { data: { custom_application_vars: { callbridge_command_id: 'cmd-dial-1' }, timeout: 20, 'cid-number': '0170200258' } },
      hadToken: true,
      status: 202,
    });
    expect(outcome.result.callId).toMatch(/-quickcall$/);
    // The hint matches the legs the quickcall produced, through the CAV echoed on each leg.
    const hint = outcome.observe;
    expect(hint?.topic).toBe('channels');
    const deviceLeg = await h.events.next((e) => e.type === 'channel.created' && e.key === outcome.result.callId);
    expect(hint?.matches(deviceLeg.data, deviceLeg.key)).toBe(true);
    expect(deviceLeg.data).toMatchObject({ calleeNumber: '1001', callerNumber: '0170200258', direction: 'outbound' });
    const numberLeg = await h.events.next((e) => e.type === 'channel.created' && e.key !== outcome.result.callId && e.data.calleeNumber === '33170200258');
    expect(hint?.matches(numberLeg.data, numberLeg.key)).toBe(true);
    const other = h.sim.model.startCall({ from: device, to: '1002' });
    const unrelated = await h.events.next((e) => e.type === 'channel.created' && e.key === other.a.uuid);
    expect(hint?.matches(unrelated.data, unrelated.key)).toBe(false);
  });

  it('dial via users, and the refusals that never reach Kazoo', async () => {
    h = await startHarness({ config: { quickcallVia: 'users' } });
    const user = h.sim.userIds[0] as string;
    const mark = h.sim.requests.length;
    await run({ id: 'cmd-dial-2', tenant: TENANT, type: 'dial', args: { from: user, to: '1003' } });
    expect(sentBy(mark)[0]?.path).toBe(`/v2/accounts/${h.sim.accountId}/users/${user}/quickcall/1003`);
    expect((await fail({ id: 'x', tenant: TENANT, type: 'dial', args: { from: '1001', to: '1003' } })).code).toBe('invalid_argument');
    expect((await fail({ id: 'y', tenant: TENANT, type: 'dial', args: { from: user, to: '1003', record: true } })).code).toBe('unsupported');
    expect((await fail({ id: 'z', tenant: TENANT, type: 'attended_transfer', args: { channel: 'c', to: '1' } })).code).toBe('unsupported');
    expect(sentBy(mark)).toHaveLength(1);
  });

  it('dial errors: unknown device -> not_found, dead device -> vendor_error with the reason', async () => {
    h = await startHarness();
    const unknown = await fail({ id: 'd1', tenant: TENANT, type: 'dial', args: { from: 'f'.repeat(32), to: '1002' } });
    expect(unknown.code).toBe('not_found');
    const device = h.sim.model.devices.get(h.sim.deviceIds[3] as string);
    if (device) device.reachable = false;
    const dead = await fail({ id: 'd2', tenant: TENANT, type: 'dial', args: { from: h.sim.deviceIds[3] as string, to: '1002' } });
    expect(dead.code).toBe('vendor_error');
    expect(dead.message).toBe('Kazoo: quickcall initiation failed; DESTINATION_OUT_OF_ORDER');
  });

  it('hangup -> POST channels/{id} {action: hangup}; 202 is success and the call ends', async () => {
    h = await startHarness();
    await h.ready();
    const { a, b } = h.sim.model.startCall({ from: h.sim.deviceIds[0] as string, to: '33170200258' });
    await h.events.next((e) => e.key === b.uuid && e.type === 'channel.created');
    const mark = h.sim.requests.length;
    const outcome = await run({ id: 'h1', tenant: TENANT, type: 'hangup', args: { channel: a.uuid } });
    expect(outcome.result).toEqual({ channel: a.uuid, status: 'hangup initiated' });
    expect(sentBy(mark)).toEqual([expect.objectContaining({ path: `/v2/accounts/${h.sim.accountId}/channels/${a.uuid}`, body: { data: { action: 'hangup' } }, status: 202 })]);
    await h.events.next((e) => e.key === a.uuid && e.type === 'channel.hungup');
    const gone = await fail({ id: 'h2', tenant: TENANT, type: 'hangup', args: { channel: a.uuid } });
    expect(gone.code).toBe('not_found');
  });

  it('transfer -> POST {action: transfer, target, transfer-type}; validation errors carry their message', async () => {
    h = await startHarness();
    await h.ready();
    const model = h.sim.model;
    const { a, b } = model.startCall({ from: h.sim.deviceIds[0] as string, to: '33170200258' });
    model.answer(a.uuid);
    const mark = h.sim.requests.length;
    await run({ id: 't1', tenant: TENANT, type: 'transfer', args: { channel: a.uuid, to: '1003' } });
    expect(sentBy(mark)).toEqual([
      expect.objectContaining({ body: { data: { action: 'transfer', target: '1003', 'transfer-type': 'blind' } }, status: 202 }),
    ]);
    // The far leg is now connected to a new leg ringing 1003; the transferred leg left.
    await h.events.next((e) => e.key === a.uuid && e.type === 'channel.hungup');
    await waitFor(async () => [...(await h!.channels()).values()].some((c) => c.calleeNumber === '1003' && c.linkedKey === b.uuid));

    const lone = model.quickcallLeg({ accountId: h.sim.accountId, device: model.devices.get(h.sim.deviceIds[1] as string)!, number: '1004', cav: {} });
    const err = await fail({ id: 't2', tenant: TENANT, type: 'transfer', args: { channel: lone.uuid, to: '1003' } });
    expect(err.code).toBe('vendor_error');
    expect(err.message).toBe('Kazoo: invalid data; other_leg_call_id: Channel is not bridged');
    expect((await fail({ id: 't3', tenant: TENANT, type: 'transfer', args: { channel: b.uuid, to: '1', extraChannel: 'x' } })).code).toBe('unsupported');
  });

  it('agent.pause -> status pause with the configured integer timeout; agent.unpause -> resume', async () => {
    h = await startHarness({ config: { pauseTimeoutSec: 900 } });
    await h.ready();
    const [agent] = h.sim.userIds as [string];
    const queue = h.sim.queueIds[0] as string;
    await waitFor(async () => (await h!.bus.entities(TENANT, 'agents', 'kazoo-test')).size === 4);
    const mark = h.sim.requests.length;
    const paused = await run({ id: 'p1', tenant: TENANT, type: 'agent.pause', args: { queue, agent, reason: 'lunch' } });
    expect(sentBy(mark)).toEqual([
      expect.objectContaining({ path: `/v2/accounts/${h.sim.accountId}/agents/${agent}/status`, body: { data: { status: 'pause', timeout: 900 } }, status: 200 }),
    ]);
    expect(paused.result).toEqual({ agent, status: 'status update sent' });
    const event = await h.events.next((e) => e.type === 'agent.paused' && e.key === `${queue}/${agent}`);
    expect(paused.observe?.matches(event.data, event.key)).toBe(true);
    expect(event.data).toMatchObject({ queue, agent, status: 'paused', paused: true, name: 'Alice Martin' });

    const mark2 = h.sim.requests.length;
    const resumed = await run({ id: 'p2', tenant: TENANT, type: 'agent.unpause', args: { queue, agent } });
    expect(sentBy(mark2)).toEqual([expect.objectContaining({ body: { data: { status: 'resume' } } })]);
    const back = await h.events.next((e) => e.type === 'agent.unpaused' && e.key === `${queue}/${agent}`);
    expect(resumed.observe?.matches(back.data, back.key)).toBe(true);
    expect((await fail({ id: 'p3', tenant: TENANT, type: 'agent.pause', args: { queue, agent: 'nobody' } })).code).toBe('not_found');
  });

  it('a command whose login fails is unavailable (not sent), never timeout', async () => {
    h = await startHarness({ start: false });
    h.sim.flags.apiAuthStatus = 500;
    const mark = h.sim.requests.length;
    const err = await fail({ id: 'l1', tenant: TENANT, type: 'hangup', args: { channel: 'abc' } });
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe('Kazoo login failed (Kazoo answered HTTP 500); the command was not sent');
    expect(sentBy(mark)).toEqual([]);
  });
});
