/** MirtaSource.execute against the simulator: the exact query each command sends, and what comes back. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeError } from '../../../src/errors.js';
import type { ValidatedCommand } from '../../../src/protocol/commands.js';
import type { BridgeEvent } from '../../../src/protocol/events.js';
import type { MirtaSimulator } from '../../../src/simulators/mirta/index.js';
import type { CommandOutcome } from '../../../src/sources/source.js';
import { captureLogger } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { startSim, startSource, type SourceHarness } from './harness.js';

const log = captureLogger();
let seq = 0;
const command = (type: string, args: Record<string, unknown>) => ({ id: `cmd-${++seq}`, tenant: 'acme', type, args }) as unknown as ValidatedCommand;
const run = (h: SourceHarness, type: string, args: Record<string, unknown>, signal = AbortSignal.timeout(2_000)) =>
  h.source.execute(command(type, args), { signal });

async function refusal(promise: Promise<unknown>): Promise<BridgeError> {
  try {
    await promise;
  } catch (err) {
    return err as BridgeError;
  }
  throw new Error('expected the command to fail');
}

describe('MirtaSource commands', () => {
  let sim: MirtaSimulator;
  let h: SourceHarness;

  /** The one request of `reqtype` the command sent, without its key (checked separately). */
  function sent(reqtype: string, before: number): Record<string, string> {
    const requests = sim.requests.filter(reqtype).slice(before);
    expect(requests).toHaveLength(1);
    const { key, ...rest } = requests[0]!.query;
    expect(key).toBe(h.key);
    expect(requests[0]!.method).toBe('GET');
    return rest;
  }

  /** Waits for a bus event that the command's hint says is its effect. */
  function observed(outcome: CommandOutcome, from: number): Promise<BridgeEvent> {
    const hint = outcome.observe!;
    return h.events.next((e) => e.topic === hint.topic && hint.matches(e.data as Record<string, unknown>, e.key), { from });
  }

  beforeAll(async () => {
    sim = await startSim();
    h = startSource(sim, log, { poll: { peers: 0, flows: 50, agents: 50, channels: 50 } });
    await h.source.start();
    await h.events.next((e) => e.type === 'source.up');
  });
  afterAll(async () => {
    await h?.stop();
    await sim?.close();
  });

  it('dial sends DIAL once and returns the originate id; the new channel is observed', async () => {
    const before = sim.requests.count('DIAL');
    const mark = h.events.mark();
    const outcome = await run(h, 'dial', { from: '101', to: '102', timeoutSec: 20, record: false });
    expect(sent('DIAL', before)).toEqual({
      reqtype: 'DIAL',
      tenant: 'DEMO',
      source: '101',
      dest: '102',
      dialtimeout: '20',
      recording: 'no',
      format: 'json',
    });
    expect(outcome.result.callId).toMatch(/^[0-9a-f]{14}$/);
    const channel = await observed(outcome, mark);
    expect(channel.data).toMatchObject({ peer: '101-DEMO' });

    const hangupBefore = sim.requests.count('HANGUP');
    const hangup = await run(h, 'hangup', { channel: channel.key });
    expect(sent('HANGUP', hangupBefore)).toEqual({ reqtype: 'HANGUP', tenant: 'DEMO', channel: channel.key, format: 'json' });
    expect(hangup.result).toEqual({ message: 'Channel Hungup' });
    await h.events.next((e) => e.type === 'channel.hungup' && e.key === channel.key, { from: mark });
  });

  it('transfer and attended_transfer send the channel and the destination', async () => {
    const { aLeg, bLeg } = sim.model.startCall({ tenant: 'DEMO', from: '100', to: '103' });
    sim.model.answerCall(bLeg!);
    await waitFor(async () => (await h.bus.entities('acme', 'channels')).get(aLeg)?.state === 'up');

    let before = sim.requests.count('ATXTRANSFER');
    await run(h, 'attended_transfer', { channel: bLeg, to: '104' });
    expect(sent('ATXTRANSFER', before)).toEqual({ reqtype: 'ATXTRANSFER', tenant: 'DEMO', channel: bLeg, dest: '104', format: 'json' });

    before = sim.requests.count('TRANSFER');
    const mark = h.events.mark();
    const outcome = await run(h, 'transfer', { channel: aLeg, to: '105' });
    expect(sent('TRANSFER', before)).toEqual({ reqtype: 'TRANSFER', tenant: 'DEMO', channel: aLeg, dest: '105', format: 'json' });
    const target = await observed(outcome, mark);
    expect(target.data).toMatchObject({ peer: '105-DEMO' });
    for (const leg of sim.model.channels({ tenant: 'DEMO' })) sim.model.hangupChannel(leg.name);
  });

  it('agent.pause / agent.unpause send <ext>-<TENANT> and are observed on queue/agent', async () => {
    let before = sim.requests.count('AGENT');
    let mark = h.events.mark();
    const pause = await run(h, 'agent.pause', { queue: '281', agent: '103', reason: 'Break' });
    expect(sent('AGENT', before)).toEqual({
      reqtype: 'AGENT',
      tenant: 'DEMO',
      action: 'pause',
      queue: '281',
      extension: '103-DEMO',
      pausereason: 'Break',
      format: 'json',
    });
    expect((await observed(pause, mark)).type).toBe('agent.paused');

    before = sim.requests.count('AGENT');
    mark = h.events.mark();
    const unpause = await run(h, 'agent.unpause', { queue: '281', agent: '103-DEMO' });
    expect(sent('AGENT', before)).toEqual({ reqtype: 'AGENT', tenant: 'DEMO', action: 'unpause', queue: '281', extension: '103-DEMO', format: 'json' });
    expect((await observed(unpause, mark)).key).toBe('281/103-DEMO');
  });

  it('flow.set sends SETFLOW and is observed as flow.changed', async () => {
    const before = sim.requests.count('SETFLOW');
    const mark = h.events.mark();
    const outcome = await run(h, 'flow.set', { number: '701', state: 'INUSE' });
    expect(sent('SETFLOW', before)).toEqual({ reqtype: 'SETFLOW', tenant: 'DEMO', number: '701', state: 'INUSE', format: 'json' });
    const flow = await observed(outcome, mark);
    expect(flow).toMatchObject({ type: 'flow.changed', key: '701' });
  });

  it("passes the PBX's refusal on as vendor_error", async () => {
    const err = await refusal(run(h, 'hangup', { channel: 'SIP/100-DEMO-0000dead' }));
    expect(err).toMatchObject({ code: 'vendor_error', message: 'No such channel' });
    const dial = await refusal(run(h, 'dial', { from: '999', to: '102' }));
    expect(dial).toMatchObject({ code: 'vendor_error', message: 'Extension does not exist.' });
  });

  it('honours the signal: a hanging DIAL is a timeout, sent once, never retried', async () => {
    const before = sim.requests.count('DIAL');
    sim.faults.arm({ kind: 'hang', reqtype: 'DIAL' });
    const err = await refusal(run(h, 'dial', { from: '101', to: '102' }, AbortSignal.timeout(150)));
    expect(err.code).toBe('timeout');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.requests.count('DIAL') - before).toBe(1);
  });

  it('a reset connection is a timeout (the call may exist), HTTP 500 too, never retried', async () => {
    const before = sim.requests.count('DIAL');
    sim.faults.arm({ kind: 'reset', reqtype: 'DIAL' });
    expect((await refusal(run(h, 'dial', { from: '101', to: '102' }))).code).toBe('timeout');
    sim.faults.arm({ kind: 'http500', reqtype: 'DIAL' });
    expect((await refusal(run(h, 'dial', { from: '101', to: '102' }))).code).toBe('timeout');
    sim.faults.arm({ kind: 'http429', reqtype: 'DIAL', retryAfterSec: 3 });
    expect(await refusal(run(h, 'dial', { from: '101', to: '102' }))).toMatchObject({ code: 'unavailable', retryAfterSec: 3 });
    expect(sim.requests.count('DIAL') - before).toBe(3);
  });

  it('a read-only key is refused without echoing any key', async () => {
    const ro = startSource(sim, log, { key: sim.keys.tenants.DEMO!.ro, poll: { peers: 0, channels: 0, flows: 0, agents: 0 } });
    try {
      const err = await refusal(run(ro, 'dial', { from: '101', to: '102' }));
      expect(err).toMatchObject({ code: 'vendor_error', message: 'authentication refused by the PBX' });
    } finally {
      await ro.stop();
    }
  });

  it('never logs a key', () => {
    expect(log.text()).toContain('mirta command');
    expect(log.text()).not.toContain(sim.keys.tenants.DEMO!.rw);
    expect(log.text()).not.toContain(sim.keys.tenants.DEMO!.ro);
    expect(JSON.stringify(h.events.events)).not.toContain(h.key);
  });
});
