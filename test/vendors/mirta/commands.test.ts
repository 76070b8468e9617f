import { describe, expect, it } from 'vitest';
import type { BridgeError } from '../../../src/errors.js';
import type { ValidatedCommand } from '../../../src/protocol/commands.js';
import { commandOutcome, planCommand } from '../../../src/vendors/mirta/commands.js';
import { parseCommandReply } from '../../../src/vendors/mirta/command-reply.js';

const codes = { code: 'DEMO', all: ['DEMO', 'GLOBEX'] };
const issuedAt = new Date('2026-11-23T10:00:00.000Z');
const cmd = (type: string, args: Record<string, unknown>) => ({ id: 'c1', tenant: 'acme', type, args }) as unknown as ValidatedCommand;
const identity = (text: string) => text;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as BridgeError).code;
  }
  return undefined;
}

describe('planCommand', () => {
  it('maps dial with its options', () => {
    const plan = planCommand(cmd('dial', { from: '101', to: '33170200258', callerId: 'ACME', timeoutSec: 20, record: true }), codes, issuedAt);
    expect(plan.params).toEqual({
      reqtype: 'DIAL',
      tenant: 'DEMO',
      source: '101',
      dest: '33170200258',
      destclid: 'ACME',
      dialtimeout: '20',
      recording: 'yes',
    });
    expect(planCommand(cmd('dial', { from: '101-DEMO', to: '102' }), codes, issuedAt).params.source).toBe('101');
  });

  it('gives dial a hint: a new channel of the source peer or with the dialled number', () => {
    const hint = planCommand(cmd('dial', { from: '101', to: '33170200258' }), codes, issuedAt).observe!;
    expect(hint.topic).toBe('channels');
    const fresh = '2026-11-23T10:00:01.000Z';
    expect(hint.matches({ peer: '101-DEMO', startedAt: fresh }, 'SIP/101-DEMO-0000002a')).toBe(true);
    expect(hint.matches({ peer: 'trunk-DEMO', calleeNumber: '33170200258', startedAt: fresh }, 'SIP/trunk-DEMO-1')).toBe(true);
    expect(hint.matches({ peer: '102-DEMO', startedAt: fresh }, 'SIP/102-DEMO-1')).toBe(false);
    // Parties are per call: another phone's leg naming the number is not the dialled party's leg.
    expect(hint.matches({ peer: '102-DEMO', calleeNumber: '33170200258', startedAt: fresh }, 'SIP/102-DEMO-1')).toBe(false);
    // A call the agent was already on is not this command's effect.
    expect(hint.matches({ peer: '101-DEMO', startedAt: '2026-11-23T09:50:00.000Z' }, 'SIP/101-DEMO-1')).toBe(false);
  });

  it('maps hangup, transfer, attended transfer', () => {
    expect(planCommand(cmd('hangup', { channel: 'SIP/100-DEMO-0000002a' }), codes, issuedAt).params).toEqual({
      reqtype: 'HANGUP',
      tenant: 'DEMO',
      channel: 'SIP/100-DEMO-0000002a',
    });
    expect(planCommand(cmd('transfer', { channel: 'SIP/100-DEMO-1', to: '102', extraChannel: 'SIP/trunk-DEMO-2' }), codes, issuedAt).params).toEqual({
      reqtype: 'TRANSFER',
      tenant: 'DEMO',
      channel: 'SIP/100-DEMO-1',
      dest: '102',
      extrachannel: 'SIP/trunk-DEMO-2',
    });
    expect(planCommand(cmd('attended_transfer', { channel: 'SIP/100-DEMO-1', to: '102' }), codes, issuedAt).params).toEqual({
      reqtype: 'ATXTRANSFER',
      tenant: 'DEMO',
      channel: 'SIP/100-DEMO-1',
      dest: '102',
    });
  });

  it("refuses another tenant's channel or agent before sending", () => {
    expect(codeOf(() => planCommand(cmd('hangup', { channel: 'SIP/200-GLOBEX-00000001' }), codes, issuedAt))).toBe('not_found');
    expect(codeOf(() => planCommand(cmd('agent.pause', { queue: '310', agent: '201-GLOBEX' }), codes, issuedAt))).toBe('invalid_argument');
    expect(codeOf(() => planCommand(cmd('callback.request', { popup: '1', number: '1' }), codes, issuedAt))).toBe('unsupported');
  });

  it('maps agent pause/unpause with the <ext>-<TENANT> id and a queue/agent hint', () => {
    const pause = planCommand(cmd('agent.pause', { queue: '281', agent: '101', reason: 'Lunch' }), codes, issuedAt);
    expect(pause.params).toEqual({ reqtype: 'AGENT', tenant: 'DEMO', action: 'pause', queue: '281', extension: '101-DEMO', pausereason: 'Lunch' });
    expect(pause.observe?.topic).toBe('agents');
    expect(pause.observe?.matches({ paused: true }, '281/101-DEMO')).toBe(true);
    expect(pause.observe?.matches({ paused: false }, '281/101-DEMO')).toBe(false);
    const unpause = planCommand(cmd('agent.unpause', { queue: '281', agent: '101-DEMO' }), codes, issuedAt);
    expect(unpause.params).toEqual({ reqtype: 'AGENT', tenant: 'DEMO', action: 'unpause', queue: '281', extension: '101-DEMO' });
    expect(unpause.observe?.matches({ paused: false }, '281/101-DEMO')).toBe(true);
  });

  it('maps flow.set', () => {
    const plan = planCommand(cmd('flow.set', { number: '700', state: 'INUSE' }), codes, issuedAt);
    expect(plan.params).toEqual({ reqtype: 'SETFLOW', tenant: 'DEMO', number: '700', state: 'INUSE' });
    expect(plan.observe?.matches({ state: 'INUSE' }, '700')).toBe(true);
    expect(plan.observe?.matches({ state: 'NOT_INUSE' }, '700')).toBe(false);
  });
});

describe('commandOutcome', () => {
  const dial = planCommand(cmd('dial', { from: '101', to: '102' }), codes, issuedAt);

  it('returns the originate id as callId, with the hint', () => {
    const outcome = commandOutcome(dial, parseCommandReply('Success|Originate successfully queued|15a4cfe6429054|'), identity);
    expect(outcome.result).toEqual({ callId: '15a4cfe6429054', message: 'Originate successfully queued' });
    expect(outcome.observe?.topic).toBe('channels');
  });

  it('turns refusals, auth text and empty answers into vendor_error, redacting the key', () => {
    const fail = (body: string) => {
      try {
        commandOutcome(dial, parseCommandReply(body), (text) => text.replaceAll('SECRETKEY', '[redacted]'));
      } catch (err) {
        return { code: (err as BridgeError).code, message: (err as Error).message };
      }
      return undefined;
    };
    expect(fail('{"Response":"Error","Message":"Extension does not exist.","ID":"1"}')).toEqual({
      code: 'vendor_error',
      message: 'Extension does not exist.',
    });
    expect(fail('Too bad... you mistaken the security api key.\n')).toEqual({ code: 'vendor_error', message: 'authentication refused by the PBX' });
    expect(fail('')?.code).toBe('vendor_error');
    expect(fail('Error|bad key SECRETKEY|')).toEqual({ code: 'vendor_error', message: 'bad key [redacted]' });
  });
});
