import { afterEach, describe, expect, it } from 'vitest';
import type { MirtaSimulator } from '../../../src/simulators/mirta/index.js';
import { waitFor } from '../../support/wait-for.js';
import { json, startSim, tenantApi } from './harness.js';

type Row = Record<string, string>;

/** CHANNELS over HTTP, as the bridge polls it. */
async function pollChannels(sim: MirtaSimulator): Promise<Row[]> {
  const answer = await tenantApi(sim, { reqtype: 'CHANNELS', format: 'json' });
  return answer.text === '' ? [] : json<Row[]>(answer);
}

describe('MiRTA simulator: commands', () => {
  let sim: MirtaSimulator;
  afterEach(() => sim?.close());

  it('DIAL answers at once with a 14-hex id, then the source rings, answers, and the far leg is bridged', async () => {
    sim = await startSim();
    const answer = await tenantApi(sim, { reqtype: 'DIAL', source: '100', dest: '101' });
    expect(answer.text).toMatch(/^Success\|Originate successfully queued\|[0-9a-f]{14}\|$/);
    const seen = new Set<string>();
    await waitFor(async () => {
      const rows = await pollChannels(sim);
      for (const row of rows) seen.add(`${(row.Channel ?? '').split('-')[0]}:${row.ChannelStateDesc}`);
      return rows.length === 2 && rows.every((r) => r.ChannelStateDesc === 'Up' && r.BridgedChannel !== '');
    });
    // Pollers saw the transitions, not just the end state.
    expect(seen).toContain('SIP/100:Ringing');
    expect(seen).toContain('SIP/100:Up');
    const rows = await pollChannels(sim);
    expect(rows[0]).toMatchObject({ CallerIDNum: '100', ConnectedLineNum: '101' });
    expect(rows[1]).toMatchObject({ CallerIDNum: '101', ConnectedLineNum: '100' });
    const id = answer.text.split('|')[2];
    expect(sim.model.calls('DEMO')[0]?.originateId).toBe(id);
  });

  it('DIAL in JSON, and `Extension does not exist.` for an unknown source or destination', async () => {
    sim = await startSim();
    const ok = json<Row>(await tenantApi(sim, { reqtype: 'DIAL', source: '100', dest: '0612345678', format: 'json' }));
    expect(ok).toEqual({ Response: 'Success', Message: 'Originate successfully queued', ID: expect.stringMatching(/^[0-9a-f]{14}$/) });
    const badDest = json<Row>(await tenantApi(sim, { reqtype: 'DIAL', source: '100', dest: '999', format: 'json' }));
    expect(badDest).toMatchObject({ Response: 'Error', Message: 'Extension does not exist.' });
    const badSource = await tenantApi(sim, { reqtype: 'DIAL', source: '555', dest: '101' });
    expect(badSource.text).toMatch(/^Error\|Extension does not exist\.\|[0-9a-f]{14}\|$/);
    await waitFor(() => sim.model.channels().some((leg) => leg.peer === 'trunk-DEMO' && leg.state === 'Up'));
  });

  it('DIAL from an unregistered phone is queued but never rings', async () => {
    sim = await startSim();
    const answer = await tenantApi(sim, { reqtype: 'DIAL', source: '108', dest: '101' });
    expect(answer.text.startsWith('Success|')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sim.model.channels()).toHaveLength(0);
  });

  it('HANGUP by channel: Success, then the call is gone; an unknown channel is `No such channel`', async () => {
    sim = await startSim();
    const { aLeg } = sim.model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    sim.model.answerCall(aLeg);
    expect((await tenantApi(sim, { reqtype: 'HANGUP', channel: 'SIP/100-DEMO-ffffffff' })).text).toBe('Error|No such channel|');
    const answer = await tenantApi(sim, { reqtype: 'HANGUP', channel: aLeg, format: 'json' });
    expect(json(answer)).toEqual({ Response: 'Success', Message: 'Channel Hungup' });
    await waitFor(async () => (await pollChannels(sim)).length === 0);
    expect(sim.model.deviceState('101-DEMO')?.state).toBe('NOT_INUSE');
    // A tenant key cannot reach another tenant's channel.
    const { aLeg: globex } = sim.model.startCall({ tenant: 'GLOBEX', from: '200', to: '201' });
    expect((await tenantApi(sim, { reqtype: 'HANGUP', channel: globex })).text).toBe('Error|No such channel|');
  });

  it('HANGUP by extension (either form)', async () => {
    sim = await startSim();
    sim.model.startCall({ tenant: 'DEMO', from: '103', to: '104' });
    expect((await tenantApi(sim, { reqtype: 'HANGUP', extension: '105' })).text).toBe('Error|No such channel|');
    expect((await tenantApi(sim, { reqtype: 'HANGUP', extension: '104-DEMO' })).text).toBe('Success|Channel Hungup|');
    await waitFor(() => sim.model.channels().length === 0);
  });

  it('TRANSFER: the partner drops and the channel rings the destination, which answers', async () => {
    sim = await startSim();
    const { aLeg, bLeg } = sim.model.startCall({ tenant: 'DEMO', from: '+33612345678', to: '101', inbound: true });
    sim.model.answerCall(aLeg);
    expect((await tenantApi(sim, { reqtype: 'TRANSFER', channel: aLeg, dest: '777' })).text).toBe('Error|Extension does not exist.|');
    expect((await tenantApi(sim, { reqtype: 'TRANSFER', channel: aLeg, dest: '102', extrachannel: bLeg ?? '' })).text).toBe('Success|Redirect successful|');
    await waitFor(() => {
      const partner = sim.model.channel(aLeg)?.bridgedTo;
      return partner !== null && partner !== undefined && partner.startsWith('SIP/102-DEMO-');
    });
    expect(sim.model.channel(bLeg ?? '')).toBeUndefined();
    expect(sim.model.deviceState('101-DEMO')?.state).toBe('NOT_INUSE');
    expect(sim.model.deviceState('102-DEMO')?.state).toBe('INUSE');
  });

  it('ATXTRANSFER: partner held while consulting, then bridged to the target when the transferrer drops', async () => {
    sim = await startSim();
    const { aLeg, bLeg } = sim.model.startCall({ tenant: 'DEMO', from: '+33612345678', to: '101', inbound: true });
    sim.model.answerCall(aLeg);
    expect((await tenantApi(sim, { reqtype: 'ATXTRANSFER', channel: bLeg ?? '', dest: '103' })).text).toBe('Success|Atxfer successfully queued|');
    await waitFor(() => sim.model.channel(aLeg)?.held === true);
    expect((await pollChannels(sim)).find((r) => r.Channel === aLeg)?.ApplicationData).toBe('hold');
    await waitFor(() => sim.model.channel(aLeg)?.bridgedTo?.startsWith('SIP/103-DEMO-') === true);
    expect(sim.model.channel(aLeg)?.held).toBe(false);
    expect(sim.model.channel(bLeg ?? '')).toBeUndefined();
  });

  it('AGENT pause / unpause mutate the agent; missing extension and non-members answer as the vendor', async () => {
    sim = await startSim();
    const pause = await tenantApi(sim, { reqtype: 'AGENT', action: 'PAUSE', queue: '281', extension: '102-DEMO', pausereason: 'Breakfast' });
    expect(pause.text).toBe('Success|Interface paused successfully|');
    await waitFor(() => sim.model.queue('DEMO', '281')?.agents.find((a) => a.agent === '102-DEMO')?.paused === true);
    const agents = json<Record<string, Record<string, unknown>>>(await tenantApi(sim, { reqtype: 'INFO', info: 'agents', queue: '281', format: 'json' }));
    expect(agents['102-DEMO']).toMatchObject({ '0': 1, '1': 'paused', '4': 'Breakfast' });
    expect((await tenantApi(sim, { reqtype: 'AGENT', action: 'unpause', queue: '281', extension: '102' })).text).toBe('Success|Interface unpaused successfully|');
    await waitFor(() => sim.model.queue('DEMO', '281')?.agents.find((a) => a.agent === '102-DEMO')?.paused === false);
    expect((await tenantApi(sim, { reqtype: 'AGENT', action: 'pause', queue: '281' })).text).toBe('No extension specified');
    expect((await tenantApi(sim, { reqtype: 'AGENT', action: 'pause', queue: '281', extension: '109' })).text).toBe('Error|Interface not found|');
    expect((await tenantApi(sim, { reqtype: 'AGENT', action: 'listqueues', extension: '102' })).text).toBe('');
  });

  it('SETFLOW changes state and the implied value; bad state and unknown flow are refused', async () => {
    sim = await startSim();
    expect((await tenantApi(sim, { reqtype: 'SETFLOW', number: '700', state: 'INUSE' })).text).toBe('Success|Flow set|');
    await waitFor(() => sim.model.flow('DEMO', '700')?.state === 'INUSE');
    const flows = json<Row[]>(await tenantApi(sim, { reqtype: 'FLOWS', format: 'json' }));
    expect(flows[0]).toMatchObject({ fl_number: '700', st_state: 'INUSE', fl_value: 'night' });
    await tenantApi(sim, { reqtype: 'SETFLOW', number: '702', value: 'overflow-on' });
    await waitFor(() => sim.model.flow('DEMO', '702')?.value === 'overflow-on');
    expect((await tenantApi(sim, { reqtype: 'SETFLOW', number: '700', state: 'OPEN' })).text).toBe('Error|Invalid state|');
    expect((await tenantApi(sim, { reqtype: 'SETFLOW', number: '799' })).text).toBe('Error|Flow not found|');
  });

  it('reply texts are configurable', async () => {
    sim = await startSim({ replies: { hangupOk: 'Hungup!', noSuchChannel: 'Nope' } });
    expect((await tenantApi(sim, { reqtype: 'HANGUP', channel: 'SIP/x' })).text).toBe('Error|Nope|');
  });
});
