import { describe, expect, it } from 'vitest';
import { CallError, MirtaModel, defaultSeed } from '../../../src/simulators/mirta/index.js';

function model(clock?: () => number): MirtaModel {
  return new MirtaModel(defaultSeed(), { clock });
}

const state = (m: MirtaModel, hint: string) => m.deviceState(hint)?.state;

describe('MiRTA simulator: model', () => {
  it('keeps device states in step with channels: ringing, in use, on hold, idle', () => {
    const m = model();
    const { aLeg, bLeg } = m.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    expect([state(m, '100-DEMO'), state(m, '101-DEMO')]).toEqual(['INUSE', 'RINGING']);
    m.answerCall(bLeg ?? '');
    expect([state(m, '100-DEMO'), state(m, '101-DEMO')]).toEqual(['INUSE', 'INUSE']);
    // A second call ringing a busy phone.
    m.startCall({ tenant: 'DEMO', from: '102', to: '101' });
    expect(state(m, '101-DEMO')).toBe('RINGINUSE');
    m.hangupExtension('DEMO', '102');
    m.holdChannel(aLeg);
    expect(state(m, '100-DEMO')).toBe('ONHOLD');
    m.unholdChannel(aLeg);
    expect(state(m, '100-DEMO')).toBe('INUSE');
    expect(m.hangupChannel(bLeg ?? '')).toBe(true);
    expect(m.channels()).toHaveLength(0);
    expect([state(m, '100-DEMO'), state(m, '101-DEMO')]).toEqual(['NOT_INUSE', 'NOT_INUSE']);
    expect(m.hangupChannel(aLeg)).toBe(false);
  });

  it('moves st_timestamp only when the state changes (injectable clock)', () => {
    let now = 1_000_000;
    const m = model(() => now);
    now = 2_000_000;
    m.setPeerStatus('101-DEMO', 'registered', { latencyMs: 99 });
    expect(m.deviceState('101-DEMO')?.since).toBe(1_000_000);
    now = 3_000_000;
    m.setPeerStatus('101-DEMO', 'unregistered');
    expect(m.deviceState('101-DEMO')).toMatchObject({ state: 'UNAVAILABLE', since: 3_000_000 });
  });

  it('drops the calls of a phone that unregisters, and refuses calls from it', () => {
    const m = model();
    m.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    m.setPeerStatus('101-DEMO', 'unregistered');
    expect(m.channels()).toHaveLength(0);
    expect(() => m.startCall({ tenant: 'DEMO', from: '101', to: '100' })).toThrow(CallError);
    expect(() => m.startCall({ tenant: 'DEMO', from: '100', to: '4242' })).toThrow('Extension does not exist.');
    m.setPeerStatus('101-DEMO', 'registered');
    expect(state(m, '101-DEMO')).toBe('NOT_INUSE');
    m.removePeer('101-DEMO');
    expect(m.peer('101-DEMO')).toBeUndefined();
    expect(state(m, '101-DEMO')).toBe('UNAVAILABLE');
  });

  it('sends a call for an unreachable phone to voicemail', () => {
    const m = model();
    const { aLeg, bLeg } = m.startCall({ tenant: 'DEMO', from: '+441632960000', to: '108', inbound: true });
    expect(bLeg).toBeNull();
    expect(m.channel(aLeg)).toMatchObject({ state: 'Up', application: 'VoiceMail', applicationData: '108@DEMO' });
  });

  it('queues callers when no agent is free and rings the least recent agent once one is', () => {
    let now = 5_000_000;
    const m = model(() => now);
    for (const agent of ['101', '102', '103', '104']) m.setAgentPaused({ tenant: 'DEMO', agent, queue: '281', paused: true, reason: 'Admin' });
    const { aLeg, bLeg } = m.startCall({ tenant: 'DEMO', from: '+33600000001', to: '600', inbound: true });
    expect(bLeg).toBeNull();
    expect(m.queue('DEMO', '281')?.waiting.map((w) => w.channel)).toEqual([aLeg]);
    now += 12_000;
    m.setAgentPaused({ tenant: 'DEMO', agent: '103-DEMO', queue: '281', paused: false });
    const ringing = m.channels().find((leg) => leg.dialedBy === aLeg);
    expect(ringing?.peer).toBe('103-DEMO');
    m.answerCall(ringing?.name ?? '');
    const queue = m.queue('DEMO', '281');
    expect(queue?.waiting).toEqual([]);
    expect(queue?.stats).toMatchObject({ received: 1, answered: 1, holdTimeSec: 12, maxHoldSec: 12 });
    expect(queue?.agents.find((a) => a.agent === '103-DEMO')).toMatchObject({ callsTaken: 1, lastCallAt: now });
    now += 30_000;
    m.hangupChannel(aLeg);
    expect(m.queue('DEMO', '281')?.stats.talkTimeSec).toBe(30);
    expect(m.cdrs('DEMO')).toEqual([expect.objectContaining({ direction: 'inbound', whoAnswered: '103-DEMO', to: '600' })]);
  });

  it('counts a caller who hangs up in the queue as abandoned', () => {
    const m = model();
    for (const agent of ['104', '105', '106']) m.setAgentPaused({ tenant: 'DEMO', agent, queue: '282', paused: true });
    const { aLeg } = m.startCall({ tenant: 'DEMO', from: '+33600000002', to: '282', inbound: true });
    m.hangupChannel(aLeg);
    expect(m.queue('DEMO', '282')?.stats).toMatchObject({ received: 1, abandoned: 1, answered: 0 });
    expect(m.cdrs()[0]?.answeredAt).toBeNull();
  });

  it('pauses an agent in every queue when no queue is given, and removes deleted extensions from queues', () => {
    const m = model();
    expect(m.setAgentPaused({ tenant: 'DEMO', agent: '104', paused: true, reason: 'Break' })).toBe(2);
    expect(m.queues('DEMO').map((q) => q.agents.find((a) => a.agent === '104-DEMO')?.pauseReason)).toEqual(['Break', 'Break']);
    expect(m.removeExtension('DEMO', '104')).toBe(true);
    expect(m.queues('DEMO').every((q) => q.agents.every((a) => a.agent !== '104-DEMO'))).toBe(true);
    expect(m.extension('DEMO', '104-DEMO')).toBeUndefined();
  });

  it('notifies listeners and bumps the version on every mutation', () => {
    const m = model();
    const seen: number[] = [];
    const off = m.onChange(() => seen.push(m.version));
    m.setFlow('DEMO', '700', { state: 'INUSE' });
    off();
    m.setFlow('DEMO', '700', { state: 'NOT_INUSE' });
    expect(seen).toHaveLength(1);
    expect(m.flow('DEMO', '700')?.value).toBe('day');
  });
});
