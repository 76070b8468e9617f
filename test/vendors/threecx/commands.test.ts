/**
 * Commands send exactly the expected Call Control requests, map the answers (`finalstatus`
 * Success -> success, Failed/Rejected -> vendor_error with 3CX's reasontext, 404 -> not_found),
 * and the calls they make or end show up as channel events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isBridgeError, type BridgeError } from '../../../src/errors.js';
import type { ValidatedCommand } from '../../../src/protocol/commands.js';
import type { CommandOutcome } from '../../../src/sources/source.js';
import type { ThreeCxLoggedRequest } from '../../../src/simulators/threecx/index.js';
import { waitFor } from '../../support/wait-for.js';
import { TENANT, startHarness, typesOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const run = (command: ValidatedCommand): Promise<CommandOutcome> => h!.source.execute(command, { signal: AbortSignal.timeout(5_000) });
const fail = async (command: ValidatedCommand): Promise<BridgeError> => {
  const err = await run(command).catch((e: unknown) => e);
  if (!isBridgeError(err)) throw new Error(`expected a BridgeError, got ${String(err)}`);
  return err;
};
/** What the command itself sent: POSTs other than token requests. */
const sentBy = (mark: number): ThreeCxLoggedRequest[] => h!.sim.requests.since(mark).filter((r) => r.method === 'POST' && r.path !== '/connect/token');

describe('3cx commands: dial', () => {
  it('makecall through the DN’s device, with the destination; the new call is observed and answered', async () => {
    // Answered by hand: a call answered before the bridge read it would be first seen `up`.
    h = await startHarness({ sim: { answerMs: -1 } });
    await h.ready();
    const mark = h.sim.requests.length;
    const outcome = await run({ id: 'cmd-dial-1', tenant: TENANT, type: 'dial', args: { from: '100', to: '33170200258', timeoutSec: 25 } });
    expect(sentBy(mark)).toEqual([
      expect.objectContaining({
        path: '/callcontrol/100/devices/sip%3A100%40192.0.2.10%3A5062/makecall',
        body: { destination: '33170200258', timeout: 25 },
        hadToken: true,
        status: 200,
      }),
    ]);
    const participant = h.sim.model.participants().find((p) => p.party_caller_id === '33170200258');
    const key = `100/${participant!.id}`;
    expect(outcome.result).toEqual({ status: 'makecall started', dn: '100', device: 'sip:100@192.0.2.10:5062', callId: key });
    const created = await h.events.next((e) => e.type === 'channel.created' && e.key === key);
    expect(created.data).toMatchObject({ state: 'dialing', direction: 'outbound', callerNumber: '100', calleeNumber: '33170200258' });
    expect(outcome.observe?.topic).toBe('channels');
    expect(outcome.observe?.matches(created.data, created.key)).toBe(true);
    h.sim.model.answerCall(participant!.callid);
    await h.events.next((e) => e.type === 'channel.updated' && e.key === key && e.data.state === 'up');
    const other = h.sim.model.incomingCall({ from: '33100000000', to: '101' })!;
    const unrelated = await h.events.next((e) => e.type === 'channel.created' && e.key === `101/${other.id}`);
    expect(outcome.observe?.matches(unrelated.data, unrelated.key)).toBe(false);
  });

  it('an internal dial: the callee’s ringing channel belongs to the command too', async () => {
    h = await startHarness({ sim: { answerMs: -1 } });
    await h.ready();
    const outcome = await run({ id: 'cmd-dial-2', tenant: TENANT, type: 'dial', args: { from: '102', to: '101' } });
    const ringing = await h.events.next((e) => e.type === 'channel.created' && e.data.peer === '101');
    expect(ringing.data).toMatchObject({ state: 'ringing', callerNumber: '102', linkedKey: outcome.result.callId });
    expect(outcome.observe?.matches(ringing.data, ringing.key)).toBe(true);
  });

  it('dialVia dn, and a route point without devices, use the DN makecall', async () => {
    h = await startHarness({ config: { dialVia: 'dn' } });
    await h.ready();
    const mark = h.sim.requests.length;
    await run({ id: 'd1', tenant: TENANT, type: 'dial', args: { from: '101', to: '102' } });
    await run({ id: 'd2', tenant: TENANT, type: 'dial', args: { from: '800', to: '33170200258' } });
    expect(sentBy(mark).map((r) => [r.path, r.body])).toEqual([
      ['/callcontrol/101/makecall', { destination: '102' }],
      ['/callcontrol/800/makecall', { destination: '33170200258' }],
    ]);
  });

  it('refusals: Failed finalstatus -> vendor_error with the reason, unknown DN -> not_found, unsupported args never sent', async () => {
    h = await startHarness();
    await h.ready();
    const mark = h.sim.requests.length;
    const offline = await fail({ id: 'r1', tenant: TENANT, type: 'dial', args: { from: '104', to: '100' } });
    expect(offline.code).toBe('vendor_error');
    expect(offline.message).toBe('3CX: makecall failed: DN 104 has no registered device');
    const invalid = await fail({ id: 'r2', tenant: TENANT, type: 'dial', args: { from: '100', to: 'abc' } });
    expect(invalid).toMatchObject({ code: 'vendor_error', message: '3CX: makecall failed: Invalid destination' });
    const unknown = await fail({ id: 'r3', tenant: TENANT, type: 'dial', args: { from: '999', to: '100' } });
    expect(unknown).toMatchObject({ code: 'not_found', message: '3CX has no DN 999' });
    expect(sentBy(mark)).toHaveLength(3);
    expect((await fail({ id: 'r4', tenant: TENANT, type: 'dial', args: { from: '100', to: '101', record: true } })).code).toBe('unsupported');
    expect((await fail({ id: 'r5', tenant: TENANT, type: 'dial', args: { from: '100', to: '101', callerId: '0170200258' } })).code).toBe('unsupported');
    expect((await fail({ id: 'r6', tenant: TENANT, type: 'attended_transfer', args: { channel: '100/1', to: '101' } })).code).toBe('unsupported');
    expect((await fail({ id: 'r7', tenant: TENANT, type: 'agent.pause', args: { queue: 'q', agent: 'a' } })).code).toBe('unsupported');
    expect(sentBy(mark)).toHaveLength(3);
  });
});

