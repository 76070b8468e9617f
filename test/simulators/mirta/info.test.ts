import { afterEach, describe, expect, it } from 'vitest';
import type { MirtaSimulator } from '../../../src/simulators/mirta/index.js';
import { json, startSim, tenantApi } from './harness.js';

type Slots = Record<string, string | number>;

describe('MiRTA simulator: INFO', () => {
  let sim: MirtaSimulator;
  afterEach(() => sim?.close());

  it('queues: {id: name} in JSON, `id: name|` in plain (a label may hold a comma)', async () => {
    sim = await startSim();
    expect(json(await tenantApi(sim, { reqtype: 'INFO', info: 'queues', format: 'json' }))).toEqual({ '281': 'Sales', '282': 'Support, Level 1' });
    expect((await tenantApi(sim, { reqtype: 'INFO', info: 'QUEUES' })).text).toBe('281: Sales|282: Support, Level 1|');
  });

  it('queue: the 23 upper-case figures as strings, waiting callers counted', async () => {
    sim = await startSim();
    sim.model.setAgentPaused({ tenant: 'DEMO', agent: '101', paused: true });
    sim.model.setAgentPaused({ tenant: 'DEMO', agent: '102', paused: true });
    sim.model.setAgentPaused({ tenant: 'DEMO', agent: '103', paused: true });
    sim.model.setAgentPaused({ tenant: 'DEMO', agent: '104', paused: true });
    sim.model.startCall({ tenant: 'DEMO', from: '+33612345678', to: '600', inbound: true });
    const row = json<Record<string, string>>(await tenantApi(sim, { reqtype: 'INFO', info: 'queue', id: '281', format: 'json' }));
    expect(Object.keys(row)).toHaveLength(23);
    expect(row).toMatchObject({ CALLSINQUEUE: '1', AGENTSPAUSED: '4', AGENTSFREE: '0', CALLSRECEIVED: '1', FIRSTWAITING: '0' });
    const plain = await tenantApi(sim, { reqtype: 'INFO', info: 'queue', id: '281' });
    expect(plain.text.startsWith('AGENTSAVAILABLE:0|AGENTSPAUSED:4|')).toBe(true);
    expect((await tenantApi(sim, { reqtype: 'INFO', info: 'queue', id: '999' })).text).toBe('');
  });

  it('agents: positional-only objects in the §1.10 slots: "0" paused (a number), "1" status, "2" device, "4" reason, "5" calls, "6" last call', async () => {
    sim = await startSim();
    const { bLeg } = sim.model.startCall({ tenant: 'DEMO', from: '+33612345678', to: '601', inbound: true });
    const answer = await tenantApi(sim, { reqtype: 'INFO', info: 'agents', queue: '282', format: 'json' });
    // Slot "0" is a JSON number, not a string.
    expect(answer.text).toContain('"107-DEMO":{"0":1,"1":"paused"');
    const agents = json<Record<string, Slots>>(answer);
    expect(Object.keys(agents)).toEqual(['104-DEMO', '105-DEMO', '106-DEMO', '107-DEMO']);
    expect(agents['107-DEMO']).toEqual({
      '0': 1, '1': 'paused', '2': 'NOT_INUSE', '4': 'Lunch', '5': '', '6': '', '7': '', '8': '', '10': '107-DEMO', '11': '107-DEMO',
    });
    const ringing = bLeg ? sim.model.channel(bLeg)?.peer : undefined;
    expect(ringing).toBeDefined();
    expect(agents[ringing ?? '']).toMatchObject({ '0': 0, '1': 'busy', '2': 'RINGING', '4': '', '5': '', '6': '' });
    sim.model.answerCall(bLeg ?? '');
    const after = json<Record<string, Slots>>(await tenantApi(sim, { reqtype: 'INFO', info: 'AGENTS', queue: '282', format: 'json' }));
    expect(after[ringing ?? '']?.['0']).toBe(0);
    expect(after[ringing ?? '']?.['5']).toBe('1');
    expect(after[ringing ?? '']?.['6']).toMatch(/^\d{10}$/);
    sim.model.setPeerStatus('106-DEMO', 'unregistered');
    const gone = json<Record<string, Slots>>(await tenantApi(sim, { reqtype: 'INFO', info: 'agents', queue: '282', format: 'json' }));
    expect(gone['106-DEMO']).toMatchObject({ '0': 0, '1': 'unavailable', '2': 'UNAVAILABLE' });
    const plain = await tenantApi(sim, { reqtype: 'INFO', info: 'agents', queue: '282' });
    expect(plain.text).toContain('107-DEMO:paused|');
  });

  it('agents: `null` for an unknown queue, 0 bytes for a queue without members', async () => {
    sim = await startSim({
      seed: { tenants: [{ code: 'T', name: 'T', node: 'n1', extensions: [{ number: '1', name: 'x' }], queues: [{ id: '5', number: '55', name: 'Empty', agents: [] }] }] },
    });
    const unknown = await tenantApi(sim, { reqtype: 'INFO', info: 'agents', queue: '404', format: 'json' }, 'T');
    expect(unknown.text).toBe('null');
    expect((await tenantApi(sim, { reqtype: 'INFO', info: 'agents', queue: '5', format: 'json' }, 'T')).text).toBe('');
  });

  it('extensions: JSON records carry ~148 fields, secrets included (the bridge must strip them)', async () => {
    sim = await startSim();
    const records = json<Record<string, string>[]>(await tenantApi(sim, { reqtype: 'INFO', info: 'extensions', format: 'json' }));
    expect(records).toHaveLength(14);
    const first = records[0] ?? {};
    expect(Object.keys(first)).toHaveLength(148);
    expect(first).toMatchObject({ ex_number: '100', ex_name: 'Reception', ex_tech: 'SIP', st_state: 'NOT_INUSE', ex_disabled: '0' });
    for (const secret of ['ex_password', 'password', 'ex_webpassword', 'ex_2fa_secret', 'ex_lockpin', 'ex_email']) {
      expect(first[secret], secret).toBeTruthy();
    }
    expect(first.password).toBe(first.ex_password);
    const plain = await tenantApi(sim, { reqtype: 'INFO', info: 'extensions' });
    const lines = plain.text.trimEnd().split('\n');
    expect(lines[0]).toBe('Number|Name|Tech|State|Username|Password|');
    expect(lines[1]).toBe(`100|Reception|SIP|NOT_INUSE|100-DEMO|${first.ex_password}|`);
    const one = json<unknown[]>(await tenantApi(sim, { reqtype: 'INFO', info: 'extensions', number: '105', format: 'json' }));
    expect(one).toHaveLength(1);
  });

  it('extstate: KO when not registered, the live call ids otherwise', async () => {
    sim = await startSim();
    expect(json(await tenantApi(sim, { reqtype: 'INFO', info: 'extstate', ext: '108', format: 'json' }))).toEqual({ UniqueID: 'KO', LinkedID: 'Extension not registered' });
    const { aLeg } = sim.model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    const leg = sim.model.channel(aLeg);
    expect(json(await tenantApi(sim, { reqtype: 'INFO', info: 'extstate', ext: '100', format: 'json' }))).toEqual({ UniqueID: leg?.uniqueid, LinkedID: leg?.linkedid });
  });

  it('cdrs: the one-byte `]` when empty in JSON mode, rows after a call, CSV supported', async () => {
    sim = await startSim();
    expect((await tenantApi(sim, { reqtype: 'INFO', info: 'cdrs', format: 'json' })).text).toBe(']');
    expect((await tenantApi(sim, { reqtype: 'INFO', info: 'cdrs' })).text).toBe('');
    expect((await tenantApi(sim, { reqtype: 'INFO', info: 'queuelogs', format: 'json' })).text).toBe(']');
    const { aLeg } = sim.model.startCall({ tenant: 'DEMO', from: '100', to: '0612345678' });
    sim.model.answerCall(aLeg);
    sim.model.hangupChannel(aLeg);
    const rows = json<Record<string, string>[]>(await tenantApi(sim, { reqtype: 'INFO', info: 'cdrs', format: 'json' }));
    expect(rows).toEqual([expect.objectContaining({ realsrc: '100', lastdst: '0612345678', direction: 'OUT', disposition: 'ANSWERED' })]);
    const csv = await tenantApi(sim, { reqtype: 'INFO', info: 'cdrs', format: 'csv' });
    expect(csv.text.split('\n')[0]).toBe('uniqueid,ID,te_id,realsrc,lastdst,start,duration,answer,direction,disposition');
    const simple = await tenantApi(sim, { reqtype: 'INFO', info: 'simplecdrs', format: 'json' });
    // fetch_array() rows: positional and named keys interleaved.
    expect(simple.text.startsWith('[{"0":"11","sc_te_id":"11","1":"DEMO","tenantcode":"DEMO"')).toBe(true);
  });

  it('unknown info and missing ids: 0 bytes and `No id specified`', async () => {
    sim = await startSim();
    expect((await tenantApi(sim, { reqtype: 'INFO', info: 'nosuch', format: 'json' })).text).toBe('');
    expect((await tenantApi(sim, { reqtype: 'INFO', info: 'recording' })).text).toBe('No id specified');
  });
});