describe('3cx commands: hangup and transfer', () => {
  it('hangup -> POST participants/{id}/drop; the call ends for both sides', async () => {
    h = await startHarness();
    await h.ready();
    const made = h.sim.model.makeCall({ from: '100', to: '101' });
    if (!made.ok) throw new Error('makeCall failed');
    const key = `100/${made.participant.id}`;
    await h.events.next((e) => e.type === 'channel.created' && e.key === key);
    const mark = h.sim.requests.length;
    const outcome = await run({ id: 'h1', tenant: TENANT, type: 'hangup', args: { channel: key } });
    expect(outcome.result).toEqual({ channel: key, status: 'dropped' });
    expect(sentBy(mark)).toEqual([expect.objectContaining({ path: `/callcontrol/100/participants/${made.participant.id}/drop`, body: {}, status: 200 })]);
    await h.events.next((e) => e.type === 'channel.hungup' && e.key === key);
    await waitFor(async () => (await h!.channels()).size === 0);
    const gone = await fail({ id: 'h2', tenant: TENANT, type: 'hangup', args: { channel: key } });
    expect(gone).toMatchObject({ code: 'not_found', message: `3CX has no participant ${key}` });
  });

  it('hangup accepts the bare participant id the bridge has seen; an unknown one is not_found unsent', async () => {
    h = await startHarness();
    await h.ready();
    const participant = h.sim.model.incomingCall({ from: '33170200258', to: '103' })!;
    await h.events.next((e) => e.type === 'channel.created' && e.key === `103/${participant.id}`);
    const mark = h.sim.requests.length;
    await run({ id: 'h3', tenant: TENANT, type: 'hangup', args: { channel: String(participant.id) } });
    expect(sentBy(mark).map((r) => r.path)).toEqual([`/callcontrol/103/participants/${participant.id}/drop`]);
    expect((await fail({ id: 'h4', tenant: TENANT, type: 'hangup', args: { channel: '424242' } })).code).toBe('not_found');
    expect((await fail({ id: 'h5', tenant: TENANT, type: 'hangup', args: { channel: 'SIP/1001-0000002a' } })).code).toBe('not_found');
    expect(sentBy(mark)).toHaveLength(1);
  });

  it('transfer -> POST participants/{id}/transferto {destination}; the far party rings the target', async () => {
    h = await startHarness({ sim: { answerMs: -1 } });
    await h.ready();
    const model = h.sim.model;
    const caller = model.incomingCall({ from: '33170200258', to: '100' })!;
    model.answerCall(caller.callid);
    const key = `100/${caller.id}`;
    await waitFor(async () => (await h!.channels()).get(key)?.state === 'up');
    const mark = h.sim.requests.length;
    const outcome = await run({ id: 't1', tenant: TENANT, type: 'transfer', args: { channel: key, to: '102' } });
    expect(outcome.result).toEqual({ channel: key, to: '102', status: 'transfer initiated' });
    expect(sentBy(mark)).toEqual([expect.objectContaining({ path: `/callcontrol/100/participants/${caller.id}/transferto`, body: { destination: '102' }, status: 200 })]);
    await h.events.next((e) => e.type === 'channel.hungup' && e.key === key);
    const target = await h.events.next((e) => e.type === 'channel.created' && e.data.peer === '102');
    expect(target.data).toMatchObject({ state: 'ringing', callerNumber: '33170200258', callId: String(caller.callid) });
    h.sim.model.answerCall(caller.callid);
    await h.events.next((e) => e.type === 'channel.updated' && e.key === target.key && e.data.state === 'up');
    const types = typesOf(h.events.events, key);
    expect(types.filter((t) => t === 'channel.created')).toHaveLength(1);
    expect(types.filter((t) => t === 'channel.hungup')).toHaveLength(1);
    expect(types.at(-1)).toBe('channel.hungup');
  });

  it('transfer refusals: not connected -> vendor_error with the reason; extraChannel -> unsupported', async () => {
    h = await startHarness({ sim: { answerMs: -1 } });
    await h.ready();
    const ringing = h.sim.model.incomingCall({ from: '33170200258', to: '100' })!;
    const key = `100/${ringing.id}`;
    const err = await fail({ id: 't2', tenant: TENANT, type: 'transfer', args: { channel: key, to: '101' } });
    expect(err).toMatchObject({ code: 'vendor_error', message: '3CX: transferto failed: Participant is not connected' });
    expect((await fail({ id: 't3', tenant: TENANT, type: 'transfer', args: { channel: key, to: '101', extraChannel: '101/1' } })).code).toBe('unsupported');
  });
});

describe('3cx commands: transport failures', () => {
  it('a 5xx after sending is timeout (outcome unknown), never retried', async () => {
    h = await startHarness();
    await h.ready();
    h.sim.failNext(500, { path: /\/makecall$/ });
    const mark = h.sim.requests.length;
    const err = await fail({ id: 'f1', tenant: TENANT, type: 'dial', args: { from: '100', to: '101' } });
    expect(err.code).toBe('timeout');
    expect(sentBy(mark)).toHaveLength(1);
  });

  it('a command whose token request fails is unavailable (not sent)', async () => {
    h = await startHarness({ start: false });
    h.sim.setTokenStatus(503);
    const mark = h.sim.requests.length;
    const err = await fail({ id: 'f2', tenant: TENANT, type: 'hangup', args: { channel: '100/1' } });
    expect(err).toMatchObject({ code: 'unavailable', message: '3CX login failed (3CX answered HTTP 503); the command was not sent' });
    expect(sentBy(mark)).toEqual([]);
    h.sim.setTokenStatus(400);
    const refused = await fail({ id: 'f3', tenant: TENANT, type: 'hangup', args: { channel: '100/1' } });
    expect(refused).toMatchObject({ code: 'vendor_error', message: '3CX refused the client credentials (connect/token)' });
  });
});
